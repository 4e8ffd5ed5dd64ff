"""Schema inference: one role per column, with the reason a person can check.

Roles (see docs/architecture.md): ``id``, ``numeric``, ``categorical``, ``binary``,
``datetime``, ``latitude``, ``longitude``, ``pii``, ``text``, ``constant``,
``outcome``, ``label`` and ``ignored``. Rules are applied in a fixed order —
user overrides first, then PII (never a feature, never printed, reasons
included), constants, known groupings (a ``Segmentation`` column: a label to
validate against), outcomes (a churn flag, a campaign response, a model's
score: profiled per segment, not clustered on), identifiers, dates,
coordinates, binaries, coded categories, numbers, categories and free text —
so the first rule that fits decides and names itself in ``reason``.

A name alone never makes a column personal data: ``PhoneService`` (Yes/No)
is a binary; a column is PII when its values look like e-mails, phone
numbers, IP addresses, card numbers, IBANs, street addresses or (for a
column named like a name) personal names.

Example
-------
>>> import pandas as pd
>>> frame = pd.DataFrame({"customer_id": [f"C{i:03d}" for i in range(60)],
...                       "email": [f"user{i}@shop.com" for i in range(60)],
...                       "region": [1, 2, 3] * 20,
...                       "spend": [float(i * 7 % 50) for i in range(60)],
...                       "churn": [0, 1, 0] * 20})
>>> schema = infer_schema(frame)
>>> [schema[c].role for c in frame.columns]
['id', 'pii', 'categorical', 'numeric', 'outcome']
>>> schema["region"].reason
'integer codes with 3 levels and a code-like name: treated as a category, not a quantity'
>>> schema.names("outcome")
['churn']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from custseg.data.dates import (
    DateReading,
    check_strptime,
    detect_date_format,
    parse_dates,
    range_problem,
    read_with_format,
    reresolve,
)
from custseg.exceptions import InputError

__all__ = ["FEATURE_ROLES", "ROLES", "ColumnInfo", "Schema", "feature_group", "infer_schema",
           "parse_dates"]

ROLES = ("id", "numeric", "categorical", "binary", "datetime", "latitude", "longitude",
         "pii", "text", "constant", "outcome", "label", "ignored")
#: Roles whose columns can become features.
FEATURE_ROLES = ("numeric", "categorical", "binary", "datetime", "latitude", "longitude")

# Names that suggest personal data: matched as whole words of the snake-case
# name, and (for the unmistakable ones) inside run-together names such as
# CONTACTLASTNAME or ADDRESSLINE1. The values must confirm it.
_PII_NAME = re.compile(
    r"(^|_)(first_?name|last_?name|full_?name|surname|given_?name|name|e_?mail|mail|"
    r"phone|mobile|telephone|tel|cell|address|street|addr|ssn|passport|iban|"
    r"credit_?card|card_?number|card_?no|ip|ip_?address)(_|$)")
_PII_INFIX = re.compile(r"(firstname|lastname|fullname|surname|givenname|email|phone|"
                        r"telephone|address|street|passport|iban|creditcard|cardnumber)")
_PERSON_NAME = re.compile(r"(^|_)(first_?name|last_?name|full_?name|surname|given_?name|name)"
                          r"(_|$)|firstname|lastname|fullname|surname|givenname")
_ID_NAME = re.compile(r"(^id$|^id_|_id$|^.+id$|_no$|_num$|^number$|_number$|^cust|uuid|guid|"
                      r"_key$|^key$|account|clientnum)")
# A customer key, preferred over other identifiers (row numbers, order ids).
_CUSTOMER_KEY = re.compile(r"(^|_)(customer|customers|cust|client|clientnum|member|user|"
                           r"subscriber|shopper|buyer|consumer|household|account|patient|"
                           r"person|contact)(_|$|id|num|no|number|key)|customerid|clientnum|"
                           r"custid|memberid|userid")
_ROW_NUMBER = re.compile(r"^(unnamed_\d+|index|idx|level_0|row|rows|row_?id|row_?names?|"
                         r"row_?num(ber)?|rownum|sr_?no|s_?no|serial|no|n|nr|line|record)$")
_CODE_NAME = re.compile(r"(channel|region|type|code|category|class|group|browser|system|"
                        r"^os$|source|segment|status|cluster|zone|store|branch|department|"
                        r"plan|tier|province|state|country|city|gender|sex)")
_COUNT_NAME = re.compile(r"(^|_)(num|count|n_|kid|teen|child|home|visit|purchase|tenure|year|"
                         r"age|month|day|week|qty|quantity|score|rating|times|trx|freq|"
                         r"orders|items|size)")
_LAT_NAME = re.compile(r"^(lat|latitude|.*_lat|.*_latitude|lat_.*)$")
_LON_NAME = re.compile(r"^(lon|lng|long|longitude|.*_lon|.*_lng|.*_longitude|lon_.*|lng_.*)$")
_DATE_NAME = re.compile(r"(date|time|^dt_|_dt$|_at$|since|joined|signup|created|birthday|"
                        r"^dt$|day$|stamp)")
# Outcomes: a target a model would predict. Strong names need few values;
# weak ones (revenue, purchased) only count when the column is two-valued.
_OUTCOME_NAME = re.compile(r"(^|_)(churn|churned|churn_flag|attrition|attrited|exited|"
                           r"response|responded|converted|conversion|outcome|target|defaulted|"
                           r"accepted_?cmp\d*)(_|$)"
                           # short words only as the whole name: ticket_class is a feature
                           r"|^(y|class|label|default|default_payment\w*|default_flag)$")
_OUTCOME_BINARY_NAME = re.compile(r"(^|_)(revenue|purchased|bought|subscribed|renewed|"
                                  r"cancelled|canceled|retained|left|clicked|accepted)(_|$)")
_MODEL_OUTPUT_NAME = re.compile(r"(^|_)(classifier|prediction|predicted|predict|propensity|"
                                r"probability|proba|prob|naive_bayes|model_score)(_|$)")
# A grouping someone already made (a sales team's A-D): profiled, not re-learned.
_GROUPING_NAME = re.compile(r"(^|_)(segmentation|segment|customer_segment|persona)(_|$)")
#: Few enough values for a target (a flag, a rating of 1-5, a campaign count).
MAX_OUTCOME_LEVELS = 10

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{7,22}$")
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$")
_IPV6 = re.compile(r"^(?=.*:.*:)[0-9A-Fa-f:]{2,39}$")
_CARD = re.compile(r"^\d(?:[ -]?\d){12,18}$")
_IBAN = re.compile(r"^[A-Za-z]{2}\d{2}(?:\s?[A-Za-z0-9]){11,30}$")
# Street addresses in several languages: number + words + a street word, a
# street word + words + number, a word ending in a street suffix + number,
# Cyrillic and Chinese/Japanese forms.
_STREET_WORDS_EN = (r"street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|boulevard|blvd|way|"
                    r"court|ct|place|pl|square|sq|terrace|close|crescent|highway|hwy|parkway|"
                    r"pkwy|suite|ste|floor|apt|unit")
_STREET = re.compile(
    r"^\d+[A-Za-z]?,?\s+(?:[^\d\s,]+\s+){0,5}?(?:" + _STREET_WORDS_EN + r")\b\.?"
    r"|^\d+[A-Za-z]?,?\s+(?:rue|avenue|av\.?|boulevard|bd|chemin|allée|allee|impasse|quai|"
    r"place|route|cours)\b"
    r"|^(?:calle|c/|avenida|avda\.?|av\.|rua|via|viale|vicolo|piazza|piazzale|corso|largo|"
    r"plaza|paseo|carrer|travessa|rue|strada|ulica|ul\.|aleja|al\.|suite|level|floor|"
    r"apt\.?|unit)\s+.*\d"
    r"|^[^\W\d_]+(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|straat|laan|"
    r"gracht|plein|gatan|gata|gate|vej|vägen|veien|tie|katu|utca|út)\s+\d+"
    r"|(?:улица|ул\.|проспект|пр-т|пр\.|переулок|пер\.|шоссе|бульвар|площадь|набережная)"
    r"\s*.*\d"
    r"|[\u4e00-\u9fff\u3040-\u30ff]+(?:路|街|道|巷|弄|丁目|通り?)\s*\d+"
    r"|[\u4e00-\u9fff]+[市区县都府县町村]\S*\d+\s*(?:号|號|番地?|-\d+)",
    re.IGNORECASE)
_PHONE_PUNCT = re.compile(r"\d[\s.\-/]\d|\(\d")
_DIGIT_AND_LETTER = re.compile(r"\d.*[^\W\d_]|[^\W\d_].*\d")
_QUICK_DATE = re.compile(r"^(\d{1,4}[-/. ]\s*(\d|[A-Za-z]{3})|[A-Za-z]{3,9}\.?[-/ ]\d|\d{8}$)")
_PERSON = re.compile(r"^[^\W\d_][^\W\d_'’.\-]*(?:[\s'’.\-]+[^\W\d_]+){0,4}\.?$")
_TRUE_FALSE = {frozenset({"true", "false"}), frozenset({"yes", "no"}), frozenset({"y", "n"}),
               frozenset({"t", "f"}), frozenset({"0", "1"})}
#: Distinct values a column needs before names/addresses count as personal
#: data (a list of a few shops or a yes/no flag is not about persons).
MIN_PII_LEVELS = 10

GROUP_PATTERNS = {
    "demographics": r"(age|gender|sex|income|educat|marital|kid|teen|child|household|birth|"
                    r"occupation|job|family|married|salary)",
    "geography": r"(lat|lon|lng|city|country|region|state|zip|postal|postcode|province|"
                 r"address|distance|geo)",
    "online": r"(web|visit|session|page|click|email_open|open_rate|online|app|mobile|bounce|"
              r"exit|duration|browser|traffic|device|login|digital)",
    "purchase": r"(spend|amount|mnt|purchas|order|revenue|monetary|frequency|recency|basket|"
                r"price|balance|payment|credit|transaction|trx|fresh|milk|grocery|frozen|"
                r"detergent|delicassen|sales|value|cash|loyalty|deal|catalog|store|basket|"
                r"tenure|product|wine|meat|fish|sweet|gold|fruit)",
}


@dataclass
class ColumnInfo:
    """What custseg decided about one input column."""

    name: str
    role: str
    reason: str
    dtype: str
    n_missing: int
    n_unique: int
    group: str = "other"
    date_format: str | None = None

    def to_dict(self) -> dict:
        """Plain dict for summary.json."""
        return asdict(self)


@dataclass
class Schema:
    """Column roles of a table, in input order.

    ``key`` is the identifier that keys ``segments.csv`` (the user's ``--id``,
    or the best customer-key-like ``id`` column).
    """

    columns: dict[str, ColumnInfo] = field(default_factory=dict)
    n_rows: int = 0
    key: str | None = None

    def __getitem__(self, name: str) -> ColumnInfo:
        return self.columns[name]

    def __iter__(self):
        return iter(self.columns.values())

    def names(self, *roles: str) -> list[str]:
        """Names of the columns whose role is one of ``roles``, in input order."""
        return [c.name for c in self.columns.values() if c.role in roles]

    @property
    def id_column(self) -> str | None:
        """The identifier keying segments.csv: ``key``, else the first ``id`` column."""
        if self.key is not None and self.key in self.columns:
            return self.key
        ids = self.names("id")
        return ids[0] if ids else None

    @property
    def label_column(self) -> str | None:
        """The user's external label column, if any."""
        labels = self.names("label")
        return labels[0] if labels else None

    @property
    def outcome_columns(self) -> list[str]:
        """Outcome columns (churn flags, responses, model scores), in input order.

        Example
        -------
        >>> infer_schema(pd.DataFrame({"Churn": [0, 1] * 20,
        ...                            "spend": range(40)})).outcome_columns
        ['Churn']
        """
        return self.names("outcome")

    def feature_columns(self) -> list[str]:
        """Columns whose role lets them become features."""
        return self.names(*FEATURE_ROLES)

    def to_frame(self) -> pd.DataFrame:
        """One row per column: role, reason, dtype, missing, unique, group."""
        return pd.DataFrame([c.to_dict() for c in self.columns.values()]).set_index("name")

    def to_dict(self) -> dict:
        """JSON-ready form for summary.json."""
        return {name: info.to_dict() for name, info in self.columns.items()}


def infer_schema(
    frame: pd.DataFrame,
    *,
    id: str | Iterable[str] | None = None,
    label: str | None = None,
    exclude: Iterable[str] = (),
    categorical: Iterable[str] = (),
    numeric: Iterable[str] = (),
    roles: dict[str, str] | None = None,
    source: str = "input",
    date_format: str | None = None,
    key: str | None = None,
    headerless: bool = False,
) -> Schema:
    """Give every column of ``frame`` one role and a reason.

    Parameters
    ----------
    frame : the customer table.
    id, label, exclude, categorical, numeric : user overrides (column names);
        ``exclude`` gives the role ``ignored``.
    roles : any other overrides, ``{column: role}``.
    source : file name used in error messages.
    date_format : strptime format the user gave (``--date-format``); used for
        every date column whose values it reads.
    key : the customer key found by an earlier step (a transaction log's
        customer column) when the user gave no ``id``.
    headerless : the file had no header row (columns ``column_1`` ...): no name
        can tell an outcome, so a two-valued last column is taken as one (see
        :func:`_headerless_outcome`).

    Raises
    ------
    InputError : an option names a missing column, or a date column reads to
        implausible dates (after next year, or mostly before 1900).

    Example
    -------
    >>> import pandas as pd
    >>> schema = infer_schema(pd.DataFrame({"Channel": [1, 2, 1, 2] * 10,
    ...                                     "Fresh": [12.5, 3.0, 8.25, 1.0] * 10}))
    >>> schema["Channel"].role, schema["Fresh"].role
    ('categorical', 'numeric')
    """
    overrides: dict[str, tuple[str, str]] = {}
    ids = [id] if isinstance(id, str) else list(id or [])
    if key is not None and not ids:
        overrides[key] = ("id", "the customer key of the transaction log (one row per "
                                "customer)")
    for name in ids:
        overrides[name] = ("id", "set by the user (--id)")
    for name in exclude:
        overrides[name] = ("ignored", "excluded by the user (--exclude)")
    for name in categorical:
        overrides[name] = ("categorical", "set by the user (--categorical)")
    for name in numeric:
        overrides[name] = ("numeric", "set by the user (--numeric)")
    for name, role in (roles or {}).items():
        if role not in ROLES:
            raise InputError(f"unknown role {role!r} for column {name!r}", where="config [roles]",
                             fix=f"use one of: {', '.join(ROLES)}")
        overrides[name] = (role, "set by the user (config)")
    if label:
        overrides[label] = ("label", "external label given by the user (--label): used to "
                                     "validate segments, never a feature")
    unknown = [name for name in overrides if name not in frame.columns]
    if unknown:
        raise InputError(
            f"column {unknown[0]!r} named in an option does not exist", where=source,
            fix=f"use one of the file's columns: {_preview(frame.columns)}")
    if date_format is not None:
        check_strptime(date_format)

    schema = Schema(n_rows=len(frame))
    readings: dict[str, DateReading] = {}
    n_rows = len(frame)
    for name, series in frame.items():  # no copy; cheaper than iloc per column
        facts = _Facts(str(name), series)
        if name in overrides:
            role, reason = overrides[name]
            reading = None
            if role == "datetime":
                reading = _user_dates(facts, date_format)
        else:
            role, reason, reading = _infer_role(facts, date_format)
        if role == "datetime" and reading is not None:
            readings[str(name)] = reading
        schema.columns[str(name)] = ColumnInfo(
            name=str(name), role=role, reason=reason, dtype=str(series.dtype),
            n_missing=n_rows - facts.n, n_unique=facts.n_unique,
            group=feature_group(str(name)),
            date_format=reading.format if reading is not None else None)
    if headerless and len(frame.columns) > 2:
        _headerless_outcome(schema, set(overrides))
    _settle_dates(schema, readings, source)
    _choose_key(schema, frame, ids or ([key] if key else []))
    return schema


def _headerless_outcome(schema: Schema, given: set[str]) -> None:
    """A file without a header whose last column holds exactly two values: an outcome.

    Names are how custseg finds outcomes; a headerless file has none. The one
    structural sign left is the UCI convention of the class in the last column of
    a ``.data`` file (german.data: 1 good / 2 bad). It is a convention, not proof,
    so the rule is narrow — no header, the last column, exactly two values, not set
    by the user — and the reason says how to undo it (``--keep``).
    """
    last = list(schema.columns)[-1]
    info = schema.columns[last]
    if last in given or info.n_unique != 2 or info.role not in ("binary", "categorical",
                                                                 "numeric"):
        return
    info.role = "outcome"
    info.reason = ("probably an outcome: the file has no header and its last column holds "
                   "exactly two values, where headerless data files (UCI .data) keep the "
                   "class; not used as a feature, profiled per segment; --keep "
                   f"{last} uses it")


def feature_group(name: str) -> str:
    """Guess the feature group of a column from its name.

    Example
    -------
    >>> feature_group("NumWebVisitsMonth"), feature_group("Income"), feature_group("x1")
    ('online', 'demographics', 'other')
    """
    key = _snake(name)
    for group, pattern in GROUP_PATTERNS.items():
        if re.search(r"(^|_)" + pattern, key):
            return group
    return "other"


# ------------------------------------------------------------------ the facts
class _Facts:
    """What the rules need to know about one column, each computed once."""

    def __init__(self, name: str, series: pd.Series):
        self.name = name
        self.key = _snake(name)
        self.series = series
        self.is_bool = pd.api.types.is_bool_dtype(series)
        self.is_datetime = pd.api.types.is_datetime64_any_dtype(series)
        self.is_num = pd.api.types.is_numeric_dtype(series) and not self.is_bool
        self.is_text = not (self.is_num or self.is_bool or self.is_datetime)
        if self.is_num:
            arr = series.to_numpy(dtype="float64", na_value=np.nan)
            present = arr[~np.isnan(arr)]
            self.numbers = present
            self.n = len(present)
            self.n_unique = len(pd.unique(present)) if self.n else 0
            self._uniques: pd.Series | None = None
        else:
            self.numbers = None
            # one hash pass; factorize costs a third of value_counts on short columns
            codes, self._values = pd.factorize(series, use_na_sentinel=True)
            self._counts = np.bincount(codes[codes >= 0], minlength=len(self._values))
            self._uniques = None
            self.n = int(self._counts.sum())
            self.n_unique = len(self._values)
        self._integral: bool | None = None
        self._text: list[str] | None = None

    @property
    def integral(self) -> bool:
        if self._integral is None:
            with np.errstate(invalid="ignore"):  # inf is not a whole number, say nothing
                self._integral = bool(self.is_num and np.all(np.mod(self.numbers, 1) == 0))
        return self._integral

    def uniques_text(self, limit: int = 2000) -> list[str]:
        """Up to ``limit`` distinct values as stripped text (a spread, not the head).

        Plain Python strings: the checks below run on a few thousand values at
        most, where pandas' per-call overhead would cost more than the work.
        """
        if self._text is None:
            values = pd.unique(self.numbers) if self.is_num else self._values
            step = max(1, len(values) // 2000)
            self._text = [str(v).strip() for v in values[::step][:2000]]
        return self._text[:: max(1, len(self._text) // limit)][:limit]

    def value_counts(self) -> pd.Series:
        """Rows per distinct value, keyed by the column's own values (1, not 1.0)."""
        if self._uniques is None:
            if self.is_num:
                self._uniques = self.series.value_counts(dropna=True, sort=False)
            else:
                self._uniques = pd.Series(self._counts, index=pd.Index(self._values))
        return self._uniques


# ------------------------------------------------------------------ the rules
def _infer_role(f: _Facts, date_format: str | None
                ) -> tuple[str, str, DateReading | None]:
    if f.n == 0:
        return "constant", "every value is missing", None
    pii = _pii(f)
    if pii is not None:
        return "pii", pii, None
    name_note = _name_only_note(f)
    if f.n_unique == 1:
        value = _first_value(f)
        shown = "" if looks_personal([value]) else f" ({_short(value)})"
        return "constant", f"a single value{shown} in every row" + name_note, None
    if _GROUPING_NAME.search(f.key) and f.is_text and f.n_unique <= MAX_OUTCOME_LEVELS:
        return "label", (f"named like an existing segmentation with {f.n_unique} groups: a "
                         "known grouping, used to validate the segments, never a feature "
                         "(--keep COL uses it)"), None
    outcome = _outcome(f)
    if outcome is not None:
        return "outcome", outcome, None
    unique_share = f.n_unique / f.n
    if _ID_NAME.search(f.key) and unique_share > 0.5 and (f.is_text or f.integral):
        return "id", f"identifier by its name, {unique_share:.0%} of values unique", None
    if f.is_text and unique_share >= 0.95 and f.n >= 20 and _short_tokens(f) \
            and not _looks_dated(f):
        return "id", f"near-unique short strings ({unique_share:.0%} unique): an identifier", \
            None
    if f.is_num and f.n >= 20 and unique_share >= 0.95 and f.integral and \
            _id_like_integers(f.numbers) and not _DATE_NAME.search(f.key):
        return "id", ("near-unique integers that look like a running number or a fixed-length "
                      "code: an identifier in disguise"), None
    reading = _dates(f, date_format)
    if reading is not None:
        return "datetime", _date_reason(reading), reading
    if f.is_num and _LAT_NAME.match(f.key) and ((f.numbers >= -90) & (f.numbers <= 90)).all():
        return "latitude", "named like a latitude, values within -90..90", None
    if f.is_num and _LON_NAME.match(f.key) and \
            ((f.numbers >= -180) & (f.numbers <= 180)).all():
        return "longitude", "named like a longitude, values within -180..180", None
    if f.is_bool or f.n_unique == 2:
        values = sorted(str(v).lower() for v in f.value_counts().index)
        if f.is_num and set(values) != {"0", "1"} and f.integral and \
                _CODE_NAME.search(f.key):
            return "categorical", (f"integer codes with 2 levels ({values[0]}/{values[1]}) and "
                                   "a code-like name: treated as a category, not a quantity"
                                   + name_note), None
        if not f.is_num or frozenset(values) in _TRUE_FALSE:
            return "binary", f"two values ({_short(values[0])}/{_short(values[1])})" \
                + name_note, None
    if f.is_num and f.integral and 2 < f.n_unique <= 20 and _CODE_NAME.search(f.key) \
            and not _COUNT_NAME.search(f.key):
        return "categorical", (f"integer codes with {f.n_unique} levels and a code-like name: "
                               "treated as a category, not a quantity"), None
    if f.is_num:
        return "numeric", "numbers" + name_note, None
    text = f.uniques_text()
    avg_len = sum(map(len, text)) / len(text)
    has_spaces = _share(" ", text, "in") > 0.5
    if unique_share > 0.5 and (avg_len > 25 or has_spaces) and f.n_unique > 50:
        return "text", "free text (long, mostly unique strings): not used as a feature", None
    return "categorical", f"text with {f.n_unique} distinct values" + name_note, None


@functools.lru_cache(maxsize=65536)
def _snake(name: str) -> str:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _first_value(f: _Facts):
    return f.value_counts().index[0]


# ------------------------------------------------------------------ PII
def _pii_named(f: _Facts) -> bool:
    return bool(_PII_NAME.search(f.key) or _PII_INFIX.search(f.key.replace("_", "")))


def _pii(f: _Facts) -> str | None:
    """The reason a column is personal data (never showing a value), or None."""
    if f.is_bool or f.is_datetime:
        return None
    kind = _pii_by_content(f)
    if kind is not None:
        return f"values look like {kind}: personal data, never used or shown"
    if not _pii_named(f) or f.n_unique <= 2:
        return None
    text = f.uniques_text()
    many = f.n_unique >= MIN_PII_LEVELS or f.n_unique / max(f.n, 1) > 0.5
    if _PERSON_NAME.search(f.key) and f.is_text and many and _share(_PERSON, text) > 0.8:
        return "named like a person's name, with many distinct name-like values: personal " \
               "data, never used or shown"
    # Pseudonymised names ("Person 17", "Client A-12") identify a person as well as real
    # ones: a name-named text column whose values are nearly all distinct is one per person.
    if _PERSON_NAME.search(f.key) and f.is_text and f.n_unique >= MIN_PII_LEVELS and \
            f.n_unique / max(f.n, 1) >= 0.9:
        return "named like a person's name, with a distinct value for nearly every row: " \
               "personal data, never used or shown"
    if re.search(r"phone|mobile|tel|cell", f.key) and many and _share(_PHONE, text) > 0.8 \
            and _digit_share(text, 7, 15) > 0.8:
        return "named like a phone number, values are phone numbers: personal data, " \
               "never used or shown"
    if re.search(r"addr|street", f.key) and f.is_text and many and \
            _share(_DIGIT_AND_LETTER, text, "search") > 0.5:
        return "named like an address, values hold house numbers and words: personal data, " \
               "never used or shown"
    if re.search(r"mail", f.key) and f.is_text and _share("@", text, "in") > 0.5:
        return "named like an e-mail, values hold addresses: personal data, never used or shown"
    if re.search(r"ssn|passport|iban|card", f.key) and many and \
            f.n_unique / max(f.n, 1) > 0.5:
        return "named like an identity or account number, values nearly unique: personal " \
               "data, never used or shown"
    return None


def _name_only_note(f: _Facts) -> str:
    if not f.is_num and _pii_named(f):
        return "; named like personal data, but the values are not (not treated as PII)"
    return ""


def _pii_by_content(f: _Facts) -> str | None:
    if f.is_num:
        if f.n_unique < 3 or not f.integral or np.abs(f.numbers).max() < 1e12:
            return None
        digits = np.floor(np.log10(np.maximum(np.abs(f.numbers[:2000]), 1))) + 1
        if ((digits >= 13) & (digits <= 19)).mean() > 0.9 and f.series.dtype.kind in "iu" \
                and _luhn_share([str(int(v)) for v in pd.unique(  # int64: exact digits
                    f.series.dropna().to_numpy())[:2000]]) > 0.9:
            return "card numbers (Luhn-valid 13-19 digits)"
        return None
    text = f.uniques_text()
    if not text:  # even one e-mail in every row is personal data
        return None
    if _share(_EMAIL, text) > 0.5:
        return "e-mail addresses"
    if _share(_IPV4, text) + _share(_IPV6, text) > 0.5:
        return "IP addresses"
    if _share(_CARD, text) > 0.8 and _luhn_share(_compact(text)) > 0.9:
        return "card numbers (Luhn-valid 13-19 digits)"
    if _share(_IBAN, text) > 0.8 and _iban_share(_compact(text)) > 0.9:
        return "IBANs (bank account numbers)"
    many = f.n_unique >= MIN_PII_LEVELS or f.n_unique / max(f.n, 1) > 0.5
    if many and _share(_STREET, text, "search") > 0.5:
        return "street addresses"
    if _share(_PHONE, text) > 0.8 and _digit_share(text, 7, 15) > 0.8 and \
            _share(_PHONE_PUNCT, text, "search") > 0.5 and _not_dates(text):
        return "phone numbers"
    return None


def looks_personal(values: Iterable) -> bool:
    """Whether values look like e-mails, phones, IPs, card numbers or IBANs.

    For messages that would quote a value: a personal one is never quoted.

    Example
    -------
    >>> looks_personal(["ann@shop.com"]), looks_personal(["03/01/19"])
    (True, False)
    """
    texts = [str(v).strip() for v in values][:50]
    if not texts:
        return False
    compact = _compact(texts)
    return bool(_share(_EMAIL, texts) + _share(_IPV4, texts) + _share(_IPV6, texts) > 0
                or _luhn_share(compact) > 0 or _share(_IBAN, texts) > 0
                or (_share(_PHONE, texts) > 0 and _digit_share(texts, 7, 15) > 0
                    and _not_dates(texts)))


def _share(pattern: re.Pattern | str, texts: list[str], how: str = "match") -> float:
    """Share of ``texts`` matching ``pattern`` (``match``, ``search`` or substring ``in``)."""
    if not texts:
        return 0.0
    if how == "in":
        hits = sum(pattern in t for t in texts)
    else:
        test = pattern.match if how == "match" else pattern.search
        hits = sum(test(t) is not None for t in texts)
    return hits / len(texts)


def _digit_share(texts: list[str], lo: int, hi: int) -> float:
    counts = [sum(ch.isdigit() for ch in t) for t in texts]
    return sum(lo <= c <= hi for c in counts) / max(len(counts), 1)


def _compact(texts: list[str]) -> list[str]:
    return [re.sub(r"[\s-]", "", t) for t in texts]


def _not_dates(texts: list[str]) -> bool:
    return detect_date_format(pd.Series(texts, dtype=object),
                              np.ones(len(texts), dtype=np.int64)) is None


def _luhn_share(digits: list[str]) -> float:
    """Share of strings of 13-19 digits that pass the Luhn check (cards do, ids 10%)."""
    values = [d for d in digits if re.fullmatch(r"\d{13,19}", d)]
    if not values:
        return 0.0
    width = 19
    padded = [v.zfill(width) for v in values]
    mat = np.frombuffer("".join(padded).encode("ascii"), dtype=np.uint8).reshape(
        -1, width).astype(np.int64) - 48
    # double every second digit from the right (the check digit is not doubled)
    double = (np.arange(width)[::-1] % 2) == 1
    mat[:, double] *= 2
    mat[mat > 9] -= 9
    valid = mat.sum(axis=1) % 10 == 0
    return float(valid.sum() / len(digits))


def _iban_share(compact: list[str]) -> float:
    """Share of values passing the IBAN mod-97 check."""
    def valid(code: str) -> bool:
        code = code.upper()
        if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", code):
            return False
        moved = code[4:] + code[:4]
        return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1
    sample = compact[:500]
    return sum(map(valid, sample)) / len(sample) if sample else 0.0


# ------------------------------------------------------------------ outcomes
def _outcome(f: _Facts) -> str | None:
    how = "not used as a feature by default; profiled per segment; --keep COL uses it"
    if _MODEL_OUTPUT_NAME.search(f.key):
        return ("named like a model's output or score: it would leak a known outcome into "
                f"the segments; {how}")
    if f.n_unique > MAX_OUTCOME_LEVELS or f.is_datetime:
        return None
    if _OUTCOME_NAME.search(f.key) or (f.n_unique == 2 and _OUTCOME_BINARY_NAME.search(f.key)):
        return (f"named like a target (churn, response, conversion ...) with {f.n_unique} "
                f"values: an outcome, {how}")
    return None


# ------------------------------------------------------------------ ids
def _short_tokens(f: _Facts) -> bool:
    text = f.uniques_text(1000)
    return bool(sum(map(len, text)) / len(text) <= 40 and _share(" ", text, "in") < 0.2)


def _looks_dated(f: _Facts) -> bool:
    """Near-unique timestamps are dates, not identifiers."""
    text = f.uniques_text(200)
    if _DATE_NAME.search(f.key) is not None:
        return True
    return _share(_QUICK_DATE, text) >= 0.5 and not _not_dates(text)


def _id_like_integers(arr: np.ndarray) -> bool:
    lo, hi, n = arr.min(), arr.max(), len(arr)
    sequential = lo >= 0 and (hi - lo + 1) <= 1.5 * n
    digits = np.floor(np.log10(np.maximum(np.abs(arr), 1))) + 1
    fixed_length_code = hi >= 1e7 and digits.min() == digits.max()
    return bool(sequential or fixed_length_code)


def _row_number(name: str, series: pd.Series) -> bool:
    """A row number or index: so named, or exactly 0..n-1 / 1..n in input order."""
    if _ROW_NUMBER.match(_snake(name)):
        return True
    if not pd.api.types.is_integer_dtype(series) or series.isna().any() or series.empty:
        return False
    values = series.to_numpy()
    start = int(values[0])
    return start in (0, 1) and bool(np.array_equal(values, np.arange(start,
                                                                      start + len(values))))


def _choose_key(schema: Schema, frame: pd.DataFrame, given: list[str]) -> None:
    """Pick the identifier that keys segments.csv, and say why in the reasons."""
    if given:
        schema.key = given[0]
        return
    ids = schema.names("id")
    if len(ids) <= 1:
        schema.key = ids[0] if ids else None
        return

    def rank(name: str) -> tuple[int, str]:
        key = _snake(name)
        if _CUSTOMER_KEY.search(key) or _CUSTOMER_KEY.search(key.replace("_", "")):
            return 3, "its name says it is a customer key"
        if _row_number(name, frame[name]):
            return 0, "a row number or index"
        if _ID_NAME.search(key):
            return 2, "named like an identifier"
        return 1, "unique values"

    ranks = {name: rank(name) for name in ids}
    best = max(ids, key=lambda n: (ranks[n][0], -ids.index(n)))
    schema.key = best
    others = [n for n in ids if n != best]
    why_not = "; ".join(f"{n!r}: {ranks[n][1]}" for n in others)
    schema.columns[best].reason += (
        f"; chosen as the key of segments.csv among {len(ids)} id-like columns because "
        f"{ranks[best][1]} (others: {why_not}); --id COL chooses another")
    for name in others:
        schema.columns[name].reason += f"; not the key of segments.csv ({best!r} is)"


# ------------------------------------------------------------------ dates
def _dates(f: _Facts, user_format: str | None) -> DateReading | None:
    if f.is_datetime:
        return detect_date_format(f.series)
    # a header that is itself a date (19970101): a headerless file's first data row
    named = _DATE_NAME.search(f.key) is not None or re.fullmatch(
        r"(19|20)\d{6}(_\d+)?", f.key) is not None
    if f.is_num and not (named and f.integral):
        return None
    if f.is_text and user_format is None and _share(_QUICK_DATE, f.uniques_text(50)) < 0.5:
        return None  # most text columns: rejected on 50 values, no pass over the column
    counts = f.value_counts()
    uniques = counts.index.to_series().reset_index(drop=True)
    reading = detect_date_format(uniques, counts.to_numpy(), numeric_ok=named,
                                 name_hint=named)
    if user_format is not None and (reading is not None or f.is_text):
        user = read_with_format(uniques, counts.to_numpy(), user_format)
        if user.n_unreadable <= 0.05 * max(user.n_rows, 1):
            return user
        if reading is not None:
            return _replace_evidence(reading, reading.evidence + f"; --date-format "
                                     f"{user_format} does not read these values")
    return reading


def _user_dates(f: _Facts, user_format: str | None) -> DateReading | None:
    """The reading of a column the user made a date (config roles)."""
    if f.is_datetime:
        return detect_date_format(f.series)
    counts = f.value_counts()
    uniques = counts.index.to_series().reset_index(drop=True)
    if user_format is not None:
        return read_with_format(uniques, counts.to_numpy(), user_format)
    return detect_date_format(uniques, counts.to_numpy(), numeric_ok=True)


def _replace_evidence(reading: DateReading, evidence: str) -> DateReading:
    return replace(reading, evidence=evidence)


def _date_reason(reading: DateReading) -> str:
    if reading.order == "native":
        text = "stored as dates"
        if reading.utc:
            text += "; time-zone offsets converted to UTC"
        return text
    text = f"values parse as dates with {reading.describe()}"
    if reading.n_unreadable:
        text += f"; {reading.n_unreadable:,} values are not dates and are read as missing"
    if reading.n_before_1900:
        text += (f"; {reading.n_before_1900:,} dates before 1900 are not plausible and are "
                 "read as missing")
    return text


def _settle_dates(schema: Schema, readings: dict[str, DateReading], source: str) -> None:
    """Settle ambiguous orders by the file's certain columns; refuse implausible dates."""
    certain = [(name, r.order) for name, r in readings.items()
               if not r.ambiguous and r.order in ("dmy", "mdy")]
    for name, reading in list(readings.items()):
        if reading.ambiguous and certain:
            other, order = certain[0]
            reading = reresolve(reading, (order, other))
            readings[name] = reading
            info = schema.columns[name]
            info.date_format = reading.format
            if not info.reason.startswith("set by the user"):
                info.reason = _date_reason(reading)
        if reading.order == "user" and reading.n_unreadable > 0.5 * max(reading.n_rows, 1):
            n_read = reading.n_rows - reading.n_unreadable
            raise InputError(
                f"--date-format {reading.format} reads only {n_read:,} of {reading.n_rows:,} "
                f"values in column {name!r}", where=source,
                fix="give the strptime format of this column (e.g. '%d/%m/%Y %H:%M'), or "
                    "leave --date-format out to detect it")
        problem = range_problem(reading, name)
        if problem:
            alt = f"--date-format '{reading.alternative}'" if reading.alternative else \
                "--date-format with the right strptime codes (e.g. '%d/%m/%y')"
            raise InputError(problem, where=source,
                             fix=f"pass the format with {alt}, or --exclude {name} if the "
                                 "column is not a date (or its dates are right)")


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:17] + "..."


def _preview(columns) -> str:
    names = [str(c) for c in columns]
    return ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")

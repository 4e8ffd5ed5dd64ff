"""Schema inference: one role per column, with the reason a person can check.

Roles (see DESIGN.md): ``id``, ``numeric``, ``categorical``, ``binary``,
``datetime``, ``latitude``, ``longitude``, ``pii``, ``text``, ``constant``,
``label`` and ``ignored``. Rules are applied in a fixed order — user overrides
first, then PII (never a feature, never printed), constants, identifiers,
dates, coordinates, binaries, coded categories, numbers, categories and free
text — so the first rule that fits decides and names itself in ``reason``.

Example
-------
>>> import pandas as pd
>>> frame = pd.DataFrame({"customer_id": [f"C{i:03d}" for i in range(60)],
...                       "email": [f"user{i}@shop.com" for i in range(60)],
...                       "region": [1, 2, 3] * 20,
...                       "spend": [float(i * 7 % 50) for i in range(60)]})
>>> schema = infer_schema(frame)
>>> [schema[c].role for c in frame.columns]
['id', 'pii', 'categorical', 'numeric']
>>> schema["region"].reason
'integer codes with 3 levels and a code-like name: treated as a category, not a quantity'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from custseg.exceptions import InputError

ROLES = ("id", "numeric", "categorical", "binary", "datetime", "latitude", "longitude",
         "pii", "text", "constant", "label", "ignored")
#: Roles whose columns can become features.
FEATURE_ROLES = ("numeric", "categorical", "binary", "datetime", "latitude", "longitude")

_PII_NAME = re.compile(
    r"(^|_)(first_?name|last_?name|full_?name|surname|given_?name|name|e_?mail|mail|"
    r"phone|mobile|telephone|tel|cell|address|street|addr|ssn|passport|iban|"
    r"credit_?card|card_?number)(_|$)")
_ID_NAME = re.compile(r"(^id$|^id_|_id$|^.+id$|_no$|_num$|^number$|_number$|^cust|uuid|guid|"
                      r"_key$|^key$|account)")
_CODE_NAME = re.compile(r"(channel|region|type|code|category|class|group|browser|system|"
                        r"^os$|source|segment|status|cluster|zone|store|branch|department|"
                        r"plan|tier|province|state|country|city|gender|sex)")
_COUNT_NAME = re.compile(r"(^|_)(num|count|n_|kid|teen|child|home|visit|purchase|tenure|year|"
                         r"age|month|day|week|qty|quantity|score|rating|times|trx|freq|"
                         r"orders|items|size)")
_LAT_NAME = re.compile(r"^(lat|latitude|.*_lat|.*_latitude|lat_.*)$")
_LON_NAME = re.compile(r"^(lon|lng|long|longitude|.*_lon|.*_lng|.*_longitude|lon_.*|lng_.*)$")
_DATE_NAME = re.compile(r"(date|time|^dt_|_dt$|_at$|since|joined|signup|created|birthday)")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_STREET = re.compile(r"^\d+[A-Za-z]?\s+\w+.*\b(street|st|road|rd|avenue|ave|lane|ln|drive|dr|"
                     r"boulevard|blvd|way|court|ct|place|pl|rua|strasse|straße)\b\.?",
                     re.IGNORECASE)
_TRUE_FALSE = {frozenset({"true", "false"}), frozenset({"yes", "no"}), frozenset({"y", "n"}),
               frozenset({"t", "f"}), frozenset({"0", "1"})}
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d",
                 "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%m-%d-%Y", "%m/%d/%Y",
                 "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M",
                 "%Y%m%d")
_DAY_FIRST = {"%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M"}

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
    """Column roles of a table, in input order."""

    columns: dict[str, ColumnInfo] = field(default_factory=dict)
    n_rows: int = 0

    def __getitem__(self, name: str) -> ColumnInfo:
        return self.columns[name]

    def __iter__(self):
        return iter(self.columns.values())

    def names(self, *roles: str) -> list[str]:
        """Names of the columns whose role is one of ``roles``, in input order."""
        return [c.name for c in self.columns.values() if c.role in roles]

    @property
    def id_column(self) -> str | None:
        """The first column with role ``id`` (used to key segments.csv), or None."""
        ids = self.names("id")
        return ids[0] if ids else None

    @property
    def label_column(self) -> str | None:
        """The user's external label column, if any."""
        labels = self.names("label")
        return labels[0] if labels else None

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
) -> Schema:
    """Give every column of ``frame`` one role and a reason.

    Parameters
    ----------
    frame : the customer table.
    id, label, exclude, categorical, numeric : user overrides (column names);
        ``exclude`` gives the role ``ignored``.
    roles : any other overrides, ``{column: role}``.
    source : file name used in error messages.

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
                                     "validate segments, never as a feature")
    unknown = [name for name in overrides if name not in frame.columns]
    if unknown:
        raise InputError(
            f"column {unknown[0]!r} named in an option does not exist", where=source,
            fix=f"use one of the file's columns: {_preview(frame.columns)}")

    schema = Schema(n_rows=len(frame))
    for name in frame.columns:
        series = frame[name]
        n_unique = int(series.nunique(dropna=True))  # once: a hash pass over every row
        role, reason, date_format = (*overrides[name], None) if name in overrides \
            else _infer_role(str(name), series, n_unique)
        if role == "datetime" and date_format is None and name in overrides:
            date_format = _detect_date_format(series)
        schema.columns[name] = ColumnInfo(
            name=str(name), role=role, reason=reason, dtype=str(series.dtype),
            n_missing=int(series.isna().sum()), n_unique=n_unique,
            group=feature_group(str(name)), date_format=date_format)
    return schema


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


# ------------------------------------------------------------------ the rules
def _infer_role(name: str, series: pd.Series, n_unique: int) -> tuple[str, str, str | None]:
    key = _snake(name)
    present = series.dropna()
    n = len(present)
    if n == 0:
        return "constant", "every value is missing", None
    is_num = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    is_text = not is_num and not pd.api.types.is_bool_dtype(series) and \
        not pd.api.types.is_datetime64_any_dtype(series)

    if _PII_NAME.search(key) and not is_num:
        return "pii", "personal data by its name: never used as a feature or shown", None
    date_format = _detect_date_format(present) if is_text else None
    if is_text and not date_format:
        pii = _pii_by_content(present.astype(str))
        if pii:
            return "pii", f"values look like {pii}: personal data, never used or shown", None
    if n_unique == 1:
        return "constant", f"a single value ({_short(present.iloc[0])}) in every row", None
    unique_share = n_unique / n
    if _ID_NAME.search(key) and unique_share > 0.5 and (is_text or _is_integral(present)):
        return "id", f"identifier by its name, {unique_share:.0%} of values unique", None
    if is_text and unique_share >= 0.95 and n >= 20 and _short_tokens(present):
        return "id", f"near-unique short strings ({unique_share:.0%} unique): an identifier", None
    if is_num and n >= 20 and unique_share >= 0.95 and _is_integral(present) and \
            _id_like_integers(present):
        return "id", ("near-unique integers that look like a running number or a fixed-length "
                      "code: an identifier in disguise"), None
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime", "stored as dates", None
    if date_format or (is_num and _DATE_NAME.search(key)):
        fmt = date_format or _detect_date_format(present)
        if fmt:
            order = " (day first)" if fmt in _DAY_FIRST else ""
            return "datetime", f"values parse as dates with format {fmt}{order}", fmt
    if is_num and _LAT_NAME.match(key) and present.between(-90, 90).all():
        return "latitude", "named like a latitude, values within -90..90", None
    if is_num and _LON_NAME.match(key) and present.between(-180, 180).all():
        return "longitude", "named like a longitude, values within -180..180", None
    if pd.api.types.is_bool_dtype(series) or n_unique == 2:
        values = sorted(str(v).lower() for v in present.unique())
        if is_num and set(values) != {"0", "1"} and _is_integral(present) and \
                _CODE_NAME.search(key):
            return "categorical", (f"integer codes with 2 levels ({values[0]}/{values[1]}) and "
                                   "a code-like name: treated as a category, not a quantity"), None
        if not is_num or frozenset(values) in _TRUE_FALSE:
            return "binary", f"two values ({_short(values[0])}/{_short(values[1])})", None
    if is_num and _is_integral(present) and 2 < n_unique <= 20 and _CODE_NAME.search(key) \
            and not _COUNT_NAME.search(key):
        return "categorical", (f"integer codes with {n_unique} levels and a code-like name: "
                               "treated as a category, not a quantity"), None
    if is_num:
        return "numeric", "numbers", None
    avg_len = present.astype(str).str.len().mean()
    has_spaces = present.astype(str).str.contains(" ").mean() > 0.5
    if unique_share > 0.5 and (avg_len > 25 or has_spaces) and n_unique > 50:
        return "text", "free text (long, mostly unique strings): not used as a feature", None
    return "categorical", f"text with {n_unique} distinct values", None


def _snake(name: str) -> str:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _pii_by_content(values: pd.Series) -> str | None:
    sample = values.head(500)
    if sample.str.match(_EMAIL).mean() > 0.5:
        return "e-mail addresses"
    if sample.str.match(_STREET).mean() > 0.5:
        return "street addresses"
    digits = sample.str.replace(r"\D", "", regex=True).str.len()
    if sample.str.match(_PHONE).mean() > 0.8 and digits.between(7, 15).mean() > 0.8 and \
            sample.str.contains(r"[\s().+-]").mean() > 0.5:
        return "phone numbers"
    return None


def _is_integral(values: pd.Series) -> bool:
    if not pd.api.types.is_numeric_dtype(values):
        return False
    arr = values.to_numpy(dtype="float64")
    head = arr[:10_000]  # measured values fail here, without a pass over every row
    if not np.all(np.mod(head, 1) == 0):
        return False
    return bool(np.all(np.mod(arr, 1) == 0))


def _id_like_integers(values: pd.Series) -> bool:
    arr = values.to_numpy(dtype="float64")
    lo, hi, n = arr.min(), arr.max(), len(arr)
    sequential = lo >= 0 and (hi - lo + 1) <= 1.5 * n
    digits = np.floor(np.log10(np.maximum(np.abs(arr), 1))) + 1
    fixed_length_code = hi >= 1e7 and digits.min() == digits.max()
    return bool(sequential or fixed_length_code)


def _short_tokens(values: pd.Series) -> bool:
    text = values.astype(str).head(1000)
    return bool(text.str.len().mean() <= 40 and (~text.str.contains(" ")).mean() > 0.8)


def _detect_date_format(values: pd.Series) -> str | None:
    sample = values.dropna().astype(str).str.strip().head(500)
    if sample.empty or not sample.str.contains(r"\d").all():
        return None
    candidates = []
    for fmt in _DATE_FORMATS:
        if fmt == "%Y%m%d" and not sample.str.fullmatch(r"(19|20)\d{6}").all():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
        if parsed.notna().all():
            candidates.append(fmt)
    if not candidates:
        return None
    # Day-first and month-first both parse when every day is <= 12; prefer the
    # order that the separator usually means (dd-mm-yyyy, mm/dd/yyyy).
    return candidates[0]


def parse_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    """Parse a column to datetimes with the format schema inference found.

    Example
    -------
    >>> parse_dates(pd.Series(["04-09-2012", "21-08-2013"]), "%d-%m-%Y").dt.month.tolist()
    [9, 8]
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    text = values.astype("string")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(text, format=date_format, errors="coerce")


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:17] + "..."


def _preview(columns) -> str:
    names = [str(c) for c in columns]
    return ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")

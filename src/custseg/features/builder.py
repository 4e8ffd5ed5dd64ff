"""Transaction log -> one row of features per customer, aggregated by DuckDB.

The SQL runs over the files themselves (``read_parquet`` / ``read_csv``), so a
log larger than memory works: DuckDB spills to a temporary folder. pandas only
holds the result, one row per customer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import tempfile
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from custseg.exceptions import ConfigError, InputError
from custseg.features.columns import (
    CANCEL_VALUE,
    LogColumns,
    detect_log_columns,
    find_log_roles,
)
from custseg.features.dates import date_expression, is_numeric_type
from custseg.features.logsql import (
    DUCKDB,
    INTEGER_FEATURES,
    PURCHASE,
    SHARE_ROLES,
    ShareColumns,
    customer_features_sql,
    customer_sums_sql,
    line_values_sql,
    rule_params,
    share_columns,
    top_values_sql,
    used_condition,
)
from custseg.features.quality import QUALITY_COUNTS, QualityRules
from custseg.features.source import LogSource, open_source, quote_ident

__all__ = ["CANCEL_EVIDENCE", "CANCEL_PREFIX_RE", "FEATURE_DEFINITIONS", "MIN_MEMORY_LIMIT",
           "CustomerFeatures", "build_customer_features", "cancel_prefixes_from_evidence",
           "decide_cancel_rule"]

#: An invoice prefix marks cancellations only when at least this share of the prefixed
#: invoices' lines carry a negative quantity (or a negative amount without a quantity).
#: Measured on Online Retail: the 3,836 "C" invoices have 9,288 lines, 100 % negative;
#: the 3 "A" invoices ("Adjust bad debt") 0 % negative quantity. Order ids with a
#: country prefix ("CA-2016-152156") are purchases, so their lines are almost all
#: positive. 95 % leaves room for a few mis-keyed lines inside real cancellations.
CANCEL_EVIDENCE = 0.95
#: DuckDB allocates memory in 256 KiB blocks and needs several per thread: a 3-line log
#: failed at 4 MB and worked at 8 MB with 2 threads (measured); 16 MB leaves room for more.
MIN_MEMORY_LIMIT = 16 * 10**6
_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "KIB": 2**10,
          "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
#: Leading letters of an order id made of digits after them: "C536379" -> "C",
#: "CA-2016-152156" -> "CA"; hex or mixed ids ("e481f51cbdc5...") have no prefix.
#: Group 1 is the prefix; both engines extract it with this pattern (no backslashes,
#: so it reads the same in DuckDB, Spark/Java and Python).
CANCEL_PREFIX_RE = r"^([A-Za-z]+)[-_ /]?[0-9][0-9 _/-]*$"

# Plain-English definition of every feature column (also used by reports).
FEATURE_DEFINITIONS: dict[str, str] = {
    "recency_days": "days from the customer's last purchase to the as-of date "
                    "(last activity of any kind if the customer never bought)",
    "frequency": "number of distinct non-cancelled orders (invoices); without an invoice "
                 "column, number of distinct purchase days",
    "monetary": "net value: purchases minus returns and cancellations",
    "avg_order_value": "purchase value (before returns) divided by frequency; 0 without orders",
    "tenure_days": "days from the first purchase (first activity if none) to the as-of date",
    "interpurchase_mean_days": "mean days between consecutive distinct purchase days "
                               "(NaN with fewer than 2 purchase days)",
    "interpurchase_cv": "standard deviation / mean of those gaps (0 with one gap, "
                        "NaN with fewer than 2 purchase days)",
    "active_months": "number of distinct calendar months with a purchase",
    "return_rate_value": "returned value / purchase value (NaN without purchases)",
    "return_rate_count": "return lines / purchase lines (NaN without purchases)",
    "trend_90d": "(P_last - P_prev) / (P_last + P_prev) where P_last is the purchase value in "
                 "the 90 days before the as-of date and P_prev in the 90 days before those; "
                 "from -1 (stopped buying) to +1 (new), 0 when both are 0",
    "share_<category>": "share of the purchase value in each of the top categories "
                        "(share_other pools the rest; 0 without purchases); in a log "
                        "without money, the share of the items bought",
    "channel_share_<channel>": "share of the purchase value per channel",
    "main_country": "country on most of the customer's lines (ties: alphabetical)",
}

_MEM = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)


@dataclass
class CustomerFeatures:
    """Result of :func:`build_customer_features`."""

    frame: pd.DataFrame
    quality: dict[str, int]
    rules: dict[str, str]
    columns: LogColumns
    as_of: dt.date
    notes: list[str] = field(default_factory=list)
    definitions: dict[str, str] = field(default_factory=dict)
    #: Which cancellation rule was used and the evidence measured for it.
    cancellation: dict = field(default_factory=dict)
    #: Things a user must see (printed as warnings by ``custseg run``).
    warnings: list[str] = field(default_factory=list)
    #: False for a log without money (no monetary features).
    monetary: bool = True
    #: Customer attributes taken from the lines: how many customers had several values.
    attributes: dict = field(default_factory=dict)
    #: The date format actually used (a strptime format, "ISO 8601", "native ...").
    date_format: str = ""
    #: The category/channel values that got a share column, in column order.
    share_values: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready summary (without the frame itself)."""
        return {
            "n_customers": len(self.frame),
            "feature_columns": [str(c) for c in self.frame.columns[1:]],
            "quality": {k: int(v) for k, v in self.quality.items()},
            "rules": dict(self.rules),
            "columns": self.columns.to_dict(),
            "as_of": self.as_of.isoformat(),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "definitions": dict(self.definitions),
            "cancellation": dict(self.cancellation),
            "monetary": bool(self.monetary),
            "attributes": dict(self.attributes),
        }


def parse_as_of(value, name: str) -> dt.date:
    """Parse an as-of date option, with a clear error (used by both engines)."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{name} {value!r} is not a date", where=name,
                          fix="use YYYY-MM-DD") from err
    if pd.isna(ts):
        raise ConfigError(f"{name} {value!r} is not a date", where=name, fix="use YYYY-MM-DD")
    return ts.date()


def _clean_ids(ids: pd.Series) -> pd.Series:
    """Integral float ids -> integers; digit strings -> integers unless zero-padded."""
    s = ids
    if pd.api.types.is_float_dtype(s):
        nn = s.dropna()
        if len(nn) and np.all(np.mod(nn.to_numpy(), 1) == 0):
            return s.astype("Int64") if s.isna().any() else s.astype("int64")
        return s
    if pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s):
        return s
    txt = s.astype("string")
    nn = txt.dropna()
    if len(nn) and nn.str.fullmatch(r"-?\d{1,18}(\.0+)?").all():
        digits = nn.str.replace(r"\.0+$", "", regex=True)
        if not (digits.str.len().gt(1) & digits.str.lstrip("-").str.startswith("0")).any():
            out = txt.str.replace(r"\.0+$", "", regex=True)
            return out.astype("Int64") if out.isna().any() else out.astype("int64")
    return txt.astype(object).where(txt.notna(), None).astype(str if not txt.isna().any()
                                                               else object)


def _lines_sql(
    con: duckdb.DuckDBPyConnection,
    src: LogSource,
    cols: LogColumns,
    date_format: str | None,
    cancel: dict,
    attributes: tuple[str, ...] = (),
    date_notes: list[str] | None = None,
) -> tuple[str, str, dict, str]:
    """SELECT lists turning raw columns into the staged line table.

    Only what the features need is kept, and line flags are computed once here: the
    staged table is the largest thing held in memory (about 75 bytes a line).
    """
    q = {role: quote_ident(c) for role, c in cols.to_dict().items() if c is not None}
    types = src.types

    def num(role: str) -> str:
        if role not in q:
            return "CAST(NULL AS DOUBLE)"
        t = types[getattr(cols, role)]
        if t in ("DOUBLE", "FLOAT", "REAL"):  # NaN (e.g. from numpy) means missing
            return f"CASE WHEN isnan({q[role]}) THEN NULL ELSE CAST({q[role]} AS DOUBLE) END"
        if is_numeric_type(t):
            return f"CAST({q[role]} AS DOUBLE)"
        return f"TRY_CAST(trim(CAST({q[role]} AS VARCHAR)) AS DOUBLE)"

    def text(role: str) -> str:
        return f"NULLIF(trim(CAST({q[role]} AS VARCHAR)), '')"

    ctype = types[cols.customer]
    if ctype == "VARCHAR":
        cid = text("customer")
    elif ctype in ("DOUBLE", "FLOAT", "REAL"):
        cid = f"CASE WHEN isnan({q['customer']}) THEN NULL ELSE {q['customer']} END"
    else:
        cid = q["customer"]
    ts, dparams, dfmt = date_expression(
        con, src.sql, src.params, q["date"], types[cols.date], date_format, notes=date_notes,
        where=f"date column {cols.date!r}",
    )
    amt = _value_sql(cols, num)
    if types[cols.date] == "VARCHAR":
        has_date = f"(NULLIF(trim({q['date']}), '') IS NOT NULL)"
    else:
        has_date = f"({q['date']} IS NOT NULL)"
    # Raw columns are converted once (inner list); the flags read the converted
    # values (outer list), and qty/price are not kept.
    inner = [f"{cid} AS cid", f"CAST({ts} AS DATE) AS day", f"{has_date} AS has_date",
             f"{num('quantity')} AS qty", f"{num('price')} AS price", f"{amt} AS amt"]
    kept = []
    cat_role = _category_role(cols)
    for role, name in ((("invoice", "inv"), (cat_role, "cat"), ("channel", "chan"),
                        ("country", "country"), ("status", "status"))):
        if role in q:
            inner.append(f"{text(role)} AS {name}")
            if name != "status":
                kept.append(name)
    for i, col in enumerate(attributes):
        inner.append(f"NULLIF(trim(CAST({quote_ident(col)} AS VARCHAR)), '') AS attr{i}")
        kept.append(f"attr{i}")
    params = dict(dparams)
    prefix_cancel = "false"
    if cancel.get("explicit"):
        prefix_cancel = "COALESCE(starts_with(inv, $cancel), false)"
        params["cancel"] = cancel["explicit"]
    elif cancel.get("prefixes"):
        prefix_cancel = (f"COALESCE(list_contains($cancel_prefixes, "
                         f"regexp_extract(inv, '{CANCEL_PREFIX_RE}', 1)), false)")
        params["cancel_prefixes"] = list(cancel["prefixes"])
    # A status-cancelled line is the order itself, never completed: it is voided
    # (worth 0, activity only), not subtracted like an offsetting cancellation line.
    is_void = "false"
    if cancel.get("void_values"):
        is_void = "COALESCE(list_contains($void_values, status), false)"
        params["void_values"] = list(cancel["void_values"])
    outer = [
        "cid", "day", "has_date", "amt", f"({prefix_cancel} OR {is_void}) AS is_cancel",
        f"{is_void} AS is_void",
        f"(NOT {is_void} AND ({prefix_cancel} OR COALESCE(qty < 0, false) "
        "OR (qty IS NULL AND amt < 0))) AS is_return",
        "(amt = 0 OR COALESCE(price = 0, false)) AS is_zero", *kept,
    ]
    return ", ".join(inner), ", ".join(outer), params, dfmt


def _value_sql(cols: LogColumns, num) -> str:
    """A line's value: the amount, quantity x price, or 1 (one item) without money."""
    if cols.amount:
        return num("amount")
    if cols.quantity and cols.price:
        return f"({num('quantity')} * {num('price')})"
    return "CAST(1.0 AS DOUBLE)"


def has_money(cols: LogColumns) -> bool:
    """True when the log has a line value (an amount, or quantity with price)."""
    return bool(cols.amount or (cols.quantity and cols.price))


def _category_role(cols: LogColumns) -> str:
    """The column the shares are computed on: the category, or the item in a log
    without money (member, day, item: the shares of the items bought)."""
    if cols.category or has_money(cols):
        return "category"
    return "description" if cols.description else "product"


def cancel_prefixes_from_evidence(stats: list[tuple[str, int, int, int]],
                                  threshold: float = CANCEL_EVIDENCE) -> list[str]:
    """Invoice prefixes whose lines are (almost) all negative: cancellation markers.

    ``stats`` holds one ``(prefix, lines, negative_lines, invoices)`` per leading-letter
    prefix ("" for ids without one). A prefix qualifies when other invoices lack it
    and at least ``threshold`` of its lines are negative. Both engines use this rule.

    >>> cancel_prefixes_from_evidence([("", 500, 12, 90), ("C", 40, 40, 9), ("A", 3, 0, 3)])
    ['C']
    >>> cancel_prefixes_from_evidence([("CA", 300, 2, 60), ("US", 200, 1, 40)])
    []
    """
    total = sum(s[1] for s in stats)
    return sorted(p for p, lines, neg, _ in stats
                  if p and 0 < lines < total and neg / lines >= threshold)


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict):
    """Execute with only the named parameters the statement uses (DuckDB rejects extras)."""
    names = set(re.findall(r"\$([A-Za-z_]\w*)", sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in names})


def _bytes(size: str) -> float:
    """'40MB' -> 40e6 (DuckDB's units: KB = 1000 bytes, KiB = 1024)."""
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$", size)
    return float(m.group(1)) * _UNITS[m.group(2).upper()] if m else 0.0


def _connect(memory_limit: str | None, threads: int | None, tmpdir: str):
    if memory_limit is not None and not (isinstance(memory_limit, str)
                                         and _MEM.match(memory_limit)):
        raise ConfigError(f"memory_limit {memory_limit!r} is not a size", where="memory_limit",
                          fix="use e.g. '2GB' or '500MB'")
    if memory_limit is not None and _bytes(memory_limit) < MIN_MEMORY_LIMIT:
        raise ConfigError(
            f"memory_limit {memory_limit.strip()} is too small for DuckDB, which needs at "
            f"least {MIN_MEMORY_LIMIT // 10**6}MB (it allocates memory in 256 KiB blocks, "
            "several per thread)", where="memory_limit (--memory-limit)",
            fix=f"use at least {MIN_MEMORY_LIMIT // 10**6}MB (e.g. --memory-limit 500MB), or "
                "leave it unset")
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ConfigError(f"threads must be a positive integer, got {threads!r}",
                          where="threads", fix="use e.g. threads=2")
    con = duckdb.connect(":memory:")
    # Values below were validated above; SET does not accept bound parameters.
    con.execute(f"SET temp_directory = '{tmpdir.replace(chr(39), chr(39) * 2)}'")
    con.execute("SET preserve_insertion_order = false")
    # Jupyter kernels without ipywidgets refuse the setting; the bar is off there anyway.
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")
    if memory_limit is not None:
        con.execute(f"SET memory_limit = '{memory_limit.strip()}'")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    return con


def build_customer_features(
    source,
    *,
    columns: LogColumns | dict | None = None,
    as_of=None,
    top_categories: int = 5,
    rules: QualityRules | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    date_format: str | None = None,
    attributes: list[str] | tuple[str, ...] = (),
    share_values: dict | None = None,
) -> CustomerFeatures:
    """Aggregate a transaction log into one row of features per customer.

    Parameters
    ----------
    source : path, glob, folder of Parquet files, or pandas DataFrame
        CSV/TSV/whitespace text (CDNOW), Parquet, a glob of Parquet files, Excel.
    columns : LogColumns or dict, optional
        Column roles; a dict holds overrides for :func:`detect_log_columns`.
    as_of : date-like, optional
        Features are computed as of this date (lines on or after it are "future").
        Default: the day after the last transaction not later than today.
    top_categories : int
        Number of categories with their own ``share_*`` column.
    rules : QualityRules, optional
        Data-quality rules (defaults stated in ``result.rules``).
    memory_limit, threads : optional
        DuckDB ``memory_limit`` (e.g. "2GB") and thread count.
    date_format : str, optional
        strptime format of a text date column; detected when omitted.
    attributes : column names, optional
        Customer attributes carried on the lines (a segment, a region: ``--label`` on a
        log). Each becomes a column of the result holding the customer's most frequent
        value (ties: alphabetical); ``result.attributes`` says how many customers had
        more than one value.
    share_values : dict, optional
        ``{"category": [...], "channel": [...]}``: the values that get a share column,
        instead of the top ones of this log (a saved model scores a new log with the
        columns it was trained on).

    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer": ["a", "a", "b"],
    ...                     "date": ["2024-01-01", "2024-01-11", "2024-01-05"],
    ...                     "amount": [10.0, 30.0, 5.0]})
    >>> res = build_customer_features(log)
    >>> res.frame[["customer", "recency_days", "frequency", "monetary"]]
      customer  recency_days  frequency  monetary
    0        a             1          2      40.0
    1        b             7          1       5.0
    >>> str(res.as_of)
    '2024-01-12'
    """
    rules = rules or QualityRules()
    if not isinstance(rules, QualityRules):
        raise ConfigError(f"rules must be a QualityRules, got {type(rules).__name__}",
                          where="rules", fix="pass QualityRules(...)")
    if not isinstance(top_categories, int) or top_categories < 0:
        raise ConfigError(f"top_categories must be an integer >= 0, got {top_categories!r}",
                          where="top_categories", fix="use e.g. 5")
    tmpdir = tempfile.mkdtemp(prefix="custseg-duckdb-")
    con = _connect(memory_limit, threads, tmpdir)
    try:
        return _build(con, source, columns, as_of, top_categories, rules, date_format,
                      tuple(str(a) for a in attributes), dict(share_values or {}))
    except duckdb.OutOfMemoryException as err:
        limit = f"memory_limit {memory_limit}" if memory_limit else "the memory available"
        raise ConfigError(
            f"DuckDB ran out of memory building the customer features within {limit}",
            where="memory_limit (--memory-limit)",
            fix="raise the limit (e.g. --memory-limit 2GB) or leave it unset; DuckDB spills "
                "to disk above it but needs room for one customer table") from err
    finally:
        con.close()
        shutil.rmtree(tmpdir, ignore_errors=True)


def _build(con, source, columns, as_of, top_n, rules: QualityRules, date_format,
           attributes: tuple[str, ...] = (), fixed_shares: dict | None = None):
    src = open_source(con, source)
    reasons: dict[str, str] = {}
    cols = _log_roles(con, src, columns, reasons)
    _check_attributes(src, attributes)
    cancel = _cancel_rule(con, src, cols, rules)
    date_notes: list[str] = []  # how the dates were read and why (ambiguity included)
    inner, outer, params, date_fmt = _lines_sql(con, src, cols, date_format, cancel,
                                                attributes, date_notes)
    notes: list[str] = [f"column {role}: {why}" for role, why in reasons.items()]
    notes += date_notes
    staged, dup = _stage_lines(con, src, inner, outer, {**src.params, **params}, rules)
    as_of_d, default_as_of = _as_of_day(con, as_of, cols, rules)
    cparams = rule_params(rules, as_of_d)
    quality, purchase_lines = _quality_counts(con, cparams, dup)
    shares = _share_columns(con, staged, cparams, top_n, fixed_shares)
    frame, attr_info = _customer_table(con, cols, cparams, shares, attributes)
    quality["customers"] = len(frame)
    quality["customers_negative_net"] = int((frame["monetary"] < 0).sum())
    quality["customers_without_orders"] = int((frame["frequency"] == 0).sum())
    frame, definitions = _without_money(frame, cols, notes)
    warnings = _only_returns_warning(quality, purchase_lines)
    cancellation = {**cancel, "lines": int(quality["cancelled_lines"]),
                    "invoices": int(quality["cancelled_invoices"])}
    rules_text = _rules_text(rules, quality, cols, as_of_d, default_as_of, date_fmt,
                             cancellation)
    notes.extend(_notes(quality, cols, as_of_d))
    return CustomerFeatures(frame=frame, quality=quality, rules=rules_text, columns=cols,
                            as_of=as_of_d, notes=notes, definitions=definitions,
                            cancellation=cancellation, warnings=warnings,
                            monetary=has_money(cols), attributes=attr_info,
                            date_format=date_fmt, share_values=shares.values)


def _log_roles(con, src: LogSource, columns, reasons: dict[str, str]) -> LogColumns:
    """Given roles as they are (each must exist), else found from names and a sample."""
    if isinstance(columns, LogColumns):
        given = {k: v for k, v in columns.to_dict().items() if v is not None}
        find_log_roles(src.columns, given)  # every given column must exist
        return LogColumns(**{**dict.fromkeys(columns.to_dict()), **given})
    # names first; what they leave open is read from a sample of the values
    sample = _run(con, f"SELECT * FROM {src.sql} USING SAMPLE reservoir(5000 ROWS) "
                  "REPEATABLE (42)", src.params).df()

    def rows_per_value(col: str) -> float:
        n, k = _run(con, f"SELECT count({quote_ident(col)}), count(DISTINCT "
                    f"{quote_ident(col)}) FROM {src.sql}", src.params).fetchone()
        return n / k if k else 0.0

    return detect_log_columns(src.columns, columns, sample=sample, reasons=reasons,
                              rows_per_value=rows_per_value)


def _check_attributes(src: LogSource, attributes: tuple[str, ...]) -> None:
    for col in attributes:
        if col not in src.columns:
            raise InputError(
                f"column {col!r} given as a customer attribute (--label) is not in the "
                f"transaction log; columns seen: {src.columns}",
                where="--label", fix="pass one of the log's columns (exact spelling)")


def _stage_lines(con, src: LogSource, inner: str, outer: str, params: dict,
                 rules: QualityRules) -> tuple[set[str], int | None]:
    """Stage the lines once as table ``lines`` (and view ``lines_all``); return the
    staged column names and the duplicate count when duplicates are kept.

    With duplicates dropped, each distinct line keeps its copy count n so the quality
    counts still describe the input lines.
    """
    # Parquet min/max statistics leave NaN out, and DuckDB's statistics propagation
    # then folds isnan() to false: turn it off while staging the raw columns.
    _run(con, "SET disabled_optimizers = 'statistics_propagation'", {})
    if rules.keep_duplicates:
        _run(con, f"CREATE TEMP TABLE lines AS SELECT {outer}, 1 AS n FROM "
                  f"(SELECT {inner} FROM {src.sql})", params)
        dup = _run(con,
            f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT * FROM {src.sql})) "
            f"FROM {src.sql}", src.params).fetchone()[0]
    else:
        _run(con,
            f"CREATE TEMP TABLE lines AS SELECT {outer}, n FROM (SELECT {inner}, "
            "CAST(__custseg_n AS INTEGER) AS n "
            f"FROM (SELECT *, count(*) AS __custseg_n FROM {src.sql} GROUP BY ALL))",
            params,
        )
        dup = None
    _run(con, "RESET disabled_optimizers", {})
    # Roles the log lacks become typed NULL constants (free in a view).
    staged = {r[0] for r in _run(con, "DESCRIBE lines", {}).fetchall()}
    missing = [f"CAST(NULL AS VARCHAR) AS {name}" for name in ("inv", "cat", "chan", "country")
               if name not in staged]
    _run(con, "CREATE TEMP VIEW lines_all AS SELECT *"
         + "".join(", " + m for m in missing) + " FROM lines", {})
    return staged, dup


def _as_of_day(con, as_of, cols: LogColumns, rules: QualityRules) -> tuple[dt.date, bool]:
    """The as-of date and whether it is the default (the day after the last line not
    later than today)."""
    if as_of is not None:
        return parse_as_of(as_of, "as_of"), False
    last = _run(con,
        "SELECT max(day) FROM lines WHERE day <= CAST($today AS DATE) "
        "AND (cid IS NOT NULL OR NOT $drop)",
        {"today": dt.date.today(), "drop": rules.drop_missing_customer},
    ).fetchone()[0]
    if last is None:
        raise InputError(
            "the transaction log has no line with a customer id and a readable date",
            where=f"columns {cols.customer!r} and {cols.date!r}",
            fix="check the column roles (--customer, --date) and the date format",
        )
    return last + dt.timedelta(days=1), True


# Lines on or after the as-of day are "future"; the other flags were staged.
_CLASSIFIED = "(SELECT *, (day >= CAST($as_of AS DATE)) AS is_future FROM lines_all)"
_USED = used_condition(DUCKDB, "day")


def _quality_counts(con, cparams: dict, dup: int | None) -> tuple[dict[str, int], int]:
    """The quality account of the staged lines and the number of purchase lines."""
    qrow = _run(con, f"""
        SELECT sum(n), sum(n) - count(*),
          sum(n) FILTER (WHERE cid IS NULL),
          sum(n) FILTER (WHERE is_zero),
          sum(n) FILTER (WHERE NOT is_return AND amt < 0),
          sum(n) FILTER (WHERE is_return),
          sum(n) FILTER (WHERE is_cancel),
          -- a DISTINCT aggregate here would hash every invoice: filter first
          (SELECT count(DISTINCT inv) FROM lines_all WHERE is_cancel AND inv IS NOT NULL),
          sum(n) FILTER (WHERE is_future),
          sum(n) FILTER (WHERE day IS NULL AND has_date),
          sum(n) FILTER (WHERE NOT has_date),
          sum(n) FILTER (WHERE amt IS NULL),
          count(*) FILTER (WHERE {_USED})
        FROM {_CLASSIFIED}""", cparams).fetchone()
    quality = {k: int(v or 0) for k, v in zip(QUALITY_COUNTS, qrow, strict=True)}
    if dup is not None:
        quality["duplicate_lines"] = int(dup)
    quality["voided_lines"] = int(_run(con, f"SELECT COALESCE(sum(n), 0) FROM {_CLASSIFIED} "
                                  "WHERE is_void", cparams).fetchone()[0])
    purchase_lines = int(_run(con, f"SELECT COALESCE(sum(n), 0) FROM {_CLASSIFIED} WHERE "
                              f"{_USED} AND {PURCHASE}", cparams).fetchone()[0])
    return quality, purchase_lines


def _share_columns(con, staged: set[str], cparams: dict, top_n: int,
                   fixed_shares: dict | None) -> ShareColumns:
    """Top categories / channels by purchase value over all customers (or the values
    a saved model was trained on)."""
    tops = []
    for role, expr, prefix, limit in SHARE_ROLES:
        if expr not in staged or (role == "category" and top_n == 0):
            continue
        if (fixed_shares or {}).get(role) is not None:
            values = list(fixed_shares[role])
        else:
            sql = top_values_sql(DUCKDB, expr, _CLASSIFIED, _USED, limit or top_n)
            values = [r[0] for r in _run(con, sql, cparams).fetchall()]
        tops.append((role, expr, prefix, values))
    return share_columns(DUCKDB, tops)


def _customer_table(con, cols: LogColumns, cparams: dict, shares: ShareColumns,
                    attributes: tuple[str, ...]) -> tuple[pd.DataFrame, dict[str, dict]]:
    """One row of features per customer, and how varied each attribute was."""
    order_key = "inv" if cols.invoice else "day"
    # The usable lines with their signed value v and purchase value pv.
    usable = f"""
        SELECT cid, day, inv, cat, chan, country, is_return,
               {line_values_sql(DUCKDB)}
        FROM {_CLASSIFIED} WHERE {_USED}"""
    # Three statements, not one: each keeps only its own hash tables in memory,
    # so peak memory is the largest of them rather than their sum.
    # 1. Orders, then one window over them: the gaps between purchase days
    #    (same-day orders give a gap of 0 and are skipped) and the month changes.
    _run(con, f"""
    CREATE TEMP TABLE ostats AS
    WITH orders AS (
        SELECT cid, {order_key} AS okey, min(day) AS day FROM ({usable})
        WHERE pv IS NOT NULL GROUP BY cid, {order_key}
    ),
    oseq AS (
        SELECT cid, day - lag(day) OVER w AS gap,
               date_trunc('month', day) AS month,
               date_trunc('month', lag(day) OVER w) AS prev_month
        FROM orders WINDOW w AS (PARTITION BY cid ORDER BY day)
    )
    SELECT cid, count(*) AS frequency,
           avg(gap) FILTER (WHERE gap > 0) AS gap_mean,
           stddev_pop(gap) FILTER (WHERE gap > 0) AS gap_sd,
           count(*) FILTER (WHERE prev_month IS NULL OR month <> prev_month) AS active_months
    FROM oseq GROUP BY cid""", cparams)
    # 2. Main country: most lines first, ties broken alphabetically.
    if cols.country:
        _run(con, f"""
        CREATE TEMP TABLE country_mode AS
        SELECT cid, min({{'nk': -k, 'c': country}}).c AS main_country
        FROM (SELECT cid, country, count(*) AS k FROM ({usable})
              WHERE country IS NOT NULL GROUP BY cid, country)
        GROUP BY cid""", cparams)
    attr_info = _attribute_tables(con, attributes)
    attr_select = "".join(f", attr{i}.v AS {quote_ident(c)}" for i, c in enumerate(attributes))
    attr_join = "".join(f" LEFT JOIN attr{i} USING (cid)" for i in range(len(attributes)))
    # 3. Per-customer sums over the lines, joined to the tables above.
    feature_sql = f"""
    WITH agg AS (
        SELECT cid, {customer_sums_sql(DUCKDB)}
          {''.join(', ' + s for s in shares.select)}
        FROM ({usable}) GROUP BY cid
    )
    SELECT agg.cid,
      {customer_features_sql(DUCKDB, "COALESCE(frequency, 0)", "COALESCE(active_months, 0)")}
      {''.join(', ' + quote_ident(c) for c in shares.names)}
      {", main_country" if cols.country else ""}
      {attr_select}
    FROM agg LEFT JOIN ostats USING (cid)
    {"LEFT JOIN country_mode USING (cid)" if cols.country else ""}
    {attr_join}
    """
    frame = _run(con, feature_sql, {**cparams, **shares.params}).df()
    return _finish_frame(frame, cols.customer, attributes), attr_info


def _attribute_tables(con, attributes: tuple[str, ...]) -> dict[str, dict]:
    """Customer attributes: the most frequent value over the customer's lines, as
    tables ``attr0``, ``attr1``...; returns how many customers had several values."""
    attr_info: dict[str, dict] = {}
    for i, col in enumerate(attributes):
        _run(con, f"""
        CREATE TEMP TABLE attr{i} AS
        SELECT cid, min({{'nk': -k, 'v': v}}).v AS v, count(*) AS n_values
        FROM (SELECT cid, attr{i} AS v, sum(n) AS k FROM lines
              WHERE attr{i} IS NOT NULL AND cid IS NOT NULL GROUP BY cid, attr{i})
        GROUP BY cid""", {})
        varying, with_value = _run(con, f"SELECT count(*) FILTER (WHERE n_values > 1), "
                                   f"count(*) FROM attr{i}", {}).fetchone()
        attr_info[col] = {"customers_with_value": int(with_value),
                          "customers_varying": int(varying),
                          "share_varying": round(varying / with_value, 4) if with_value else 0.0}
    return attr_info


def _without_money(frame: pd.DataFrame, cols: LogColumns,
                   notes: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The features and their definitions; a log without money keeps only the counts."""
    definitions = dict(FEATURE_DEFINITIONS)
    if has_money(cols):
        return frame, definitions
    # no money: the "value" of a line was 1 (one item), so only counts are honest
    frame = frame.drop(columns=[c for c in _VALUE_FEATURES if c in frame.columns])
    for c in _VALUE_FEATURES:
        definitions.pop(c, None)
    definitions["trend_90d"] = definitions["trend_90d"].replace("purchase value",
                                                                "number of items bought")
    item = getattr(cols, _category_role(cols))
    notes.append(
        "The log has no money column (no amount, no quantity with price): monetary value "
        "is unavailable; features are recency, frequency, tenure, timing, trend and the "
        + (f"shares of the items in {item!r}." if item else "purchase counts."))
    return frame, definitions


def _only_returns_warning(quality: dict[str, int], purchase_lines: int) -> list[str]:
    if quality["lines_used"] and purchase_lines == 0 and quality["return_lines"]:
        return [
            f"the log holds only returns and cancellations ({_fmt(quality['return_lines'])} "
            "lines, no purchase): every customer's net value is negative and no customer has "
            "an order; check that this is the export you meant (a returns report, or a sign "
            "convention where purchases are negative)"]
    return []


_VALUE_FEATURES = ("monetary", "avg_order_value", "return_rate_value")


def _cancel_rule(con, src: LogSource, cols: LogColumns, rules: QualityRules) -> dict:
    """Measure the evidence for cancellations in DuckDB; :func:`decide_cancel_rule` decides."""
    stats = None
    if cols.invoice and rules.cancel_prefix == "auto":
        inv = f"NULLIF(trim(CAST({quote_ident(cols.invoice)} AS VARCHAR)), '')"
        t = src.types

        def num(c: str) -> str:
            return f"TRY_CAST(trim(CAST({quote_ident(c)} AS VARCHAR)) AS DOUBLE)" \
                if t.get(c) == "VARCHAR" else f"CAST({quote_ident(c)} AS DOUBLE)"
        if cols.quantity:
            neg = f"{num(cols.quantity)} < 0"
        elif cols.amount:
            neg = f"{num(cols.amount)} < 0"
        else:
            neg = "false"
        stats = _run(con, f"""
            SELECT regexp_extract(inv, '{CANCEL_PREFIX_RE}', 1) AS p, count(*),
                   count(*) FILTER (WHERE neg), count(DISTINCT inv)
            FROM (SELECT {inv} AS inv, COALESCE({neg}, false) AS neg FROM {src.sql})
            WHERE inv IS NOT NULL GROUP BY p ORDER BY p""", src.params).fetchall()
    values = None
    if cols.status:
        values = [r[0] for r in _run(con, f"""
            SELECT DISTINCT NULLIF(trim(CAST({quote_ident(cols.status)} AS VARCHAR)), '') AS v
            FROM {src.sql} WHERE v IS NOT NULL LIMIT 1000""", src.params).fetchall()]
    return decide_cancel_rule(cols, rules, stats, values)


def decide_cancel_rule(cols: LogColumns, rules: QualityRules,
                       prefix_stats: list[tuple] | None = None,
                       status_values: list | None = None) -> dict:
    """Decide how cancellations are recognised, from evidence in the data.

    Negative quantities (or negative amounts without a quantity) are always returns.
    An invoice prefix is a cancellation marker only when the prefixed invoices' lines
    are negative (``CANCEL_EVIDENCE``); a user-given prefix is applied as given. A
    status column holding a cancel/return value voids those lines. Both engines
    measure ``prefix_stats`` (one ``(prefix, lines, negative_lines, invoices)`` per
    ``CANCEL_PREFIX_RE`` prefix, when ``rules.cancel_prefix == "auto"``) and
    ``status_values`` (the distinct trimmed values of ``cols.status``), then call this.

    >>> cols = LogColumns(customer="c", date="d", invoice="inv", status="Status")
    >>> rule = decide_cancel_rule(cols, QualityRules(), [("", 90, 2, 30), ("C", 8, 8, 3)],
    ...                           ["Shipped", "Cancelled"])
    >>> rule["rule"], rule["prefixes"], rule["void_values"]
    ("invoice prefix 'C' and status column 'Status' = 'Cancelled'", ['C'], ['Cancelled'])
    """
    out: dict = {"rule": "negative lines only", "prefixes": [], "explicit": None,
                 "void_values": [], "status_column": cols.status, "evidence": {}}
    rule = rules.cancel_prefix
    if cols.invoice and rule is not None and rule != "auto":
        out.update(rule=f"invoice prefix {rule!r} (given)", explicit=rule)
    elif cols.invoice and rule == "auto" and prefix_stats is not None:
        stats = [(str(p), int(a), int(b), int(c)) for p, a, b, c in prefix_stats]
        out["evidence"] = {p: {"lines": a, "negative_lines": b, "invoices": c,
                               "negative_share": round(b / a, 4) if a else 0.0}
                           for p, a, b, c in stats if p}
        out["prefixes"] = cancel_prefixes_from_evidence(stats)
        if out["prefixes"]:
            out["rule"] = "invoice prefix " + ", ".join(repr(p) for p in out["prefixes"])
    if cols.status and status_values:
        out["void_values"] = sorted(str(v) for v in status_values
                                    if v is not None and CANCEL_VALUE.match(str(v)))
        if out["void_values"]:
            status = (f"status column {cols.status!r} = "
                      + ", ".join(repr(v) for v in out["void_values"]))
            out["rule"] = status if not (out["prefixes"] or out["explicit"]) \
                else f"{out['rule']} and {status}"
    return out


def _finish_frame(frame: pd.DataFrame, id_name: str,
                  attributes: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = frame.rename(columns={"cid": id_name})
    ids = _clean_ids(frame[id_name])
    frame[id_name] = ids
    frame = frame.sort_values(id_name, kind="stable", na_position="last").reset_index(drop=True)
    for c in INTEGER_FEATURES:
        frame[c] = frame[c].astype("int64")
    for c in frame.columns[1:]:
        if c != "main_country" and c not in attributes and c not in INTEGER_FEATURES:
            frame[c] = frame[c].astype("float64")
    return frame


def _fmt(n: int) -> str:
    return f"{n:,}"


def _rules_text(rules: QualityRules, q: dict, cols: LogColumns, as_of: dt.date,
                default_as_of: bool, date_fmt: str, cancel: dict) -> dict[str, str]:
    def onoff(flag: bool, yes: str, no: str) -> str:
        return yes if flag else no

    value = (f"amount column {cols.amount!r}" if cols.amount
             else f"{cols.quantity!r} x {cols.price!r}" if has_money(cols)
             else "count of items (1 a line: the log has no money column)")
    out = {
        "as_of": (f"Features are computed as of {as_of} "
                  + ("(the day after the last transaction)." if default_as_of
                     else "(given).")),
        "line_value": f"A line's value is the {value}.",
        "date_format": f"Dates in {cols.date!r} are read as {date_fmt}; "
                       f"unreadable ({_fmt(q['unparseable_dates'])}) or missing "
                       f"({_fmt(q['missing_dates'])}) dates are left out.",
        "drop_missing_customer": onoff(
            rules.drop_missing_customer,
            f"Lines without a customer id are dropped ({_fmt(q['lines_without_customer'])}).",
            f"Lines without a customer id ({_fmt(q['lines_without_customer'])}) are kept "
            "as one customer with a missing id."),
        "keep_duplicates": onoff(
            rules.keep_duplicates,
            f"Exact duplicate lines are kept ({_fmt(q['duplicate_lines'])} extra copies).",
            f"Exact duplicate lines are dropped ({_fmt(q['duplicate_lines'])} extra copies)."),
        "exclude_zero_price": onoff(
            rules.exclude_zero_price,
            f"Lines worth 0 (zero price, quantity or amount) never make an order; they only "
            f"count as activity for recency and tenure ({_fmt(q['zero_price_lines'])}).",
            f"Lines worth 0 are kept as purchases ({_fmt(q['zero_price_lines'])})."),
        "exclude_negative_price": onoff(
            rules.exclude_negative_price,
            f"Non-return lines with a negative value (e.g. bad-debt adjustments) are left out "
            f"({_fmt(q['negative_price_lines'])}).",
            f"Non-return lines with a negative value reduce monetary "
            f"({_fmt(q['negative_price_lines'])})."),
        "exclude_future_dates": onoff(
            rules.exclude_future_dates,
            f"Lines dated on or after {as_of} are left out ({_fmt(q['future_dates'])}).",
            f"Lines dated on or after {as_of} are kept ({_fmt(q['future_dates'])})."),
        "returns": ("Returns (negative quantity, or negative amount without a quantity) "
                    "reduce monetary and never count as orders "
                    f"({_fmt(q['return_lines'])} lines)."),
        "cancellations": _cancel_text(cancel, rules, cols),
        "orders": ("An order is a distinct invoice with at least one purchase line."
                   if cols.invoice else
                   "There is no invoice column: an order is a distinct purchase day."),
    }
    return out


def _cancel_text(c: dict, rules: QualityRules, cols: LogColumns) -> str:
    """Which cancellation rule was used, the evidence, and how many lines it matched."""
    parts = [f"Cancellation rule: {c['rule']} ({_fmt(c['lines'])} lines, "
             f"{_fmt(c['invoices'])} invoices matched)."]
    for p, e in sorted(c.get("evidence", {}).items()):
        used = p in c["prefixes"]
        parts.append(
            f"Invoice prefix {p!r}: {e['negative_share']:.1%} of its {_fmt(e['lines'])} lines "
            f"({_fmt(e['invoices'])} invoices) are negative, "
            + ("so it marks cancellations: they reduce monetary and never count as orders."
               if used else f"below the {CANCEL_EVIDENCE:.0%} required: not a cancellation "
                            "marker (an id prefix alone never is)."))
    if c.get("explicit"):
        parts.append(f"Invoices starting with {c['explicit']!r} are cancellations, as given: "
                     "they reduce monetary and never count as orders.")
    if c.get("void_values"):
        parts.append(f"Lines whose {cols.status!r} is "
                     + ", ".join(repr(v) for v in c["void_values"])
                     + " are voided orders: worth 0, never an order, activity only.")
    if not cols.invoice and not c.get("void_values"):
        parts.append("No invoice column: only negative lines are returns.")
    elif rules.cancel_prefix is None:
        parts.append("The invoice-prefix rule is turned off.")
    return " ".join(parts)


def _notes(q: dict, cols: LogColumns, as_of: dt.date) -> list[str]:
    notes = [
        f"{_fmt(q['lines_total'])} log lines gave {_fmt(q['customers'])} customers "
        f"({_fmt(q['lines_used'])} distinct lines used), as of {as_of}.",
    ]
    if q["lines_without_customer"]:
        notes.append(f"{_fmt(q['lines_without_customer'])} lines had no customer id.")
    if q["duplicate_lines"]:
        notes.append(f"{_fmt(q['duplicate_lines'])} lines were exact duplicates.")
        if not cols.invoice:
            notes.append("Without an invoice column identical lines may be genuine repeat "
                         "purchases; use QualityRules(keep_duplicates=True) to keep them.")
    if q["return_lines"]:
        notes.append(f"{_fmt(q['return_lines'])} lines were returns or cancellations; they "
                     "reduce the net value.")
    if q.get("voided_lines"):
        notes.append(f"{_fmt(q['voided_lines'])} lines were cancelled orders (by their "
                     f"{cols.status!r} value): worth 0, never an order, activity only.")
    if q["customers_negative_net"]:
        notes.append(f"{_fmt(q['customers_negative_net'])} customers returned more than they "
                     "bought in the period (negative net value).")
    if q["unparseable_dates"]:
        notes.append(f"{_fmt(q['unparseable_dates'])} lines had a date that could not be read "
                     "and were left out.")
    if q["future_dates"]:
        notes.append(f"{_fmt(q['future_dates'])} lines were dated on or after {as_of} and "
                     "were left out.")
    if not cols.invoice:
        notes.append("Without an invoice column, frequency counts distinct purchase days.")
    return notes

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
from custseg.features.columns import LogColumns, detect_log_columns
from custseg.features.dates import date_expression, is_numeric_type
from custseg.features.quality import QUALITY_COUNTS, QualityRules
from custseg.features.source import LogSource, open_source, quote_ident

__all__ = ["FEATURE_DEFINITIONS", "CustomerFeatures", "build_customer_features"]

TREND_WINDOW_DAYS = 90

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
                        "(share_other pools the rest; 0 without purchases)",
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
            "definitions": dict(self.definitions),
        }


def share_column_name(value: object, taken: set[str], prefix: str) -> str:
    """A unique, SQL-safe column name for a category/channel share (used by both engines)."""
    base = re.sub(r"[^0-9a-z]+", "_", str(value).lower()).strip("_") or "blank"
    name, k = f"{prefix}{base}", 2
    while name in taken:
        name, k = f"{prefix}{base}_{k}", k + 1
    taken.add(name)
    return name


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
    cancel: str | None,
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
        con, src.sql, src.params, q["date"], types[cols.date], date_format,
        where=f"date column {cols.date!r}",
    )
    amt = num("amount") if cols.amount else f"({num('quantity')} * {num('price')})"
    if types[cols.date] == "VARCHAR":
        has_date = f"(NULLIF(trim({q['date']}), '') IS NOT NULL)"
    else:
        has_date = f"({q['date']} IS NOT NULL)"
    # Raw columns are converted once (inner list); the flags read the converted
    # values (outer list), and qty/price are not kept.
    inner = [f"{cid} AS cid", f"CAST({ts} AS DATE) AS day", f"{has_date} AS has_date",
             f"{num('quantity')} AS qty", f"{num('price')} AS price", f"{amt} AS amt"]
    kept = []
    for role, name in (("invoice", "inv"), ("category", "cat"), ("channel", "chan"),
                       ("country", "country")):
        if role in q:
            inner.append(f"{text(role)} AS {name}")
            kept.append(name)
    is_cancel = "COALESCE(starts_with(inv, $cancel), false)" if cancel else "false"
    outer = [
        "cid", "day", "has_date", "amt", f"{is_cancel} AS is_cancel",
        f"({is_cancel} OR COALESCE(qty < 0, false) OR (qty IS NULL AND amt < 0)) AS is_return",
        "(amt = 0 OR COALESCE(price = 0, false)) AS is_zero", *kept,
    ]
    params = dict(dparams)
    if cancel:
        params["cancel"] = cancel
    return ", ".join(inner), ", ".join(outer), params, dfmt


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict):
    """Execute with only the named parameters the statement uses (DuckDB rejects extras)."""
    names = set(re.findall(r"\$([A-Za-z_]\w*)", sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in names})


def _connect(memory_limit: str | None, threads: int | None, tmpdir: str):
    if memory_limit is not None and not (isinstance(memory_limit, str)
                                         and _MEM.match(memory_limit)):
        raise ConfigError(f"memory_limit {memory_limit!r} is not a size", where="memory_limit",
                          fix="use e.g. '2GB' or '500MB'")
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
        return _build(con, source, columns, as_of, top_categories, rules, date_format)
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


def _build(con, source, columns, as_of, top_n, rules: QualityRules, date_format):
    src = open_source(con, source)
    if isinstance(columns, LogColumns):
        cols = detect_log_columns(src.columns, {k: v for k, v in columns.to_dict().items()
                                                if v is not None})
    else:
        cols = detect_log_columns(src.columns, columns)
    cancel = rules.cancel_prefix if cols.invoice else None
    inner, outer, params, date_fmt = _lines_sql(con, src, cols, date_format, cancel)
    params = {**src.params, **params}
    notes: list[str] = []

    # Stage the lines once: with duplicates dropped, each distinct line keeps its
    # copy count n so the quality counts still describe the input lines.
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
    missing = [f"CAST(NULL AS VARCHAR) AS {name}" for role, name in (
        ("invoice", "inv"), ("category", "cat"), ("channel", "chan"), ("country", "country"))
        if getattr(cols, role) is None]
    _run(con, "CREATE TEMP VIEW lines_all AS SELECT *"
         + "".join(", " + m for m in missing) + " FROM lines", {})

    today = dt.date.today()
    if as_of is None:
        last = _run(con,
            "SELECT max(day) FROM lines WHERE day <= CAST($today AS DATE) "
            "AND (cid IS NOT NULL OR NOT $drop)",
            {"today": today, "drop": rules.drop_missing_customer},
        ).fetchone()[0]
        if last is None:
            raise InputError(
                "the transaction log has no line with a customer id and a readable date",
                where=f"columns {cols.customer!r} and {cols.date!r}",
                fix="check the column roles (--customer, --date) and the date format",
            )
        as_of_d = last + dt.timedelta(days=1)
        default_as_of = True
    else:
        as_of_d = parse_as_of(as_of, "as_of")
        default_as_of = False

    # Lines on or after the as-of day are "future"; the other flags were staged.
    classified = "SELECT *, (day >= CAST($as_of AS DATE)) AS is_future FROM lines_all"
    used_cond = """(
        (cid IS NOT NULL OR NOT $drop) AND day IS NOT NULL AND amt IS NOT NULL
        AND NOT (NOT is_return AND amt < 0 AND $excl_neg)
        AND NOT (is_future AND $excl_future))"""
    cparams = {"as_of": as_of_d, "drop": rules.drop_missing_customer,
               "excl_zero": rules.exclude_zero_price, "excl_neg": rules.exclude_negative_price,
               "excl_future": rules.exclude_future_dates}

    qrow = _run(con, f"""
        SELECT sum(n), sum(n) - count(*),
          sum(n) FILTER (WHERE cid IS NULL),
          sum(n) FILTER (WHERE is_zero),
          sum(n) FILTER (WHERE NOT is_return AND amt < 0),
          sum(n) FILTER (WHERE is_return),
          sum(n) FILTER (WHERE is_cancel),
          -- a DISTINCT aggregate here would hash every invoice: filter first
          (SELECT count(DISTINCT inv) FROM lines_all WHERE is_cancel),
          sum(n) FILTER (WHERE is_future),
          sum(n) FILTER (WHERE day IS NULL AND has_date),
          sum(n) FILTER (WHERE NOT has_date),
          sum(n) FILTER (WHERE amt IS NULL),
          count(*) FILTER (WHERE {used_cond})
        FROM ({classified})""", cparams).fetchone()
    quality = {k: int(v or 0) for k, v in zip(QUALITY_COUNTS, qrow, strict=True)}
    if dup is not None:
        quality["duplicate_lines"] = int(dup)

    # Top categories / channels by purchase value over all customers.
    extra_select, extra_params, share_cols = [], {}, []
    taken: set[str] = set()
    for role, expr, prefix in (("category", "cat", "share_"), ("channel", "chan",
                                                                 "channel_share_")):
        if getattr(cols, role) is None or (role == "category" and top_n == 0):
            continue
        limit = top_n if role == "category" else 10
        tops = [r[0] for r in _run(con, f"""
            SELECT {expr} FROM ({classified})
            WHERE {used_cond} AND NOT is_return AND amt > 0 AND NOT (is_zero AND $excl_zero)
              AND {expr} IS NOT NULL
            GROUP BY 1 ORDER BY sum(amt) DESC, 1 LIMIT {int(limit)}""", cparams).fetchall()]
        for i, value in enumerate(tops):
            name = share_column_name(value, taken, prefix)
            key = f"{role[:3]}{i}"
            extra_params[key] = value
            extra_select.append(
                f"COALESCE(round(sum(pv) FILTER (WHERE {expr} = ${key}), 6) "
                f"/ NULLIF(round(sum(pv), 6), 0), 0) "
                f"AS {quote_ident(name)}")
            share_cols.append(name)
        if tops:
            name = share_column_name("other", taken, prefix)
            keys_in = ", ".join(f"${role[:3]}{i}" for i in range(len(tops)))
            extra_select.append(
                f"COALESCE(round(sum(pv) FILTER (WHERE {expr} IS NULL OR {expr} NOT IN "
                f"({keys_in})), 6) / NULLIF(round(sum(pv), 6), 0), 0) AS {quote_ident(name)}")
            share_cols.append(name)

    order_key = "inv" if cols.invoice else "day"
    # The usable lines with their signed value v and purchase value pv.
    usable = f"""
        SELECT cid, day, inv, cat, chan, country, is_return,
               CASE WHEN is_return THEN -abs(amt) ELSE amt END AS v,
               CASE WHEN NOT is_return AND amt >= 0 AND NOT (is_zero AND $excl_zero)
                    THEN amt END AS pv
        FROM ({classified}) WHERE {used_cond}"""
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
    # 3. Per-customer sums over the lines, joined to the two tables above.
    feature_sql = f"""
    WITH agg AS (
        SELECT cid,
          max(day) FILTER (WHERE pv IS NOT NULL) AS last_buy, max(day) AS last_any,
          min(day) FILTER (WHERE pv IS NOT NULL) AS first_buy, min(day) AS first_any,
          -- sums are rounded: parallel float sums differ in the last bits with the
          -- order of the rows (threads, spilling), which would flip a net of exactly
          -- 0 to a tiny negative number and make features differ between runs
          round(sum(v), 6) AS monetary,
          round(COALESCE(sum(pv), 0), 6) AS gross,
          round(COALESCE(sum(-v) FILTER (WHERE is_return), 0), 6) AS returned,
          count(pv) AS buy_lines,
          count(*) FILTER (WHERE is_return) AS return_lines,
          round(COALESCE(sum(pv) FILTER (
            WHERE day >= CAST($as_of AS DATE) - {TREND_WINDOW_DAYS}), 0), 6) AS p_last,
          round(COALESCE(sum(pv) FILTER (
            WHERE day < CAST($as_of AS DATE) - {TREND_WINDOW_DAYS}
              AND day >= CAST($as_of AS DATE) - {2 * TREND_WINDOW_DAYS}), 0), 6) AS p_prev
          {''.join(', ' + s for s in extra_select)}
        FROM ({usable}) GROUP BY cid
    )
    SELECT agg.cid,
      CAST($as_of AS DATE) - COALESCE(last_buy, last_any) AS recency_days,
      COALESCE(frequency, 0) AS frequency, monetary,
      CASE WHEN frequency > 0 THEN gross / frequency ELSE 0 END AS avg_order_value,
      CAST($as_of AS DATE) - COALESCE(first_buy, first_any) AS tenure_days,
      gap_mean AS interpurchase_mean_days,
      gap_sd / NULLIF(gap_mean, 0) AS interpurchase_cv,
      COALESCE(active_months, 0) AS active_months,
      CASE WHEN gross > 0 THEN returned / gross END AS return_rate_value,
      CASE WHEN buy_lines > 0 THEN return_lines / buy_lines END AS return_rate_count,
      CASE WHEN p_last + p_prev > 0 THEN (p_last - p_prev) / (p_last + p_prev) ELSE 0 END
        AS trend_90d
      {''.join(', ' + quote_ident(c) for c in share_cols)}
      {", main_country" if cols.country else ""}
    FROM agg LEFT JOIN ostats USING (cid)
    {"LEFT JOIN country_mode USING (cid)" if cols.country else ""}
    """
    frame = _run(con, feature_sql, {**cparams, **extra_params}).df()
    frame = _finish_frame(frame, cols.customer)
    quality["customers"] = len(frame)
    quality["customers_negative_net"] = int((frame["monetary"] < 0).sum())
    quality["customers_without_orders"] = int((frame["frequency"] == 0).sum())

    rules_text = _rules_text(rules, quality, cols, as_of_d, default_as_of, date_fmt)
    notes.extend(_notes(quality, cols, as_of_d))
    return CustomerFeatures(frame=frame, quality=quality, rules=rules_text, columns=cols,
                            as_of=as_of_d, notes=notes, definitions=dict(FEATURE_DEFINITIONS))


def _finish_frame(frame: pd.DataFrame, id_name: str) -> pd.DataFrame:
    frame = frame.rename(columns={"cid": id_name})
    ids = _clean_ids(frame[id_name])
    frame[id_name] = ids
    frame = frame.sort_values(id_name, kind="stable", na_position="last").reset_index(drop=True)
    for c in ("recency_days", "tenure_days", "frequency", "active_months"):
        frame[c] = frame[c].astype("int64")
    for c in frame.columns[1:]:
        if c != "main_country" and c not in ("recency_days", "tenure_days", "frequency",
                                             "active_months"):
            frame[c] = frame[c].astype("float64")
    return frame


def _fmt(n: int) -> str:
    return f"{n:,}"


def _rules_text(rules: QualityRules, q: dict, cols: LogColumns, as_of: dt.date,
                default_as_of: bool, date_fmt: str) -> dict[str, str]:
    def onoff(flag: bool, yes: str, no: str) -> str:
        return yes if flag else no

    value = (f"amount column {cols.amount!r}" if cols.amount
             else f"{cols.quantity!r} x {cols.price!r}")
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
        "cancel_prefix": (
            f"Invoices starting with {rules.cancel_prefix!r} are cancellations: they reduce "
            f"monetary and never count as orders ({_fmt(q['cancelled_invoices'])} invoices)."
            if rules.cancel_prefix and cols.invoice
            else "No cancellation marker is applied (no invoice column or rule turned off)."),
        "orders": ("An order is a distinct invoice with at least one purchase line."
                   if cols.invoice else
                   "There is no invoice column: an order is a distinct purchase day."),
    }
    return out


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

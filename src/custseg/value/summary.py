"""Transaction log -> the per-customer summary the buy-till-you-die models need.

A *purchase* is a purchase day: the lines of one customer on one day, with a
customer id, a readable date before the as-of day and a positive value, that are
neither returns nor cancellations (the feature builder's own line rules, so the
two agree on what a purchase is). Counting days, not orders, is the convention of
Fader, Hardie & Lee (2005): two orders on one day are one purchase occasion.

The summary itself is one SQL statement (:data:`SUMMARY_SQL`) run by DuckDB here
and by Spark in :mod:`custseg.value.spark`: the rule is written once.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile

import duckdb
import pandas as pd

from custseg.exceptions import InputError

__all__ = ["SUMMARY_COLUMNS", "SUMMARY_SQL", "customer_summary", "daily_purchases",
           "summary_from_daily"]

#: Columns of :func:`customer_summary`; times are in days.
SUMMARY_COLUMNS = ("customer", "frequency", "recency", "T", "monetary", "first_value",
                   "holdout_purchases", "holdout_value")

#: The per-customer summary over ``daily(cid, day, value)`` (one row per purchase day).
#: ``{days}`` is the engine's "days from a to b" function (filled by :func:`days_sql`).
#: frequency = purchase days before the cutoff minus the first one (repeat purchases);
#: recency = days from the first to the last of them; T = days from the first to the
#: last day before the cutoff (Fader & Hardie's convention: T = 38.86 weeks for a
#: customer who first bought on day 1 of a 39-week calibration); monetary = mean value
#: of the repeat purchase days (0 without any);
#: holdout_* = purchase days (and value) from the cutoff to the end. Only customers
#: whose first purchase is before the cutoff are in the calibration cohort.
SUMMARY_SQL = """
WITH f AS (
    SELECT cid, min(day) AS first_day FROM {daily} WHERE day < {cutoff} GROUP BY cid
),
agg AS (
    SELECT d.cid,
      sum(CASE WHEN d.day < {cutoff} THEN 1 ELSE 0 END) - 1 AS frequency,
      max(CASE WHEN d.day < {cutoff} THEN d.day END) AS last_day,
      min(f.first_day) AS first_day,
      sum(CASE WHEN d.day < {cutoff} AND d.day > f.first_day THEN d.value ELSE 0 END)
        AS repeat_value,
      sum(CASE WHEN d.day = f.first_day THEN d.value ELSE 0 END) AS first_value,
      sum(CASE WHEN d.day >= {cutoff} AND d.day < {end} THEN 1 ELSE 0 END)
        AS holdout_purchases,
      sum(CASE WHEN d.day >= {cutoff} AND d.day < {end} THEN d.value ELSE 0 END)
        AS holdout_value
    FROM {daily} d JOIN f ON d.cid = f.cid
    GROUP BY d.cid
)
SELECT cid AS customer, CAST(frequency AS BIGINT) AS frequency,
  CAST({days_recency} AS DOUBLE) AS recency, CAST({days_T} AS DOUBLE) AS T,
  CASE WHEN frequency > 0 THEN round(repeat_value / frequency, 6) ELSE 0.0 END AS monetary,
  round(first_value, 6) AS first_value,
  CAST(holdout_purchases AS BIGINT) AS holdout_purchases,
  round(holdout_value, 6) AS holdout_value
FROM agg ORDER BY customer
"""


def days_sql(engine: str, start: str, end: str) -> str:
    """SQL for the whole days from ``start`` to ``end`` in ``engine`` ("duckdb"/"spark").

    >>> days_sql("spark", "a", "b"), days_sql("duckdb", "a", "b")
    ('datediff(b, a)', "datediff('day', a, b)")
    """
    return f"datediff({end}, {start})" if engine == "spark" else f"datediff('day', {start}, {end})"


def render_summary_sql(engine: str, daily: str, cutoff: str, end: str) -> str:
    """:data:`SUMMARY_SQL` for one engine, over the table ``daily``."""
    return SUMMARY_SQL.format(daily=daily, cutoff=cutoff, end=end,
                              days_recency=days_sql(engine, "first_day", "last_day"),
                              days_T=days_sql(engine, "first_day", cutoff) + " - 1")


def _connect() -> tuple[duckdb.DuckDBPyConnection, str]:
    tmpdir = tempfile.mkdtemp(prefix="custseg-value-")
    con = duckdb.connect()
    con.execute("SET temp_directory = $d", {"d": tmpdir})
    con.execute("SET preserve_insertion_order = false")
    return con, tmpdir


def daily_purchases(source, transactions) -> pd.DataFrame:
    """Purchase days ``(cid, day, value)`` of a log, with the feature builder's line rules.

    ``transactions`` is the :class:`~custseg.features.CustomerFeatures` the run built
    from ``source`` (its column roles, cancellation rule, date format and as-of day are
    reused, so both count the same purchases). Exact duplicate lines are dropped, as
    the builder does by default.

    >>> import pandas as pd
    >>> from custseg.features import build_customer_features
    >>> log = pd.DataFrame({"customer": ["a", "a", "a", "b"],
    ...                     "date": ["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"],
    ...                     "amount": [10.0, 5.0, 30.0, -5.0]})
    >>> daily_purchases(log, build_customer_features(log)).values.tolist()
    [['a', datetime.date(2024, 1, 1), 15.0], ['a', datetime.date(2024, 1, 11), 30.0]]
    """
    from custseg.features.builder import _lines_sql
    from custseg.features.source import open_source

    con, tmpdir = _connect()
    try:
        src = open_source(con, source)
        fmt = str(getattr(transactions, "date_format", "") or "")
        inner, outer, params, _ = _lines_sql(
            con, src, transactions.columns, fmt if "%" in fmt else None,
            dict(getattr(transactions, "cancellation", {}) or {}))
        params = {**src.params, **params, "as_of": transactions.as_of}
        money = bool(getattr(transactions, "monetary", True))
        value = "amt" if money else "1.0"
        frame = con.execute(f"""
            SELECT cid, day, round(sum({value}), 6) AS value
            FROM (SELECT {outer} FROM (SELECT {inner} FROM (SELECT DISTINCT * FROM {src.sql})))
            WHERE cid IS NOT NULL AND day IS NOT NULL AND day < CAST($as_of AS DATE)
              AND amt > 0 AND NOT is_return AND NOT is_cancel AND NOT is_void
            GROUP BY cid, day ORDER BY cid, day""", params).df()
    finally:
        con.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
    frame["cid"] = _key(frame["cid"])
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def _key(ids: pd.Series) -> pd.Series:
    """Customer ids as text keys: 17850.0 and 17850 are the same customer."""
    return ids.astype(str).str.replace(r"\.0+$", "", regex=True)


def summary_from_daily(daily: pd.DataFrame, cutoff: dt.date, end: dt.date) -> pd.DataFrame:
    """Per-customer summary (:data:`SUMMARY_COLUMNS`) of purchase days before ``cutoff``,
    with the purchases in ``[cutoff, end)`` as the holdout.

    >>> import datetime as dt
    >>> daily = pd.DataFrame({"cid": ["a", "a", "a", "b"],
    ...     "day": [dt.date(2024, 1, 1), dt.date(2024, 1, 11), dt.date(2024, 2, 1),
    ...             dt.date(2024, 1, 5)], "value": [10.0, 30.0, 20.0, 5.0]})
    >>> summary_from_daily(daily, dt.date(2024, 1, 21), dt.date(2024, 3, 1)).values.tolist()
    [['a', 1, 10.0, 19.0, 30.0, 10.0, 1, 20.0], ['b', 0, 0.0, 15.0, 0.0, 5.0, 0, 0.0]]
    """
    if cutoff > end:
        raise InputError(f"the calibration cutoff {cutoff} is after the end {end}",
                         where="--holdout-days", fix="use a holdout shorter than the log")
    con = duckdb.connect()
    try:
        con.register("daily_df", daily[["cid", "day", "value"]])
        con.execute("CREATE TEMP TABLE daily AS SELECT CAST(cid AS VARCHAR) AS cid, "
                    "CAST(day AS DATE) AS day, CAST(value AS DOUBLE) AS value FROM daily_df")
        sql = render_summary_sql("duckdb", "daily", "CAST($cutoff AS DATE)",
                                 "CAST($end AS DATE)")
        out = con.execute(sql, {"cutoff": cutoff, "end": end}).df()
    finally:
        con.close()
    return out.reset_index(drop=True)


def customer_summary(source, transactions, cutoff: dt.date | None = None) -> pd.DataFrame:
    """The summary of a log as of its as-of day (``cutoff`` splits off a holdout).

    >>> import pandas as pd
    >>> from custseg.features import build_customer_features
    >>> log = pd.DataFrame({"customer": ["a", "a", "b"],
    ...                     "date": ["2024-01-01", "2024-01-11", "2024-01-05"],
    ...                     "amount": [10.0, 30.0, 5.0]})
    >>> customer_summary(log, build_customer_features(log))[["customer", "frequency", "T"]]
      customer  frequency     T
    0        a          1  10.0
    1        b          0   6.0
    """
    end = transactions.as_of
    return summary_from_daily(daily_purchases(source, transactions), cutoff or end, end)

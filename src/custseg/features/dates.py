"""Turn a log's date column into a TIMESTAMP SQL expression, deciding text formats.

The format is decided from every distinct value of the column (one GROUP BY
in DuckDB, then :func:`custseg.data.dates.detect_date_format` on the distinct
values), with the same rules as for customer tables: a field above 12 is a
day, four digits or a value above 31 is a year, two-digit years by a stated
pivot, month names, ``YYYYMMDD`` numbers, time-zone offsets converted to UTC.
Implausible dates (after next year, or mostly before 1900) are refused with
the column named and the fix (``--date-format``).

Example
-------
>>> import duckdb, pandas as pd
>>> con = duckdb.connect()
>>> con.register("log", pd.DataFrame({"d": ["11-Feb-13", "16-May-11", "16-Mar-15"]}))
<_duckdb.DuckDBPyConnection object at ...>
>>> sql, params, fmt = date_expression(con, "log", {}, "d", "VARCHAR", None, where="log")
>>> fmt
'%d-%b-%y'
>>> [str(r[0].date()) for r in con.execute(f"SELECT {sql} FROM log", params).fetchall()]
['2013-02-11', '2011-05-16', '2015-03-16']
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import numpy as np

from custseg.data.dates import (
    DateReading,
    check_strptime,
    detect_date_format,
    format_variants,
    range_problem,
    read_with_format,
)
from custseg.exceptions import InputError

__all__ = ["DATE_FORMATS", "date_expression", "date_reading", "is_numeric_type"]

# Formats the Spark engine tries (it has no distinct-value detection yet); the
# local engine decides from the values instead (see date_reading).
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S",
    "%Y%m%d", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%m/%d/%y %H:%M", "%m/%d/%y",
    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y", "%d/%m/%y",
    "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y",
)
_NUMERIC = re.compile(r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*)$")


def is_numeric_type(sql_type: str) -> bool:
    """True for DuckDB integer, float and decimal types."""
    return bool(_NUMERIC.match(sql_type.upper()))


def date_reading(con: duckdb.DuckDBPyConnection, from_sql: str, params: dict, quoted: str,
                 sql_type: str, date_format: str | None, where: str) -> DateReading:
    """How the column's dates read: detected from its distinct values, or the user's format.

    Raises :class:`InputError` when the values are not dates or read to
    implausible dates, naming the column and the fix.
    """
    column = where
    t = sql_type.upper()
    text = _text_sql(quoted, t)
    rows = con.execute(
        f"SELECT v, count(*) AS n FROM (SELECT {text} AS v FROM {from_sql} "
        f"WHERE {quoted} IS NOT NULL) WHERE v <> '' GROUP BY v", params).df()
    values, counts = rows["v"].astype(object), rows["n"].to_numpy(dtype=np.int64)
    if date_format is not None:
        check_strptime(date_format, where="date_format (--date-format)")
        reading = read_with_format(values, counts, date_format)
        if reading.n_rows and reading.n_unreadable > 0.5 * reading.n_rows:
            example = _example(values)
            raise InputError(
                f"date format {date_format} reads only {reading.n_rows - reading.n_unreadable:,}"
                f" of {reading.n_rows:,} dates in {column}, e.g. not {example}", where=column,
                fix="give the strptime format of these values with --date-format "
                    "(e.g. '%d/%m/%Y %H:%M'), or leave it out to detect it")
    else:
        # the column is the log's date column: junk cells are counted, not a veto
        reading = detect_date_format(values, counts, numeric_ok=True, min_share=0.5) \
            if len(values) else None
        if reading is None:
            if not len(values):
                return DateReading(None, "empty", "no dates")
            example = _example(values)
            raise InputError(
                f"cannot read the dates in column {quoted}, e.g. {example}", where=column,
                fix="pass the format with --date-format (strptime codes, e.g. '%d/%m/%Y')")
    problem = range_problem(reading, column.removeprefix("date column ").strip("'"))
    if problem:
        alt = f"--date-format '{reading.alternative}'" if reading.alternative else \
            "--date-format with the right strptime codes (e.g. '%d/%m/%y')"
        raise InputError(problem, where=column, fix=f"pass the format with {alt}")
    return reading


def _example(values) -> str:
    """The first value quoted, unless it looks like personal data (never printed)."""
    from custseg.data.schema import looks_personal

    if not len(values):
        return "(no values)"
    first = values.iloc[0]
    return "(a value that looks like personal data, not shown)" if looks_personal([first]) \
        else repr(first)


def date_expression(
    con: duckdb.DuckDBPyConnection,
    from_sql: str,
    params: dict,
    quoted: str,
    sql_type: str,
    date_format: str | None,
    where: str,
    notes: list[str] | None = None,
) -> tuple[str, dict, str]:
    """Return (SQL giving a naive TIMESTAMP or NULL, extra params, the format used).

    The format is a strptime format (also fit to be saved and given back as
    ``date_format``) or ``native ...`` for date-typed columns. ``notes``, when
    given, receives one sentence saying how the dates were read and why
    (including ``ambiguous: read as day-first because ...``).
    """
    t = sql_type.upper()
    if t.startswith("TIMESTAMP WITH TIME ZONE") or t == "TIMESTAMPTZ":
        return f"timezone('UTC', {quoted})", {}, "native timestamp with time zone (UTC)"
    if t.startswith("TIMESTAMP") or t == "DATE":
        return f"CAST({quoted} AS TIMESTAMP)", {}, f"native {t.lower()}"
    reading = date_reading(con, from_sql, params, quoted, t, date_format, where)
    if reading.format is None:
        return "CAST(NULL AS TIMESTAMP)", {}, "no dates"
    if notes is not None:
        notes.append(f"Dates in {where.removeprefix('date column ')} are read with "
                     f"{reading.describe()}.")
    return _parse_sql(_text_sql(quoted, t), reading.format), {"date_fmt": _formats(
        reading.format)}, reading.format


def _text_sql(quoted: str, t: str) -> str:
    if t.startswith("DECIMAL") or t in ("FLOAT", "DOUBLE", "REAL"):
        return f"CAST(TRY_CAST({quoted} AS BIGINT) AS VARCHAR)"  # 19970101.0 -> '19970101'
    return f"trim(CAST({quoted} AS VARCHAR))"


def _formats(fmt: str) -> list[str]:
    variants = format_variants(fmt)
    if "%z" in fmt:  # one result type: keep the variants that carry an offset
        variants = [v for v in variants if "%z" in v]
    return variants


def _parse_sql(text: str, fmt: str) -> str:
    """try_strptime with the format's variants, month names shortened, offsets to UTC,
    two-digit years by custseg's pivot, and dates before 1900 as NULL."""
    value = text
    if "%b" in fmt:  # strptime's %b wants "Feb": full names and "Sept" are shortened
        value = f"regexp_replace({value}, '([A-Za-z]{{3}})[A-Za-z]*\\.?', '\\1')"
    if "%z" in fmt:
        value = f"regexp_replace({value}, 'Z$', '+00:00')"
        expr = f"timezone('UTC', try_strptime({value}, $date_fmt))"
    else:
        expr = f"try_strptime({value}, $date_fmt)"
    if "%y" in fmt:  # DuckDB's pivot is 1969-2068; ours ends next year (pivot_year)
        limit = dt.date.today().year + 1
        expr = (f"(CASE WHEN year({expr}) > {limit} THEN {expr} - INTERVAL 100 YEAR "
                f"ELSE {expr} END)")
    return f"(CASE WHEN {expr} >= TIMESTAMP '1900-01-01' THEN {expr} END)"

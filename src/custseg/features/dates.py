"""Turn a log's date column into a TIMESTAMP SQL expression, detecting text formats."""

from __future__ import annotations

import re

import duckdb

from custseg.exceptions import InputError

__all__ = ["DATE_FORMATS", "date_expression"]

# Tried in this order; on a tie the earlier wins (ISO, then month-first as in the
# UCI Online Retail export, then day-first).
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S",
    "%Y%m%d", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%m/%d/%y %H:%M", "%m/%d/%y",
    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y", "%d/%m/%y",
    "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y",
)
_ISO = "ISO 8601"
_NUMERIC = re.compile(r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*)$")


def is_numeric_type(sql_type: str) -> bool:
    """True for DuckDB integer, float and decimal types."""
    return bool(_NUMERIC.match(sql_type.upper()))


def date_expression(
    con: duckdb.DuckDBPyConnection,
    from_sql: str,
    params: dict,
    quoted: str,
    sql_type: str,
    date_format: str | None,
    where: str,
) -> tuple[str, dict, str]:
    """Return (SQL giving a TIMESTAMP or NULL, extra params, format description)."""
    t = sql_type.upper()
    if t.startswith("TIMESTAMP") or t == "DATE":
        return f"CAST({quoted} AS TIMESTAMP)", {}, f"native {t.lower()}"
    text = f"trim(CAST({quoted} AS VARCHAR))"
    if date_format is not None:
        if not isinstance(date_format, str) or "%" not in date_format:
            raise InputError(
                f"date_format {date_format!r} is not a strptime format",
                where="date_format", fix="use e.g. '%d/%m/%Y %H:%M'",
            )
        return f"try_strptime({text}, $date_fmt)", {"date_fmt": date_format}, date_format
    if t.startswith("DECIMAL") or t in ("FLOAT", "DOUBLE", "REAL"):
        text = f"CAST(CAST({quoted} AS BIGINT) AS VARCHAR)"  # 19970101.0 -> '19970101'
    sample_sql = (
        f"SELECT v FROM (SELECT {text} AS v FROM {from_sql} WHERE {quoted} IS NOT NULL) "
        "USING SAMPLE reservoir(2000 ROWS) REPEATABLE (42)"
    )
    counts = ", ".join(
        ["count(TRY_CAST(v AS TIMESTAMP)) FILTER (WHERE v NOT SIMILAR TO '[0-9]+')"]
        + [f"count(try_strptime(v, $f{i}))" for i in range(len(DATE_FORMATS))]
    )
    fparams = {f"f{i}": f for i, f in enumerate(DATE_FORMATS)}
    row = con.execute(
        f"SELECT count(*), any_value(v), {counts} FROM ({sample_sql})", {**params, **fparams}
    ).fetchone()
    n, example, scores = row[0], row[1], list(row[2:])
    names = [_ISO, *DATE_FORMATS]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if n == 0:
        return "CAST(NULL AS TIMESTAMP)", {}, "no dates"
    if scores[best] == 0:
        raise InputError(
            f"cannot read the dates in column {quoted}, e.g. {example!r}",
            where=where,
            fix="pass the format, e.g. date_format='%d/%m/%Y' (strptime codes)",
        )
    if names[best] == _ISO:
        return f"TRY_CAST({text} AS TIMESTAMP)", {}, _ISO
    return f"try_strptime({text}, $date_fmt)", {"date_fmt": names[best]}, names[best]

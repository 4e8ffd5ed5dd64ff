"""Transaction log -> one row per customer, in Spark SQL.

The same definitions as :mod:`custseg.features` (the DuckDB path): the same
quality rules, the same CASE logic for returns, zero-value and future lines,
the same aggregates. Tests compare both engines on CDNOW value by value.
Statements use only ANSI-safe functions (``try_cast``, ``try_to_timestamp``,
``NULLIF`` before divisions) so they run with ``spark.sql.ansi.enabled`` on.

Column roles, the cancellation rule and the rule texts come from the local engine's
own functions (:func:`~custseg.features.detect_log_columns` on a sample,
:func:`~custseg.features.builder.decide_cancel_rule` on evidence Spark measures), so
both engines state the same rule and match the same lines.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from custseg.exceptions import InputError
from custseg.features import (
    FEATURE_DEFINITIONS,
    LogColumns,
    QualityRules,
    detect_log_columns,
    logsql,
)
from custseg.features.builder import (
    CANCEL_PREFIX_RE,
    _notes,
    _rules_text,
    decide_cancel_rule,
    parse_as_of,
)
from custseg.features.columns import find_log_roles
from custseg.features.dates import DATE_FORMATS
from custseg.features.logsql import SPARK, ShareColumns
from custseg.features.logsql import quote_spark as q
from custseg.features.quality import QUALITY_COUNTS
from custseg.spark.reader import ROW, spark_pattern

_SAMPLE_ROWS = 5000  # rows read to find roles from values, as the local engine's sample
_NUMERIC_TYPES = ("double", "float", "int", "bigint", "smallint", "tinyint", "decimal")


@dataclass
class SparkFeatures:
    """Customer features built by Spark, with the data-quality account."""

    frame: Any
    quality: dict[str, int]
    rules: dict[str, str]
    columns: LogColumns
    as_of: dt.date
    date_format: str
    notes: list[str] = field(default_factory=list)
    #: Which cancellation rule was used and the evidence measured for it (as locally).
    cancellation: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready summary (as ``CustomerFeatures.to_dict`` of the local engine)."""
        return {"n_customers": int(self.quality.get("customers", 0)),
                "feature_columns": [c for c in self.frame.columns[1:] if c != ROW],
                "quality": dict(self.quality), "rules": dict(self.rules),
                "columns": self.columns.to_dict(), "as_of": self.as_of.isoformat(),
                "notes": list(self.notes), "definitions": dict(FEATURE_DEFINITIONS),
                "cancellation": dict(self.cancellation), "engine": "spark"}


def lit(text: str) -> str:
    """A Spark SQL string literal.

    >>> lit("yyyy-M-d'T'H")
    "'yyyy-M-d\\\\'T\\\\'H'"
    """
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _is_numeric(dtype: str) -> bool:
    return dtype.startswith(_NUMERIC_TYPES)


def _date_sql(spark, view: str, column: str, dtype: str, n_rows: int) -> tuple[str, str]:
    """(SQL expression giving a TIMESTAMP or NULL, format description)."""
    if dtype.startswith(("timestamp", "date")):
        return f"CAST({q(column)} AS TIMESTAMP)", f"native {dtype}"
    text = (f"CAST(CAST({q(column)} AS BIGINT) AS STRING)" if _is_numeric(dtype)
            else f"trim(CAST({q(column)} AS STRING))")
    fraction = min(1.0, 4000 / max(n_rows, 1))
    sample = (f"(SELECT {text} AS v FROM {view} TABLESAMPLE ({fraction * 100:.6f} PERCENT) "
              f"REPEATABLE (42) WHERE {q(column)} IS NOT NULL LIMIT 2000)")
    counts = ["count(CASE WHEN NOT v RLIKE '^[0-9]+$' THEN try_cast(v AS TIMESTAMP) END)"]
    counts += [f"count(try_to_timestamp(v, {lit(spark_pattern(f))}))" for f in DATE_FORMATS]
    row = spark.sql(f"SELECT count(*), first(v), {', '.join(counts)} FROM {sample}").first()
    n, example, scores = row[0], row[1], list(row[2:])
    if n == 0:
        return "CAST(NULL AS TIMESTAMP)", "no dates"
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if scores[best] == 0:
        raise InputError(f"cannot read the dates in column {column!r}, e.g. {example!r}",
                         where=f"date column {column!r}",
                         fix="pass the date column in ISO form (YYYY-MM-DD) or a common format")
    if best == 0:
        return f"try_cast({text} AS TIMESTAMP)", "ISO 8601"
    fmt = DATE_FORMATS[best - 1]
    return f"try_to_timestamp({text}, {lit(spark_pattern(fmt))})", fmt


def _lines_select(spark, view: str, types: dict[str, str], cols: LogColumns,
                  n_rows: int) -> tuple[str, str]:
    roles = {r: c for r, c in cols.to_dict().items() if c is not None}

    def num(role: str) -> str:
        if role not in roles:
            return "CAST(NULL AS DOUBLE)"
        if _is_numeric(types[roles[role]]):
            return f"CAST({q(roles[role])} AS DOUBLE)"
        return f"try_cast(trim(CAST({q(roles[role])} AS STRING)) AS DOUBLE)"

    def text(role: str) -> str:
        if role not in roles:
            return "CAST(NULL AS STRING)"
        return f"NULLIF(trim(CAST({q(roles[role])} AS STRING)), '')"

    cid = text("customer") if types[cols.customer] == "string" else q(cols.customer)
    ts, fmt = _date_sql(spark, view, cols.date, types[cols.date], n_rows)
    amt = num("amount") if cols.amount else f"({num('quantity')} * {num('price')})"
    has_date = (f"(NULLIF(trim({q(cols.date)}), '') IS NOT NULL)"
                if types[cols.date] == "string" else f"({q(cols.date)} IS NOT NULL)")
    select = (f"{cid} AS cid, {ts} AS ts, {has_date} AS has_date, {text('invoice')} AS inv, "
              f"{num('quantity')} AS qty, {num('price')} AS price, {amt} AS amt, "
              f"{text('category')} AS cat, {text('channel')} AS chan, "
              f"{text('country')} AS country, {text('status')} AS status")
    return select, fmt


def _detect_columns(spark, raw, view: str, columns, n_rows: int,
                    reasons: dict[str, str]) -> LogColumns:
    """Roles as the local engine finds them: names first, then a sample of the values
    (a status column holding "Cancelled", a customer key chosen by rows per value)."""
    if isinstance(columns, LogColumns):  # saved roles: taken as they are
        given = {k: v for k, v in columns.to_dict().items() if v is not None}
        find_log_roles(list(raw.columns), given)  # every given column must exist
        return LogColumns(**{**dict.fromkeys(columns.to_dict()), **given})
    if n_rows > _SAMPLE_ROWS:
        fraction = min(1.0, 1.3 * _SAMPLE_ROWS / n_rows)
        part = spark.sql(f"SELECT * FROM {view} TABLESAMPLE ({fraction * 100:.6f} PERCENT) "
                         f"REPEATABLE (42) LIMIT {_SAMPLE_ROWS}")
    else:
        part = raw
    sample = part.toPandas()

    def rows_per_value(col: str) -> float:
        n, k = spark.sql(f"SELECT count({q(col)}), count(DISTINCT {q(col)}) "
                         f"FROM {view}").first()
        return n / k if k else 0.0

    return detect_log_columns(list(raw.columns), columns, sample=sample, reasons=reasons,
                              rows_per_value=rows_per_value)


def _cancel_rule(spark, lines: str, cols: LogColumns, rules: QualityRules) -> dict:
    """The evidence the local engine measures, in one Spark aggregation per question;
    the decision is the local engine's own :func:`decide_cancel_rule`.

    The staged lines carry each distinct line's copy count ``n``, so the sums count
    the input lines as DuckDB does on the raw file.
    """
    stats = None
    if cols.invoice and rules.cancel_prefix == "auto":
        neg = ("qty < 0" if cols.quantity else "amt < 0" if cols.amount else "false")
        stats = [tuple(r) for r in spark.sql(f"""
            SELECT regexp_extract(inv, :prefix_re, 1) AS p, sum(n),
                   COALESCE(sum(CASE WHEN COALESCE({neg}, false) THEN n END), 0),
                   count(DISTINCT inv)
            FROM {lines} WHERE inv IS NOT NULL GROUP BY 1 ORDER BY 1""",
            args={"prefix_re": CANCEL_PREFIX_RE}).collect()]
    values = None
    if cols.status:
        values = [r[0] for r in spark.sql(
            f"SELECT DISTINCT status FROM {lines} WHERE status IS NOT NULL LIMIT 1000"
        ).collect()]
    return decide_cancel_rule(cols, rules, stats, values)


def build_features(spark, raw, *, columns: dict | LogColumns | None = None, as_of=None,
                   rules: QualityRules | None = None, top_categories: int = 5) -> SparkFeatures:
    """Aggregate a log (Spark DataFrame) into customer features; see :mod:`custseg.features`.

    ``columns``: role -> column overrides (the rest found as locally, from names and a
    sample of the values), or a :class:`LogColumns` taken as it is (saved roles).
    """
    rules = rules or QualityRules()
    raw = raw.drop(ROW) if ROW in raw.columns else raw
    tag = uuid.uuid4().hex[:8]
    src, lines = f"cs_src_{tag}", f"cs_lines_{tag}"
    types = dict(raw.dtypes)
    n_raw = raw.count()
    raw.createOrReplaceTempView(src)
    reasons: dict[str, str] = {}
    try:
        cols = _detect_columns(spark, raw, src, columns, n_raw, reasons)
    except Exception:
        spark.catalog.dropTempView(src)
        raise
    select, date_fmt = _lines_select(spark, src, types, cols, n_raw)
    if rules.keep_duplicates:
        staged = spark.sql(f"SELECT {select}, 1 AS n FROM {src}")
        dup = n_raw - raw.distinct().count()
    else:
        grouped = raw.groupBy(*[raw[c] for c in raw.columns]).count().withColumnRenamed(
            "count", "__cs_n")
        grouped.createOrReplaceTempView(f"{src}_g")
        staged = spark.sql(f"SELECT {select}, __cs_n AS n FROM {src}_g")
        dup = None
    staged = staged.cache()
    staged.createOrReplaceTempView(lines)
    try:
        feats = _aggregate(spark, staged, lines, cols, rules, as_of, top_categories, date_fmt,
                           dup)
        feats.notes[:0] = [f"column {role}: {why}" for role, why in reasons.items()]
        return feats
    finally:
        staged.unpersist()
        for view in (src, f"{src}_g", lines):
            spark.catalog.dropTempView(view)


def _aggregate(spark, staged, lines, cols, rules, as_of, top_n, date_fmt, dup):
    as_of_d, default_as_of = _as_of_day(spark, lines, cols, rules, as_of)
    cancel = _cancel_rule(spark, lines, cols, rules)
    classified, flag_params = _classified_lines(lines, cancel)
    used = logsql.used_condition(SPARK, "ts")
    params: dict[str, Any] = {**logsql.rule_params(rules, as_of_d), **flag_params}

    def sql(text: str, extra: dict | None = None):
        args = {**params, **(extra or {})}
        return spark.sql(text, args={k: v for k, v in args.items()
                                     if re.search(rf":{k}\b", text)})

    quality = _quality_counts(sql, classified, used, dup)
    shares = _share_columns(sql, classified, used, cols, top_n)
    frame = sql(_customer_sql(classified, used, cols, shares), shares.params)
    frame = _finish(frame, cols.customer).cache()
    stats = frame.selectExpr("count(*)", "count(CASE WHEN monetary < 0 THEN 1 END)",
                             "count(CASE WHEN frequency = 0 THEN 1 END)").first()
    quality.update(customers=int(stats[0]), customers_negative_net=int(stats[1]),
                   customers_without_orders=int(stats[2]))
    cancellation = {**cancel, "lines": quality["cancelled_lines"],
                    "invoices": quality["cancelled_invoices"]}
    # the local engine's texts, so both engines state the same rules and counts
    rules_text = {**_rules_text(rules, quality, cols, as_of_d, default_as_of, date_fmt,
                                cancellation),
                  "engine": "Spark SQL with the definitions of custseg.features (DuckDB)."}
    notes = _notes(quality, cols, as_of_d)
    notes[0] = notes[0].removesuffix(".") + " (Spark)."
    return SparkFeatures(frame=frame, quality=quality, rules=rules_text, columns=cols,
                         as_of=as_of_d, date_format=date_fmt, notes=notes,
                         cancellation=cancellation)


def _as_of_day(spark, lines: str, cols: LogColumns, rules: QualityRules,
               as_of) -> tuple[dt.date, bool]:
    """The as-of date and whether it is the default (the day after the last line not
    later than today), as locally."""
    if as_of is not None:
        return parse_as_of(as_of, "as_of"), False
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    last = spark.sql(f"SELECT max(ts) FROM {lines} WHERE ts < CAST(:tomorrow AS TIMESTAMP) "
                     "AND (cid IS NOT NULL OR NOT :drop)",
                     args={"tomorrow": tomorrow,
                           "drop": rules.drop_missing_customer}).first()[0]
    if last is None:
        raise InputError(
            "the transaction log has no line with a customer id and a readable date",
            where=f"columns {cols.customer!r} and {cols.date!r}",
            fix="check the column roles (--customer, --date) and the date format")
    return last.date() + dt.timedelta(days=1), True


def _classified_lines(lines: str, cancel: dict) -> tuple[str, dict[str, Any]]:
    """The staged lines with their flags (return, cancel, void, zero, future) as a
    subquery, and the parameters the cancellation flags use."""
    flag_params: dict[str, Any] = {}
    prefix_cancel = "false"
    if cancel["explicit"]:
        prefix_cancel = "COALESCE(startswith(inv, :cancel), false)"
        flag_params["cancel"] = cancel["explicit"]
    elif cancel["prefixes"]:
        keys = [f"cancel_p{i}" for i in range(len(cancel["prefixes"]))]
        prefix_cancel = (f"COALESCE(regexp_extract(inv, :prefix_re, 1) IN "
                         f"({', '.join(':' + k for k in keys)}), false)")
        flag_params.update(zip(keys, cancel["prefixes"], strict=True),
                           prefix_re=CANCEL_PREFIX_RE)
    # as locally: a status-cancelled line is the order itself, never completed, so it
    # is voided (worth 0, activity only), not subtracted like an offsetting line
    is_void = "false"
    if cancel["void_values"]:
        keys = [f"void{i}" for i in range(len(cancel["void_values"]))]
        is_void = f"COALESCE(status IN ({', '.join(':' + k for k in keys)}), false)"
        flag_params.update(zip(keys, cancel["void_values"], strict=True))
    classified = f"""(SELECT *,
          (is_prefix OR is_void) AS is_cancel,
          (NOT is_void AND (is_prefix OR COALESCE(qty < 0, false)
                            OR (qty IS NULL AND amt < 0))) AS is_return,
          (amt = 0 OR COALESCE(price = 0, false)) AS is_zero,
          (ts >= CAST(:as_of AS TIMESTAMP)) AS is_future
        FROM (SELECT *, {prefix_cancel} AS is_prefix, {is_void} AS is_void FROM {lines}))"""
    return classified, flag_params


def _quality_counts(sql, classified: str, used: str, dup: int | None) -> dict[str, int]:
    """The quality account in one aggregation (the counts of ``QUALITY_COUNTS``)."""
    conds = ["true", "cid IS NULL", "is_zero", "NOT is_return AND amt < 0", "is_return",
             "is_cancel", None, "is_future", "ts IS NULL AND has_date", "NOT has_date",
             "amt IS NULL"]
    parts = [f"COALESCE(sum(CASE WHEN {c} THEN n END), 0)" if c else
             "count(DISTINCT CASE WHEN is_cancel THEN inv END)" for c in conds]
    parts.insert(1, "sum(n) - count(*)")
    parts.append(f"count(CASE WHEN {used} THEN 1 END)")
    parts.append("COALESCE(sum(CASE WHEN is_void THEN n END), 0)")
    row = sql(f"SELECT {', '.join(parts)} FROM {classified}").first()
    quality = {k: int(v or 0) for k, v in zip(QUALITY_COUNTS, row[:-1], strict=True)}
    quality["voided_lines"] = int(row[-1] or 0)
    if dup is not None:
        quality["duplicate_lines"] = int(dup)
    return quality


def _share_columns(sql, classified: str, used: str, cols: LogColumns,
                   top_n: int) -> ShareColumns:
    """Top categories / channels by purchase value over all customers, as locally."""
    tops = []
    for role, expr, prefix, limit in logsql.SHARE_ROLES:
        if getattr(cols, role) is None or (role == "category" and top_n == 0):
            continue
        values = [r[0] for r in sql(logsql.top_values_sql(SPARK, expr, classified, used,
                                                   limit or top_n)).collect()]
        tops.append((role, expr, prefix, values))
    return logsql.share_columns(SPARK, tops)


def _customer_sql(classified: str, used: str, cols: LogColumns, shares: ShareColumns) -> str:
    """One statement from the classified lines to one row of features per customer."""
    order_key = "CAST(inv AS STRING)" if cols.invoice else "CAST(day AS STRING)"
    country = (", country_mode AS (SELECT cid, max_by(country, k) AS main_country FROM ("
               "SELECT cid, country, count(*) * 1e6 - rank() OVER (PARTITION BY cid ORDER BY "
               "country) AS k FROM u WHERE country IS NOT NULL GROUP BY cid, country) "
               "GROUP BY cid)") if cols.country else ""
    return f"""
    WITH u AS (
        SELECT cid, CAST(ts AS DATE) AS day, inv, cat, chan, country, is_return,
               {logsql.line_values_sql(SPARK)}
        FROM {classified} WHERE {used}
    ),
    days AS (
        SELECT cid, datediff(day, lag(day) OVER (PARTITION BY cid ORDER BY day)) AS gap
        FROM (SELECT DISTINCT cid, day FROM u WHERE pv IS NOT NULL)
    ),
    gaps AS (
        SELECT cid, avg(gap) AS gap_mean, stddev_pop(gap) AS gap_sd
        FROM days WHERE gap IS NOT NULL GROUP BY cid
    ),
    agg AS (
        SELECT cid, {logsql.customer_sums_sql(SPARK)},
          count(DISTINCT CASE WHEN pv IS NOT NULL THEN {order_key} END) AS frequency,
          count(DISTINCT CASE WHEN pv IS NOT NULL THEN trunc(day, 'MM') END) AS active_months
          {''.join(', ' + s for s in shares.select)}
        FROM u GROUP BY cid
    ) {country}
    SELECT agg.cid, {logsql.customer_features_sql(SPARK)}
      {''.join(', ' + q(c) for c in shares.names)}
      {", main_country" if cols.country else ""}
    FROM agg LEFT JOIN gaps ON agg.cid <=> gaps.cid
    {"LEFT JOIN country_mode ON agg.cid <=> country_mode.cid" if cols.country else ""}
    """


def _finish(frame, id_name: str):
    """Clean ids like the local engine (digit text -> integers unless zero-padded), sort."""
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    cid = F.col("cid")
    dtype = dict(frame.dtypes)["cid"]
    if dtype == "string":
        row = frame.agg(
            F.count(cid).alias("n"),
            F.count(F.when(cid.rlike(r"^-?\d{1,18}(\.0+)?$"), 1)).alias("digits"),
            F.count(F.when(F.regexp_replace(cid, r"^-", "").rlike(r"^0\d"), 1)).alias("pad"),
        ).first()
        if row["n"] and row["digits"] == row["n"] and row["pad"] == 0:
            frame = frame.withColumn("cid", F.regexp_replace(cid, r"\.0+$", "").cast("bigint"))
    elif _is_numeric(dtype) and not dtype.startswith(("int", "bigint", "smallint", "tinyint")):
        row = frame.agg(F.count(cid).alias("n"),
                        F.count(F.when(cid == F.floor(cid), 1)).alias("whole")).first()
        if row["n"] and row["n"] == row["whole"]:
            frame = frame.withColumn("cid", cid.cast("bigint"))
    casts = {c: F.col(q(c)).cast("bigint" if c in logsql.INTEGER_FEATURES else "double")
             for c in frame.columns[1:] if c != "main_country"}
    frame = frame.withColumns(casts).orderBy(F.col("cid").asc_nulls_last())
    return frame.withColumnRenamed("cid", id_name)

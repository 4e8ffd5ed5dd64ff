"""The per-customer BG/NBD summary on Spark: purchase days and :data:`SUMMARY_SQL` in Spark SQL.

The log's lines are staged with the Spark feature builder's own SELECT (roles, date
parsing, values); a purchase is the same as locally (a customer, a date before the
as-of day, a positive value, not a return, cancellation or voided line). Only the
summary -- one small row per customer -- is collected; the fit runs on it locally.

Example (needs a SparkSession)::

    feats = build_features(spark, raw)
    summary = spark_customer_summary(spark, raw, feats)
"""

from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd

from custseg.features.builder import CANCEL_PREFIX_RE
from custseg.value.summary import _key, render_summary_sql

__all__ = ["spark_customer_summary", "spark_daily_view", "spark_value"]


def _lit(text: str) -> str:
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _flags(cancel: dict) -> tuple[str, str]:
    """(prefix-cancel SQL, void SQL) of the feature builder's cancellation rule."""
    prefix = "false"
    if cancel.get("explicit"):
        prefix = f"COALESCE(startswith(inv, {_lit(cancel['explicit'])}), false)"
    elif cancel.get("prefixes"):
        values = ", ".join(_lit(p) for p in cancel["prefixes"])
        prefix = f"COALESCE(regexp_extract(inv, {_lit(CANCEL_PREFIX_RE)}, 1) IN ({values}), false)"
    void = "false"
    if cancel.get("void_values"):
        void = f"COALESCE(status IN ({', '.join(_lit(v) for v in cancel['void_values'])}), false)"
    return prefix, void


def spark_daily_view(spark, raw, features) -> str:
    """A temp view ``cid, day, value`` of purchase days; the caller drops it."""
    from custseg.spark.features import _lines_select
    from custseg.spark.reader import ROW

    raw = raw.drop(ROW) if ROW in raw.columns else raw
    tag = uuid.uuid4().hex[:8]
    src, daily = f"cs_vsrc_{tag}", f"cs_vdaily_{tag}"
    raw.distinct().createOrReplaceTempView(src)  # exact duplicate lines dropped, as locally
    select, _ = _lines_select(spark, src, dict(raw.dtypes), features.columns, raw.count())
    prefix, void = _flags(dict(getattr(features, "cancellation", {}) or {}))
    as_of = features.as_of.isoformat()
    spark.sql(f"""
        SELECT CAST(cid AS STRING) AS cid, CAST(ts AS DATE) AS day,
               round(sum(amt), 6) AS value
        FROM (SELECT {select} FROM {src})
        WHERE cid IS NOT NULL AND ts IS NOT NULL AND ts < CAST({_lit(as_of)} AS TIMESTAMP)
          AND amt > 0 AND NOT {prefix} AND NOT {void} AND NOT COALESCE(qty < 0, false)
        GROUP BY 1, 2""").createOrReplaceTempView(daily)
    spark.catalog.dropTempView(src)
    return daily


def spark_customer_summary(spark, raw, features, cutoff: dt.date | None = None) -> pd.DataFrame:
    """:func:`custseg.value.customer_summary`, computed by Spark SQL; pandas result."""
    daily = spark_daily_view(spark, raw, features)
    try:
        end = features.as_of
        sql = render_summary_sql("spark", daily, f"CAST({_lit((cutoff or end).isoformat())} "
                                 "AS DATE)", f"CAST({_lit(end.isoformat())} AS DATE)")
        out = spark.sql(sql).toPandas()
    finally:
        spark.catalog.dropTempView(daily)
    out["customer"] = _key(out["customer"])
    for col in ("frequency", "holdout_purchases"):
        out[col] = out[col].astype("int64")
    for col in ("recency", "T", "monetary", "first_value", "holdout_value"):
        out[col] = out[col].astype(float)
    return out.sort_values("customer").reset_index(drop=True)


def spark_value(spark, raw, features):
    """``compute(settings)`` for :func:`custseg.value.run.value_for_run` on Spark: the
    summaries (full, and with the holdout cutoff) come from Spark SQL, the fits run here."""
    from custseg.value import value_from_summaries

    def compute(settings):
        return value_from_summaries(
            lambda cutoff: spark_customer_summary(spark, raw, features, cutoff=cutoff),
            features.as_of, settings)
    return compute

"""The Spark per-customer summary equals the local (DuckDB) one on a small log."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from custseg.features import build_customer_features
from custseg.value import customer_summary

pytest.importorskip("pyspark")
pytestmark = pytest.mark.xdist_group("spark")  # one of two Spark groups: tests/conftest.py


def _log() -> pd.DataFrame:
    rows = []
    for i in range(12):
        cust = f"C{i:03d}"
        for j in range(i % 4 + 1):  # 1..4 purchase days, one of them twice
            day = dt.date(2024, 1, 1) + dt.timedelta(days=7 * i + 11 * j)
            rows.append((f"{500 + 10 * i + j}", cust, day.isoformat(), 2, 3.5 + j))
            if j == 1:
                rows.append((f"{900 + i}", cust, day.isoformat(), 1, 10.0))
    rows += [("C505", "C005", "2024-03-01", -1, 3.5),      # cancellation invoice
             ("601", "C006", "2024-03-02", -2, 4.0),       # return line
             ("602", "C007", "2024-03-03", 1, 0.0),        # zero value: not a purchase
             ("500", "C000", "2024-01-01", 2, 3.5)]        # exact duplicate line
    return pd.DataFrame(rows, columns=["InvoiceNo", "CustomerID", "InvoiceDate", "Quantity",
                                       "UnitPrice"])


def test_spark_summary_equals_local(spark):
    from custseg.spark.features import build_features
    from custseg.value.spark import spark_customer_summary

    log = _log()
    local_feats = build_customer_features(log)
    local = customer_summary(log, local_feats, cutoff=dt.date(2024, 3, 1))
    feats = build_features(spark, spark.createDataFrame(log))
    assert feats.as_of == local_feats.as_of
    remote = spark_customer_summary(spark, spark.createDataFrame(log), feats,
                                    cutoff=dt.date(2024, 3, 1))
    # C009-C011 first buy after the cutoff: not in the calibration cohort
    assert len(local) == 9 and local["frequency"].sum() == 8
    assert local["holdout_purchases"].sum() > 0  # the cutoff splits some customers
    pd.testing.assert_frame_equal(local.reset_index(drop=True), remote, check_dtype=False)


def test_spark_engine_run_on_a_log_has_value(spark, tmp_path):
    import jsonschema

    from custseg.config import RunConfig
    from custseg.spark.engine import run_spark
    from custseg.summary import summary_schema
    from custseg.value import synthetic_daily

    daily = synthetic_daily(400, seed=0)
    log = pd.DataFrame({"customer_id": daily["cid"], "order_date":
                        pd.to_datetime(daily["day"]).dt.strftime("%Y-%m-%d"),
                        "amount": daily["value"]})
    path = tmp_path / "orders.csv"
    log.to_csv(path, index=False)
    cfg = RunConfig(engine="spark", k=3, algorithms=["kmeans"], stability=False, report=False,
                    input_kind="transactions", holdout_days=60)
    summary = run_spark(str(path), cfg, tmp_path / "out", spark=spark)
    jsonschema.validate(summary, summary_schema())
    value = summary["value"]
    assert value["available"] and value["holdout"]["available"]
    assert sum(s["customers"] for s in value["segments"]) == 400
    seg = pd.read_csv(tmp_path / "out" / "segments.csv")
    assert seg["p_alive"].between(0, 1).all() and seg["clv"].notna().all()

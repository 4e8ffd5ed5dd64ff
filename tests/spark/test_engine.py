"""The Spark engine against the local one, and a full run with every output."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from custseg.config import RunConfig

pytestmark = pytest.mark.xdist_group("spark")  # one of two Spark groups: tests/conftest.py


def test_cdnow_features_equal_duckdb(spark, shared_datasets):
    from custseg.features import build_customer_features
    from custseg.spark import build_features
    from custseg.spark.reader import read_input

    path = shared_datasets / "cdnow" / "CDNOW_master.txt"
    raw, _ = read_input(spark, str(path))
    ours = build_features(spark, raw)
    theirs = build_customer_features(path)
    got, want = ours.frame.toPandas(), theirs.frame
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) == 23570
    assert (got["customer_id"].astype(str).to_numpy()
            == want["customer_id"].astype(str).to_numpy()).all()
    for column in want.columns[1:]:
        np.testing.assert_allclose(got[column].to_numpy(float), want[column].to_numpy(float),
                                   rtol=1e-9, atol=1e-9, err_msg=column)
    assert ours.as_of == theirs.as_of
    for key in ("lines_total", "lines_used", "zero_price_lines", "duplicate_lines",
                "customers", "customers_without_orders"):
        assert ours.quality[key] == theirs.quality[key], key


def _blobs(n=1500, seed=3):
    X, y = make_blobs(n_samples=n, centers=4, n_features=5, cluster_std=1.0,
                      center_box=(-12, 12), random_state=seed)
    frame = pd.DataFrame(X, columns=[f"score_{i}" for i in range(5)])
    frame.insert(0, "customer_id", [f"K{i:05d}" for i in range(n)])
    return frame, y


def test_same_algorithm_and_k_agree_with_local_engine(spark):
    from custseg import spark as cs_spark
    from custseg.workflow import run as run_local

    frame, truth = _blobs()
    local = run_local(frame, k=4, algorithms=["kmeans"], stability=False, report=False)
    result = cs_spark.run(frame, spark=spark, k=4, algorithms=["kmeans"], stability=True)
    ours = result.segments_table()
    assert ours["customer_id"].tolist() == frame["customer_id"].tolist()
    assert adjusted_rand_score(local.labels, ours["segment"]) >= 0.95
    assert adjusted_rand_score(truth, ours["segment"]) >= 0.95
    assert result.algorithm == "kmeans" and result.k == 4
    assert result.metrics["converged"] is True
    assert result.metrics["stability_ari"] >= 0.95  # 2 refits on halves, well separated


def test_run_spark_writes_everything_and_assign_reproduces(spark, tmp_path):
    import jsonschema

    from custseg.datasets import make_customers
    from custseg.spark import assign_spark, run_spark
    from custseg.summary import summary_schema

    frame = make_customers(1200, k=3, seed=2)
    data = tmp_path / "customers.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "out"
    summary = run_spark(data, RunConfig(k=(2, 3), algorithms=["kmeans", "gmm"], seed=1,
                                                 stability=False),
                        out, spark=spark)
    jsonschema.validate(summary, summary_schema())
    assert summary["engine"] == "spark" and summary["n_rows"] == 1200
    assert {c["algorithm"] for c in summary["candidates"]} == {"kmeans", "gmm"}
    assert summary["metrics"]["silhouette"] is not None
    assert "as the local engine" in summary["sampling"]["silhouette"]
    assert summary["selection"]["confidence"] in ("low", "medium", "high")
    assert summary["selection"]["reason"].startswith(f"Chose {summary['algorithm']} with k=")
    assert sorted(p.name for p in out.iterdir()) == [
        ".custseg-output", "figures", "report.html", "segments.csv", "spark_model",
        "summary.json"]
    assert (out / "figures" / "k_selection.png").stat().st_size > 1000
    assert not list(tmp_path.glob(".out.tmp-*"))
    segments = pd.read_csv(out / "segments.csv")
    assert segments["customer_id"].tolist() == frame["customer_id"].tolist()
    sizes = segments["segment"].value_counts().sort_index().tolist()
    assert sizes == sorted(sizes, reverse=True)
    assert sizes == [s["size"] for s in summary["segments"]]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert summary["segments"][0]["name"].split(",")[0] in html
    assert "@" not in "".join(summary["segments"][0]["name"])
    n = assign_spark(out / "spark_model", data, tmp_path / "scored.csv", spark=spark)
    scored = pd.read_csv(tmp_path / "scored.csv")
    assert n == 1200
    assert scored["segment"].tolist() == segments["segment"].tolist()
    assert scored["segment_name"].tolist() == segments["segment_name"].tolist()
    meta = json.loads((out / "spark_model" / "custseg_model.json").read_text())
    assert meta["k"] == summary["k"]


def test_transaction_log_run_on_cdnow_sample(spark, shared_datasets, tmp_path):
    from custseg.spark import run

    log = pd.read_csv(shared_datasets / "cdnow" / "CDNOW_master.txt", sep=r"\s+",
                      dtype={"customer_id": str}).head(3000)
    path = tmp_path / "log.parquet"
    log.to_parquet(path)
    result = run(str(path), spark=spark, k=3, algorithms=["kmeans"], stability=False)
    assert result.source["kind"] == "transactions"
    assert result.id_column == "customer_id"
    assert result.n_rows == log["customer_id"].nunique()
    assert "recency_days" in result.plan.features_used

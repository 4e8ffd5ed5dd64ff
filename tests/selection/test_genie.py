"""Genie candidates and the near-neighbour switch (selection/_genie.py, issue #21)."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from custseg.selection._candidates import CandidateGenerator
from custseg.selection._genie import (
    MAX_DIMS,
    GenieClusterer,
    genie_partitions,
    propose_switch,
)


def _sipu(shared_datasets, name):
    folder = shared_datasets / "clustering-benchmarks" / "sipu"
    if not (folder / f"{name}.data.gz").exists():
        pytest.skip(f"sipu {name} not in the shared datasets")
    with gzip.open(folder / f"{name}.data.gz", "rt") as fh:
        X = np.loadtxt(fh)
    with gzip.open(folder / f"{name}.labels0.gz", "rt") as fh:
        y = np.loadtxt(fh).astype(int)
    return (X - X.mean(0)) / X.std(), y


def _kmeans_scan(X, ks):
    return {("kmeans", k): KMeans(k, n_init=3, random_state=0).fit_predict(X) for k in ks}


def test_flame_switches_to_genie_with_a_reason(shared_datasets):
    X, y = _sipu(shared_datasets, "flame")
    X = X * X.std() / X.std(0)  # per-column scale, as the battery bench
    scanned = _kmeans_scan(X, range(2, 11))
    switch = propose_switch(X, ("kmeans", 4), scanned, n_rows=len(X))
    assert switch is not None and switch.k == 2
    assert adjusted_rand_score(y, switch.labels) > 0.99
    assert adjusted_rand_score(y, scanned[("kmeans", 4)]) < 0.5
    assert switch.reason.startswith("Chose genie with k=2 instead of kmeans k=4: the "
                                    "near-neighbour index favours")
    assert "non-convex shapes" in switch.reason and switch.valley < 1.3


def test_spiral_sliced_by_kmeans_switches(shared_datasets):
    X, y = _sipu(shared_datasets, "spiral")
    scanned = _kmeans_scan(X, range(2, 11))
    switch = propose_switch(X, ("kmeans", 6), scanned, n_rows=len(X))
    # with k-means alone scanned, Genie k=2 (two arms joined) has the largest DuNN
    # ratio; either Genie cut beats six slices across the arms by far
    assert switch is not None and switch.k in (2, 3)
    assert adjusted_rand_score(y, switch.labels) > \
        adjusted_rand_score(y, scanned[("kmeans", 6)]) + 0.5


def test_separated_gaussian_blobs_keep_the_centroid_choice():
    X, _ = make_blobs(1500, centers=[[0, 0], [5, 0], [0, 5], [14, 14]], cluster_std=0.8,
                      random_state=3)
    scanned = _kmeans_scan(X, range(2, 9))
    # Genie groups the three near blobs against the far one (a real gap), but the
    # k-means boundaries run through density valleys: no switch
    assert propose_switch(X, ("kmeans", 4), scanned, n_rows=len(X)) is None


def test_more_columns_than_the_gate_never_switch():
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 3 * np.pi, 1200)
    ring = np.c_[np.cos(t), np.sin(t), rng.normal(0, 0.05, (1200, MAX_DIMS - 1))]
    scanned = _kmeans_scan(ring, range(2, 7))
    assert propose_switch(ring, ("kmeans", 6), scanned) is None


def test_floors_apply_to_genie_partitions(shared_datasets):
    X, _ = _sipu(shared_datasets, "spiral")
    scanned = _kmeans_scan(X, range(2, 11))
    # every segment of the spiral holds about a third of the rows: a 40 % floor bars it
    assert propose_switch(X, ("kmeans", 6), scanned, min_share=0.4) is None


def test_clusterer_labels_all_rows_from_a_sample(shared_datasets):
    X, y = _sipu(shared_datasets, "spiral")
    est = GenieClusterer(3, max_rows=200, random_state=0).fit(X)
    assert est.n_fit_samples_ == 200 and est.labels_.shape == (len(X),)
    assert adjusted_rand_score(y, est.labels_) > 0.9
    assert (est.predict(X[:50]) == est.labels_[:50]).all()


def test_generator_cuts_one_tree_at_every_k():
    X, _ = make_blobs(400, centers=4, random_state=0)
    gen = CandidateGenerator(X, seed=0)
    four = gen.genie(4, k_max=6)
    assert four.algorithm == "genie" and len(np.unique(four.labels)) == 4
    assert (gen.genie(4).labels == four.labels).all()
    assert (gen.genie(6).labels == genie_partitions(X, 6)[6]).all()
    assert gen.genie(2).centers.shape == (2, 2)


def test_a_default_run_on_two_rings_switches_to_genie_and_says_why(tmp_path):
    from sklearn.datasets import make_circles

    import custseg
    from custseg.persist.model import load_model, save_model

    X, y = make_circles(1200, noise=0.04, factor=0.5, random_state=1)
    frame = pd.DataFrame(X, columns=["a", "b"])
    result = custseg.run(frame, seed=0, stability=False)
    selection = result.summary()["selection"]
    assert result.algorithm == "genie" and result.k == 2
    assert adjusted_rand_score(y, result.labels) > 0.95
    switch = selection["evidence"]["genie_switch"]
    assert switch["replaced"]["algorithm"] != "genie" and switch["wcnn"] >= 0.95
    assert selection["reason"].startswith("Chose genie with k=2 instead of ")
    assert selection["confidence"] == "medium" and selection["structure_found"] is True
    # the saved model scores like training and holds group means, not customers' rows
    path = save_model(result.model, tmp_path / "model.skops")
    model = load_model(path)
    assert (model.predict(frame) == result.model.predict(frame)).all()
    est = model.estimator
    assert len(est.micro_centers_) < len(frame) / 4


def test_named_algorithms_or_more_than_three_columns_never_switch():
    from sklearn.datasets import make_circles

    import custseg

    X, _ = make_circles(900, noise=0.04, factor=0.5, random_state=2)
    frame = pd.DataFrame(X, columns=["a", "b"])
    assert custseg.run(frame, algorithms=["kmeans"], stability=False).algorithm == "kmeans"
    wide = frame.assign(c=np.sin(3 * frame["a"]), d=np.cos(2 * frame["b"]))
    assert custseg.run(wide, stability=False, select_features=False).algorithm != "genie"

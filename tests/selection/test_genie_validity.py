"""NeighbourGraph.valley: do a partition's cuts follow density valleys or slice dense
regions? (the signal measured for an MST/Genie switch in bench/quality_k.py, #21)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from custseg.selection._validity import NeighbourGraph


def test_cuts_between_blobs_follow_a_valley():
    X, y = make_blobs(900, centers=[[0, 0], [6, 0], [40, 0]], random_state=0)
    graph = NeighbourGraph(X, m=10, random_state=0)
    grouped = (X[:, 0] > 20).astype(int)  # the two near blobs in one group
    assert graph.valley(y, grouped) > 1.5


def test_slices_through_even_density_do_not():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(1500, 2))  # one region of even density
    pieces = KMeans(4, n_init=3, random_state=0).fit_predict(X)
    graph = NeighbourGraph(X, m=10, random_state=0)
    assert graph.valley(pieces, np.zeros(len(X), dtype=int)) < 1.3


def test_touching_gaussian_blobs_are_density_bumps():
    # two blobs 3 sd apart touch (no empty gap) but each has a dense core
    X, _ = make_blobs(1500, centers=[[0, 0], [3, 0]], cluster_std=1.0, random_state=2)
    graph = NeighbourGraph(X, m=10, random_state=0)
    pieces = KMeans(2, n_init=3, random_state=0).fit_predict(X)
    assert graph.valley(pieces, np.zeros(len(X), dtype=int)) > 1.3


def test_no_boundary_inside_the_groups_is_infinite():
    X, y = make_blobs(300, centers=3, random_state=1)
    graph = NeighbourGraph(X, m=10, random_state=0)
    assert graph.valley(y, y) == float("inf")


def test_spiral_sliced_by_kmeans(shared_datasets):
    import gzip

    folder = shared_datasets / "clustering-benchmarks" / "sipu"
    if not (folder / "spiral.data.gz").exists():
        pytest.skip("sipu spiral not in the shared datasets")
    with gzip.open(folder / "spiral.data.gz", "rt") as fh:
        X = np.loadtxt(fh)
    with gzip.open(folder / "spiral.labels0.gz", "rt") as fh:
        arms = np.loadtxt(fh).astype(int)
    graph = NeighbourGraph(X, m=10, random_state=0)
    pieces = KMeans(6, n_init=3, random_state=0).fit_predict(X)
    # k-means cuts each arm across its width: no valley; the arms themselves are apart
    assert graph.valley(pieces, arms) < 1.3
    assert graph.dunn_nn(arms) > 3 * graph.dunn_nn(pieces)

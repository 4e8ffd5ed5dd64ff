"""Near-neighbour validity indices and prediction strength (custseg.selection._validity)."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs, make_circles

from custseg.selection._validity import NeighbourGraph, prediction_strength


def test_wcnn_and_dunn_prefer_the_rings_to_a_kmeans_cut():
    # two concentric rings: k-means cuts through both rings, the true partition follows them
    X, y = make_circles(600, factor=0.4, noise=0.03, random_state=0)
    cut = KMeans(2, n_init=3, random_state=0).fit_predict(X)
    graph = NeighbourGraph(X, m=10, random_state=0)
    assert graph.wcnn(y) == 1.0 > graph.wcnn(cut)
    assert graph.dunn_nn(y) > 3 * graph.dunn_nn(cut)


def test_indices_are_undefined_for_one_segment_and_infinite_dunn_when_separated():
    X, y = make_blobs(300, centers=[[0, 0], [50, 50]], cluster_std=0.5, random_state=0)
    graph = NeighbourGraph(X, m=5, random_state=0)
    assert np.isnan(graph.wcnn(np.zeros(300, dtype=int)))
    assert np.isnan(graph.dunn_nn(np.zeros(300, dtype=int)))
    assert graph.dunn_nn(y) == np.inf  # no near-neighbour pair crosses the gap
    assert graph.wcnn(y) == 1.0


def test_graph_is_built_on_a_bounded_sample_and_noise_rows_are_left_out():
    X, y = make_blobs(5000, centers=3, random_state=1)
    graph = NeighbourGraph(X, m=10, max_rows=800, random_state=0)
    assert graph.idx.shape == (800, 10) and graph.dist.shape == (800, 10)
    noisy = y.copy()
    noisy[::7] = -1
    assert abs(graph.wcnn(noisy) - graph.wcnn(y)) < 0.02


def test_prediction_strength_is_high_at_the_true_k_only():
    X, _ = make_blobs(900, centers=4, cluster_std=0.6, random_state=3)
    ps = {k: prediction_strength(X, k, random_state=0) for k in (2, 3, 4, 5, 6, 7)}
    assert ps[4] >= 0.8
    assert max(ps[5], ps[6], ps[7]) < 0.8
    assert np.isnan(prediction_strength(X[:10], 6))  # too few rows per half

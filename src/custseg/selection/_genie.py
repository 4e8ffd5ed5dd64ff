"""Genie (minimum-spanning-tree) segments and when to prefer them (issue #21).

Centroid methods (k-means, mixtures, Ward) cut non-convex shapes - rings, moons,
spirals, elongated groups - into convex pieces, and every centroid index then
rewards the pieces. Genie (Gagolewski, Bartoszuk & Cena 2016, ``genieclust``)
merges along the minimum spanning tree with a Gini-index correction against tiny
groups, so it follows gaps of any shape. It is *not* a better default: on
Gaussian-like customer data it chains touching groups together (ARI 0.43 against
0.91 for k-means at the true k on the overlap family of ``bench/quality_k.py``).
:func:`propose_switch` therefore replaces the centroid choice only with evidence:

* the data have at most ``MAX_DIMS`` columns (2-D/3-D shapes: a map, two or three
  scores); above that the near-neighbour contrast concentrates and the test below
  switched an overlapping customer table and a real table on the benchmark;
* Genie at some k keeps at least ``WCNN_MIN`` of each segment's near neighbours
  inside it and its near-neighbour Dunn index is at least ``DUNN_RATIO`` times the
  best of the scanned partitions at the same k (it follows gaps they cut through);
* the chosen partition's boundaries inside the Genie groups cut through regions as
  dense as its segments' cores (:meth:`NeighbourGraph.valley` below ``VALLEY_MAX``):
  k-means slicing a ring, not k-means separating Gaussian blobs that Genie groups.

Genie runs on the selection sample only (its tree on 20,000 2-D rows takes well
under a second); every row then takes the segment of its nearest sample point,
which is how a new point joins a minimum spanning tree (as a leaf of its nearest
neighbour). ``genieclust`` is imported lazily, only when a switch is considered.

Example
-------
>>> import numpy as np
>>> from sklearn.datasets import make_circles
>>> X, y = make_circles(600, noise=0.04, factor=0.5, random_state=0)
>>> est = GenieClusterer(2).fit(X)
>>> float(np.mean(est.labels_ == y)) in (0.0, 1.0)  # the two rings, whatever their ids
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from custseg.selection._validity import NeighbourGraph

#: genieclust's default Gini threshold (its authors' recommendation across benchmarks)
GENIE_GINI = 0.3
#: a switch needs at most this many columns. Numbers of bench/quality_k.py --genie
#: (2026-11-30): without the gate one of the five real tables switched (and, with an
#: earlier valley measure, an overlapping customer table: ARI 0.92 -> 0.61); with it
#: none of the 44 sets above 3 columns can switch, while on 85 2-D/3-D sets 17 of 21
#: switches won.
MAX_DIMS = 3
#: near-neighbour Dunn of Genie over the best scanned partition at the same k. Chosen
#: on the tuning half: 1.0 switched a tuning battery set to a worse partition (-0.67
#: ARI), 1.5 missed two tuning shapes that Genie gets right.
DUNN_RATIO = 1.25
#: worst segment's share of near neighbours inside it (Genie partitions that win
#: have 0.95-1.00; below, Genie has split a dense region itself)
WCNN_MIN = 0.95
#: boundary/core valley of the chosen partition. On the tuning half the 6 sets where
#: Genie wins had 1.09-1.28 (two more wins, at 2.7 and 3.8, are given up) and the 13
#: where it loses 1.49 or more (Fränti, Gaussian mixtures); 1.3 is the cautious end
#: (a wrong switch costs more than a missed one). Held out: 15 switches, 11 better
#: (+0.02..+0.99 ARI), 4 worse (-0.01, -0.01, -0.06, -0.10: touching Gaussian blobs
#: with hardly any valley, and Fränti a3 whose 50 clusters lie beyond the k range).
VALLEY_MAX = 1.3
#: Genie runs on at most this many rows (the selection sample's default size)
MAX_ROWS = 20_000
#: sample rows per micro-centre of the saved model (at least 5, about 20 on a full
#: 20,000-row sample, where MICRO_MAX binds: local enough that a
#: micro-group rarely straddles two Genie segments, which the switch requires to be
#: separated by gaps) and at most this many micro-centres
MICRO_ROWS = 5
MICRO_MAX = 1000


def genie_partitions(X: np.ndarray, k_max: int,
                     gini_threshold: float = GENIE_GINI) -> dict[int, np.ndarray]:
    """Genie labels for every k from 2 to ``k_max`` (one tree, cut at each k).

    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(300, centers=3, random_state=0)
    >>> parts = genie_partitions(X, 4)
    >>> sorted(parts), [len(np.unique(parts[k])) for k in sorted(parts)]
    ([2, 3, 4], [2, 3, 4])
    >>> sorted(genie_partitions(X[:, :1], 3))  # one column works too
    [2, 3]
    """
    import genieclust  # optional dependency, only needed here

    k_max = int(min(k_max, X.shape[0] - 1))
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 2 and X.shape[1] == 1:  # genieclust refuses one column ("ill-shaped");
        X = np.c_[X, np.zeros(len(X))]  # a zero second column keeps every distance
    model = genieclust.Genie(n_clusters=k_max, gini_threshold=gini_threshold,
                             coarser=True).fit(X)
    return {k: np.asarray(model.labels_matrix_[k - 1], dtype=np.int64)
            for k in range(2, k_max + 1)}


class GenieClusterer(ClusterMixin, BaseEstimator):
    """Genie with ``n_clusters`` segments, fitted on a seeded sample of at most
    ``max_rows`` rows; every row (and :meth:`predict`) takes the segment of its
    nearest micro-centre.

    The micro-centres are the means of small groups of sample rows (k-means with
    about one centre per ``MICRO_ROWS`` rows), each labelled with its group's
    Genie segment. A new point joins a minimum spanning tree next to its nearest
    neighbour; the nearest micro-centre stands in for that neighbour, so the
    saved model holds group means, never a customer's own row (as the two-step
    hierarchical model does).

    >>> from sklearn.datasets import make_moons
    >>> X, y = make_moons(3000, noise=0.05, random_state=0)
    >>> est = GenieClusterer(2, max_rows=1000).fit(X)
    >>> est.n_fit_samples_, bool((est.predict(X) == est.labels_).all())
    (1000, True)
    >>> round(abs(float(np.mean(est.labels_ == y)) - 0.5) * 2, 2)  # the two moons
    1.0
    """

    def __init__(self, n_clusters: int = 2, *, gini_threshold: float = GENIE_GINI,
                 max_rows: int = MAX_ROWS, random_state: int | None = 0):
        self.n_clusters = n_clusters
        self.gini_threshold = gini_threshold
        self.max_rows = max_rows
        self.random_state = random_state

    def fit(self, X, y=None):
        """Genie on a seeded sample, micro-centres, then labels for all rows."""
        from sklearn.cluster import KMeans
        from sklearn.utils.validation import validate_data

        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        n = X.shape[0]
        rng = np.random.RandomState(self.random_state)
        rows = np.sort(rng.choice(n, self.max_rows, replace=False)) if n > self.max_rows \
            else np.arange(n)
        sample = X[rows]
        k = int(min(self.n_clusters, max(len(sample) - 1, 1)))
        genie = (genie_partitions(sample, k, self.gini_threshold)[k] if k >= 2
                 else np.zeros(len(sample), dtype=np.int64))
        n_micro = int(min(len(np.unique(sample, axis=0)),
                          max(k, min(MICRO_MAX, len(sample) // MICRO_ROWS))))
        micro = KMeans(n_micro, n_init=1, random_state=rng.randint(2**31 - 1)).fit(sample)
        groups = micro.labels_
        # each micro-centre takes the Genie segment most of its rows are in
        votes = np.zeros((n_micro, int(genie.max()) + 1), dtype=np.int64)
        np.add.at(votes, (groups, genie), 1)
        self.micro_centers_ = micro.cluster_centers_
        self.micro_labels_ = votes.argmax(axis=1).astype(np.int64)
        self.n_fit_samples_ = len(rows)
        self.labels_ = self.predict(X)
        return self

    def predict(self, X) -> np.ndarray:
        """Segment of each row's nearest micro-centre."""
        from sklearn.metrics import pairwise_distances_argmin
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self, "micro_centers_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.micro_labels_[pairwise_distances_argmin(X, self.micro_centers_)]


@dataclass
class GenieSwitch:
    """Evidence for replacing the chosen partition with Genie's at ``k``."""

    k: int
    labels: np.ndarray = field(repr=False)
    wcnn: float
    dunn_ratio: float
    valley: float
    replaced: tuple[str, int]
    reason: str = ""


def _eligible(labels: np.ndarray, min_share: float, min_customers: int,
              n_rows: int | None) -> bool:
    sizes = np.bincount(labels[labels >= 0])
    if len(sizes) < 2 or sizes.min() == 0:
        return False
    share = sizes.min() / len(labels)
    count_ok = n_rows is None or share * n_rows >= min_customers - 1e-6
    return bool(share >= min_share - 1e-12 and count_ok)


def propose_switch(X: np.ndarray, chosen: tuple[str, int],
                   scanned: Mapping[tuple[str, int], np.ndarray], *,
                   genie: Mapping[int, np.ndarray] | None = None,
                   min_share: float = 0.02, min_customers: int = 10,
                   n_rows: int | None = None, random_state: int = 0) -> GenieSwitch | None:
    """Genie partition that should replace the chosen one, or None (see the module).

    ``X``: the selection sample; ``chosen``: (algorithm, k) picked by the centroid
    rule; ``scanned``: labels of every scanned (algorithm, k) on ``X``; ``genie``:
    Genie labels per k (computed when omitted); the floors as in
    :class:`custseg.selection.decide.DecideOptions`.

    >>> from sklearn.cluster import KMeans
    >>> from sklearn.datasets import make_moons
    >>> X, _ = make_moons(1500, noise=0.05, random_state=0)
    >>> scanned = {("kmeans", k): KMeans(k, n_init=3, random_state=0).fit_predict(X)
    ...            for k in range(2, 9)}
    >>> switch = propose_switch(X, ("kmeans", 8), scanned)
    >>> switch.k, switch.reason.split(":")[0]
    (2, 'Chose genie with k=2 instead of kmeans k=8')
    """
    X = np.asarray(X, dtype=np.float64)
    if X.shape[1] > MAX_DIMS or chosen not in scanned:
        return None
    ks = sorted({k for _, k in scanned})
    if genie is None:
        genie = genie_partitions(X, max(ks))
    graph = NeighbourGraph(X, random_state=random_state)
    base = np.asarray(scanned[chosen])
    best: GenieSwitch | None = None
    for k in ks:
        lab = genie.get(k)
        if lab is None or not _eligible(lab, min_share, min_customers, n_rows):
            continue
        wcnn = graph.wcnn(lab)
        if not wcnn >= WCNN_MIN:
            continue
        dunn = graph.dunn_nn(lab)
        others = [graph.dunn_nn(labels) for (_, kk), labels in scanned.items() if kk == k]
        others = [d for d in others if not np.isnan(d)]
        if not others or np.isnan(dunn):
            continue
        top = max(others)
        if np.isinf(dunn):  # no near neighbours across Genie's segments
            ratio = float("inf") if np.isfinite(top) else float("nan")
        else:
            ratio = float("inf") if top == 0 else dunn / top
        if np.isnan(ratio) or ratio < DUNN_RATIO:
            continue
        valley = graph.valley(base, lab)
        if valley >= VALLEY_MAX:
            continue
        if best is None or ratio > best.dunn_ratio:
            best = GenieSwitch(k, lab, wcnn, ratio, valley, (str(chosen[0]), int(chosen[1])))
    if best is not None:
        algo, k0 = best.replaced
        ratio_text = "no near neighbours across its segments" if np.isinf(best.dunn_ratio) \
            else f"near-neighbour Dunn index {best.dunn_ratio:.1f} times that of the best " \
                 f"centroid partition with {best.k} segments"
        best.reason = (
            f"Chose genie with k={best.k} instead of {algo} k={k0}: the near-neighbour "
            f"index favours the minimum-spanning-tree segments on these non-convex "
            f"shapes ({best.wcnn:.0%} of each segment's nearest neighbours inside it, "
            f"{ratio_text}), while the {algo} boundaries cut through regions as dense "
            f"as its segments' cores (valley {best.valley:.2f} < {VALLEY_MAX}).")
    return best

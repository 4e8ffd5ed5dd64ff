"""Near-neighbour validity indices and prediction strength, on a bounded sample.

Silhouette, Calinski-Harabasz and Davies-Bouldin measure clusters as convex
blobs around centroids. Near-neighbour indices ask a local question instead:
do a point's nearest neighbours share its segment? A cut through a dense
region (k-means slicing one ring or one elongated group into pieces) puts many
near neighbours on the other side; a cut along a gap puts few.

* :func:`wcnn` - within-cluster near neighbours (after Gagolewski, Bartoszuk &
  Cena 2021, "Are cluster validity measures (in)valid?", Inf. Sci. 581): the
  share of each point's ``M`` nearest neighbours that lie in its own segment,
  averaged per segment; the index is the worst segment's share (higher better).
* :func:`dunn_nn` - a near-neighbour Dunn index (same paper, DuNN with a
  smoothed-minimum numerator and a maximum denominator): the smallest distances
  between near neighbours in different segments (the mean of the 5 smallest),
  divided by the largest distance between near neighbours in one segment
  (higher better).
* :func:`prediction_strength` - Tibshirani & Walther (2005): cluster two halves,
  classify the test half by the training half's centres, and keep the worst
  test segment's share of pairs that stay together.

Everything runs on a seeded sample of at most ``max_rows`` rows and the
``M``-nearest-neighbour graph of that sample (O(rows x M) memory), never on
the quadratic distance matrix of the full data.

Example
-------
>>> import numpy as np
>>> from sklearn.datasets import make_blobs
>>> X, y = make_blobs(600, centers=3, random_state=0)
>>> graph = NeighbourGraph(X, m=10, random_state=0)
>>> round(graph.wcnn(y), 2) > round(graph.wcnn(np.arange(600) % 3), 2)
True
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import pairwise_distances_argmin
from sklearn.neighbors import NearestNeighbors

#: neighbours per point; genieclust's default M is 25 on whole data sets; on a
#: 2,000-row sample 10 neighbours reach about as far in the data
DEFAULT_M = 10
MAX_ROWS = 2000


class NeighbourGraph:
    """The ``m`` nearest neighbours of a seeded sample of rows of ``X``.

    Build once per selection sample, then score every candidate labelling of
    ``X`` with :meth:`wcnn` and :meth:`dunn_nn` (labels of all rows of ``X``).
    """

    def __init__(self, X: np.ndarray, m: int = DEFAULT_M, max_rows: int = MAX_ROWS,
                 random_state: int = 0):
        n = X.shape[0]
        rng = np.random.RandomState(random_state)
        self.rows = (np.sort(rng.choice(n, max_rows, replace=False)) if n > max_rows
                     else np.arange(n))
        Xs = np.asarray(X, dtype=np.float64)[self.rows]
        self.X = Xs  # the sample (valley() measures distances to segment means)
        m = int(min(m, len(self.rows) - 1))
        nn = NearestNeighbors(n_neighbors=m + 1).fit(Xs)
        dist, idx = nn.kneighbors(Xs)
        # drop each point itself (the first neighbour, or a tie at distance 0)
        self.dist, self.idx = dist[:, 1:], idx[:, 1:]
        self.m = m

    def _same(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lab = np.asarray(labels)[self.rows]
        return lab, lab[:, None] == lab[self.idx]

    def wcnn(self, labels: np.ndarray) -> float:
        """Worst segment's mean share of near neighbours in the same segment (0..1).

        Noise rows (label < 0) are left out.
        """
        lab, same = self._same(labels)
        ok = lab >= 0
        if len(np.unique(lab[ok])) < 2:
            return float("nan")
        counted = lab[self.idx] >= 0  # a noise neighbour counts neither way
        share = (same & counted)[ok].sum(axis=1) / np.maximum(counted[ok].sum(axis=1), 1)
        per = [share[lab[ok] == c].mean() for c in np.unique(lab[ok])]
        return float(min(per))

    def dunn_nn(self, labels: np.ndarray, smooth: int = 5) -> float:
        """Smallest between-segment near-neighbour distances over the largest within.

        inf when no near-neighbour pair crosses segments (perfectly separated at
        this neighbourhood size).
        """
        lab, same = self._same(labels)
        ok = (lab >= 0)[:, None] & (lab[self.idx] >= 0)
        if len(np.unique(lab[lab >= 0])) < 2:
            return float("nan")
        between = np.sort(self.dist[ok & ~same])
        within = self.dist[ok & same]
        if within.size == 0:
            return float("nan")
        if between.size == 0:
            return float("inf")
        return float(between[:smooth].mean() / max(within.max(), 1e-300))

    def valley(self, fine: np.ndarray, coarse: np.ndarray) -> float:
        """Do the boundaries of ``fine`` inside the groups of ``coarse`` run through
        sparse valleys or through regions as dense as the segments' cores?

        Boundary points: points with a near neighbour in another ``fine`` segment but
        the same ``coarse`` group; core points: the quarter of each ``fine`` segment
        nearest its mean. Returns the median distance to the ``m``-th neighbour of the
        boundary points over that of the core points: about 1 when the cuts slice a
        region of even density (k-means cutting a ring or a moon into pieces), well
        above 1 when the segments are density bumps (Gaussian blobs, even touching
        ones, that a coarser partition groups together); inf when no such boundary
        exists.

        >>> from sklearn.datasets import make_blobs
        >>> X, y = make_blobs(900, centers=[[0, 0], [6, 0], [40, 0]], random_state=0)
        >>> g = NeighbourGraph(X, m=10)
        >>> coarse = (X[:, 0] > 20).astype(int)   # the two near blobs grouped
        >>> g.valley(y, coarse) > 1.5
        True
        """
        fine_s = np.asarray(fine)[self.rows]
        coarse_s = np.asarray(coarse)[self.rows]
        cross = (fine_s[:, None] != fine_s[self.idx]) & (coarse_s[:, None] == coarse_s[self.idx])
        boundary = cross.any(axis=1)
        if not boundary.any():
            return float("inf")
        core = np.zeros(len(fine_s), dtype=bool)
        for c in np.unique(fine_s):
            members = np.flatnonzero(fine_s == c)
            to_mean = np.linalg.norm(self.X[members] - self.X[members].mean(axis=0), axis=1)
            core[members[to_mean <= np.quantile(to_mean, 0.25)]] = True
        reach = self.dist[:, -1]
        return float(np.median(reach[boundary]) / max(np.median(reach[core]), 1e-300))


def prediction_strength(X: np.ndarray, k: int, *, max_rows: int = MAX_ROWS,
                        random_state: int = 0, n_init: int = 3) -> float:
    """Prediction strength of k-means with ``k`` segments (Tibshirani & Walther 2005).

    Two random halves of a sample of at most ``max_rows`` rows are clustered
    separately; the test half is classified by the nearest training centre and,
    for each test segment, the share of its pairs that the classification keeps
    together is measured. The strength is the worst segment's share (1 = every
    segment reproduced). The authors suggest the largest k with strength >= 0.8.

    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(600, centers=3, cluster_std=0.5, random_state=0)
    >>> prediction_strength(X, 3) > 0.9 > prediction_strength(X, 6)
    True
    """
    rng = np.random.RandomState(random_state)
    n = X.shape[0]
    rows = rng.choice(n, min(n, max_rows), replace=False)
    half = len(rows) // 2
    test, train = X[rows[:half]], X[rows[half:]]
    if k < 2 or half < 2 * k:
        return float("nan")
    km_train = KMeans(k, n_init=n_init, random_state=random_state).fit(train)
    test_lab = KMeans(k, n_init=n_init, random_state=random_state + 1).fit_predict(test)
    pred = pairwise_distances_argmin(test, km_train.cluster_centers_)
    worst = 1.0
    for c in range(k):
        members = pred[test_lab == c]
        size = len(members)
        if size < 2:
            continue
        counts = np.bincount(members, minlength=k)
        together = float((counts * (counts - 1)).sum()) / (size * (size - 1))
        worst = min(worst, together)
    return worst

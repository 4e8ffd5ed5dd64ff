"""Agglomerative clustering that scales: exact on small inputs, two-step above.

Small inputs (``n <= max_exact``, default 2000): scipy's exact linkage on the rows.
Larger inputs: MiniBatchKMeans pre-clusters a seeded sample into
``n_micro`` micro-clusters, every row is assigned to its nearest micro-centre,
the tree is built on the micro-centres weighted by their row counts, and each
row takes the segment of its micro-cluster. Memory is O(n_micro^2), not O(n^2).
"""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
from scipy.cluster.hierarchy import linkage
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import pairwise_distances_argmin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from custseg.constants import LINKAGES
from custseg.models._linkage import cut_linkage, weighted_linkage
from custseg.models._validation import check_k_vs_rows, sample_rows


class AgglomerativeClusterer(ClusterMixin, BaseEstimator):
    """Ward / average / complete linkage with an automatic two-step mode.

    Fitted attributes: ``labels_``, ``linkage_matrix_`` (scipy format, over
    rows or micro-clusters), ``dendrogram_labels_`` and ``dendrogram_counts_``
    (one per leaf), ``micro_centers_``, ``micro_labels_``, ``two_step_``,
    ``cluster_centers_``.

    >>> import numpy as np
    >>> X = np.r_[np.zeros((4, 2)), np.ones((4, 2)) * 5] + np.arange(8)[:, None] * 0.01
    >>> AgglomerativeClusterer(2).fit(X).labels_.tolist()
    [0, 0, 0, 0, 1, 1, 1, 1]
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "linkage": [StrOptions(set(LINKAGES))],
        "max_exact": [Interval(Integral, 2, None, closed="left")],
        "n_micro": [Interval(Integral, 2, None, closed="left")],
        "micro_sample": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_clusters: int = 2, *, linkage: str = "ward", max_exact: int = 2000,
                 n_micro: int = 1000, micro_sample: int = 100_000, random_state=None):
        self.n_clusters = n_clusters
        self.linkage = linkage
        self.max_exact = max_exact
        self.n_micro = n_micro
        self.micro_sample = micro_sample
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        n = X.shape[0]
        check_k_vs_rows(self.n_clusters, n, "AgglomerativeClusterer(n_clusters)")
        rng = check_random_state(self.random_state)
        self.two_step_ = n > self.max_exact
        if self.two_step_:
            pick = sample_rows(n, self.micro_sample, rng)
            Xfit = X if pick is None else X[pick]
            m = min(self.n_micro, Xfit.shape[0])
            mbk = MiniBatchKMeans(m, n_init=1, batch_size=4096, max_iter=50,
                                  random_state=rng.randint(np.iinfo(np.int32).max))
            mbk.fit(Xfit)
            centers = mbk.cluster_centers_
            assign = pairwise_distances_argmin(X, centers)
            counts = np.bincount(assign, minlength=len(centers))
            keep = counts > 0  # drop empty micro-clusters, renumber the rest
            remap = np.cumsum(keep) - 1
            centers, counts, assign = centers[keep], counts[keep], remap[assign]
            Z = weighted_linkage(centers, counts, self.linkage)
        else:
            centers, counts, assign = X.copy(), np.ones(n, dtype=np.int64), np.arange(n)
            Z = linkage(X, method=self.linkage)
        k = min(self.n_clusters, len(centers))
        micro_labels = cut_linkage(Z, k)
        self.micro_centers_ = np.asarray(centers, dtype=float)
        self.micro_labels_ = micro_labels
        self.linkage_matrix_ = Z
        self.dendrogram_counts_ = np.asarray(counts, dtype=np.int64)
        prefix = "micro" if self.two_step_ else "row"
        self.dendrogram_labels_ = [f"{prefix} {i} (n={c})" for i, c in enumerate(counts)]
        self.labels_ = micro_labels[assign]
        sums = np.zeros((k, X.shape[1]))
        np.add.at(sums, micro_labels, centers * counts[:, None])
        w = np.bincount(micro_labels, weights=counts, minlength=k)
        self.cluster_centers_ = sums / np.maximum(w, 1)[:, None]
        return self

    def predict(self, X):
        """Segment of the nearest micro-cluster centre (or training row)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.micro_labels_[pairwise_distances_argmin(X, self.micro_centers_)]

"""HDBSCAN on a sample, with nearest-neighbour prediction for other rows."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context
from sklearn.cluster import HDBSCAN
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from custseg.models._validation import sample_rows


class HDBSCANClusterer(ClusterMixin, BaseEstimator):
    """Density-based segments with noise (-1); the number of segments is found, not set.

    ``n_clusters`` is accepted for a uniform API and ignored. A new row gets
    the segment of its nearest non-noise training point when it lies within
    ``reach`` times that point's core distance, else -1 (noise).

    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 0.1, (30, 2)), rng.normal(5, 0.1, (30, 2))]
    >>> m = HDBSCANClusterer(min_cluster_size=10).fit(X)
    >>> len(set(m.labels_) - {-1}), int(m.predict([[50.0, 50.0]])[0])
    (2, -1)
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_clusters": [Interval(Integral, 1, None, closed="left"), None],
        "min_cluster_size": [Interval(Integral, 2, None, closed="left"), None],
        "min_samples": [Interval(Integral, 1, None, closed="left"), None],
        "max_fit_samples": [Interval(Integral, 2, None, closed="left"), None],
        "reach": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_clusters=None, *, min_cluster_size: int | None = None,
                 min_samples: int | None = None, max_fit_samples: int | None = 20_000,
                 reach: float = 2.0, random_state=None):
        self.n_clusters = n_clusters
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.max_fit_samples = max_fit_samples
        self.reach = reach
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        rng = check_random_state(self.random_state)
        pick = sample_rows(X.shape[0], self.max_fit_samples, rng)
        Xfit = X if pick is None else X[pick]
        n = Xfit.shape[0]
        # default: a segment must hold about 1% of the sample (at least 5 rows)
        mcs = self.min_cluster_size or max(5, int(0.01 * n))
        mcs = min(mcs, n)
        ms = min(self.min_samples or min(mcs, 15), n - 1) or 1
        hd = HDBSCAN(min_cluster_size=max(mcs, 2), min_samples=ms, copy=True).fit(Xfit)
        fit_labels = hd.labels_
        core = fit_labels != -1
        self.train_points_ = Xfit[core]
        self.train_labels_ = fit_labels[core]
        if core.any():
            k_nn = min(ms + 1, int(core.sum()))
            dist, _ = NearestNeighbors(n_neighbors=k_nn).fit(self.train_points_).kneighbors()
            self.core_distances_ = dist[:, -1] if k_nn > 1 else np.zeros(int(core.sum()))
        else:
            self.core_distances_ = np.zeros(0)
        labels = self._assign(X)
        if pick is not None:
            labels[pick] = fit_labels
        else:
            labels = fit_labels.copy()
        self.labels_ = labels
        self.n_clusters_ = len(np.unique(fit_labels[core]))
        self.noise_fraction_ = float(np.mean(labels == -1))
        self.n_fit_samples_ = int(n)
        return self

    def _assign(self, X: np.ndarray) -> np.ndarray:
        if self.train_points_.shape[0] == 0:
            return np.full(X.shape[0], -1, dtype=np.int64)
        nn = NearestNeighbors(n_neighbors=1).fit(self.train_points_)
        dist, idx = nn.kneighbors(X)
        dist, idx = dist[:, 0], idx[:, 0]
        labels = self.train_labels_[idx].astype(np.int64)
        too_far = dist > self.reach * np.maximum(self.core_distances_[idx], 1e-12)
        labels[too_far] = -1
        return labels

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self._assign(X)

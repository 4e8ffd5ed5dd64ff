"""k-means that switches to MiniBatchKMeans for large inputs."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin, _fit_context
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from custseg.models._validation import check_k_vs_rows


class KMeansClusterer(ClusterMixin, TransformerMixin, BaseEstimator):
    """k-means++ with several restarts; MiniBatchKMeans above ``large_n`` rows.

    Parameters
    ----------
    n_clusters : int
    n_init : int, restarts (the best inertia wins).
    minibatch : "auto", True or False. "auto" uses MiniBatchKMeans when
        ``n_samples > large_n``.
    large_n : int, threshold for "auto".
    init : "k-means++" or an array of initial centres (then one run).
    max_iter : int
    random_state : int, RandomState or None

    >>> import numpy as np
    >>> X = np.r_[np.zeros((5, 2)), np.ones((5, 2)) * 9]
    >>> KMeansClusterer(2, random_state=0).fit(X).inertia_
    0.0
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "minibatch": [StrOptions({"auto"}), "boolean"],
        "large_n": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"k-means++", "random"}), "array-like"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_clusters: int = 8, *, n_init: int = 4, minibatch="auto",
                 large_n: int = 200_000, init="k-means++", max_iter: int = 300,
                 random_state=None):
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.minibatch = minibatch
        self.large_n = large_n
        self.init = init
        self.max_iter = max_iter
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        check_k_vs_rows(self.n_clusters, X.shape[0], "KMeansClusterer(n_clusters)")
        rng = check_random_state(self.random_state)
        mini = self.minibatch if self.minibatch != "auto" else X.shape[0] > self.large_n
        explicit_init = not isinstance(self.init, str)
        n_init = 1 if explicit_init else self.n_init
        if mini:
            model = MiniBatchKMeans(self.n_clusters, init=self.init, n_init=n_init,
                                    batch_size=4096, max_iter=self.max_iter,
                                    random_state=rng.randint(np.iinfo(np.int32).max))
        else:
            model = KMeans(self.n_clusters, init=self.init, n_init=n_init,
                           max_iter=self.max_iter,
                           random_state=rng.randint(np.iinfo(np.int32).max))
        model.fit(X)
        self.model_ = model
        self.minibatch_used_ = bool(mini)
        self.cluster_centers_ = model.cluster_centers_
        self.labels_ = model.labels_
        self.inertia_ = float(model.inertia_)
        self.n_iter_ = int(model.n_iter_)
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.model_.predict(X.astype(self.cluster_centers_.dtype, copy=False))

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.model_.transform(X.astype(self.cluster_centers_.dtype, copy=False))

"""Gaussian mixture fitted on a sample, with covariance type chosen by BIC."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from custseg.models._validation import check_k_vs_rows, sample_rows

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def icl_from(model: GaussianMixture, X: np.ndarray) -> float:
    """ICL = BIC + 2 * classification entropy (lower is better)."""
    proba = model.predict_proba(X)
    entropy = -np.sum(proba * np.log(np.clip(proba, 1e-300, None)))
    return float(model.bic(X) + 2 * entropy)


class GMMClusterer(ClusterMixin, BaseEstimator):
    """GaussianMixture on at most ``max_fit_samples`` rows, predicting all rows.

    ``means_init`` (k x p) starts EM from given means, e.g. a k-means solution.
    ``covariance_type="auto"`` fits the four types and keeps the lowest BIC
    (recorded in ``covariance_type_`` and ``bic_by_type_``).

    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (50, 2)), rng.normal(8, 1, (50, 2))]
    >>> m = GMMClusterer(2, covariance_type="auto", random_state=0).fit(X)
    >>> m.covariance_type_ in ("full", "tied", "diag", "spherical"), m.predict_proba(X).shape
    (True, (100, 2))
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions({"auto", *COVARIANCE_TYPES})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_fit_samples": [Interval(Integral, 2, None, closed="left"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "reg_covar": [Interval(Real, 0, None, closed="left")],
        "means_init": ["array-like", None],
        "random_state": ["random_state"],
    }

    def __init__(self, n_clusters: int = 2, *, covariance_type: str = "full", n_init: int = 1,
                 max_fit_samples: int | None = 100_000, max_iter: int = 200,
                 reg_covar: float = 1e-6, means_init=None, random_state=None):
        self.n_clusters = n_clusters
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.max_fit_samples = max_fit_samples
        self.max_iter = max_iter
        self.reg_covar = reg_covar
        self.means_init = means_init
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        check_k_vs_rows(self.n_clusters, X.shape[0], "GMMClusterer(n_clusters)")
        rng = check_random_state(self.random_state)
        pick = sample_rows(X.shape[0], self.max_fit_samples, rng)
        Xfit = X if pick is None else X[pick]
        seed = rng.randint(np.iinfo(np.int32).max)
        types = COVARIANCE_TYPES if self.covariance_type == "auto" else (self.covariance_type,)
        best, self.bic_by_type_ = None, {}
        for ct in types:
            gm = GaussianMixture(self.n_clusters, covariance_type=ct, n_init=self.n_init,
                                 max_iter=self.max_iter, reg_covar=self.reg_covar,
                                 means_init=self.means_init, random_state=seed).fit(Xfit)
            bic = float(gm.bic(Xfit))
            self.bic_by_type_[ct] = bic
            if best is None or bic < self.bic_by_type_[best[0]]:
                best = (ct, gm)
        self.covariance_type_, self.model_ = best
        self.bic_ = self.bic_by_type_[self.covariance_type_]
        self.icl_ = icl_from(self.model_, Xfit)
        self.n_fit_samples_ = int(Xfit.shape[0])
        self.labels_ = self.model_.predict(X)
        self.cluster_centers_ = self.model_.means_
        self.weights_ = self.model_.weights_
        self.converged_ = bool(self.model_.converged_)
        self.n_iter_ = int(self.model_.n_iter_)
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.model_.predict(X)

    def predict_proba(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.model_.predict_proba(X)

"""k-prototypes for mixed numeric + categorical customer tables.

k-prototypes (Huang, 1997) treats numbers like k-means (squared distance to
the segment mean) and categories like k-modes (a mismatch with the segment's
most common level costs ``gamma``). The input is the matrix that
``CustomerPreprocessor(mixed="kprototypes")`` produces: standardised numbers
and integer category codes, with the code columns listed in
``categorical_indices_``.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> group = np.repeat([0, 1], 30)
>>> X = np.c_[group * 5 + rng.normal(size=60), group]   # a number and a code
>>> model = KPrototypesClusterer(2, categorical=[1], random_state=0).fit(X)
>>> sorted(np.bincount(model.labels_).tolist())
[30, 30]
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from custseg.exceptions import InputError


class KPrototypesClusterer(ClusterMixin, BaseEstimator):
    """k-prototypes clustering (Huang, 1998), vectorised with NumPy.

    Batch (Lloyd-style) iterations: assign every row to the prototype with the
    lowest cost, then move each prototype to its rows' numeric means and
    most common codes. Restarts are seeded by k-means++ on
    :func:`mismatch_embedding`, whose squared distances equal the cost. The
    ``kmodes`` package was used before and is exact to Huang's online updates,
    but it is pure Python: 15 s for one fit of 2,000 rows and 86 s for 8,000
    on this machine, against well under a second here, which made
    ``--mixed kprototypes`` unusable on real tables. Fitting runs on at most
    ``max_fit_rows`` sampled rows; every row is then assigned to its nearest
    prototype. Only numpy arrays and plain values are kept, so the fitted model
    can be saved with skops.

    Parameters
    ----------
    n_clusters : number of segments.
    categorical : indices of the columns holding category codes (None or
        empty: plain k-means on the numbers).
    gamma : weight of one categorical mismatch relative to squared numeric
        distance; None uses Huang's rule as kmodes does (half the mean standard
        deviation of the numeric columns).
    n_init : restarts; the lowest cost wins.
    init : "k-means++" (seeds spread out in the cost's own metric) or "random"
        (distinct random rows). "Cao" and "Huang", the kmodes options of models
        saved before, are read as "k-means++" so those models can be refitted.
    max_iter : iterations per run.
    max_fit_rows : rows sampled for fitting when the data are larger.
    random_state : int, RandomState or None.

    Attributes
    ----------
    cluster_centers_ : (n_clusters, n_features) prototypes: means for numeric
        columns, most common code for categorical ones.
    labels_ : segment of every training row.
    gamma_ : the mismatch weight used.
    cost_ : total cost of the training rows under the fitted prototypes.
    fit_rows_ : rows used for fitting (the sample size).
    n_iter_ : iterations of the best run.
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "categorical": ["array-like", None],
        "gamma": [Interval(Real, 0, None, closed="left"), None],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"k-means++", "random", "Cao", "Huang"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "max_fit_rows": [Interval(Integral, 10, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_clusters: int = 8, categorical=None, random_state=None, *,
                 gamma: float | None = None, n_init: int = 4, init: str = "k-means++",
                 max_iter: int = 100, max_fit_rows: int = 20_000):
        self.n_clusters = n_clusters
        self.categorical = categorical
        self.random_state = random_state
        self.gamma = gamma
        self.n_init = n_init
        self.init = init
        self.max_iter = max_iter
        self.max_fit_rows = max_fit_rows

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        if self.n_clusters > X.shape[0]:
            raise InputError(f"n_clusters={self.n_clusters} is larger than the number of rows "
                             f"({X.shape[0]})", where="KPrototypesClusterer(n_clusters)",
                             fix="ask for fewer clusters or pass more rows")
        rng = check_random_state(self.random_state)
        cat = self._categorical(X.shape[1])
        num = np.setdiff1d(np.arange(X.shape[1]), cat)
        self.categorical_ = cat
        self.numerical_ = num
        rows = np.arange(X.shape[0])
        if X.shape[0] > self.max_fit_rows:
            rows = np.sort(rng.choice(X.shape[0], size=self.max_fit_rows, replace=False))
        self.fit_rows_ = int(rows.size)
        fit_X = X[rows]
        seed = int(rng.randint(np.iinfo(np.int32).max))
        centers = np.zeros((self.n_clusters, X.shape[1]))
        if cat.size == 0:
            with threadpool_limits(limits=1):
                km = KMeans(self.n_clusters, n_init=self.n_init, max_iter=self.max_iter,
                            random_state=seed).fit(fit_X)
            centers[:] = km.cluster_centers_
            self.gamma_ = 0.0
            self.n_iter_ = int(km.n_iter_)
        else:
            centers, self.gamma_, self.n_iter_ = self._fit_kprototypes(fit_X, cat, num, seed)
        self.cluster_centers_ = centers
        labels, costs = self._assign(X)
        self.labels_ = labels
        self.cost_ = float(costs.sum())
        return self

    def _categorical(self, n_features: int) -> np.ndarray:
        cat = np.asarray([] if self.categorical is None else self.categorical, dtype=np.int64)
        if cat.size and (cat.min() < 0 or cat.max() >= n_features):
            raise InputError(f"categorical column indices {cat.tolist()} are outside 0.."
                             f"{n_features - 1}", where="KPrototypesClusterer(categorical)",
                             fix="pass the preprocessor's categorical_indices_")
        return np.unique(cat)

    def _fit_kprototypes(self, X, cat, num, seed):
        gamma = self.gamma
        if gamma is None:
            gamma = 0.5 * float(X[:, num].std(axis=0).mean()) if num.size else 1.0
        rng = np.random.RandomState(seed)
        embedded = mismatch_embedding(X, cat, gamma)
        # levels and level index of every code column, computed once for all iterations
        coded = [(j, *np.unique(X[:, j], return_inverse=True)) for j in cat]
        best = None
        for _ in range(self.n_init):
            centers, n_iter = self._lloyd(X, embedded, coded, num, gamma, rng)
            cost = float(_costs(X, centers, num, cat, gamma).min(axis=1).sum())
            cost = cost if np.isfinite(cost) else np.inf  # never let a broken restart win
            if best is None or cost < best[0] - 1e-12:
                best = (cost, centers, n_iter)
        return best[1], float(gamma), best[2]

    def _lloyd(self, X, embedded, coded, num, gamma, rng) -> tuple[np.ndarray, int]:
        """One restart: seed, then alternate assignment and prototype updates."""
        k = self.n_clusters
        cat = np.asarray([j for j, _, _ in coded], dtype=np.int64)
        if self.init != "random":
            _, seeds = kmeans_plusplus(embedded, k, random_state=rng)
        else:
            distinct = np.unique(X, axis=0, return_index=True)[1]
            seeds = rng.choice(distinct, size=min(k, distinct.size), replace=False)
            if seeds.size < k:  # fewer distinct rows than segments: repeat some
                seeds = np.r_[seeds, rng.choice(X.shape[0], k - seeds.size, replace=False)]
        centers = X[seeds].copy()
        labels = np.full(X.shape[0], -1)
        n_iter = 0
        for step in range(1, self.max_iter + 1):
            n_iter = step
            costs = _costs(X, centers, num, cat, gamma)
            new = costs.argmin(axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            counts = np.bincount(labels, minlength=k)
            if (counts == 0).any():  # an empty segment restarts at the worst-served row
                row_cost = costs[np.arange(X.shape[0]), labels]
                for c in np.flatnonzero(counts == 0):
                    # only from segments that keep at least one row
                    donors = np.flatnonzero(counts[labels] > 1)
                    if donors.size == 0:
                        break
                    worst = int(donors[row_cost[donors].argmax()])
                    counts[labels[worst]] -= 1
                    labels[worst], counts[c], row_cost[worst] = c, 1, -np.inf
            filled = counts > 0  # a segment left empty keeps its previous prototype
            for j in num:
                sums = np.bincount(labels, weights=X[:, j], minlength=k)
                centers[filled, j] = sums[filled] / counts[filled]
            for j, levels, codes in coded:
                table = np.zeros((k, levels.size))
                np.add.at(table, (labels, codes), 1.0)
                modes = levels[table.argmax(axis=1)]  # ties: the smallest code
                centers[filled, j] = modes[filled]
        return centers, n_iter

    def _assign(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        costs = _costs(X, self.cluster_centers_, self.numerical_, self.categorical_, self.gamma_)
        labels = costs.argmin(axis=1)
        return labels, costs[np.arange(X.shape[0]), labels]

    def predict(self, X):
        """Nearest prototype of each row."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._assign(X)[0]


def _costs(X: np.ndarray, centers: np.ndarray, num, cat, gamma: float) -> np.ndarray:
    """k-prototypes cost of every row (rows) to every prototype (columns)."""
    costs = np.zeros((X.shape[0], centers.shape[0]))
    for c in range(centers.shape[0]):
        costs[:, c] = ((X[:, num] - centers[c, num]) ** 2).sum(axis=1)
        if len(cat):
            costs[:, c] += gamma * (X[:, cat] != centers[c, cat]).sum(axis=1)
    return costs


def mismatch_embedding(X: np.ndarray, categorical, gamma: float | None = None) -> np.ndarray:
    """Euclidean coordinates whose squared distances equal k-prototypes' cost.

    Numbers are kept; each category-code column becomes one indicator per level,
    scaled by ``sqrt(gamma / 2)``: two rows that differ in a category differ in
    two indicators, so the squared distance gains exactly ``gamma``. Validity
    indices written for Euclidean data (silhouette, Calinski-Harabasz,
    Davies-Bouldin, WB) then score k-prototypes segments in their own metric.
    ``gamma`` defaults to the value ``KPrototypesClusterer`` uses.

    Example
    -------
    >>> X = np.array([[0.0, 0], [0.0, 1], [3.0, 1]])  # a number and a code
    >>> E = mismatch_embedding(X, [1], gamma=2.0)
    >>> float(((E[0] - E[1]) ** 2).sum()), float(((E[1] - E[2]) ** 2).sum())
    (2.0, 9.0)
    """
    X = np.asarray(X, dtype=np.float64)
    cat = np.unique(np.asarray(list(categorical), dtype=np.int64))
    num = np.setdiff1d(np.arange(X.shape[1]), cat)
    if gamma is None:
        gamma = 0.5 * float(X[:, num].std(axis=0).mean()) if num.size else 1.0
    parts = [X[:, num]]
    scale = np.sqrt(gamma / 2.0)
    for j in cat:
        levels, codes = np.unique(X[:, j], return_inverse=True)
        onehot = np.zeros((X.shape[0], levels.size))
        onehot[np.arange(X.shape[0]), codes] = scale
        parts.append(onehot)
    return np.hstack(parts)


def embedding_inverse(X: np.ndarray, categorical):
    """``E -> codes``: undo :func:`mismatch_embedding` of ``X`` for rows of its output.

    Validation measures distances on the embedding but refits k-prototypes on
    bootstrap rows, which must be codes again.

    Example
    -------
    >>> X = np.array([[0.5, 2], [1.5, 7], [2.5, 2]])
    >>> E = mismatch_embedding(X, [1], gamma=1.0)
    >>> np.array_equal(embedding_inverse(X, [1])(E[[2, 0]]), X[[2, 0]])
    True
    """
    X = np.asarray(X, dtype=np.float64)
    cat = np.unique(np.asarray(list(categorical), dtype=np.int64))
    num = np.setdiff1d(np.arange(X.shape[1]), cat)
    levels = [np.unique(X[:, j]) for j in cat]

    def inverse(E: np.ndarray) -> np.ndarray:
        E = np.asarray(E, dtype=np.float64)
        out = np.empty((E.shape[0], X.shape[1]))
        out[:, num] = E[:, : num.size]
        start = num.size
        for j, lev in zip(cat, levels, strict=True):
            out[:, j] = lev[E[:, start: start + lev.size].argmax(axis=1)]
            start += lev.size
        return out

    return inverse

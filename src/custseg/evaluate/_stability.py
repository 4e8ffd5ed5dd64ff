"""Cluster-wise stability by resampling, after Hennig's fpc::clusterboot.

For each original cluster, the Jaccard similarity with its best-matching
cluster in a refit on a bootstrap sample (or subsample) is averaged over
resamples. Hennig's guidance: mean Jaccard > 0.75 means a stable cluster,
< 0.6 a doubtful one (0.5 or less: dissolved).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from sklearn.utils import check_random_state

from custseg._parallel import parallel_map
from custseg.exceptions import ConfigError

STABLE = 0.75
DOUBTFUL = 0.6


def verdict(jaccard: float) -> str:
    """Plain-English verdict for a mean Jaccard value.

    >>> verdict(0.9), verdict(0.7), verdict(0.3)
    ('stable', 'moderately stable', 'doubtful')
    """
    if jaccard > STABLE:
        return "stable"
    if jaccard < DOUBTFUL:
        return "doubtful"
    return "moderately stable"


@dataclass
class StabilityResult:
    """Resampling stability of one segmentation.

    Attributes
    ----------
    clusters : ndarray of the original cluster labels (noise excluded).
    jaccard : ndarray (n_boot, n_clusters), best-match Jaccard per resample.
    ari : ndarray (n_boot,), ARI between original and refit labels.
    sizes : ndarray (n_clusters,), original cluster sizes.
    """

    clusters: np.ndarray
    jaccard: np.ndarray
    ari: np.ndarray
    sizes: np.ndarray
    method: str = "bootstrap"
    extra: dict = field(default_factory=dict)

    @property
    def per_cluster(self) -> pd.Series:
        """Mean Jaccard of each original cluster over resamples."""
        return pd.Series(self.jaccard.mean(axis=0), index=pd.Index(self.clusters, name="cluster"),
                         name="mean_jaccard")

    @property
    def mean_ari(self) -> float:
        return float(self.ari.mean())

    @property
    def min_jaccard(self) -> float:
        return float(self.per_cluster.min())

    @property
    def verdicts(self) -> dict:
        return {int(c): verdict(j) for c, j in self.per_cluster.items()}

    def to_frame(self) -> pd.DataFrame:
        """One row per cluster: size, mean Jaccard, dissolved/recovered counts, verdict."""
        jac = self.jaccard
        return pd.DataFrame({
            "cluster": self.clusters,
            "size": self.sizes,
            "mean_jaccard": jac.mean(axis=0),
            "dissolved": (jac <= 0.5).sum(axis=0),
            "recovered": (jac > STABLE).sum(axis=0),
            "verdict": [verdict(j) for j in jac.mean(axis=0)],
        })


def _best_jaccard(orig: np.ndarray, new: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Best Jaccard of each original cluster against the new clusters (same rows)."""
    new_ids, new_inv = np.unique(new, return_inverse=True)
    orig_pos = np.searchsorted(clusters, orig)
    valid = (orig_pos < clusters.size) & (clusters[np.minimum(orig_pos, clusters.size - 1)] == orig)
    table = np.zeros((clusters.size, new_ids.size))
    np.add.at(table, (orig_pos[valid], new_inv[valid]), 1)
    new_noise = new_ids == -1
    table[:, new_noise] = 0  # noise in the refit matches nothing
    a = table.sum(axis=1, keepdims=True)
    b = np.bincount(new_inv, minlength=new_ids.size)[None, :]
    union = a + b - table
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, table / union, 0.0)
    return jac.max(axis=1) if jac.shape[1] else np.zeros(clusters.size)


def bootstrap_stability(
    X,
    fit_predict_fn: Callable[[np.ndarray], np.ndarray] | object,
    n_boot: int = 20,
    random_state=0,
    method: str = "bootstrap",
    labels=None,
    max_rows: int | None = 5000,
) -> StabilityResult:
    """Per-cluster Jaccard stability (clusterboot style) and overall ARI.

    ``fit_predict_fn`` is a callable ``Z -> labels`` or an estimator with
    ``fit_predict`` (cloned for each refit). ``method`` is ``"bootstrap"``
    (with replacement, compare on the distinct rows drawn) or ``"subsample"``
    (half the rows without replacement). Works on a seeded sample of at most
    ``max_rows`` rows, so cost does not grow with n.

    >>> import numpy as np
    >>> from sklearn.cluster import KMeans
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 0.2, (40, 2)), rng.normal(4, 0.2, (40, 2))]
    >>> res = bootstrap_stability(X, KMeans(2, n_init=1, random_state=0), n_boot=5)
    >>> res.verdicts
    {0: 'stable', 1: 'stable'}
    """
    if method not in ("bootstrap", "subsample"):
        raise ConfigError(f"unknown resampling method {method!r}",
                          where="bootstrap_stability(method)",
                          fix="use 'bootstrap' or 'subsample'")
    if int(n_boot) < 1:
        raise ConfigError(f"n_boot must be at least 1, got {n_boot}",
                          where="bootstrap_stability(n_boot)", fix="pass n_boot >= 1")
    rng = check_random_state(random_state)
    X = np.asarray(X, dtype=float)
    if hasattr(fit_predict_fn, "fit_predict"):
        est = fit_predict_fn

        def fp(Z: np.ndarray) -> np.ndarray:
            return clone(est).fit_predict(Z)
    else:
        fp = fit_predict_fn
    rows = np.arange(len(X))
    if max_rows is not None and len(X) > max_rows:
        rows = np.sort(rng.choice(len(X), max_rows, replace=False))
    Xs = X[rows]
    orig = np.asarray(fp(Xs)) if labels is None else np.asarray(labels)[rows]
    clusters, sizes = np.unique(orig[orig != -1], return_counts=True)
    n = len(Xs)
    jac = np.zeros((n_boot, clusters.size))
    ari = np.zeros(n_boot)
    draws = [rng.randint(0, n, n) if method == "bootstrap"
             else np.sort(rng.choice(n, n // 2, replace=False)) for _ in range(n_boot)]
    if hasattr(fit_predict_fn, "fit_predict"):  # an estimator: the refits may share two cores
        unfitted = clone(fit_predict_fn)  # a fitted one may carry its training data
        refits = parallel_map(_refit, [(unfitted, Xs, draw) for draw in draws])
    else:
        refits = [fp(Xs[draw]) for draw in draws]
    for b, (draw, refit) in enumerate(zip(draws, refits, strict=True)):
        new = np.asarray(refit)
        uniq, first = np.unique(draw, return_index=True)
        jac[b] = _best_jaccard(orig[uniq], new[first], clusters)
        ari[b] = adjusted_rand_score(orig[uniq], new[first])
    return StabilityResult(clusters=clusters, jaccard=jac, ari=ari, sizes=sizes, method=method)


def _refit(estimator, X: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Labels of a fresh clone of ``estimator`` fitted on the ``rows`` of ``X``."""
    return np.asarray(clone(estimator).fit_predict(X[rows]))

"""Gap statistic (Tibshirani, Walther & Hastie 2001) on a seeded sample.

Reference data are drawn uniformly from the bounding box of the data in its
principal-component coordinates (the paper's second, "PCA-aligned" reference),
so a tilted elongated cloud does not look clustered against an axis box.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state

from custseg.exceptions import ConfigError


def within_dispersion(X: np.ndarray, labels: np.ndarray) -> float:
    """Pooled within-cluster sum of squares ``W_k`` (noise -1 ignored).

    >>> import numpy as np
    >>> within_dispersion(np.array([[0.0], [2.0], [10.0]]), np.array([0, 0, 1]))
    2.0
    """
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    keep = labels != -1
    X, labels = X[keep], labels[keep]
    _, inv = np.unique(labels, return_inverse=True)
    counts = np.bincount(inv).astype(float)
    sums = np.zeros((counts.size, X.shape[1]))
    np.add.at(sums, inv, X)
    # sum ||x||^2 - sum_c ||sum_c||^2 / n_c, clipped for round-off
    return float(max(np.sum(X * X) - np.sum(sums * sums / counts[:, None]), 0.0))


def pca_box_reference(X: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """One uniform reference sample from the PCA-aligned bounding box of ``X``."""
    mu = X.mean(axis=0)
    Xc = X - mu
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    Z = Xc @ vt.T
    lo, hi = Z.min(axis=0), Z.max(axis=0)
    ref = rng.uniform(lo, hi, size=Z.shape)
    return ref @ vt + mu


def _kmeans_fitter(k: int, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    def fit(Z: np.ndarray) -> np.ndarray:
        if k == 1:
            return np.zeros(len(Z), dtype=int)
        return KMeans(k, n_init=2, random_state=seed).fit_predict(Z)

    return fit


def gap_statistic(
    X,
    labels_or_fitter,
    k: int,
    n_refs: int = 10,
    random_state=0,
    sample_size: int | None = 5000,
) -> tuple[float, float]:
    """Gap statistic and its standard error ``s_k`` for one ``k``.

    ``labels_or_fitter`` is either the labels of ``X`` for this ``k`` (the
    reference sets are then clustered with k-means) or a callable
    ``fit_predict(Z) -> labels`` used on the data and on every reference set.
    Computed on a seeded sample of at most ``sample_size`` rows.

    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 0.1, (50, 2)), rng.normal(5, 0.1, (50, 2))]
    >>> lab = np.r_[np.zeros(50), np.ones(50)]
    >>> gap2, _ = gap_statistic(X, lab, 2)
    >>> gap1, _ = gap_statistic(X, np.zeros(100), 1)
    >>> bool(gap2 > gap1)
    True
    """
    if int(k) < 1:
        raise ConfigError(f"k must be at least 1, got {k}", where="gap_statistic(k)",
                          fix="pass a positive number of clusters")
    rng = check_random_state(random_state)
    X = np.asarray(X, dtype=float)
    idx = np.arange(len(X))
    if sample_size is not None and len(X) > sample_size:
        idx = np.sort(rng.choice(len(X), sample_size, replace=False))
    Xs = X[idx]
    seed = int(rng.randint(np.iinfo(np.int32).max))
    fitter = labels_or_fitter if callable(labels_or_fitter) else _kmeans_fitter(int(k), seed)
    lab = fitter(Xs) if callable(labels_or_fitter) else np.asarray(labels_or_fitter)[idx]
    log_w = np.log(within_dispersion(Xs, lab) + 1e-300)
    ref_logs = np.empty(n_refs)
    for b in range(n_refs):
        Z = pca_box_reference(Xs, rng)
        ref_logs[b] = np.log(within_dispersion(Z, fitter(Z)) + 1e-300)
    gap = float(ref_logs.mean() - log_w)
    s_k = float(ref_logs.std() * np.sqrt(1 + 1 / n_refs))
    return gap, s_k

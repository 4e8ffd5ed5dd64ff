"""Small helpers shared by the preprocessing transformers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import _check_feature_names_in

MISSING_LEVEL = "(missing)"
OTHER_LEVEL = "other"


def input_names(estimator, input_features=None) -> np.ndarray:
    """Input feature names (``x0``... when the estimator saw no names)."""
    return _check_feature_names_in(estimator, input_features)


def stride_sample(n: int, size: int) -> np.ndarray:
    """Evenly spaced row indices: a deterministic sample that needs no RNG."""
    if n <= size:
        return np.arange(n)
    return np.linspace(0, n - 1, size).astype(np.int64)


def skewness(values: np.ndarray) -> float:
    """Sample skewness of the finite values (0 when they do not vary)."""
    v = values[np.isfinite(values)]
    if v.size < 3:
        return 0.0
    centred = v - v.mean()
    sd = np.sqrt(np.mean(centred**2))
    if sd <= 1e-12 * max(1.0, abs(v.mean())):
        return 0.0
    return float(np.mean(centred**3) / sd**3)


def as_levels(column: np.ndarray) -> pd.Series:
    """One column as category levels: missing values become ``(missing)``."""
    series = pd.Series(column, dtype=object, copy=False)
    missing = series.isna().to_numpy()
    if missing.any():
        series = series.where(~missing, MISSING_LEVEL)
    return series


def codes_of(levels: pd.Series, categories: np.ndarray) -> np.ndarray:
    """Index of each value in ``categories`` (-1 for values not there)."""
    index = pd.Index(categories, dtype=object)
    return np.asarray(index.get_indexer(levels.to_numpy(dtype=object)), dtype=np.int64)


def fit_levels(levels: pd.Series, rare_share: float) -> tuple[list, list, np.ndarray]:
    """Kept levels (most common first), pooled rare levels, and their shares.

    When rare levels exist they are pooled into one ``other`` level, kept last.
    A lone rare level is kept as itself: pooling one level changes nothing.
    """
    counts = levels.value_counts(sort=True)
    n = max(int(counts.sum()), 1)
    shares = counts.to_numpy(dtype=np.float64) / n
    labels = [_plain(v) for v in counts.index]
    rare = shares < rare_share
    if rare.sum() <= 1 or rare.all():
        return labels, [], shares
    kept = [lab for lab, r in zip(labels, rare, strict=True) if not r]
    pooled = [lab for lab, r in zip(labels, rare, strict=True) if r]
    kept_shares = shares[~rare]
    if OTHER_LEVEL in kept:  # a real level named "other" absorbs the pooled ones
        idx = kept.index(OTHER_LEVEL)
        kept_shares = kept_shares.copy()
        kept_shares[idx] += shares[rare].sum()
        return kept, pooled, kept_shares
    return [*kept, OTHER_LEVEL], pooled, np.append(kept_shares, shares[rare].sum())


def pooled_codes(levels: pd.Series, categories: list, pooled: list) -> np.ndarray:
    """Codes of ``levels`` in ``categories``; pooled and unseen levels map to ``other``
    when it exists, else to -1."""
    codes = codes_of(levels, np.asarray(categories, dtype=object))
    if OTHER_LEVEL in categories:
        codes[codes < 0] = categories.index(OTHER_LEVEL)
    return codes


def _plain(value):
    """numpy scalars -> Python scalars (JSON-ready, skops-safe)."""
    return value.item() if isinstance(value, np.generic) else value

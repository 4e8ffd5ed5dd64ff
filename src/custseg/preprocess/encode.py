"""Categorical encoders: weighted one-hot, frequency, and integer codes.

Why weighting matters: k-means sums squared differences over columns. With
plain unit-variance dummies a 4-level category adds 4 columns and outweighs a
numeric column several times over, so segments follow the category. The
:class:`WeightedOneHotEncoder` centres the dummies and scales them together
so the whole categorical column adds, on average, as much squared distance
as one standardised numeric column (the idea behind FAMD's weighting).

Example
-------
>>> import numpy as np
>>> X = np.array([["a"], ["b"], ["c"], ["d"]] * 25, dtype=object)
>>> Z = WeightedOneHotEncoder().fit_transform(X)
>>> Z.shape, round(float(Z.var(axis=0).sum()), 6)
((100, 4), 1.0)
"""

from __future__ import annotations

from numbers import Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from custseg.preprocess._base import (
    OTHER_LEVEL,
    as_levels,
    codes_of,
    fit_levels,
    input_names,
    pooled_codes,
)


class _CategoricalBase(TransformerMixin, BaseEstimator):
    """Shared fit: the kept levels of each column, with rare levels pooled."""

    def _validate(self, X, reset: bool):
        return validate_data(self, X, dtype=None, ensure_all_finite=False, reset=reset)

    def _fit_levels(self, X) -> None:
        self.categories_, self.pooled_, self.proportions_ = [], [], []
        for j in range(X.shape[1]):
            kept, pooled, shares = fit_levels(as_levels(X[:, j]), self.rare_share)
            self.categories_.append(kept)
            self.pooled_.append(pooled)
            self.proportions_.append(shares)

    def _codes(self, X, j: int) -> np.ndarray:
        return pooled_codes(as_levels(X[:, j]), self.categories_[j], self.pooled_[j])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags


class WeightedOneHotEncoder(_CategoricalBase):
    """One-hot encoding whose dummies weigh, together, like one numeric column.

    Levels rarer than ``rare_share`` are pooled into ``other``; missing values
    are their own level ``(missing)``. At transform time unseen levels go to
    ``other`` when it exists, else get an all-zero row (the column's centre).

    Parameters
    ----------
    rare_share : levels below this share of rows are pooled.
    weighting : "block" (centred dummies scaled so the column's total variance
        is 1: one column's weight), "famd" (each centred dummy divided by the
        square root of its share, as in FAMD), "unit" (each dummy standardised
        to variance 1: the weighting trap, kept for teaching) or "none" (0/1).
    drop_binary : a two-level column becomes one column (same distances).

    Attributes
    ----------
    categories_ : kept levels per column (``other`` last when pooling happened).
    pooled_ : rare levels pooled into ``other``, per column.
    proportions_ : share of each kept level.
    means_, scales_ : per output column, ``(dummy - mean) * scale``.

    Example
    -------
    >>> import numpy as np
    >>> X = np.array([["web"], ["store"], ["store"], ["app"]], dtype=object)
    >>> enc = WeightedOneHotEncoder().fit(X)
    >>> enc.get_feature_names_out(["channel"]).tolist()
    ['channel=store', 'channel=web', 'channel=app']
    >>> enc.transform(np.array([["fax"]], dtype=object)).tolist()  # unseen level
    [[0.0, 0.0, 0.0]]
    """

    _parameter_constraints: ClassVar[dict] = {
        "rare_share": [Interval(Real, 0, 1, closed="both")],
        "weighting": [StrOptions({"block", "famd", "unit", "none"})],
        "drop_binary": ["boolean"],
    }

    def __init__(self, rare_share: float = 0.01, weighting: str = "block",
                 drop_binary: bool = True):
        self.rare_share = rare_share
        self.weighting = weighting
        self.drop_binary = drop_binary

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = self._validate(X, reset=True)
        self._fit_levels(X)
        self.means_, self.scales_, self.slices_ = [], [], []
        start = 0
        for shares in self.proportions_:
            p = np.asarray(shares, dtype=np.float64)
            n_out = 1 if self.drop_binary and p.size == 2 else p.size
            p_out = p[:n_out]
            scale = self._scales(p, p_out)
            self.means_.append(p_out if self.weighting != "none" else np.zeros(n_out))
            self.scales_.append(scale)
            self.slices_.append((start, start + n_out))
            start += n_out
        self.n_features_out_ = start
        return self

    def _scales(self, p: np.ndarray, p_out: np.ndarray) -> np.ndarray:
        var = p_out * (1 - p_out)
        if self.weighting == "none":
            return np.ones_like(p_out)
        if self.weighting == "unit":
            return np.where(var > 0, 1 / np.sqrt(np.where(var > 0, var, 1)), 0.0)
        if self.weighting == "famd":
            return 1 / np.sqrt(np.maximum(p_out, 1e-12))
        total = var.sum()  # "block": the dummies together get variance 1
        return np.full_like(p_out, 1 / np.sqrt(total) if total > 0 else 0.0)

    def transform(self, X):
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        out = np.zeros((X.shape[0], self.n_features_out_))
        rows = np.arange(X.shape[0])
        for j in range(X.shape[1]):
            start, stop = self.slices_[j]
            codes = self._codes(X, j)
            block = out[:, start:stop]  # a view: edits land in ``out``
            known = (codes >= 0) & (codes < stop - start)
            block[rows[known], codes[known]] = 1.0
            block -= self.means_[j]
            block *= self.scales_[j]
            block[codes < 0] = 0.0  # unseen level and no "other": the centre
        return out

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        names = input_names(self, input_features)
        out = []
        for j, name in enumerate(names):
            start, stop = self.slices_[j]
            out.extend(f"{name}={level}" for level in self.categories_[j][: stop - start])
        return np.asarray(out, dtype=object)


class FrequencyEncoder(OneToOneFeatureMixin, _CategoricalBase):
    """Replace each level by its share of rows (for columns with many levels).

    Unseen levels get 0 (they were never seen, so their share was 0).

    Parameters
    ----------
    rare_share : kept for a uniform interface; rare levels keep their own share.

    Attributes
    ----------
    categories_ : levels per column.
    frequencies_ : share of rows per level, aligned with ``categories_``.

    Example
    -------
    >>> import numpy as np
    >>> X = np.array([["Lisbon"], ["Lisbon"], ["Porto"], ["Faro"]], dtype=object)
    >>> FrequencyEncoder().fit(X).transform(np.array([["Porto"], ["Oslo"]], dtype=object))
    array([[0.25],
           [0.  ]])
    """

    _parameter_constraints: ClassVar[dict] = {"rare_share": [Interval(Real, 0, 1, closed="both")]}

    def __init__(self, rare_share: float = 0.0):
        self.rare_share = rare_share

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = self._validate(X, reset=True)
        self.categories_, self.frequencies_, self.pooled_ = [], [], []
        for j in range(X.shape[1]):
            counts = as_levels(X[:, j]).value_counts(sort=True)
            self.categories_.append([v.item() if isinstance(v, np.generic) else v
                                     for v in counts.index])
            self.frequencies_.append(counts.to_numpy(np.float64) / max(X.shape[0], 1))
            self.pooled_.append([])
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        out = np.zeros(X.shape, dtype=np.float64)
        for j in range(X.shape[1]):
            codes = codes_of(as_levels(X[:, j]), np.asarray(self.categories_[j], dtype=object))
            freq = np.append(self.frequencies_[j], 0.0)  # code -1 -> 0
            out[:, j] = freq[codes]
        return out


class CategoryCodeEncoder(OneToOneFeatureMixin, _CategoricalBase):
    """Integer code per level (most common = 0), for the k-prototypes clusterer.

    Rare levels are pooled into ``other``; unseen levels get ``other``'s code,
    or a new code equal to the number of levels (it matches no centre).

    Attributes
    ----------
    categories_ : levels per column, in code order.

    Example
    -------
    >>> import numpy as np
    >>> X = np.array([["b"], ["a"], ["b"], [None]], dtype=object)
    >>> enc = CategoryCodeEncoder().fit(X)
    >>> enc.categories_[0]
    ['b', 'a', '(missing)']
    >>> enc.transform(np.array([["a"], ["zzz"]], dtype=object)).ravel().tolist()
    [1.0, 3.0]
    """

    _parameter_constraints: ClassVar[dict] = {"rare_share": [Interval(Real, 0, 1, closed="both")]}

    def __init__(self, rare_share: float = 0.01):
        self.rare_share = rare_share

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = self._validate(X, reset=True)
        self._fit_levels(X)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        out = np.zeros(X.shape, dtype=np.float64)
        for j in range(X.shape[1]):
            codes = self._codes(X, j)
            codes[codes < 0] = len(self.categories_[j])
            out[:, j] = codes
        return out


__all__ = ["OTHER_LEVEL", "CategoryCodeEncoder", "FrequencyEncoder", "WeightedOneHotEncoder"]

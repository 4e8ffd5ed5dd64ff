"""Numeric steps: impute (with a missing indicator), reduce skew, clip outliers.

Each step works column by column, keeps what it did in fitted attributes a
student can print, and passes scikit-learn's estimator checks.

Example
-------
>>> import numpy as np
>>> X = np.array([[1.0], [np.nan], [3.0], [1000.0]])
>>> MissingImputer(add_indicator=False).fit_transform(X).ravel().tolist()
[1.0, 3.0, 3.0, 1000.0]
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from custseg.data.io import EXTREME_MAGNITUDE
from custseg.preprocess._base import input_names, skewness, stride_sample


class MissingImputer(TransformerMixin, BaseEstimator):
    """Fill missing values with the median (or mean) and flag frequent gaps.

    Parameters
    ----------
    strategy : "median" or "mean".
    add_indicator : "auto" adds a 0/1 ``<column>__missing`` column for columns
        missing in at least ``indicator_share`` of rows; True/False always/never.
    indicator_share : threshold for "auto".

    Values beyond ±``EXTREME_MAGNITUDE`` (1e30) are clipped to that bound: the
    later steps square and cube values (variance, skewness), which overflows
    float64 to inf/NaN for a single 1e308. (The file reader already reads such
    values as missing, with a note; this guards tables passed as DataFrames.)

    Attributes
    ----------
    statistics_ : fill value per column.
    n_missing_ : missing values per column when fitting.
    missing_share_ : their share.
    indicator_ : columns (indices) that get a missing indicator.
    n_extreme_ : values clipped to ±1e30 per column when fitting.

    Example
    -------
    >>> import numpy as np
    >>> X = np.array([[1.0, 5.0], [np.nan, 6.0], [3.0, np.nan], [np.nan, 8.0]])
    >>> imp = MissingImputer(indicator_share=0.5).fit(X)
    >>> imp.get_feature_names_out(["income", "age"]).tolist()
    ['income', 'age', 'income__missing']
    >>> imp.transform(X)[1].tolist()
    [2.0, 6.0, 1.0]
    """

    _parameter_constraints: ClassVar[dict] = {
        "strategy": [StrOptions({"median", "mean"})],
        "add_indicator": [StrOptions({"auto"}), "boolean"],
        "indicator_share": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, strategy: str = "median", add_indicator="auto",
                 indicator_share: float = 0.1):
        self.strategy = strategy
        self.add_indicator = add_indicator
        self.indicator_share = indicator_share

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        self.n_extreme_ = (np.abs(X) > EXTREME_MAGNITUDE).sum(axis=0).astype(np.int64)
        X = np.clip(X, -EXTREME_MAGNITUDE, EXTREME_MAGNITUDE)  # NaN stays NaN
        missing = np.isnan(X)
        self.n_missing_ = missing.sum(axis=0).astype(np.int64)
        self.missing_share_ = self.n_missing_ / max(X.shape[0], 1)
        stats = np.zeros(X.shape[1])
        for j in range(X.shape[1]):
            present = X[~missing[:, j], j]
            if present.size:
                stats[j] = np.median(present) if self.strategy == "median" else present.mean()
        self.statistics_ = stats
        if self.add_indicator == "auto":
            flag = (self.missing_share_ >= self.indicator_share) & (self.n_missing_ > 0)
        else:
            flag = np.full(X.shape[1], bool(self.add_indicator))
        self.indicator_ = np.flatnonzero(flag)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan",
                          reset=False, copy=True)
        np.clip(X, -EXTREME_MAGNITUDE, EXTREME_MAGNITUDE, out=X)
        missing = np.isnan(X)
        flags = missing[:, self.indicator_].astype(np.float64)
        rows, cols = np.nonzero(missing)
        X[rows, cols] = self.statistics_[cols]
        return np.hstack([X, flags]) if flags.shape[1] else X

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        names = input_names(self, input_features)
        return np.asarray([*names, *(f"{names[j]}__missing" for j in self.indicator_)],
                          dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class SkewTransformer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Reduce strong skew: log1p for non-negative amounts, Yeo-Johnson otherwise.

    The skewness of each column is measured (on up to ``sample_size`` evenly
    spaced rows); only columns with ``|skewness| > threshold`` are changed.
    Right-skewed non-negative columns with values above 1 (money, counts) get
    ``log1p``, which a person can read ("ten times more spend = one step
    further"). Columns with negative values, left skew, or shares between 0
    and 1 get the Yeo-Johnson power transform with the lambda that makes them
    most symmetric. Columns with at most two distinct values, and columns where
    the transform would not reduce |skewness|, are left alone.

    Parameters
    ----------
    threshold : |skewness| above which a column is transformed.
    method : "auto", "log1p", "yeo-johnson" or "none" (for every skewed column).
    sample_size : rows used to measure skewness and fit lambda.

    Attributes
    ----------
    methods_ : per column, "none", "log1p" or "yeo-johnson".
    lambdas_ : Yeo-Johnson lambda per column (NaN where not used).
    scales_ : the column is divided by this before Yeo-Johnson (its std).
    skew_before_, skew_after_ : measured skewness.

    Example
    -------
    >>> import numpy as np
    >>> spend = np.exp(np.linspace(0, 8, 50)).reshape(-1, 1)
    >>> st = SkewTransformer().fit(spend)
    >>> st.methods_, round(float(st.skew_before_[0]), 1), round(float(st.skew_after_[0]), 1)
    (['log1p'], 2.2, 0.1)
    """

    _parameter_constraints: ClassVar[dict] = {
        "threshold": [Interval(Real, 0, None, closed="left")],
        "method": [StrOptions({"auto", "log1p", "yeo-johnson", "none"})],
        "sample_size": [Interval(Integral, 3, None, closed="left")],
    }

    def __init__(self, threshold: float = 1.0, method: str = "auto",
                 sample_size: int = 100_000):
        self.threshold = threshold
        self.method = method
        self.sample_size = sample_size

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        sample = X[stride_sample(X.shape[0], self.sample_size)]
        methods, lambdas, scales, before, after = [], [], [], [], []
        for j in range(X.shape[1]):
            col = sample[:, j]
            col = col[np.isfinite(col)]
            skew = skewness(col)
            method, lam, scale = "none", np.nan, 1.0
            if abs(skew) > self.threshold and np.unique(col[:1000]).size > 2 \
                    and self.method != "none":
                method = self._choose(col, skew)
                if method == "yeo-johnson":
                    # unit scale: Yeo-Johnson is not scale-free and overflows on big amounts
                    scale = float(np.std(col)) or 1.0
                    lam = _yeo_johnson_lambda(col / scale)
                if abs(skewness(_apply(col, method, lam, scale))) >= abs(skew):
                    method, lam, scale = "none", np.nan, 1.0  # it would not help
            methods.append(method)
            lambdas.append(lam)
            scales.append(scale)
            before.append(skew)
            after.append(skewness(_apply(col, method, lam, scale)) if method != "none"
                         else skew)
        self.methods_ = methods
        self.lambdas_ = np.asarray(lambdas, dtype=np.float64)
        self.scales_ = np.asarray(scales, dtype=np.float64)
        self.skew_before_ = np.asarray(before)
        self.skew_after_ = np.asarray(after)
        return self

    def _choose(self, col: np.ndarray, skew: float) -> str:
        # log1p only pulls in a long right tail of non-negative amounts
        log_ok = col.size and col.min() >= 0 and skew > 0
        if self.method != "auto":
            return self.method if self.method != "log1p" or log_ok else "yeo-johnson"
        return "log1p" if log_ok and col.max() > 1 else "yeo-johnson"

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan",
                          reset=False, copy=True)
        for j, method in enumerate(self.methods_):
            if method != "none":
                X[:, j] = _apply(X[:, j], method, self.lambdas_[j], self.scales_[j])
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _apply(x: np.ndarray, method: str, lam: float, scale: float = 1.0) -> np.ndarray:
    if method == "log1p":
        # new data may hold values below the fitted minimum of 0: treat them as 0
        return np.log1p(np.maximum(x, 0.0))
    if method == "yeo-johnson":
        return _yeo_johnson(x / scale, lam)
    return x


def _yeo_johnson(x: np.ndarray, lam: float) -> np.ndarray:
    out = np.empty_like(x)
    pos = x >= 0
    neg = ~pos  # NaN lands here and stays NaN
    with np.errstate(over="ignore", invalid="ignore"):
        if abs(lam) < 1e-8:
            out[pos] = np.log1p(x[pos])
        else:
            out[pos] = (np.power(x[pos] + 1, lam) - 1) / lam
        if abs(lam - 2) < 1e-8:
            out[neg] = -np.log1p(-x[neg])
        else:
            out[neg] = -(np.power(-x[neg] + 1, 2 - lam) - 1) / (2 - lam)
    return out


def _yeo_johnson_lambda(z: np.ndarray) -> float:
    """Lambda minimising |skewness| on a grid (robust, never overflows on unit scale)."""
    grid = np.linspace(-2, 2, 41)
    scores = [abs(skewness(_yeo_johnson(z, lam))) for lam in grid]
    return float(grid[int(np.argmin(scores))])


class Winsorizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Clip each column to its ``quantiles`` (robust to extreme outliers).

    Columns with at most two distinct values are never clipped.

    Parameters
    ----------
    quantiles : (low, high) quantiles that become the clipping bounds.

    Attributes
    ----------
    lower_, upper_ : bounds per column.
    n_clipped_ : values clipped per column when fitting.

    Example
    -------
    >>> import numpy as np
    >>> X = np.r_[np.arange(999.0), [666666.0]].reshape(-1, 1)
    >>> w = Winsorizer().fit(X)
    >>> int(w.n_clipped_[0]), round(float(w.transform(X).max()), 1)
    (10, 994.0)
    """

    _parameter_constraints: ClassVar[dict] = {"quantiles": [tuple, list]}

    def __init__(self, quantiles=(0.005, 0.995)):
        self.quantiles = quantiles

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        lo_q, hi_q = (float(q) for q in self.quantiles)
        if not 0 <= lo_q <= hi_q <= 1:
            raise ValueError(f"Winsorizer quantiles must satisfy 0 <= low <= high <= 1, "
                             f"got {self.quantiles!r}")
        lower = np.full(X.shape[1], -np.inf)
        upper = np.full(X.shape[1], np.inf)
        clipped = np.zeros(X.shape[1], dtype=np.int64)
        for j in range(X.shape[1]):
            col = X[:, j]
            col = col[np.isfinite(col)]
            if col.size == 0 or np.unique(col[:1000]).size <= 2:
                continue
            lower[j], upper[j] = np.quantile(col, [lo_q, hi_q])
            clipped[j] = int(np.sum(col < lower[j]) + np.sum(col > upper[j]))
        self.lower_, self.upper_, self.n_clipped_ = lower, upper, clipped
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan",
                          reset=False)
        return np.clip(X, self.lower_, self.upper_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

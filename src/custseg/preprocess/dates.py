"""Dates -> days before a reference date (tenure, recency).

Example
-------
>>> import numpy as np
>>> X = np.array([["2024-01-01"], ["2024-03-01"]], dtype=object)
>>> DateDurationEncoder(as_of="2024-03-31").fit_transform(X).ravel().tolist()
[90.0, 30.0]
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted, validate_data

from custseg.data.dates import parse_dates
from custseg.preprocess._base import input_names

_DAY_NS = 86_400 * 10**9


class DateDurationEncoder(TransformerMixin, BaseEstimator):
    """Days between each date and a reference date ``as_of``.

    A sign-up date becomes *tenure* (days as a customer), a last-purchase
    date becomes *recency*. Dates after ``as_of`` give negative days.

    Parameters
    ----------
    as_of : reference date (ISO text, ``date`` or None = latest date seen when
        fitting, so the same table always gives the same numbers).
    date_format : strptime format for text dates (None: decided from the values,
        see :func:`custseg.data.dates.detect_date_format`).

    Input can be datetimes, date text, or numbers (already days since
    1970-01-01). Missing or unparseable dates stay missing (NaN).

    Attributes
    ----------
    as_of_days_ : the reference date in days since 1970-01-01.
    as_of_date_ : the reference date as ISO text.
    n_unparsed_ : values that were present but could not be read as dates.

    Example
    -------
    >>> import numpy as np
    >>> enc = DateDurationEncoder().fit(np.array([["2020-01-01"], ["2020-01-11"]], dtype=object))
    >>> enc.as_of_date_, enc.get_feature_names_out(["signup"]).tolist()
    ('2020-01-11', ['signup_days'])
    """

    _parameter_constraints: ClassVar[dict] = {
        "as_of": [str, date, None],
        "date_format": [str, None],
    }

    def __init__(self, as_of=None, date_format: str | None = None):
        self.as_of = as_of
        self.date_format = date_format

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=None, ensure_all_finite=False)
        days = self._days(X)
        present = np.isfinite(days)
        if self.as_of is not None:
            ref = _to_days(self.as_of)
        elif present.any():
            ref = float(np.nanmax(days))
        else:
            ref = 0.0
        self.as_of_days_ = float(ref)
        self.as_of_date_ = str(np.datetime64("1970-01-01")
                               + np.timedelta64(int(np.floor(ref)), "D"))
        raw_present = ~pd.isna(pd.DataFrame(X)).to_numpy()
        self.n_unparsed_ = (raw_present & ~present).sum(axis=0).astype(np.int64)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=None, ensure_all_finite=False, reset=False)
        return self.as_of_days_ - self._days(X)

    def _days(self, X: np.ndarray) -> np.ndarray:
        out = np.empty(X.shape, dtype=np.float64)
        for j in range(X.shape[1]):
            out[:, j] = _column_days(X[:, j], self.date_format)
        return out

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.asarray([f"{n}_days" for n in input_names(self, input_features)],
                          dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


def _column_days(col: np.ndarray, date_format: str | None) -> np.ndarray:
    if np.issubdtype(col.dtype, np.number):
        return col.astype(np.float64)
    if np.issubdtype(col.dtype, np.datetime64):
        parsed = pd.to_datetime(col)
    else:
        series = pd.Series(col, dtype=object)
        numeric = pd.to_numeric(series, errors="coerce")
        if numeric.notna().sum() == series.notna().sum():  # numbers stored as objects
            return numeric.to_numpy(np.float64)
        # one reader for every date in custseg: formats decided from all values,
        # two-digit years by its pivot, offsets to UTC, dates before 1900 missing
        parsed = parse_dates(series, date_format)
    values = pd.DatetimeIndex(parsed).as_unit("ns").asi8.astype(np.float64)
    values[pd.isna(parsed)] = np.nan
    return values / _DAY_NS


def _to_days(value) -> float:
    if isinstance(value, datetime | date):
        value = value.isoformat()
    stamp = pd.Timestamp(value)
    return float(stamp.as_unit("ns").value / _DAY_NS)

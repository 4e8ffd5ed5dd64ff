"""Latitude/longitude -> points on the unit sphere, weighted as one column.

Raw latitude and longitude mislead distance-based clustering: longitude 179
and -179 are neighbours, and a degree of longitude is shorter far from the
equator. Three coordinates on the unit sphere (x, y, z) fix both, and the
straight-line distance between two such points grows with the distance on
the globe.

Example
-------
>>> import numpy as np
>>> X = np.array([[0.0, 179.9], [0.0, -179.9], [0.0, 0.0]])
>>> Z = GeoEncoder(weighting="none").fit_transform(X)
>>> bool(np.linalg.norm(Z[0] - Z[1]) < 0.01), bool(np.linalg.norm(Z[0] - Z[2]) > 1.9)
(True, True)
"""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from custseg.preprocess._base import input_names


class GeoEncoder(TransformerMixin, BaseEstimator):
    """Turn a (latitude, longitude) pair of columns into 3-D unit-sphere coordinates.

    Parameters
    ----------
    latitude, longitude : positions of the two columns (in degrees) in the
        input; any other input column is ignored (use it in a
        ``ColumnTransformer`` with just these two).
    weighting : "block" centres the three coordinates and scales them together
        to a total variance of 1, so a location weighs as much as one numeric
        column; "none" leaves the raw unit-sphere coordinates.

    Rows with a missing coordinate get the centre of the data (an all-zero row
    with "block" weighting, NaN with "none").

    Attributes
    ----------
    means_, scales_ : per output column, ``(coordinate - mean) * scale``.
    n_missing_ : rows with a missing coordinate when fitting.

    Example
    -------
    >>> import numpy as np
    >>> X = np.array([[38.7, -9.1], [41.2, -8.6], [52.5, 13.4], [48.9, 2.4]])
    >>> enc = GeoEncoder().fit(X)
    >>> enc.get_feature_names_out(["lat", "lon"]).tolist()
    ['lat_lon_x', 'lat_lon_y', 'lat_lon_z']
    >>> round(float(enc.transform(X).var(axis=0).sum()), 6)
    1.0
    """

    _parameter_constraints: ClassVar[dict] = {
        "latitude": [Interval(Integral, 0, None, closed="left")],
        "longitude": [Interval(Integral, 0, None, closed="left")],
        "weighting": [StrOptions({"block", "none"})],
    }

    def __init__(self, latitude: int = 0, longitude: int = 1, weighting: str = "block"):
        self.latitude = latitude
        self.longitude = longitude
        self.weighting = weighting

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        needed = max(self.latitude, self.longitude) + 1
        if X.shape[1] < needed or self.latitude == self.longitude:
            raise ValueError(f"GeoEncoder needs a latitude and a longitude column (positions "
                             f"{self.latitude} and {self.longitude}), got "
                             f"{X.shape[1]} feature(s)")
        xyz = self._sphere(X)
        ok = np.isfinite(xyz).all(axis=1)
        self.n_missing_ = int((~ok).sum())
        self.means_, self.scales_ = np.zeros(3), np.ones(3)
        if self.weighting == "block" and ok.any():
            self.means_ = xyz[ok].mean(axis=0)
            total = xyz[ok].var(axis=0).sum()
            self.scales_ = np.full(3, 1 / np.sqrt(total) if total > 1e-24 else 0.0)
        return self

    def _sphere(self, X: np.ndarray) -> np.ndarray:
        lat = np.radians(X[:, self.latitude])
        lon = np.radians(X[:, self.longitude])
        return np.c_[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan",
                          reset=False)
        out = (self._sphere(X) - self.means_) * self.scales_
        missing = ~np.isfinite(out).all(axis=1)
        if missing.any():  # a row missing a coordinate sits at the centre
            out[missing] = 0.0 if self.weighting == "block" else np.nan
        return out

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        names = input_names(self, input_features)
        stem = f"{names[self.latitude]}_{names[self.longitude]}"
        return np.asarray([f"{stem}_{axis}" for axis in "xyz"], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

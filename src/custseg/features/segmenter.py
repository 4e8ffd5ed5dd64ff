"""RFMSegmenter: the named RFM groups as a scikit-learn style clusterer."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import validate_data

from custseg.exceptions import InputError
from custseg.features.rfm import RFM_SEGMENTS, rfm_scores, segment_codes

__all__ = ["RFMSegmenter"]


class RFMSegmenter(ClusterMixin, BaseEstimator):
    """Rule-based "clusterer": RFM quintile scores mapped to the named groups.

    ``labels_`` are codes into ``segment_names_`` (the order of ``RFM_SEGMENT_RULES``).
    ``X`` is the customer feature table (the three columns are found by name) or an
    array of exactly three columns: recency, frequency, monetary. Missing values
    score 1, as in :func:`~custseg.features.rfm.rfm_scores`.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"recency_days": [1, 300, 20, 60, 5], "frequency": [8, 1, 2, 9, 1],
    ...                   "monetary": [500.0, 5.0, 40.0, 900.0, 10.0]})
    >>> seg = RFMSegmenter().fit(f)
    >>> [seg.segment_names_[k] for k in seg.labels_]
    ['Champions', 'Lost', 'Need Attention', "Can't Lose Them", 'Potential Loyalists']
    """

    _parameter_constraints: ClassVar[dict] = {
        "recency": [str], "frequency": [str], "monetary": [str],
    }

    def __init__(self, recency: str = "recency_days", frequency: str = "frequency",
                 monetary: str = "monetary"):
        self.recency = recency
        self.frequency = frequency
        self.monetary = monetary

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing value scores 1
        return tags

    def _frame(self, X) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            self.n_features_in_ = 3
            return X
        # sklearn's validation: sparse, complex, empty and infinite input get its errors
        arr = validate_data(self, X, dtype="float64", ensure_all_finite="allow-nan")
        if arr.shape[1] != 3:
            raise InputError(
                f"RFMSegmenter needs a DataFrame or an array with 3 columns "
                f"(recency, frequency, monetary), got shape {arr.shape}",
                where="RFMSegmenter.fit", fix="pass the customer feature table")
        return pd.DataFrame(arr, columns=[self.recency, self.frequency, self.monetary])

    def fit(self, X, y=None):
        """Score the customers and assign the named groups."""
        frame = self._frame(X)
        self.scores_ = rfm_scores(frame, self.recency, self.frequency, self.monetary)
        self.labels_ = segment_codes(self.scores_)
        self.segment_names_ = list(RFM_SEGMENTS)
        self.n_clusters_ = len(np.unique(self.labels_))
        return self

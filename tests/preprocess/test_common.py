"""scikit-learn's common checks on every step transformer of custseg.preprocess.

The transformers are found automatically: every class exported by
``custseg.preprocess`` that is a scikit-learn transformer, except
``CustomerPreprocessor`` (it needs a named customer table, not a bare array;
tests/preprocess/test_pipeline.py covers it).
"""

from __future__ import annotations

import inspect

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.estimator_checks import parametrize_with_checks

import custseg.preprocess as preprocess

NOT_ARRAY_TRANSFORMERS = {"CustomerPreprocessor"}


def _step_transformers() -> list:
    found = []
    for name in preprocess.__all__:
        obj = getattr(preprocess, name)
        if inspect.isclass(obj) and issubclass(obj, TransformerMixin) \
                and issubclass(obj, BaseEstimator) and name not in NOT_ARRAY_TRANSFORMERS:
            found.append(obj())
    return found


STEPS = _step_transformers()


def test_all_steps_found():
    names = {type(est).__name__ for est in STEPS}
    assert names >= {"MissingImputer", "SkewTransformer", "Winsorizer",
                     "WeightedOneHotEncoder", "FrequencyEncoder", "CategoryCodeEncoder",
                     "GeoEncoder", "DateDurationEncoder"}


@parametrize_with_checks(STEPS)
def test_sklearn_compatible(estimator, check):
    check(estimator)

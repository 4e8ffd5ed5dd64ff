"""Preprocessing: scikit-learn transformers and the automatic customer preprocessor.

The steps (each a transformer with ``get_feature_names_out``):
:class:`MissingImputer`, :class:`SkewTransformer`, :class:`Winsorizer`,
:class:`WeightedOneHotEncoder`, :class:`FrequencyEncoder`,
:class:`CategoryCodeEncoder`, :class:`GeoEncoder`, :class:`DateDurationEncoder`.
:class:`CustomerPreprocessor` combines them column by column, selects
features and records every decision with its reason.

Example
-------
>>> from custseg.data import infer_schema
>>> from custseg.datasets import make_customers
>>> from custseg.preprocess import PreprocessOptions, build_preprocessor
>>> frame = make_customers(300, k=3, seed=0)
>>> options = PreprocessOptions(exclude=["city"], select_features=False)
>>> prep = build_preprocessor(infer_schema(frame), options)
>>> X = prep.fit_transform(frame)
>>> "city" in prep.features_used_, prep.features_dropped_["city"]
(False, 'excluded by the user (--exclude)')
"""

from custseg.preprocess.dates import DateDurationEncoder
from custseg.preprocess.encode import CategoryCodeEncoder, FrequencyEncoder, WeightedOneHotEncoder
from custseg.preprocess.geo import GeoEncoder
from custseg.preprocess.numeric import MissingImputer, SkewTransformer, Winsorizer
from custseg.preprocess.options import MIXED_METHODS, PreprocessOptions
from custseg.preprocess.pipeline import CustomerPreprocessor, build_preprocessor
from custseg.preprocess.relevance import near_duplicates, segment_structure_scores

__all__ = [
    "MIXED_METHODS",
    "CategoryCodeEncoder",
    "CustomerPreprocessor",
    "DateDurationEncoder",
    "FrequencyEncoder",
    "GeoEncoder",
    "MissingImputer",
    "PreprocessOptions",
    "SkewTransformer",
    "WeightedOneHotEncoder",
    "Winsorizer",
    "build_preprocessor",
    "near_duplicates",
    "segment_structure_scores",
]

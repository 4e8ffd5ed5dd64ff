"""Transaction logs -> customer features (DuckDB), RFM scores and named RFM groups.

>>> from custseg.features import detect_log_columns
>>> detect_log_columns(["Customer ID", "Invoice", "InvoiceDate", "Price", "Quantity"]).price
'Price'
"""

from custseg.features.builder import FEATURE_DEFINITIONS, CustomerFeatures, build_customer_features
from custseg.features.columns import (
    LogColumns,
    LogDetection,
    detect_log,
    detect_log_columns,
    looks_like_transaction_log,
)
from custseg.features.quality import QualityRules
from custseg.features.rfm import (
    RFM_SEGMENT_RULES,
    RFM_SEGMENTS,
    RFMRule,
    rfm_scores,
    rfm_segments,
)


def __getattr__(name: str):
    # scikit-learn is imported only when the estimator is used (fast CLI start-up).
    if name == "RFMSegmenter":
        from custseg.features.segmenter import RFMSegmenter

        return RFMSegmenter
    raise AttributeError(f"module 'custseg.features' has no attribute {name!r}")

__all__ = [
    "FEATURE_DEFINITIONS",
    "RFM_SEGMENTS",
    "RFM_SEGMENT_RULES",
    "CustomerFeatures",
    "LogColumns",
    "LogDetection",
    "QualityRules",
    "RFMRule",
    "RFMSegmenter",
    "build_customer_features",
    "detect_log",
    "detect_log_columns",
    "looks_like_transaction_log",
    "rfm_scores",
    "rfm_segments",
]

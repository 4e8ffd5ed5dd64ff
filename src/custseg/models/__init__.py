"""Segmentation models: one factory, scikit-learn estimators that scale.

>>> from custseg.models import make_model, DEFAULT_ALGORITHMS
>>> DEFAULT_ALGORITHMS
('kmeans', 'hierarchical', 'gmm')
>>> type(make_model("kmeans", 3)).__name__
'KMeansClusterer'
"""

from custseg.models._density import HDBSCANClusterer
from custseg.models._hierarchical import AgglomerativeClusterer
from custseg.models._kmeans import KMeansClusterer
from custseg.models._linkage import cut_linkage, weighted_linkage
from custseg.models._mixture import COVARIANCE_TYPES, GMMClusterer
from custseg.models._registry import (
    ALGORITHM_FAMILIES,
    ALGORITHMS,
    DEFAULT_ALGORITHMS,
    make_model,
    resolve_algorithm,
)

__all__ = [
    "ALGORITHMS",
    "ALGORITHM_FAMILIES",
    "COVARIANCE_TYPES",
    "DEFAULT_ALGORITHMS",
    "AgglomerativeClusterer",
    "GMMClusterer",
    "HDBSCANClusterer",
    "KMeansClusterer",
    "cut_linkage",
    "make_model",
    "resolve_algorithm",
    "weighted_linkage",
]

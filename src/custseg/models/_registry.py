"""Algorithm names, CLI families and the ``make_model`` factory."""

from __future__ import annotations

from importlib import import_module
from numbers import Integral
from typing import Any

from sklearn.cluster import BisectingKMeans

from custseg.constants import ALGORITHMS, DEFAULT_ALGORITHMS, LINKAGES
from custseg.exceptions import ConfigError
from custseg.models._density import HDBSCANClusterer
from custseg.models._hierarchical import AgglomerativeClusterer
from custseg.models._kmeans import KMeansClusterer
from custseg.models._mixture import GMMClusterer

__all__ = ["ALGORITHMS", "ALGORITHM_FAMILIES", "DEFAULT_ALGORITHMS", "make_model",
           "resolve_algorithm"]

#: CLI family name -> (algorithm, default params, one-line description)
ALGORITHM_FAMILIES: dict[str, dict[str, Any]] = {
    "kmeans": {"algorithm": "kmeans", "params": {},
               "description": "k-means++ with several restarts (MiniBatchKMeans for > 200k rows)"},
    "minibatch_kmeans": {"algorithm": "minibatch_kmeans", "params": {},
                         "description": "MiniBatchKMeans, always"},
    "bisecting_kmeans": {"algorithm": "bisecting_kmeans", "params": {},
                         "description": "divisive k-means (repeated 2-way splits)"},
    "hierarchical": {"algorithm": "ward", "params": {},
                     "description": "Ward agglomerative (two-step above 2000 rows)"},
    "gmm": {"algorithm": "gmm", "params": {"covariance_type": "auto"},
            "description": "Gaussian mixture, covariance type chosen by BIC"},
    "hdbscan": {"algorithm": "hdbscan", "params": {},
                "description": "density-based, finds its own number of segments, noise = -1"},
}


def resolve_algorithm(name: str) -> tuple[str, dict[str, Any]]:
    """Map a family alias or algorithm name to ``(algorithm, default_params)``.

    >>> resolve_algorithm("hierarchical")
    ('ward', {})
    """
    if not isinstance(name, str):
        raise ConfigError(f"algorithm must be a string, got {name!r}", where="algorithm",
                          fix=f"use one of {', '.join(ALGORITHMS)}")
    key = name.strip().lower().replace("-", "_")
    if key in ALGORITHM_FAMILIES:
        fam = ALGORITHM_FAMILIES[key]
        return fam["algorithm"], dict(fam["params"])
    if key in ALGORITHMS:
        return key, {}
    known = sorted(set(ALGORITHMS) | set(ALGORITHM_FAMILIES))
    raise ConfigError(f"unknown algorithm {name!r}", where="algorithm",
                      fix=f"use one of {', '.join(known)}")


def make_model(algorithm: str, n_clusters: int, random_state=None, **params):
    """Unfitted estimator for ``algorithm`` with ``n_clusters`` segments.

    Accepts algorithm names and CLI family aliases ("hierarchical" -> ward,
    "gmm" -> covariance type by BIC). Extra ``params`` go to the estimator.

    >>> make_model("ward", 3, random_state=0)
    AgglomerativeClusterer(n_clusters=3, random_state=0)
    >>> make_model("gmm", 4).covariance_type
    'auto'
    """
    algo, defaults = resolve_algorithm(algorithm)
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, Integral) or n_clusters < 1:
        raise ConfigError(f"n_clusters must be a positive integer, got {n_clusters!r}",
                          where="make_model(n_clusters)", fix="pass an integer >= 1")
    kw = {**defaults, **params}
    k = int(n_clusters)
    if algo == "kmeans":
        return KMeansClusterer(k, random_state=random_state, **kw)
    if algo == "minibatch_kmeans":
        return KMeansClusterer(k, minibatch=True, random_state=random_state, **kw)
    if algo == "bisecting_kmeans":
        return BisectingKMeans(k, random_state=random_state, **kw)
    if algo in LINKAGES:
        return AgglomerativeClusterer(k, linkage=algo, random_state=random_state, **kw)
    if algo == "gmm":
        kw.setdefault("covariance_type", "auto")
        return GMMClusterer(k, random_state=random_state, **kw)
    if algo == "hdbscan":
        return HDBSCANClusterer(k, random_state=random_state, **kw)
    # kprototypes lives in models/mixed.py, written separately: import only when asked
    mixed = import_module("custseg.models.mixed")
    return mixed.KPrototypesClusterer(k, random_state=random_state, **kw)

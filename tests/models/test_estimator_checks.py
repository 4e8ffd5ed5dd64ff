"""scikit-learn's common checks on every estimator custseg defines, found automatically.

The package is walked module by module; every public class deriving from sklearn's
``BaseEstimator`` is checked, so a new estimator is covered the day it is added.
A check may be listed as an expected failure only with the reason it cannot pass.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import custseg
from custseg.features import RFMSegmenter

#: Modules not walked: the Spark engine needs a JVM and defines no scikit-learn
#: estimator; ``__main__`` starts the command line.
SKIPPED_MODULES = ("custseg.spark", "custseg.__main__")


def custseg_estimators() -> dict[str, type]:
    """Every public estimator class defined in custseg, by qualified name."""
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(custseg.__path__, "custseg."):
        if info.name.startswith(SKIPPED_MODULES):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseEstimator)
                    and obj.__module__ == module.__name__ and not name.startswith("_")):
                found[f"{obj.__module__}.{name}"] = obj
    return found


ESTIMATOR_CLASSES = custseg_estimators()

#: Parameters that keep the checks fast (each check fits many times on tiny data);
#: classes not named here are checked with their defaults.
FAST = {
    "Segmenter": {"algorithms": ("kmeans",), "k": 2, "n_stability": 0, "n_gap_refs": 0,
                  "widen": False, "density_check": False, "n_init": 1},
    "KMeansClusterer": {"n_clusters": 3, "n_init": 2, "random_state": 0},
    "AgglomerativeClusterer": {"n_clusters": 3, "random_state": 0},
    "GMMClusterer": {"n_clusters": 3, "random_state": 0},
    "HDBSCANClusterer": {"min_cluster_size": 5, "random_state": 0},
    "KPrototypesClusterer": {"n_clusters": 3, "random_state": 0},
}

#: Other code paths worth the checks: MiniBatchKMeans, the two-step tree (tiny
#: thresholds so it runs on the checks' data), the covariance type chosen by BIC.
VARIANTS = {
    "KMeansClusterer": [{"n_clusters": 3, "minibatch": True, "random_state": 0}],
    "AgglomerativeClusterer": [{"n_clusters": 3, "linkage": "average", "max_exact": 20,
                                "n_micro": 15, "random_state": 0}],
    "GMMClusterer": [{"n_clusters": 3, "covariance_type": "auto", "random_state": 0}],
}


def _instances() -> list[BaseEstimator]:
    out = []
    for cls in ESTIMATOR_CLASSES.values():
        out.append(cls(**FAST.get(cls.__name__, {})))
        out.extend(cls(**params) for params in VARIANTS.get(cls.__name__, []))
    return out


_RFM_WIDTH = ("RFMSegmenter scores exactly three columns (recency, frequency, monetary); "
              "this check fits it on another number of columns")
#: class name -> {check: why it cannot pass}
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    # scikit-learn's own GaussianMixture refuses init_params="kmeans" under array-API
    # dispatch, so the mixture wrapper inherits that one documented limitation.
    "GMMClusterer": {"check_array_api_input": "sklearn's GaussianMixture does not support "
                                              "init_params='kmeans' with array_api_dispatch"},
    "RFMSegmenter": dict.fromkeys((
        "check_estimators_overwrite_params", "check_estimators_fit_returns_self",
        "check_readonly_memmap_input", "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_dtype_object",
        "check_clustering", "check_fit2d_1sample", "check_fit2d_1feature",
        "check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in",
        "check_array_api_input"),
        _RFM_WIDTH),
}


def _expected_failures(estimator) -> dict[str, str]:
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


def test_every_estimator_is_found():
    names = {cls.__name__ for cls in ESTIMATOR_CLASSES.values()}
    assert {"RFMSegmenter", "Segmenter", "KMeansClusterer", "AgglomerativeClusterer",
            "GMMClusterer", "HDBSCANClusterer", "KPrototypesClusterer",
            "CustomerPreprocessor"} <= names
    # the fast settings and expected failures name only classes that exist
    assert set(FAST) | set(VARIANTS) | set(EXPECTED_FAILURES) <= names


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@parametrize_with_checks(_instances(), expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_rfm_segmenter_scores_missing_values_the_same_from_an_array():
    frame = pd.DataFrame({"recency_days": [1, 300, np.nan, 60, 5],
                          "frequency": [8, 1, 2, np.nan, 1],
                          "monetary": [500.0, 5.0, 40.0, 900.0, np.nan]})
    from_frame = RFMSegmenter().fit(frame).labels_
    from_array = RFMSegmenter().fit(frame.to_numpy()).labels_
    assert from_array.tolist() == from_frame.tolist()
    with pytest.raises(ValueError, match="Input X contains infinity"):
        RFMSegmenter().fit(frame.fillna(np.inf).to_numpy())

"""scikit-learn's common estimator checks on every custom estimator."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from custseg.models import (
    AgglomerativeClusterer,
    GMMClusterer,
    HDBSCANClusterer,
    KMeansClusterer,
)

ESTIMATORS = [
    KMeansClusterer(3, n_init=2, random_state=0),
    KMeansClusterer(3, minibatch=True, random_state=0),
    AgglomerativeClusterer(3, random_state=0),
    # tiny thresholds so the two-step path runs inside the common checks
    AgglomerativeClusterer(3, linkage="average", max_exact=20, n_micro=15, random_state=0),
    GMMClusterer(3, random_state=0),
    GMMClusterer(3, covariance_type="auto", random_state=0),
    HDBSCANClusterer(min_cluster_size=5, random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)

"""scikit-learn's common estimator checks on the Segmenter (small configuration).

No check is skipped or expected to fail. Segment ids are renumbered by
decreasing size, which also keeps labels consecutive when a mixture
component ends up empty (check_clustering requires consecutive labels).
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from custseg.selection import Segmenter


def _expected_failures(estimator):
    # Only the GMM-only Segmenter hits sklearn's GaussianMixture limitation:
    # init_params="kmeans" is refused under array-API dispatch.
    if tuple(estimator.algorithms) == ("gmm",):
        return {"check_array_api_input": "sklearn's GaussianMixture does not support "
                                         "init_params='kmeans' with array_api_dispatch"}
    return {}


@parametrize_with_checks(expected_failed_checks=_expected_failures, estimators=[
    Segmenter(algorithms=("kmeans", "hierarchical"), k=(2, 4), n_stability=2, n_gap_refs=2,
              n_init=1, widen=False, n_threads=1),
    Segmenter(algorithms=("gmm",), k=3, n_stability=0, n_gap_refs=0, n_threads=1),
])
def test_segmenter_sklearn_compatible(estimator, check):
    check(estimator)

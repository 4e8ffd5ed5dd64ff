"""scikit-learn's common estimator checks on the Segmenter (small configuration).

No check is skipped or expected to fail. Segment ids are renumbered by
decreasing size, which also keeps labels consecutive when a mixture
component ends up empty (check_clustering requires consecutive labels).
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from custseg.selection import Segmenter


@parametrize_with_checks([
    Segmenter(algorithms=("kmeans", "hierarchical"), k=(2, 4), n_stability=2, n_gap_refs=2,
              n_init=1, widen=False, n_threads=1),
    Segmenter(algorithms=("gmm",), k=3, n_stability=0, n_gap_refs=0, n_threads=1),
])
def test_segmenter_sklearn_compatible(estimator, check):
    check(estimator)

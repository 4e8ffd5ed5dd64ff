"""Cluster validity metrics usable on their own (internal, stability, external).

>>> from custseg.evaluate import external_scores
>>> external_scores([0, 1], [0, 1])["ari"]
1.0
"""

from custseg.evaluate._external import contingency_table, external_scores
from custseg.evaluate._gap import gap_statistic, pca_box_reference, within_dispersion
from custseg.evaluate._internal import (
    calinski_harabasz,
    davies_bouldin,
    sample_distances,
    silhouette,
    silhouette_from_distances,
    silhouette_samples_sampled,
    silhouettes_from_distances,
)
from custseg.evaluate._stability import StabilityResult, bootstrap_stability, verdict

__all__ = [
    "StabilityResult",
    "bootstrap_stability",
    "calinski_harabasz",
    "contingency_table",
    "davies_bouldin",
    "external_scores",
    "gap_statistic",
    "pca_box_reference",
    "sample_distances",
    "silhouette",
    "silhouette_from_distances",
    "silhouette_samples_sampled",
    "silhouettes_from_distances",
    "verdict",
    "within_dispersion",
]

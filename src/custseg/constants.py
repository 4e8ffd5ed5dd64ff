"""Names and numbers that several packages (and both engines) must agree on.

One definition each; config, the CLI, the model registry, selection and the Spark
engine import them from here. This module imports nothing from custseg, so any
module may use it without an import cycle.

>>> from custseg.constants import ALGORITHMS, LINKAGES, MIXED_METHODS
>>> set(LINKAGES) <= set(ALGORITHMS), MIXED_METHODS[0]
(True, 'auto')
"""

from __future__ import annotations

__all__ = ["ALGORITHMS", "DEFAULT_ALGORITHMS", "DEFAULT_K", "KNOWN_ALGORITHMS", "LINKAGES",
           "MAX_K", "MIXED_METHODS", "TREND_WINDOW_DAYS"]

#: Linkages of the agglomerative clusterer; each is also an algorithm name.
LINKAGES: tuple[str, ...] = ("ward", "average", "complete")

#: Clustering algorithms ``make_model`` builds (names, not CLI families).
ALGORITHMS: tuple[str, ...] = ("kmeans", "minibatch_kmeans", "bisecting_kmeans", *LINKAGES,
                               "gmm", "hdbscan", "kprototypes")

#: Every name ``--algorithms`` accepts: the algorithms, the "hierarchical" family
#: (Ward) and the rule-based "rfm" groups of a transaction log.
KNOWN_ALGORITHMS: tuple[str, ...] = ("kmeans", "minibatch_kmeans", "bisecting_kmeans",
                                     "hierarchical", *LINKAGES, "gmm", "hdbscan",
                                     "kprototypes", "rfm")

#: What a run tries when no algorithm is given.
DEFAULT_ALGORITHMS: tuple[str, ...] = ("kmeans", "hierarchical", "gmm")

#: 2-10 segments by default; the range widens (to at most 12) only when the best k sits at
#: its edge with structure (custseg.selection.WIDEN_MAX)
DEFAULT_K: tuple[int, int] = (2, 10)
MAX_K = 100

#: How mixed numeric + categorical tables are encoded (``--mixed``).
MIXED_METHODS: tuple[str, ...] = ("auto", "onehot", "kprototypes", "famd")

#: The window of the ``trend_90d`` log feature: purchases in the last 90 days against
#: the 90 days before (both engines).
TREND_WINDOW_DAYS = 90

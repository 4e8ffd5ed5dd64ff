"""Automatic choice of segmentation algorithm and number of segments.

The rule (``Segmenter``)
------------------------
1. **Good solutions first.** On a seeded selection sample (default 20,000
   rows) every algorithm is fitted for every k. k-means keeps the better
   (lower inertia) of k-means++ with ``n_init`` restarts and a Lloyd run
   started from the Ward-tree cut at the same k; mixtures start from that
   k-means solution; the hierarchical tree is built once (two-step above
   2,000 rows) and cut at every k. Most published "index X finds k" failures
   are local optima at the true k, not index failures.
2. **Indices.** For each (algorithm, k): silhouette (on a seeded sample of
   ``silhouette_sample`` rows, via one cached float32 distance matrix),
   Calinski-Harabasz, Davies-Bouldin, WB index (k*SSW/SSB, Zhao & Fränti),
   the gap statistic (PCA-box references, shared per k), and for mixtures
   BIC and ICL.
3. **Consensus score.** Each index is turned into percentile ranks over all
   candidate rows (1 = best), and the score is the weighted mean of
   silhouette, CH, DB (weight 1 each), WB (weight 2: the most often exact
   index on its own; silhouette and DB merge a small segment lying close to a
   large one) and "ICL of the mixture at this k" (weight 2; only when a
   mixture was scanned and ICL's own optimum lies at least 3 below the top of
   the range: a mixture whose ICL still improves at the edge is splitting
   non-Gaussian data and says nothing about k), and the gap statistic as a vote
   (weight 1: minus the distance of k from the k that Tibshirani's 1-SE rule picks
   on the k-means gap curve, the same for every algorithm at that k; it pulls
   away from the coarsest split under
   overlap and from runaway k on low-dimensional shapes, bench/quality_k.py).
   Highest score wins (ties: smaller k).
   **Eligibility.** A candidate with an empty segment (a mixture leaving a
   component empty, k-means on fewer distinct rows than k) or with a segment
   below ``min_segment_share`` of the rows (default 2%) or below
   ``min_segment_customers`` customers (default 10; binds under 500 rows) is
   not chosen, unless no candidate qualifies (the reason then says so).
   Steps 3-6 are pure functions over the candidates table
   (:mod:`custseg.selection.decide`), which the Spark engine calls as well.
4. **Stability guard.** The top three eligible rows and each algorithm's best
   eligible row are refitted on ``n_stability`` bootstrap samples
   (clusterboot-style Jaccard and mean ARI). A winner with mean ARI < 0.5 is
   replaced by a candidate scoring within 0.05 that is stable (>= 0.75).
5. **Widening.** With a (low, high) range, when the best eligible row sits at
   ``high`` with a silhouette >= 0.25, the range is extended once to
   ``min(2 * high, 12)`` (``WIDEN_MAX``) and the rule re-run; never past 12
   unless the user's range says so.
6. **No-structure check.** ``structure_found`` requires the gap gain
   ``gap(k) - gap(1)`` to exceed max(0.1, its standard error) and a
   silhouette >= 0.25 (Kaufman & Rousseeuw). Measured gains: <= 0.03 on
   uniform and single-gaussian data in 2-12 dims, >= 0.26 on every clustered
   benchmark tried (Fränti s3/s4/unbalance, uci wine/glass/yeast/ecoli,
   synthetic customer tables). Otherwise confidence is "low" and the reason
   says the segments are not well supported.
   Confidence "high" needs silhouette >= 0.5, stability >= 0.85 and at least
   three indices peaking at the chosen k, and none of: a fired density check,
   a segment below the minimum share, fewer segments written than fitted;
   otherwise "medium". Degenerate segments (step 8) are always "low".
7. **Density check** (reported, never changes k; skipped for hdbscan and
   k < 4). HDBSCAN runs on a seeded sample of 5,000 rows (2,000 above 20
   columns); when between 2 and k/2 of its groups hold segments, at most 5%
   of the rows are noise, and every segment has >= 90% of its non-noise rows
   in one group, the reason names the segments of each group (slices of
   non-convex shapes, or groups split by one binary-like feature) and a
   "high" confidence becomes "medium". See :mod:`custseg.selection._density`.
8. **Degenerate check.** When ``fit`` gets the discrete feature columns
   (``discrete=``), the segments are tested for being the cells of a cross-tab
   of one to three of them (>= 95% of the rows in their segment's combination,
   a different combination per segment); and the silhouette is recomputed
   once per distinct row to see whether it comes from tied values. Either
   caps confidence at "low" and the reason says it in plain words;
   ``custseg run`` then retries with those columns down-weighted and keeps
   that solution when it is not degenerate. See
   :mod:`custseg.selection._degenerate`.

The stated k is always the number of segments written (non-empty), and the
reason is rendered from the result record (``SelectionResult.refresh``).
Library warnings raised during a fit (e.g. ConvergenceWarning) are counted in
``selection_.evidence["library_warnings"]``, never printed.

Evidence (bench/quality_k.py; 2 shared cores, see the report for numbers):
on the ten Fränti sets scanned over k = 2..60 with k-means candidates, the
rule found the exact k on 10/10 (median ARI 0.967), while single indices on
plain ``KMeans(n_init="auto")`` fits in the same run found 5/10
(silhouette-max), 5/10 (CH-max) and 1/10 (elbow, kneedle). On 30 synthetic customer-like
tables (k = 3..12, 3 seeds) the mixture ICL alone was exact on 30/30 and the
geometric indices on about 20/30; adding ICL-at-k to the consensus raised
the rule from 22/30 to 26/30. On 30 whole runs on ``make_customers`` tables
(bench/quality_customers.py) plain ICL-at-k hurt (22/30: its optimum sat at
the top of the range in 27 of 30 runs); the edge guard with weight 2 gives
26/30 there and 27/30 on the blob tables (replayed on the same score tables).
Alone on the k-means rows of 157 tables (Fränti, fcps, uci, blobs, 100
make_customers runs) WB was exact on 131, CH 128, silhouette 121, DB 116;
every miss of the equal-weight rule on make_customers merged a small segment
into a close large one (silhouette, DB and often CH prefer the merge, while
k-means at the true k recovers it with ARI 0.997). WB weight 2 raised seeds
0-9 from 91/100 to 95/100 with Fränti (10/10), blobs (27/30) and the fcps/uci
hits unchanged; chosen before looking at seeds 10-14, it was exact there on
48/50 (the equal-weight rule: 47/50).

>>> from sklearn.datasets import make_blobs
>>> X, _ = make_blobs(500, centers=3, random_state=0)
>>> Segmenter(algorithms=("kmeans",), k=(2, 5), n_stability=2, n_gap_refs=2).fit(X).n_clusters_
3
"""

from custseg.selection._degenerate import cell_check, discrete_columns, tie_check
from custseg.selection._kgrid import WIDEN_MAX, parse_k
from custseg.selection._result import SelectionResult
from custseg.selection._rule import INDEX_WEIGHTS, consensus_score, rank_candidates
from custseg.selection._segmenter import Segmenter
from custseg.selection._threads import limit_threads, threads_in_use
from custseg.selection._warnings import capture_warnings, summarize_warnings

__all__ = [
    "INDEX_WEIGHTS",
    "WIDEN_MAX",
    "Segmenter",
    "SelectionResult",
    "capture_warnings",
    "cell_check",
    "consensus_score",
    "discrete_columns",
    "limit_threads",
    "parse_k",
    "rank_candidates",
    "summarize_warnings",
    "threads_in_use",
    "tie_check",
]

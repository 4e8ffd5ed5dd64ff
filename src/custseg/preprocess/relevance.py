"""Which columns carry segment structure, and which duplicate each other.

Both work on a row sample, so their cost does not grow with the table.

*Segment-structure score* of a column: cluster the sample provisionally with
k-means on all the *other* columns, for several k, and measure the share of
the column's variance that these provisional segments explain (the
correlation ratio, eta squared). A column that segments differ on scores
high; pure noise scores near 0, because no grouping of customers moves its
average. The provisional clusterings are repeated without the weakest
columns (they blur them), so the scores come from the structure the other
columns agree on.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> groups = rng.integers(0, 3, 600)
>>> Z = np.c_[groups * 3 + rng.normal(size=600), groups * 3 + rng.normal(size=600),
...           rng.normal(size=600)]
>>> scores = segment_structure_scores(Z, [(0, 1), (1, 2), (2, 3)], random_state=0)
>>> [bool(s > 0.5) for s in scores]
[True, True, False]
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from custseg._parallel import parallel_map

#: rows the provisional clusterings use. A structureless column's eta squared over k
#: groups is about (k - 1) / rows: 0.0035 at k=8 on 2,000 rows, far below the 0.05
#: threshold, while the 144 small k-means fits of a 20-column table take 2.5x less time
#: than on 5,000 rows (cc_general: same decisions; its whole preprocessing 24 s -> 18 s
#: at load 14 on this 2-core machine).
SCORE_ROWS = 2000


def segment_structure_scores(
    Z: np.ndarray,
    slices: list[tuple[int, int]],
    *,
    ks: tuple[int, ...] = (2, 3, 5, 8),
    threshold: float = 0.05,
    protected: list[int] | None = None,
    random_state=None,
) -> np.ndarray:
    """Segment-structure score (0..1) of each block of columns of ``Z``.

    Parameters
    ----------
    Z : a row sample of the preprocessed matrix (standardised columns).
    slices : (start, stop) column range of each input column's block.
    ks : numbers of provisional segments; a block's score is its best eta
        squared over them (some structure shows only at a larger k).
    threshold : blocks below it are left out of the second, refined round.
    protected : blocks always used in the provisional clusterings.
    random_state : seed of the provisional k-means runs.
    """
    rng = check_random_state(random_state)
    if Z.shape[0] > SCORE_ROWS:  # eta squared is precise long before 5,000 rows
        Z = Z[np.sort(rng.choice(Z.shape[0], SCORE_ROWS, replace=False))]
    active = np.ones(len(slices), dtype=bool)
    # one thread: many tiny k-means runs are slower with OpenMP contention
    with threadpool_limits(limits=1):
        scores = _scores(Z, slices, active, ks, rng)
        # second round without the weakest blocks: noise blurs the provisional segments
        weak = scores < threshold
        for i in protected or []:
            weak[i] = False
        if weak.any() and (~weak).sum() >= 2:
            scores = _scores(Z, slices, ~weak, ks, rng)
    return scores


def _scores(Z, slices, active, ks, rng) -> np.ndarray:
    """Best eta squared of each block under segments found *without* that block.

    Leaving the block out matters: k-means with more segments than the data
    has will happily split along a noise column, which then "explains" itself.
    """
    total = ((Z - Z.mean(axis=0)) ** 2).sum(axis=0)
    jobs, owners = [], []
    for i, (a, b) in enumerate(slices):
        others = [np.arange(c, d) for j, ((c, d), on) in enumerate(zip(slices, active,
                                                                      strict=True))
                  if on and j != i]
        tot = total[a:b].sum()
        if not others or tot <= 0:
            continue
        # seeds drawn here in block order: the scores do not depend on where a block ran
        seeded = [(k, rng.randint(2**31 - 1)) for k in ks if k < Z.shape[0]]
        jobs.append((Z, np.concatenate(others), (a, b), float(tot), seeded))
        owners.append(i)
    best = np.zeros(len(slices))
    # the blocks are independent: a helper process takes some when a core is free
    for i, score in zip(owners, parallel_map(_block_score, jobs), strict=True):
        best[i] = score
    return best


def _block_score(Z: np.ndarray, others: np.ndarray, block: tuple[int, int], total: float,
                 seeded: list[tuple[int, int]]) -> float:
    """Best eta squared of the columns ``block`` (start, stop) of ``Z`` over provisional
    k-means segments of the columns ``others``."""
    X = Z[:, others]
    best = 0.0
    for k, seed in seeded:
        labels = KMeans(k, n_init=1, random_state=seed).fit_predict(X)
        best = max(best, 1 - _within_ss(Z[:, block[0]:block[1]], labels, k).sum() / total)
    return best


def _within_ss(Z: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    sums = np.zeros((k, Z.shape[1]))
    np.add.at(sums, labels, Z)
    means = sums / np.maximum(counts, 1)[:, None]
    return ((Z - means[labels]) ** 2).sum(axis=0)


def near_duplicates(
    V: np.ndarray, threshold: float = 0.95
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, r)`` of columns of ``V`` with ``|r| > threshold`` (i < j).

    Example
    -------
    >>> import numpy as np
    >>> x = np.arange(50.0)
    >>> near_duplicates(np.c_[x, 2 * x + 1, np.sin(x)])
    [(0, 1, 1.0)]
    """
    sd = V.std(axis=0)
    ok = sd > 0
    R = np.zeros((V.shape[1], V.shape[1]))
    if ok.sum() >= 2:
        R[np.ix_(ok, ok)] = np.corrcoef(V[:, ok], rowvar=False)
    pairs = []
    for i in range(V.shape[1]):
        for j in range(i + 1, V.shape[1]):
            if abs(R[i, j]) > threshold:
                pairs.append((i, j, round(float(R[i, j]), 4)))
    return pairs


def correlation_ratio(values: np.ndarray, levels: np.ndarray) -> float:
    """Share of the variance of ``values`` explained by the groups in ``levels`` (eta squared).

    Pooled over the columns of ``values``: 1 means the columns are fixed within every
    group (e.g. coordinates given a city), 0 means the groups say nothing about them.

    Example
    -------
    >>> import numpy as np
    >>> city = np.array([0, 0, 1, 1, 2, 2])
    >>> coords = np.array([[38.7], [38.8], [41.1], [41.2], [48.8], [48.9]])
    >>> round(correlation_ratio(coords, city), 4)
    0.9999
    >>> round(correlation_ratio(np.array([[1.0], [2.0], [1.0], [2.0], [1.0], [2.0]]), city), 3)
    0.0
    """
    V = np.asarray(values, dtype=np.float64)
    V = V.reshape(len(V), -1)
    total = ((V - V.mean(axis=0)) ** 2).sum()
    if total <= 0:
        return 0.0
    _, codes = np.unique(levels, return_inverse=True)
    return float(1.0 - _within_ss(V, codes, int(codes.max()) + 1).sum() / total)


#: at most this share of the usable features (after near-duplicates) is dropped on the
#: segment-structure score alone. Measured before this cap on whole default runs: the screen
#: dropped 8 of 20 usable features of BankChurners (age, education, marital status among
#: them), 8 of 29 of marketing_campaign and 7 of 18 on make_customers (all noise there);
#: on a bank marketing table it kept only campaign month and call data. A third keeps the
#: screen's job on the generator (its 6-7 structureless columns of 17-18 are dropped or
#: down-weighted) while a real table keeps two thirds of what it describes.
MAX_DROP_SHARE = 1 / 3
#: the screen never leaves fewer features than this (all of them when there are fewer)
MIN_FEATURES = 4
#: a column below the threshold that a rule keeps is down-weighted to this block weight,
#: so it still describes the segments but barely pulls on the distances. A structureless
#: binary at weight 0.5 still splits every segment in two: Mall_Customers (whose 4
#: features are all kept by the floor) gave 12 segments with Gender at 0.5, 7 at 0.25 and
#: 6 at 0.1 (the 6 found when Gender was dropped) and 7 at 0.05; on make_customers
#: (gender kept by the one-third cap) bench/quality_customers.py found the exact k on
#: 46/50 runs at 0.1 (gender split a segment twice) and 47/50 at 0.05, as before the cap.
LOW_RELEVANCE_WEIGHT = 0.05
#: the behavioural core of a transaction log (custseg.features): never dropped on relevance
BEHAVIOURAL_CORE = ("recency_days", "frequency", "monetary", "tenure_days")


def relevance_plan(scores, *, threshold: float, discrete, protected: dict[int, str] | None = None,
                   last=(), max_drop_share: float = MAX_DROP_SHARE,
                   min_features: int = MIN_FEATURES) -> dict[int, str]:
    """Which low-scoring features to drop and which to keep down-weighted, and why.

    ``scores`` are the segment-structure scores of the usable features; every
    feature below ``threshold`` is a candidate to drop, lowest first, but:

    * ``protected`` features (index -> why: asked for by the user, the
      behavioural core of a log, the one column left of a near-duplicate
      pair) are never dropped;
    * ``last`` features (demographics, what a marketer targets) go only after
      every other candidate, and within each group ``discrete`` features go
      before continuous ones (then the lowest score first);
    * at most ``max_drop_share`` of the features are dropped, and at least
      ``min_features`` remain (all of them when there are fewer);
    * when only ``discrete`` features (categories, a few levels) would remain
      while continuous ones exist, no continuous feature is dropped: segments
      on a few discrete columns are only the cells of a cross-tab.

    Returns ``{index: "drop" or why it is kept}`` for every feature below the
    threshold (features above it are absent: they are kept as they are).

    Example
    -------
    >>> plan = relevance_plan([0.9, 0.01, 0.02, 0.8, 0.6, 0.003], threshold=0.05,
    ...                       discrete=[False] * 6)
    >>> plan[5], plan[1], plan[2]
    ('drop', 'drop', 'at most a third of the features are dropped for weak segment structure')
    """
    n = len(scores)
    protected = dict(protected or {})
    low = [i for i in sorted(range(n), key=lambda i: scores[i]) if scores[i] < threshold]
    by_share = int(max_drop_share * n + 1e-9)
    by_floor = max(n - min_features, 0)
    budget = min(by_share, by_floor)
    why_budget = ("at most a third of the features are dropped for weak segment structure"
                  if by_share <= by_floor else
                  f"the screen leaves at least {min(min_features, n)} features")
    # demographics last, and within each group discrete columns before continuous ones:
    # a few discrete columns left alone only yield the cells of a cross-tab
    order = sorted((i for i in low if i not in protected),
                   key=lambda i: (i in last, not discrete[i], scores[i]))
    plan: dict[int, str] = dict.fromkeys(order, "drop")
    dropped = order[:budget]
    for i in order[budget:]:
        plan[i] = why_budget
    left = [i for i in range(n) if i not in dropped]
    if any(not discrete[i] for i in range(n)) and all(discrete[i] for i in left):
        for i in dropped:
            if not discrete[i]:
                plan[i] = ("otherwise only discrete columns would remain, and segments on "
                           "them are just the cells of a cross-tab")
    for i in low:
        if i in protected:
            plan[i] = protected[i]
    return plan

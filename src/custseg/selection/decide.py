"""The choice of algorithm and k as pure functions over a candidates table.

Both engines call these functions: the local :class:`~custseg.selection.Segmenter`
and the Spark scan (:mod:`custseg.spark.scan`) each build one candidates table
(one row per algorithm and k) and hand it here, so they choose by the same rule
and explain the choice with the same sentences.

The table has the columns ``algorithm``, ``k``, ``silhouette``,
``calinski_harabasz``, ``davies_bouldin``, ``wb_index``, ``n_found`` (segments
that received rows) and ``min_share`` (smallest segment's share of the rows);
optionally ``gap``/``gap_se``, ``bic``, ``icl``, ``covariance_type`` and
``stability`` (mean ARI over refits; NaN where not computed). Missing optional
columns are added as NaN.

Steps, in the order an engine calls them:

1. :func:`rank` - consensus score and rank (:mod:`custseg.selection._rule`) and
   ``eligible``: every segment non-empty, at least ``min_segment_share`` of the
   rows and at least ``min_segment_customers`` customers.
2. :func:`widen_to` - whether to scan larger k (best eligible k at the upper
   edge with structure).
3. :func:`stability_targets` - rows whose stability the engine measures.
4. :func:`choose` - best eligible row, with the stability guard; close k values
   and the runner-up.
5. :func:`judge` - after the final fit: structure, confidence and the reason,
   as a :class:`~custseg.selection.SelectionResult`.

Example
-------
>>> import pandas as pd
>>> rows = [{"algorithm": "kmeans", "k": k, "silhouette": s, "calinski_harabasz": ch,
...          "davies_bouldin": db, "wb_index": wb, "n_found": k, "min_share": 0.2}
...         for k, s, ch, db, wb in [(2, 0.5, 300.0, 0.8, 2.0), (3, 0.7, 900.0, 0.5, 0.6),
...                                  (4, 0.6, 800.0, 0.6, 0.9)]]
>>> options = DecideOptions(n_rows=500)
>>> decision = choose(rank(pd.DataFrame(rows), options), options)
>>> decision.algorithm, decision.k
('kmeans', 3)
>>> result = judge(decision)
>>> result.k, result.confidence, result.reason.startswith("Chose kmeans with k=3")
(3, 'high', True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from custseg.selection._kgrid import WIDEN_MAX
from custseg.selection._result import SelectionResult
from custseg.selection._rule import (
    CLOSE_SCORE,
    SIL_NO_STRUCTURE,
    STABILITY_STABLE,
    STABILITY_UNSTABLE,
    rank_candidates,
)

#: Default smallest segment share that the choice of k respects (``--min-segment-share``).
MIN_SEGMENT_SHARE = 0.02

#: Smallest segment, in customers, that the choice of k respects, whatever the share.
#: A segment must be big enough to act on and to profile: the mean of 10 customers has
#: a standard error of about a third of a standard deviation, so a profile difference
#: of one standard deviation is just visible; below that a "segment" is a handful of
#: anecdotes. It binds only under 500 customers (above, 2 % is already >= 10), i.e. on
#: three shared tables: Mall (200) and Wholesale (440) keep their choice (k=7, smallest
#: segment 20; k=2, smallest 184); on the 92-customer sample_sales log 2 % allowed
#: kmeans k=7 with a segment of 2 customers (stability 0.36), and 21 of 27 candidates
#: had a segment under 10: now kmeans k=2 (smallest 31, stability 0.75), confidence
#: low both times (whole default runs, before/after of issue #16).
MIN_SEGMENT_CUSTOMERS = 10

#: Columns a candidates table may lack (filled with NaN / None).
OPTIONAL = {"gap": np.nan, "gap_se": np.nan, "bic": np.nan, "icl": np.nan,
            "covariance_type": None, "stability": np.nan, "stability_min_jaccard": np.nan}


@dataclass(frozen=True)
class DecideOptions:
    """What the choice must respect.

    ``n_rows``: customers the chosen segments will hold (segment counts are
    estimated as ``min_share * n_rows``); None disables the customer-count floor.
    ``fixed_k``: the user fixed k (the reason says so when the floors could not
    be met at that k).
    """

    min_segment_share: float = MIN_SEGMENT_SHARE
    min_segment_customers: int = MIN_SEGMENT_CUSTOMERS
    n_rows: int | None = None
    fixed_k: bool = False

    def floor_count(self) -> int:
        """Smallest segment (customers) allowed by both floors; 0 without ``n_rows``."""
        if self.n_rows is None:
            return 0
        return max(int(self.min_segment_customers),
                   math.ceil(self.min_segment_share * self.n_rows - 1e-9))

    def count_binds(self) -> bool:
        """True when the customer-count floor is stricter than the share floor."""
        return (self.n_rows is not None and self.min_segment_customers >
                math.ceil(self.min_segment_share * self.n_rows - 1e-9))


@dataclass
class Decision:
    """The choice of one algorithm and k, and what it rests on.

    Filled in two steps: :func:`choose` sets the choice (``algorithm``, ``k``,
    ``row``, ``guard_note``, ``runner_up``, ``close_k``, ``index_votes``,
    ``eligibility``); :func:`judge` adds ``structure_found``, ``confidence``,
    ``confidence_reasons`` and ``reason_parts`` and returns the
    :class:`SelectionResult` both engines report.
    """

    algorithm: str
    k: int
    row: dict[str, Any]
    table: pd.DataFrame
    options: DecideOptions
    guard_note: str | None = None
    runner_up: dict[str, Any] | None = None
    close_k: list[dict[str, Any]] = field(default_factory=list)
    disagreeing: dict[str, int] = field(default_factory=dict)
    eligibility: dict[str, Any] = field(default_factory=dict)
    structure_found: bool = False
    confidence: str = "low"
    confidence_reasons: list[str] = field(default_factory=list)
    reason_parts: list[str] = field(default_factory=list)
    result: SelectionResult | None = None


def _complete(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for col, default in OPTIONAL.items():
        if col not in out:
            out[col] = default
    return out


def rank(table: pd.DataFrame, options: DecideOptions) -> pd.DataFrame:
    """Add ``score``, ``rank`` (1 = best score) and ``eligible`` to a candidates table.

    Eligible: every segment received rows (hdbscan, which finds its own k, is
    exempt), the smallest holds at least ``min_segment_share`` of the rows and
    at least ``min_segment_customers`` customers.

    >>> t = pd.DataFrame({"algorithm": ["kmeans"] * 2, "k": [2, 3], "silhouette": [.6, .5],
    ...                   "calinski_harabasz": [10.0, 9.0], "davies_bouldin": [.5, .6],
    ...                   "wb_index": [1.0, 2.0], "n_found": [2, 3], "min_share": [.3, .05]})
    >>> rank(t, DecideOptions(n_rows=100))["eligible"].tolist()  # 5 customers < 10
    [True, False]
    """
    out = rank_candidates(_complete(table))
    full = (out["n_found"] >= out["k"]) | (out["algorithm"] == "hdbscan")
    share_ok = out["min_share"] >= options.min_segment_share - 1e-12
    out["eligible"] = full & share_ok
    if options.n_rows is not None:
        count = out["min_share"] * options.n_rows
        out["too_few_customers"] = full & share_ok & (
            count < options.min_segment_customers - 1e-6)
        out["eligible"] &= ~out["too_few_customers"]
    else:
        out["too_few_customers"] = False
    return out


def best(table: pd.DataFrame) -> pd.Series:
    """Best-ranked eligible row (the best-ranked row when none is eligible)."""
    ordered = table.sort_values("rank")
    pool = ordered[ordered["eligible"]]
    return (pool if len(pool) else ordered).iloc[0]


def widen_to(table: pd.DataFrame, ks: list[int], n_rows: int) -> int | None:
    """Upper k of a wider scan, or None.

    Only with evidence: the best eligible k sits at the top of ``ks`` with a
    silhouette showing structure; never past ``WIDEN_MAX`` (k ran away to 17-22
    on ordinary real tables before) nor ``n_rows - 1``.
    """
    top = best(table)
    new_hi = min(2 * max(ks), WIDEN_MAX, n_rows - 1)
    if int(top["k"]) == max(ks) and new_hi > max(ks) and np.isfinite(top["silhouette"]) \
            and top["silhouette"] >= SIL_NO_STRUCTURE:
        return int(new_hi)
    return None


def stability_targets(table: pd.DataFrame) -> list[Any]:
    """Index labels of the rows to measure stability on, best first.

    The top three eligible rows and each algorithm's best eligible row (all rows
    when none is eligible): the rows the guard of :func:`choose` can pick.
    """
    pool = table[table["eligible"]] if table["eligible"].any() else table
    top = set(pool.nsmallest(3, "rank").index)
    for algo in pool["algorithm"].unique():
        top.add(pool.loc[pool["algorithm"] == algo, "rank"].idxmin())
    return sorted(top, key=lambda i: table.loc[i, "rank"])


def _index_votes(table: pd.DataFrame, algorithm: str) -> dict[str, int]:
    from custseg.selection._rule import index_votes

    return index_votes(table, algorithm)


def choose(table: pd.DataFrame, options: DecideOptions) -> Decision:
    """Best eligible row wins unless it is unstable and a close, stable one exists.

    Unstable: mean ARI below ``STABILITY_UNSTABLE``; it is then replaced by the
    best row scoring within ``CLOSE_SCORE`` whose mean ARI is at least
    ``STABILITY_STABLE``. Also records the runner-up (best other eligible row),
    the other k values scoring within ``CLOSE_SCORE`` of the winner and the
    indices that prefer another k.
    """
    ordered = table.sort_values("rank")
    pool = ordered[ordered["eligible"]] if ordered["eligible"].any() else ordered
    winner = pool.iloc[0]
    note = None
    if pd.notna(winner["stability"]) and winner["stability"] < STABILITY_UNSTABLE:
        close = pool[(pool["stability"] >= STABILITY_STABLE)
                     & (pool["score"] >= winner["score"] - CLOSE_SCORE)]
        if len(close):
            note = (f"{winner['algorithm']} k={int(winner['k'])} scored best but was "
                    f"unstable under resampling (mean ARI {winner['stability']:.2f}), so "
                    f"the close, stable {close.iloc[0]['algorithm']} "
                    f"k={int(close.iloc[0]['k'])} was taken instead.")
            winner = close.iloc[0]
    algo, k = str(winner["algorithm"]), int(winner["k"])
    row = winner.to_dict()
    row["guard_note"] = note
    others = pool[~((pool["algorithm"] == algo) & (pool["k"] == k))]
    runner = None
    if len(others):
        other = others.iloc[0]
        runner = {"algorithm": str(other["algorithm"]), "k": int(other["k"]),
                  "score": float(other["score"])}
    close_k = []
    near = others[(others["k"] != k) & (others["score"] >= float(winner["score"]) - CLOSE_SCORE)]
    for kk, sub in near.groupby("k", sort=True):
        top = sub.iloc[0]
        close_k.append({"k": int(kk), "algorithm": str(top["algorithm"]),
                        "score": float(top["score"])})
    votes = _index_votes(table, algo)
    disagreeing = {name: kv for name, kv in votes.items() if kv != k}
    excluded_count = int(table["too_few_customers"].sum()) if "too_few_customers" in table \
        else 0
    eligibility = {"threshold": float(options.min_segment_share),
                   "min_customers": int(options.min_segment_customers),
                   "n_rows": options.n_rows,
                   "count_binds": options.count_binds(),
                   "excluded": int((~table["eligible"]).sum()),
                   "excluded_by_count": excluded_count,
                   "none_eligible": bool(not table["eligible"].any()),
                   "fixed_k": bool(options.fixed_k)}
    return Decision(algorithm=algo, k=k, row=row, table=table, options=options,
                    guard_note=note, runner_up=runner, close_k=close_k,
                    disagreeing=disagreeing, eligibility=eligibility)


def judge(decision: Decision, *, gap1: tuple[float, float] | None = None,
          widened: dict | None = None, gen_notes: dict | None = None,
          density: dict | None = None, degenerate: dict | None = None,
          sizes: list[int] | None = None, runner_sizes: list[int] | None = None,
          library_warnings: list[str] | None = None) -> SelectionResult:
    """Structure, confidence and reason of a decision after the final fit.

    ``sizes``: customers per written segment of the final fit (k stated = the
    non-empty ones); ``runner_sizes``: segment sizes of the runner-up partition
    (on the rows it was scanned on), reported so a reader can compare.
    """
    from custseg.selection._explain import build_result, reason_parts

    written = [int(s) for s in (sizes or []) if s > 0]
    k_written = len(written) if sizes is not None else None
    share = dict(decision.eligibility)
    # shares of all customers (noise of density methods counts in no segment)
    n_total = decision.options.n_rows or sum(written)
    share["chosen"] = round(min(written) / n_total, 4) if written and n_total else (
        None if sizes is not None else round(float(decision.row["min_share"]), 4))
    share["chosen_count"] = min(written) if written else (
        None if sizes is not None or decision.options.n_rows is None
        else round(decision.row["min_share"] * decision.options.n_rows))
    result = build_result(decision.table, decision.row, gap1=gap1, widened=widened,
                          gen_notes=gen_notes or {}, density=density, min_share=share,
                          degenerate=degenerate, k_written=k_written,
                          library_warnings=library_warnings)
    ev = result.evidence
    if ev.get("runner_up") is not None and runner_sizes is not None:
        counts = sorted((int(s) for s in runner_sizes if s > 0), reverse=True)
        total = sum(counts)
        ev["runner_up"]["sizes"] = counts
        ev["runner_up"]["shares"] = [round(c / total, 4) for c in counts] if total else []
    ev["close_k"] = list(decision.close_k)
    ev["disagreeing_indices"] = dict(decision.disagreeing)
    result.refresh()
    decision.structure_found = result.structure_found
    decision.confidence = result.confidence
    decision.confidence_reasons = list(ev.get("confidence_capped_by") or [])
    decision.reason_parts = reason_parts(result)
    return result


def decide(table: pd.DataFrame, options: DecideOptions, **facts: Any) -> Decision:
    """:func:`rank`, :func:`choose` and :func:`judge` in one call (no widening).

    For an engine that measured everything up front; ``facts`` go to :func:`judge`.
    The :class:`SelectionResult` is in ``decision.result``.

    >>> rows = [{"algorithm": "kmeans", "k": k, "silhouette": 0.1, "calinski_harabasz": 5.0,
    ...          "davies_bouldin": 2.0, "wb_index": 5.0, "n_found": k, "min_share": 0.3}
    ...         for k in (2, 3)]
    >>> d = decide(pd.DataFrame(rows), DecideOptions())
    >>> d.k, d.structure_found, d.confidence
    (2, False, 'low')
    """
    decision = choose(rank(table, options), options)
    decision.result = judge(decision, **facts)
    return decision

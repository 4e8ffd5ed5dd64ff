"""The selection rule as pure functions (custseg.selection.decide), on hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custseg.selection._explain import confidence_of
from custseg.selection.decide import (
    MIN_SEGMENT_CUSTOMERS,
    MIN_SEGMENT_SHARE,
    DecideOptions,
    choose,
    decide,
    judge,
    rank,
    stability_targets,
    widen_to,
)


def row(k: int, sil: float, ch: float, db: float, wb: float, *, algorithm: str = "kmeans",
        share: float = 0.2, **extra) -> dict:
    return {"algorithm": algorithm, "k": k, "silhouette": sil, "calinski_harabasz": ch,
            "davies_bouldin": db, "wb_index": wb, "n_found": k, "min_share": share, **extra}


def padded(rows: list[dict], n: int = 50) -> pd.DataFrame:
    """``rows`` plus ``n`` clearly worse rows of another algorithm.

    The consensus score is a mean of percentile ranks, so two rows are "close" (within
    0.05) only among many candidates, as in a real scan (3 algorithms x 9 k).
    """
    worse = [row(k, 0.05, 5.0, 5.0, 50.0, algorithm="ward") for k in range(2, n + 2)]
    return pd.DataFrame(rows + worse)


def clear_three() -> pd.DataFrame:
    """k=3 best on every index; k=4 second."""
    return pd.DataFrame([row(2, 0.50, 300.0, 0.80, 2.0), row(3, 0.72, 900.0, 0.45, 0.5),
                         row(4, 0.66, 850.0, 0.55, 0.7), row(5, 0.55, 700.0, 0.70, 0.9)])


def test_defaults_are_the_documented_floors():
    assert MIN_SEGMENT_SHARE == 0.02 and MIN_SEGMENT_CUSTOMERS == 10
    assert DecideOptions(n_rows=92).floor_count() == 10  # 2 % of 92 would allow 2
    assert DecideOptions(n_rows=92).count_binds()
    assert DecideOptions(n_rows=5000).floor_count() == 100
    assert not DecideOptions(n_rows=5000).count_binds()


def test_clear_winner_gets_high_confidence_and_every_index_agrees():
    decision = decide(clear_three(), DecideOptions(n_rows=1000))
    assert (decision.algorithm, decision.k) == ("kmeans", 3)
    assert decision.confidence == "high" and decision.structure_found
    assert decision.result is not None and decision.result.k == 3
    assert decision.reason_parts[0].startswith("Chose kmeans with k=3")
    assert " ".join(decision.reason_parts) == decision.result.reason
    assert decision.runner_up == {"algorithm": "kmeans", "k": 4,
                                  "score": pytest.approx(decision.runner_up["score"])}
    assert decision.disagreeing == {}


def test_row_order_does_not_change_the_choice():
    table = clear_three()
    a = decide(table, DecideOptions(n_rows=1000))
    b = decide(table.iloc[::-1].reset_index(drop=True), DecideOptions(n_rows=1000))
    assert (a.algorithm, a.k, a.confidence) == (b.algorithm, b.k, b.confidence)
    assert a.result.reason == b.result.reason


def test_share_floor_excludes_and_the_reason_counts_it():
    table = clear_three()
    table.loc[table["k"] == 3, "min_share"] = 0.01  # k=3 has a 1 % segment
    decision = decide(table, DecideOptions(n_rows=10_000))
    assert decision.k == 4
    assert "1 candidates with a segment below 2% of the customers (min_segment_share)" in \
        decision.result.reason


def test_customer_count_floor_binds_on_a_small_table_and_is_stated():
    # 92 customers: k=3's smallest segment is 2.2 % = 2 customers, above the 2 % floor
    table = clear_three()
    table.loc[table["k"] == 3, "min_share"] = 2 / 92
    ranked = rank(table, DecideOptions(n_rows=92))
    assert ranked.loc[ranked["k"] == 3, "too_few_customers"].item()
    decision = decide(table, DecideOptions(n_rows=92))
    assert decision.k == 4
    assert decision.eligibility["excluded_by_count"] == 1
    assert ("1 candidates with a segment of fewer than 10 customers (too small to act on or "
            "profile, though not below 2% on 92 customers) were not eligible.") in \
        decision.result.reason
    # with the floor off, the 2-customer segment wins again
    off = decide(table, DecideOptions(n_rows=92, min_segment_customers=0))
    assert off.k == 3 and "fewer than" not in off.result.reason


def test_nothing_eligible_keeps_the_best_says_so_and_is_not_high():
    table = clear_three().assign(min_share=0.03)  # 3 customers of 100 at every k
    decision = choose(rank(table, DecideOptions(n_rows=100)), DecideOptions(n_rows=100))
    assert decision.eligibility["none_eligible"] and decision.k == 3
    result = judge(decision, sizes=[60, 37, 3])
    assert result.confidence == "medium" and "tiny segment" in decision.confidence_reasons
    assert "Every candidate had a segment below the minimum segment share of 2% or below " \
           "10 customers, so the best-scoring one was kept; its smallest segment holds " \
           "3.0% of the customers (3 customers)." in result.reason
    assert "The smallest segment holds only 3 customers (below the minimum of 10)" in \
        result.reason


def test_fixed_k_names_the_user():
    table = pd.DataFrame([row(3, 0.6, 900.0, 0.5, 0.5, share=0.01),
                          row(3, 0.5, 800.0, 0.6, 0.6, algorithm="gmm", share=0.01)])
    decision = decide(table, DecideOptions(n_rows=1000, fixed_k=True))
    assert decision.result.reason.count("At the k set by the user every candidate had a "
                                        "segment below") == 1


def test_unstable_winner_is_swapped_for_a_close_stable_one():
    table = clear_three()
    table["stability"] = [np.nan, 0.3, 0.9, np.nan]
    ranked = rank(table, DecideOptions(n_rows=1000))
    gap = float(ranked.loc[ranked["k"] == 3, "score"].item()
                - ranked.loc[ranked["k"] == 4, "score"].item())
    decision = choose(ranked, DecideOptions(n_rows=1000))
    if gap <= 0.05:
        assert decision.k == 4 and "unstable under resampling" in decision.guard_note
    else:  # not close: the winner stays
        assert decision.k == 3 and decision.guard_note is None


def test_guard_swaps_when_the_stable_row_is_close():
    table = padded([row(3, 0.70, 900.0, 0.50, 0.50, stability=0.2),
                    row(3, 0.69, 890.0, 0.51, 0.51, algorithm="gmm", stability=0.95)])
    decision = choose(rank(table, DecideOptions(n_rows=1000)), DecideOptions(n_rows=1000))
    assert decision.algorithm == "gmm"
    assert decision.guard_note.startswith("kmeans k=3 scored best but was unstable")


def test_close_k_values_are_named_and_runner_up_sizes_carried():
    # k=4 and k=5 almost as good as k=3 on every index
    table = padded([row(2, 0.40, 300.0, 0.90, 2.0), row(3, 0.61, 900.0, 0.50, 0.50),
                    row(4, 0.60, 899.0, 0.51, 0.51), row(5, 0.59, 898.0, 0.52, 0.52)])
    decision = choose(rank(table, DecideOptions(n_rows=1000)), DecideOptions(n_rows=1000))
    assert decision.k == 3 and [c["k"] for c in decision.close_k] == [4, 5]
    assert decide(table.head(4), DecideOptions(n_rows=1000)).close_k == []  # 4 rows: far
    result = judge(decision, sizes=[500, 300, 200], runner_sizes=[100, 400, 300, 200])
    assert "A close call: k=4 (kmeans, score" in result.reason and "k=5 (kmeans" in \
        result.reason
    runner = result.evidence["runner_up"]
    assert runner["k"] == 4 and runner["sizes"] == [400, 300, 200, 100]
    assert runner["shares"] == [0.4, 0.3, 0.2, 0.1]


def test_indices_preferring_another_k_are_named():
    table = pd.DataFrame([row(2, 0.80, 300.0, 0.30, 2.0), row(3, 0.60, 900.0, 0.50, 0.4),
                          row(4, 0.50, 800.0, 0.60, 0.6)])
    decision = decide(table, DecideOptions(n_rows=1000))
    assert decision.k == 3
    assert decision.disagreeing == {"silhouette": 2, "davies_bouldin": 2}
    assert "Indices preferring another k for kmeans: Davies-Bouldin, silhouette k=2." in \
        decision.result.reason


def test_no_structure_is_low_whatever_the_indices():
    table = clear_three().assign(silhouette=lambda t: t["silhouette"] / 4)
    decision = decide(table, DecideOptions(n_rows=1000))
    assert not decision.structure_found and decision.confidence == "low"
    assert "Segments are NOT well supported" in decision.result.reason


def test_stability_targets_are_the_rows_the_guard_can_pick():
    table = pd.concat([clear_three(), clear_three().assign(algorithm="gmm",
                                                           silhouette=lambda t: t.silhouette
                                                           - 0.3)],
                      ignore_index=True)
    ranked = rank(table, DecideOptions(n_rows=1000))
    targets = stability_targets(ranked)
    assert ranked.loc[targets, "rank"].is_monotonic_increasing
    assert set(ranked.loc[targets, "algorithm"]) == {"kmeans", "gmm"}
    assert ranked.loc[targets[0], "rank"] == 1 and len(targets) <= 4


def test_widening_needs_the_edge_and_structure():
    edge = pd.DataFrame([row(2, 0.5, 300.0, 0.8, 2.0), row(3, 0.7, 900.0, 0.4, 0.5)])
    opts = DecideOptions(n_rows=1000)
    assert widen_to(rank(edge, opts), [2, 3], 1000) == 6
    assert widen_to(rank(edge, opts), [2, 3], 5) == 4  # never past n_rows - 1
    weak = edge.assign(silhouette=[0.1, 0.2])
    assert widen_to(rank(weak, opts), [2, 3], 1000) is None
    assert widen_to(rank(clear_three(), opts), [2, 3, 4, 5], 1000) is None


def test_confidence_rule_stays_importable_from_explain():
    decision = decide(clear_three(), DecideOptions(n_rows=1000))
    assert confidence_of(decision.result) == ("high", [])


def test_report_selection_section_shows_the_runner_up_sizes():
    from custseg.report.render import _environment

    table = padded([row(3, 0.61, 900.0, 0.50, 0.50), row(4, 0.60, 899.0, 0.51, 0.51)])
    decision = choose(rank(table, DecideOptions(n_rows=1000)), DecideOptions(n_rows=1000))
    result = judge(decision, sizes=[500, 300, 200], runner_sizes=[100, 400, 300, 200])
    html = _environment().get_template("section_selection.html.j2").render(
        data={"selection": result.to_dict()}, figures={}, how={})
    assert "Runner-up's segments</strong> (kmeans, k=4): 40%, 30%, 20%, 10% of the " \
           "customers (400, 300, 200, 100 on the rows scanned)." in html
    assert "A close call: k=4 (kmeans, score" in html

"""Confidence must mean something (issue #15): never "high" on a degenerate or tiny result.

bench/calibration.py measures how often each level comes with a useful result on
real and synthetic data; these tests pin the cases that must never be "high".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from custseg.selection import Segmenter


def _cross_tab_table(seed: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Two discrete columns only: every row is one of 3 x 4 value combinations."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"region": rng.integers(0, 3, 400), "products": rng.integers(1, 5, 400)})
    X = np.column_stack([np.eye(3)[frame["region"]], (frame["products"] - 2.5) / 1.1])
    return X, frame


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_tab_cells_are_never_high_confidence(seed):
    X, frame = _cross_tab_table(seed)
    seg = Segmenter(algorithms=("kmeans",), k=(2, 8), n_stability=0, n_gap_refs=2,
                    density_check=False).fit(X, discrete=frame)
    ev = seg.selection_.evidence
    assert ev["degenerate_check"]["fired"]
    assert seg.selection_.confidence == "low"
    assert "degenerate" in ev["confidence_capped_by"]


def test_a_tiny_segment_at_a_fixed_k_is_never_high_confidence():
    # three far-apart groups, one of 6 customers (0.7 %): at the user's k=3 every index
    # agrees and the silhouette is near 1, yet a 6-customer segment is no marketing segment
    X, _ = make_blobs([420, 420, 6], centers=[[0, 0], [30, 0], [0, 30]], cluster_std=1.0,
                      random_state=0)
    seg = Segmenter(algorithms=("kmeans",), k=3, n_stability=2, n_gap_refs=2,
                    density_check=False, min_segment_share=0.02).fit(X)
    sel = seg.selection_
    assert seg.n_clusters_ == 3 and np.bincount(seg.labels_).min() == 6
    assert sel.evidence["silhouette"] > 0.8  # would be "high" on the indices alone
    assert sel.confidence != "high"
    assert "tiny segment" in sel.evidence["confidence_capped_by"]


def _scan_table(rows: list[tuple[int, float, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"algorithm": "kmeans", "k": k, "silhouette": s,
                          "calinski_harabasz": ch, "davies_bouldin": db, "wb_index": wb,
                          "n_found": k, "min_share": 0.2} for k, s, ch, db, wb in rows])


# k=2 wins the combined ranking, but every index peaks elsewhere and k=5 is within 0.05
CLOSE_CALL = [(2, 0.36, 510.0, 0.94, 1.7), (3, 0.34, 500.0, 0.92, 2.0),
              (4, 0.30, 530.0, 1.00, 1.6), (5, 0.38, 540.0, 0.96, 1.9),
              (6, 0.32, 520.0, 0.98, 1.8)]


def test_a_close_call_no_index_settles_is_low_and_the_reason_names_the_close_k():
    from custseg.selection.decide import DecideOptions, choose, judge, rank

    options = DecideOptions(n_rows=1000)
    decision = choose(rank(_scan_table(CLOSE_CALL), options), options)
    result = judge(decision)
    assert decision.k == 2 and result.structure_found
    assert result.evidence["agreeing_indices"] == []
    assert result.confidence == "low"
    assert result.evidence["confidence_capped_by"] == ["close call"]
    assert "k=5 (kmeans, score 0.68) scored within 0.05 of k=2" in result.reason
    assert "the number of segments is uncertain: confidence is low" in result.reason


def test_the_same_scan_with_a_clear_winner_stays_medium():
    from custseg.selection.decide import DecideOptions, choose, judge, rank

    # k=5's silhouette, CH and DB peak at the chosen k: the indices settle it
    rows = [(2, 0.36, 510.0, 0.94, 1.7), (3, 0.34, 500.0, 0.92, 2.0),
            (4, 0.30, 530.0, 1.00, 1.6), (5, 0.45, 600.0, 0.80, 1.5),
            (6, 0.32, 520.0, 0.98, 1.8)]
    options = DecideOptions(n_rows=1000)
    result = judge(choose(rank(_scan_table(rows), options), options))
    assert result.k == 5 and result.confidence == "medium"
    assert "close call" not in result.evidence["confidence_capped_by"]

"""The judgement on real-looking data: degenerate partitions, minimum segment share,
widening, honest confidence, text that matches the result, quiet library warnings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import make_blobs

from custseg.selection import Segmenter, cell_check, tie_check
from custseg.selection._explain import _fmt_vs, build_result

FAST = {"n_stability": 0, "n_gap_refs": 2, "n_init": 2, "n_threads": 1}


def crosstab_table(n: int = 900, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Region (3) x card (2) codes plus a little noise: 6 cells, nothing else."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"region": rng.choice(["north", "south", "east"], n),
                          "card": rng.choice(["blue", "gold"], n)})
    X = np.c_[pd.get_dummies(frame, dtype=float).to_numpy() * 3,
              rng.normal(0, 0.01, (n, 2))]
    return frame, X


def test_crosstab_cells_are_called_degenerate_and_confidence_is_low():
    frame, X = crosstab_table()
    seg = Segmenter(algorithms=("kmeans",), k=(2, 8), random_state=0, **FAST)
    seg.fit(X, discrete=frame)
    sel = seg.selection_
    check = sel.evidence["degenerate_check"]
    assert check["fired"] and sorted(check["columns"]) == ["card", "region"]
    assert check["purity"] >= 0.95 and len(check["cells"]) == seg.n_clusters_
    assert sel.confidence == "low"
    assert "combinations of 'region' and 'card'" in sel.reason or \
        "combinations of 'card' and 'region'" in sel.reason
    assert "A pivot table of those columns gives the same groups" in sel.reason
    assert "Confidence is therefore low." in sel.reason


def test_separated_blobs_are_not_degenerate():
    X, _ = make_blobs(600, centers=4, n_features=4, random_state=3)
    disc = pd.DataFrame({"flag": np.random.default_rng(0).integers(0, 2, 600)})
    seg = Segmenter(algorithms=("kmeans",), k=(2, 6), random_state=0, **FAST).fit(X,
                                                                                  discrete=disc)
    check = seg.selection_.evidence["degenerate_check"]
    assert seg.n_clusters_ == 4 and not check["fired"]
    assert check["ties"]["distinct_share"] == 1.0 and not check["ties"]["fired"]
    assert "pivot table" not in seg.selection_.reason


def test_cell_check_needs_each_segment_in_its_own_combination():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.integers(0, 2, 800), "b": rng.integers(0, 3, 800)})
    # two segments share the same main cell: a split inside a cell, not a cross-tab
    labels = np.where(frame["a"] == 0, 0, np.where(rng.random(800) < 0.5, 1, 2))
    assert not cell_check(frame, labels)["fired"]
    assert cell_check(frame, frame["a"].to_numpy())["columns"] == ["a"]


def test_silhouette_from_ties_is_detected():
    X = np.repeat([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0]], [300, 300, 3], axis=0)
    X[-3:] += np.array([[0.5, 0], [0, 0.5], [0.5, 0.5]])
    labels = np.repeat([0, 1, 1], [300, 300, 3])
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    from custseg.evaluate import silhouette_from_distances

    sil = silhouette_from_distances(D, labels)
    out = tie_check(D, X, labels, sil)
    assert sil > 0.9 and out["fired"] and out["silhouette_distinct"] < sil - 0.2


def tiny_far_blob(n: int = 1000, seed: int = 0) -> np.ndarray:
    """Three large blobs and a separate little group of 1% of the rows.

    (A group far from everything would be alone at every k: then no candidate
    qualifies, which the next test covers.)
    """
    X, _ = make_blobs(n - 10, centers=[[0, 0], [6, 0], [0, 6]], cluster_std=0.6,
                      random_state=seed)
    tiny = np.random.default_rng(seed).normal([6, 6], 0.2, (10, 2))
    return np.r_[X, tiny]


def test_tiny_segment_wins_only_without_a_minimum_share():
    X = tiny_far_blob()
    free = Segmenter(algorithms=("kmeans",), k=(2, 6), random_state=0, min_segment_share=0,
                     min_segment_customers=0, **FAST).fit(X)
    assert free.n_clusters_ == 4 and np.bincount(free.labels_).min() == 10
    seg = Segmenter(algorithms=("kmeans",), k=(2, 6), random_state=0, min_segment_share=0.02,
                    **FAST).fit(X)
    share = seg.selection_.evidence["min_share"]
    assert np.bincount(seg.labels_).min() / len(X) >= 0.02
    assert share["chosen"] >= 0.02 and share["excluded"] > 0 and not share["none_eligible"]
    assert "were not eligible" in seg.selection_.reason
    assert seg.n_clusters_ == 3


def test_when_no_candidate_qualifies_the_best_is_kept_and_said_and_not_high():
    X, _ = make_blobs(600, centers=3, n_features=3, random_state=1, cluster_std=0.5)
    seg = Segmenter(algorithms=("kmeans",), k=(2, 5), random_state=0, min_segment_share=0.45,
                    **FAST).fit(X)
    share = seg.selection_.evidence["min_share"]
    assert share["none_eligible"] and share["chosen"] < 0.45
    assert "Every candidate had a segment below the minimum segment share of 45%" in \
        seg.selection_.reason
    assert seg.selection_.confidence != "high"


def test_widening_never_goes_past_twelve():
    X, _ = make_blobs(1600, centers=16, n_features=6, cluster_std=0.3, center_box=(-40, 40),
                      random_state=4)
    seg = Segmenter(algorithms=("kmeans",), k=(2, 10), random_state=0, **FAST).fit(X)
    assert seg.selection_.evidence["widened"] == {"from": 10, "to": 12}
    assert seg.candidates_["k"].max() == 12 and seg.n_clusters_ <= 12


def test_stated_k_is_the_number_of_segments_written():
    X = np.repeat(np.eye(4) * 5, 50, axis=0)  # only 4 distinct customers
    seg = Segmenter(algorithms=("kmeans",), k=6, random_state=0, **FAST).fit(X)
    assert seg.n_clusters_ == 4 == len(np.unique(seg.labels_)) == seg.selection_.k
    assert seg.selection_.reason.startswith("Chose kmeans with k=4 ")
    assert "asked for 6 segments but only 4 received customers" in seg.selection_.reason
    # the k-means warnings about duplicate points are counted, not printed
    assert any("fewer distinct clusters" in w
               for w in seg.selection_.evidence["library_warnings"])
    assert seg.selection_.confidence != "high"


def test_rendered_k_follows_the_record_not_the_fit():
    X, _ = make_blobs(300, centers=3, random_state=0)
    seg = Segmenter(algorithms=("kmeans",), k=(2, 4), random_state=0, **FAST).fit(X)
    table = seg.selection_.candidates
    chosen = {**table[table["rank"] == 1].iloc[0].to_dict(), "guard_note": None}
    chosen["algorithm"] = "kmeans"
    res = build_result(table, chosen, gap1=None, widened=None, gen_notes={},
                       k_written=int(chosen["k"]) - 1)
    assert res.k == int(chosen["k"]) - 1
    assert res.reason.startswith(f"Chose kmeans with k={res.k} ")


def test_threshold_comparisons_never_print_equal_numbers():
    assert _fmt_vs(0.2496, 0.25) == "0.2496"
    assert _fmt_vs(0.2449, 0.25) == "0.245"


def test_cli_prints_no_library_warnings(tmp_path: Path):
    rng = np.random.default_rng(0)
    base = rng.normal(size=(5, 3)) * 4
    frame = pd.DataFrame(np.repeat(base, 40, axis=0), columns=["spend", "visits", "tenure"])
    frame["spend"] += rng.normal(0, 1e-9, len(frame))
    path = tmp_path / "dups.csv"
    frame.to_csv(path, index=False)
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    out = subprocess.run([sys.executable, "-m", "custseg", "run", str(path), "-o",
                          str(tmp_path / "out"), "--k", "7", "--algorithms", "kmeans,gmm",
                          "--no-report", "--no-stability", "--no-feature-selection", "-q"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Warning" not in out.stderr and "warn" not in out.stderr.lower(), out.stderr
    import json

    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["k"] == summary["selection"]["k"] <= 5
    assert any(d.startswith("library warnings during segmentation")
               for d in summary["decisions"])


def test_shared_churn_table_on_its_coded_columns_is_called_degenerate(shared_datasets):
    # Customer Churn.csv cut to its coded columns (what the old relevance screen left of
    # some tables): 89 distinct rows among 3,150, so the silhouette comes from ties
    from custseg import run
    from custseg.data.io import read_table

    frame = read_table(shared_datasets / "iranian_churn" / "Customer Churn.csv").frame
    cols = ["Tariff Plan", "Status", "Complains", "Age Group", "Charge  Amount"]
    result = run(frame[cols], report=False, stability=False, algorithms=["kmeans"], k=(2, 8))
    selection = result.summary()["selection"]
    check = selection["evidence"]["degenerate_check"]
    assert check["fired"] and check["ties"]["fired"]
    assert check["ties"]["distinct_share"] < 0.05
    assert selection["confidence"] == "low"
    assert "comes from these ties" in selection["reason"]
    assert selection["k"] == result.k


def test_cli_min_segment_share_option_is_validated(tmp_path: Path):
    from tests.cli.helpers import invoke

    path = tmp_path / "t.csv"
    pd.DataFrame({"spend": np.arange(40.0), "visits": np.arange(40.0) % 7}).to_csv(path)
    code, _, err = invoke("run", path, "-o", tmp_path / "out", "--min-segment-share", "0.6",
                          "--no-report")
    assert code == 2 and r"min_segment_share must be in [0, 0.5), got 0.6" in err

"""The documented selection rule on small known cases, and the Segmenter API."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from custseg.exceptions import ConfigError, InputError
from custseg.selection import Segmenter, parse_k
from tests.selection.shapes import rings

FAST = {"n_stability": 3, "n_gap_refs": 3, "n_init": 2, "n_threads": 1}


def blobs(k: int, seed: int, n: int = 900, d: int = 5):
    return make_blobs(n, centers=k, n_features=d, cluster_std=1.0, center_box=(-15, 15),
                      random_state=seed)


@pytest.mark.parametrize(("k", "seed"), [(3, 0), (5, 1), (7, 2)])
def test_well_separated_blobs_give_true_k(k, seed):
    X, y = blobs(k, seed)
    seg = Segmenter(k=(2, 9), random_state=0, **FAST).fit(X)
    assert seg.n_clusters_ == k
    assert adjusted_rand_score(y, seg.labels_) > 0.95
    sel = seg.selection_
    assert sel.structure_found and sel.confidence in ("high", "medium")
    assert f"k={k}" in sel.reason and "runner-up" in sel.reason


@pytest.mark.parametrize("kind", ["uniform", "gaussian"])
def test_no_structure_is_reported(kind):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(1500, 3)) if kind == "uniform" else rng.normal(size=(1500, 6))
    seg = Segmenter(k=(2, 8), random_state=0, **FAST).fit(X)
    sel = seg.selection_
    assert not sel.structure_found and sel.confidence == "low"
    assert "NOT well supported" in sel.reason
    assert 2 <= seg.n_clusters_ <= 16  # still returns the best of the weak options


def test_determinism_under_a_seed():
    X, _ = blobs(4, 3, n=700)
    a = Segmenter(k=(2, 6), random_state=7, **FAST).fit(X)
    b = Segmenter(k=(2, 6), random_state=7, **FAST).fit(X)
    assert np.array_equal(a.labels_, b.labels_)
    cols = [c for c in a.candidates_.columns if c != "fit_seconds"]
    assert a.candidates_[cols].equals(b.candidates_[cols])


def test_candidates_table_and_result_api():
    X, _ = blobs(4, 4, n=600)
    seen = []
    seg = Segmenter(k=(2, 6), random_state=0, progress=lambda *a: seen.append(a), **FAST).fit(X)
    expected = ["algorithm", "k", "silhouette", "calinski_harabasz", "davies_bouldin", "gap",
                "gap_se", "bic", "icl", "stability", "stability_min_jaccard", "score", "rank",
                "fit_seconds"]
    assert set(expected) <= set(seg.candidates_.columns)
    assert set(seg.candidates_["algorithm"]) == {"kmeans", "ward", "gmm"}
    assert len(seg.candidates_) == 15 and seg.candidates_["rank"].min() == 1
    gmm = seg.candidates_[seg.candidates_["algorithm"] == "gmm"]
    assert gmm["bic"].notna().all() and gmm["covariance_type"].notna().all()
    sel = seg.selection_
    assert (sel.algorithm, sel.k) == (seg.algorithm_, seg.n_clusters_)
    assert len(sel.runners_up) == 3 and sel.to_frame()["chosen"].sum() == 1
    json.dumps(sel.to_dict())
    fig = sel.plot()
    assert fig.__class__.__name__ == "Figure" and len(fig.axes) >= 6
    assert {s for s, _, _ in seen} == {"scan", "stability", "density check", "final fit"}
    assert ("final fit", 1, 1) in seen and seen[-1] == ("density check", 1, 1)
    assert seg.sampled_["selection_sampled"] is False and seg.sampled_["notes"]
    assert np.array_equal(seg.predict(X), seg.labels_)
    # segment 0 is the largest
    assert np.all(np.diff(np.bincount(seg.labels_)) <= 0)


def test_density_check_says_when_segments_slice_a_few_shapes():
    seg = Segmenter(algorithms=("kmeans",), k=(2, 12), random_state=0, **FAST).fit(rings())
    check = seg.selection_.evidence["density_check"]
    assert seg.n_clusters_ >= 4  # k-means tiles the rings with many convex pieces
    assert check["fired"] and check["groups"] == 2 and check["noise_share"] <= 0.05
    assert sum(check["segments_per_group"]) == seg.n_clusters_
    # the groups name the final segment ids: each group's segments share one ring
    radius = np.hypot(*rings().T)
    for ids in check["segment_groups"]:
        assert len({bool(np.median(radius[seg.labels_ == s]) > 2) for s in ids}) == 1
    assert sorted(s for ids in check["segment_groups"] for s in ids) == list(range(seg.n_clusters_))
    assert seg.selection_.confidence != "high"
    assert "Density check: HDBSCAN" in seg.selection_.reason
    assert "only 2 density-separated groups" in seg.selection_.reason
    assert "group 1: segments" in seg.selection_.reason
    assert "--algorithms hdbscan" in seg.selection_.reason
    json.dumps(seg.selection_.to_dict())


def test_density_check_stays_quiet_on_separated_blobs_and_can_be_switched_off():
    X, _ = blobs(5, 1)
    seg = Segmenter(k=(2, 9), random_state=0, **FAST).fit(X)
    check = seg.selection_.evidence["density_check"]
    assert seg.n_clusters_ == 5 and check["groups"] == 5 and not check["fired"]
    assert "Density check" not in seg.selection_.reason
    off = Segmenter(k=(2, 9), random_state=0, density_check=False, **FAST).fit(X)
    assert off.selection_.evidence["density_check"] is None
    assert np.array_equal(off.labels_, seg.labels_)  # the check never changes the segments


def test_range_is_widened_when_best_k_is_at_the_edge():
    X, _ = blobs(8, 5, n=1200, d=6)
    seg = Segmenter(algorithms=("kmeans",), k=(2, 5), random_state=0, **FAST).fit(X)
    assert seg.n_clusters_ == 8
    assert seg.selection_.evidence["widened"] == {"from": 5, "to": 10}
    assert "widened to 10" in seg.selection_.reason


def test_fixed_k_still_compares_algorithms_and_proba_only_for_mixtures():
    X, _ = blobs(3, 6, n=500)
    seg = Segmenter(k=4, random_state=0, **FAST).fit(X)
    assert seg.n_clusters_ == 4 and set(seg.candidates_["k"]) == {4}
    assert len(seg.candidates_) == 3
    mix = Segmenter(algorithms=("gmm",), k=3, random_state=0, **FAST).fit(X)
    assert mix.predict_proba(X).shape == (500, 3)
    assert np.array_equal(mix.predict_proba(X).argmax(axis=1), mix.labels_)
    km = Segmenter(algorithms=("kmeans",), k=3, random_state=0, **FAST).fit(X)
    assert not hasattr(km, "predict_proba")


def test_k_parsing():
    assert parse_k(range(3, 6), 50) == ([3, 4, 5], False)
    assert parse_k([5, 3, 3], 50) == ([3, 5], False)
    assert parse_k((2, 12), 8) == ([2, 3, 4, 5, 6, 7], True)


@pytest.mark.parametrize(("k", "err", "match"), [
    (1, ConfigError, "k must be at least 2, got 1"),
    ((6, 3), ConfigError, r"k range \(6, 3\) has low > high"),
    ("five", ConfigError, "k must be an integer, a \\(low, high\\) tuple or a list, got 'five'"),
    ([2, "x"], ConfigError, "k list must hold integers"),
    (40, InputError, r"k=40 is not smaller than the number of rows \(30\)"),
])
def test_bad_k_messages(k, err, match):
    X = np.random.RandomState(0).normal(size=(30, 2))
    with pytest.raises(err, match=match):
        Segmenter(k=k).fit(X)


def test_unknown_algorithm_message():
    X = np.random.RandomState(0).normal(size=(30, 2))
    with pytest.raises(ConfigError, match="unknown algorithm 'kmedoids'"):
        Segmenter(algorithms=("kmeans", "kmedoids")).fit(X)


def test_a_fired_density_check_turns_high_confidence_into_medium():
    from custseg.selection._explain import build_result

    X, _ = blobs(3, 0)
    seg = Segmenter(algorithms=("kmeans",), k=(2, 6), random_state=0, **FAST).fit(X)
    table = seg.selection_.candidates
    chosen = {**table[table["rank"] == 1].iloc[0].to_dict(), "guard_note": None}
    plain = build_result(table, chosen, gap1=None, widened=None, gen_notes={})
    assert plain.confidence == "high"
    fired = {"fired": True, "groups": 2, "noise_share": 0.0, "segment_groups": [[0, 2], [1]],
             "noise_segments": 0, "unsampled_segments": [], "sample_rows": 900}
    capped = build_result(table, chosen, gap1=None, widened=None, gen_notes={}, density=fired)
    assert capped.confidence == "medium"
    assert "Confidence is therefore medium, not high." in capped.reason
    assert "group 1: segments 0 and 2; group 2: segment 1" in capped.reason
    # no structure on the gap check: low stays low, and the text does not contradict itself
    weak = build_result(table, chosen, gap1=(float(chosen["gap"]), 0.0), widened=None,
                        gen_notes={}, density=fired)
    assert weak.confidence == "low" and "therefore medium" not in weak.reason
    assert "the density groups above describe the data better" in weak.reason
    assert "arbitrary partition of a continuum" not in weak.reason


def test_density_check_is_skipped_for_hdbscan_and_small_k():
    X, _ = blobs(3, 0)
    small = Segmenter(algorithms=("kmeans",), k=(2, 3), random_state=0, **FAST).fit(X)
    assert small.n_clusters_ == 3 and small.selection_.evidence["density_check"] is None
    dens = Segmenter(algorithms=("hdbscan",), random_state=0, **FAST).fit(X)
    assert dens.algorithm_ == "hdbscan" and dens.selection_.evidence["density_check"] is None


def mixed_codes(n: int = 300, seed: int = 0):
    """Two numbers and one category-code column, three segments."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n // 3)
    num = rng.normal(size=(len(y), 2)) + np.c_[y * 3.0, -y * 2.0]
    code = np.where(rng.random(len(y)) < 0.85, y, rng.integers(0, 3, len(y)))
    return np.c_[num, code], y


def test_kprototypes_scores_segments_in_its_own_metric():
    from sklearn.metrics import silhouette_score

    from custseg.models.mixed import mismatch_embedding

    X, y = mixed_codes()
    seg = Segmenter(algorithms=("kprototypes",), k=(2, 5), categorical_features=[2],
                    random_state=0, n_stability=2, n_gap_refs=2, n_init=1, n_threads=1).fit(X)
    assert seg.n_clusters_ == 3 and adjusted_rand_score(y, seg.labels_) > 0.8
    assert seg.best_estimator_.categorical_.tolist() == [2]
    chosen = seg.candidates_[seg.candidates_["k"] == 3].iloc[0]
    assert chosen["stability"] > 0.75  # the bootstrap refits used the category column too
    expected = silhouette_score(mismatch_embedding(X, [2]), seg.labels_)
    assert chosen["silhouette"] == pytest.approx(expected, abs=1e-6)
    assert np.array_equal(seg.predict(X), seg.labels_)


@pytest.mark.parametrize(("algorithms", "columns", "match"), [
    (("kmeans", "kprototypes"), [2], "category-code columns only work with kprototypes, not "
                                      "with kmeans"),
    (("kprototypes",), [5], r"categorical_features \[5\] are outside the 3 columns of X"),
])
def test_category_code_columns_messages(algorithms, columns, match):
    X, _ = mixed_codes(90)
    with pytest.raises(ConfigError, match=match):
        Segmenter(algorithms=algorithms, k=3, categorical_features=columns, **FAST).fit(X)

"""The density check: segments that slice a few density-separated groups are reported."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from custseg.selection._density import density_check, density_sentence
from tests.selection.shapes import rings


def test_segments_slicing_two_rings_are_reported_with_an_outlier_segment():
    X = np.r_[rings(), [[20.0, 20.0], [20.5, 20.0], [20.0, 20.5]]]
    labels = np.r_[KMeans(8, n_init=3, random_state=0).fit_predict(X[:-3]), [8, 8, 8]]
    check = density_check(X, labels, 9, seed=0)
    assert check["fired"] and check["groups"] == 2
    assert check["noise_segments"] == 1 and sum(check["segments_per_group"]) == 8
    text = density_sentence(check, 9)
    assert "only 2 density-separated groups" in text
    assert "8 of the 9 segments lie inside them" in text and "1 segment holds only" in text
    assert "group 2: segment" in text
    assert 8 not in [s for ids in check["segment_groups"] for s in ids]  # the outlier segment


def test_separated_blobs_are_their_own_density_groups():
    X, y = make_blobs(1200, centers=6, n_features=4, center_box=(-20, 20), random_state=3)
    check = density_check(X, y, 6, seed=0)
    assert check["groups"] == 6 and check["min_purity"] > 0.95 and not check["fired"]


def test_noisy_groups_do_not_fire():
    rng = np.random.default_rng(1)
    X = np.r_[rings(600), rng.uniform(-4, 4, size=(300, 2))]  # a third of rows are noise
    labels = KMeans(8, n_init=3, random_state=0).fit_predict(X)
    check = density_check(X, labels, 8, seed=0)
    assert check["noise_share"] > 0.05 and not check["fired"]


def test_the_check_uses_a_bounded_seeded_sample():
    X, y = make_blobs(12_000, centers=8, n_features=3, random_state=0)
    a = density_check(X, y, 8, seed=4)
    b = density_check(X, y, 8, seed=4)
    assert a == b and a["sample_rows"] == 5000
    wide, y = make_blobs(12_000, centers=4, n_features=25, random_state=0)
    assert density_check(wide, y, 4, seed=4)["sample_rows"] == 2000  # bounded cost when wide


def test_one_home_group_does_not_fire_even_if_hdbscan_finds_a_second():
    # a ring sliced into four segments, plus a small dense blob folded into segment 0:
    # HDBSCAN sees two groups, but every segment lives in the ring's group
    rng = np.random.default_rng(2)
    ring = rings(800)[400:]  # the outer ring only
    blob = rng.normal([0.0, 0.0], 0.05, size=(60, 2))
    X = np.r_[ring, blob]
    labels = np.r_[KMeans(4, n_init=3, random_state=0).fit_predict(ring), np.zeros(60, int)]
    check = density_check(X, labels, 4, seed=0)
    assert check["groups"] >= 2 and len(check["segment_groups"]) == 1
    assert not check["fired"]


def test_segments_missing_from_the_sample_are_named_not_miscounted():
    X, y = make_blobs(9000, centers=[[0, 0], [0, 0.5], [9, 9], [9, 9.5]], cluster_std=0.3,
                      random_state=0)
    y = np.where(y >= 2, 1, 0)  # two well-separated groups ...
    labels = KMeans(8, n_init=3, random_state=0).fit_predict(X)  # ... sliced into 8
    labels[0] = 8  # a one-customer segment the 5,000-row sample may miss
    check = None
    for seed in range(20):
        check = density_check(X, labels, 9, seed=seed)
        if check["unsampled_segments"]:
            break
    assert check["unsampled_segments"] == [8] and check["fired"]
    text = density_sentence(check, 9)
    assert "8 of the 9 segments lie inside them" in text
    assert "segment 8 did not appear in the sample" in text

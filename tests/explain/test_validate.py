"""Validation: internal indices, stability, external scores and warnings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans

from custseg.exceptions import ConfigError, InputError
from custseg.explain import profile, validate


def _blobs(sizes=(200, 200, 200), seed=0, spread=0.3):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [5, 0], [0, 5], [5, 5]], dtype=float)
    X = np.vstack([rng.normal(centres[i], spread, (n, 2)) for i, n in enumerate(sizes)])
    return X, np.repeat(np.arange(len(sizes)), sizes)


def test_labels_equal_to_the_segments_give_ari_one():
    X, labels = _blobs()
    truth = np.array(["north", "east", "south"])[labels]
    res = validate(X, labels, label_true=truth)
    assert res.external["ari"] == 1.0
    assert set(res.external) == {"ari", "ami", "nmi", "homogeneity", "completeness",
                                 "v_measure"}
    assert res.contingency.loc["east"].tolist() == [0, 200, 0]
    assert res.silhouette > 0.8 and res.warnings == []
    assert res.calinski_harabasz > 1000 and res.davies_bouldin < 0.3


def test_stability_refits_use_at_most_the_stability_sample():
    """Refits see at most STABILITY_ROWS customers, however large the table (Ward's
    refits stay exact below 2,000 rows), and the note states that size."""
    from custseg.explain._validate import STABILITY_ROWS

    X, labels = _blobs(sizes=(1500, 1500, 1500), seed=2)
    seen = []

    def fit_predict(Z):
        seen.append(len(Z))
        return KMeans(3, n_init=1, random_state=0).fit_predict(Z)

    res = validate(X, labels, fit_predict=fit_predict, n_boot=3, sample_size=4000)
    assert STABILITY_ROWS == 2000 and seen == [STABILITY_ROWS] * 3
    assert res.sample_size == 4000  # the silhouette keeps its own, larger sample
    assert any("3 bootstrap refits on at most 2,000 customers" in n for n in res.notes)


def test_stability_reading_per_segment():
    X, labels = _blobs(seed=1)
    res = validate(X, labels, fit_predict=KMeans(3, n_init=2, random_state=0), n_boot=5,
                   sample_size=300)
    assert res.stability["segment"].tolist() == [0, 1, 2]
    assert (res.stability["mean_jaccard"] > 0.75).all()
    assert set(res.stability["verdict"]) == {"stable"}
    assert res.stability_of(1)["verdict"] == "stable"
    assert "above 0.75 stable" in res.to_dict()["stability"]["reading"]
    assert res.to_frame()["verdict"].tolist() == ["stable"] * 3


def test_an_arbitrary_cut_of_uniform_noise_is_flagged():
    rng = np.random.default_rng(2)
    X = rng.uniform(size=(600, 4))
    labels = (X[:, 0] * 4).astype(int)  # four slices of structureless data
    res = validate(X, labels, fit_predict=KMeans(4, n_init=1, random_state=0), n_boot=5)
    assert res.silhouette < 0.25
    assert any(w.startswith("Weak structure: mean silhouette") for w in res.warnings)


def test_tiny_and_dominant_segments_are_warned_about():
    X, labels = _blobs(sizes=(700, 290, 10))
    res = validate(X, labels)
    assert any("Segment 2 holds only 1% of customers (10 of 1,000), below the 2% minimum"
               in w for w in res.warnings)
    assert any("Segment 0 holds 70% of customers (more than 60%)" in w for w in res.warnings)
    assert not any("Segment 1" in w for w in res.warnings)


def test_single_feature_segments_are_warned_about():
    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1], 500)
    frame = pd.DataFrame({"income": rng.normal(50, 5, 1000) + 15 * labels,
                          "age": rng.normal(40, 9, 1000), "visits": rng.normal(8, 2, 1000)})
    X = ((frame - frame.mean()) / frame.std()).to_numpy()
    prof = profile(frame, labels, features=list(frame.columns))
    res = validate(X, labels, profiles=prof)
    assert any(w.startswith("Segment 1 differs from the others almost only in income")
               for w in res.warnings)


def test_silhouette_is_sampled_and_unassigned_rows_are_left_out():
    X, labels = _blobs(sizes=(300, 300, 300))
    labels = labels.copy()
    labels[:90] = -1
    res = validate(X, labels, sample_size=400, random_state=5)
    assert res.sample_size == 400 and len(res.silhouette_values) == 400
    assert (res.silhouette_values["segment"] != -1).all()
    assert res.silhouette == pytest.approx(res.silhouette_values["silhouette"].mean())
    assert any("seeded sample of 400 of 810" in note for note in res.notes)
    assert res.sizes[-1] == 90 and any("unassigned" in w for w in res.warnings)
    again = validate(X, labels, sample_size=400, random_state=5)
    assert again.silhouette == res.silhouette
    json.dumps(res.to_dict(), allow_nan=False)


def test_missing_external_labels_are_left_out():
    X, labels = _blobs()
    truth = pd.Series(labels.astype(float))
    truth[:50] = np.nan
    res = validate(X, labels, label_true=truth)
    assert res.external["ari"] == 1.0
    assert int(res.contingency.to_numpy().sum()) == 550


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"X": np.array([[0.0, np.nan], [1.0, 1.0]])}, InputError, "X has missing or infinite"),
    ({"labels": [0, 1, 2]}, InputError, "labels has shape \\(3,\\) but the data has 2 rows"),
    ({"min_share": 1.5}, ConfigError, "min_share must be in \\[0, 1\\), got 1.5"),
    ({"label_true": ["a"]}, InputError, "label_true has 1 entries but there are 2 rows"),
])
def test_errors(kwargs, error, match):
    args = {"X": np.array([[0.0, 0.0], [1.0, 1.0]]), "labels": [0, 1]} | kwargs
    with pytest.raises(error, match=match):
        validate(args.pop("X"), args.pop("labels"), **args)

"""Surrogate rules: fidelity that can be computed by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from custseg.exceptions import ConfigError, InputError
from custseg.explain import surrogate_rules


def test_a_perfect_split_has_fidelity_one_and_a_readable_rule():
    frame = pd.DataFrame({"income": np.arange(100, dtype=float),
                          "noise": np.random.default_rng(0).normal(size=100)})
    labels = (frame["income"] >= 50).astype(int).to_numpy()
    res = surrogate_rules(frame, labels, features=["income", "noise"], max_depth=3)
    assert res.fidelity == 1.0
    assert res.fidelity_per_segment == {0: 1.0, 1: 1.0}
    assert [r["rule"] for r in res.for_segment(1)] == ["income > 49.5"]
    assert [r["rule"] for r in res.for_segment(0)] == ["income <= 49.5"]
    assert res.importance == {"income": 1.0}


def test_two_disjoint_intervals_at_depth_one_fidelity_by_hand():
    # segment 1 = x < 20 or x >= 90 (30 customers), segment 0 = 20 <= x < 90 (70).
    # One split can only cut off one interval; Gini prefers x <= 19.5 (weighted
    # impurity 0.175 against 0.311 for x <= 89.5), so the tree gets the 20 low
    # customers of segment 1 and all of segment 0 right: 90 of 100.
    x = np.arange(100, dtype=float)
    labels = ((x < 20) | (x >= 90)).astype(int)
    res = surrogate_rules(pd.DataFrame({"x": x}), labels, features=["x"], max_depth=1)
    assert res.fidelity == pytest.approx(0.9)
    assert res.fidelity_per_segment[0] == pytest.approx(1.0)
    assert res.fidelity_per_segment[1] == pytest.approx(20 / 30)
    rule = res.for_segment(1)[0]
    assert rule["rule"] == "x <= 19.5"
    assert (rule["n_covered"], rule["n_correct"], rule["precision"]) == (20, 20, 1.0)
    assert rule["coverage"] == pytest.approx(20 / 30)
    other = res.for_segment(0)[0]
    assert other["precision"] == pytest.approx(70 / 80)


def test_categories_are_one_hot_with_readable_names():
    frame = pd.DataFrame({"city": ["Paris"] * 30 + ["Lyon"] * 30 + ["Rome"] * 30})
    labels = np.r_[np.ones(30), np.zeros(60)].astype(int)
    res = surrogate_rules(frame, labels, features=["city"], max_depth=2)
    assert res.fidelity == 1.0
    assert res.for_segment(1)[0]["rule"] == "city = Paris"
    assert res.for_segment(0)[0]["rule"] == "city ≠ Paris"


def test_dates_read_as_dates_and_big_numbers_are_rounded():
    days = pd.date_range("2020-01-01", periods=200, freq="D")
    frame = pd.DataFrame({"signup": days.strftime("%Y-%m-%d"),
                          "spend": 1000 + 37.3 * np.arange(200)})
    labels = (np.arange(200) < 100).astype(int)  # the 100 earliest sign-ups
    res = surrogate_rules(frame, labels, features=["signup"], max_depth=1)
    assert res.fidelity == 1.0
    # the 100th day is 2020-04-09: "before 2020-04-10" includes it
    assert res.for_segment(1)[0]["rule"] == "signup before 2020-04-10"
    res = surrogate_rules(frame, labels, features=["spend"], max_depth=1)
    assert res.for_segment(1)[0]["rule"] == "spend <= 4,711"  # midpoint 4,711.35 rounded


def test_large_data_are_sampled_and_fidelity_measured_on_all(customers):
    frame, truth, schema = customers
    feats = ["income", "annual_spend", "age", "city"]
    res = surrogate_rules(frame, truth, features=feats, schema=schema, max_samples=800)
    assert res.n_fit == 800 and res.n_scored == 3000
    assert any("sample of 800" in note for note in res.notes)
    assert 0.5 < res.fidelity <= 1.0
    # a greedy depth-3 tree may leave a segment without a leaf: it is then said so
    for seg, fid in res.fidelity_per_segment.items():
        if not res.for_segment(seg):
            assert fid == 0 and any(f"segment(s) {seg}" in n for n in res.notes)
    assert all(r["rule"].count(" and ") <= 2 for r in res.rules)  # depth 3: <= 3 conditions
    again = surrogate_rules(frame, truth, features=feats, schema=schema, max_samples=800)
    assert again.to_dict() == res.to_dict()  # seeded
    n_correct = sum(r["n_correct"] for r in res.rules)
    assert n_correct / res.n_scored == pytest.approx(res.fidelity)
    assert list(res.to_frame().columns) == ["segment", "rule", "n_covered", "n_correct",
                                            "precision", "coverage"]
    json.dumps(res.to_dict(), allow_nan=False)


def test_unassigned_rows_are_left_out():
    x = np.arange(10, dtype=float)
    labels = np.array([0, 0, 0, 0, -1, -1, 1, 1, 1, 1])
    res = surrogate_rules(pd.DataFrame({"x": x}), labels, features=["x"], max_depth=1)
    assert res.n_scored == 8 and set(res.fidelity_per_segment) == {0, 1}


def test_errors():
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(ConfigError, match="max_depth must be a whole number >= 1, got 0"):
        surrogate_rules(frame, [0, 1], features=["x"], max_depth=0)
    with pytest.raises(InputError, match="no customer is assigned"):
        surrogate_rules(frame, [-1, -1], features=["x"])
    with pytest.raises(ConfigError, match="max_samples must be"):
        surrogate_rules(frame, [0, 1], features=["x"], max_samples=1)

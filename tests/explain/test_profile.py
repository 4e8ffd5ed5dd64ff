"""Segment profiles: known answers in original units."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from custseg.exceptions import InputError
from custseg.explain import profile


def _one_feature_frame(n: int = 2000, seed: int = 0):
    """Two segments that differ in exactly one feature (income)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], n // 2)
    frame = pd.DataFrame({
        "age": rng.normal(45, 10, n),
        "income": rng.normal(50, 5, n) + 20 * labels,
        "tenure_months": rng.normal(30, 8, n),
        "city": rng.choice(["Porto", "Lyon", "Rome"], n),
    })
    return frame, labels


def test_the_only_difference_is_ranked_first():
    frame, labels = _one_feature_frame()
    prof = profile(frame, labels, features=["age", "income", "tenure_months", "city"])
    for seg, sign in ((0, -1), (1, 1)):
        top = prof.top_features(seg)
        assert top[0]["feature"] == "income"
        assert sign * top[0]["effect_size"] > 3.5  # 20 apart with sd 5: d = 4
        assert all(abs(t["effect_size"]) < 0.2 for t in top[1:])
    row = prof.numeric.query("segment == 1 and feature == 'income'").iloc[0]
    assert row["mean"] == pytest.approx(70, abs=0.5)
    assert row["overall_mean"] == pytest.approx(60, abs=0.5)
    assert row["scale"] == "raw"


def test_sizes_shares_value_share_lift_by_hand():
    frame = pd.DataFrame({"annual_spend": [10.0, 30.0, 60.0, 100.0, 0.0, 0.0],
                          "city": ["Paris", "Paris", "Lyon", "Lyon", "Lyon", "Lyon"]})
    prof = profile(frame, [0, 0, 0, 1, 1, -1], features=["annual_spend", "city"])
    assert prof.segment_ids == [0, 1, -1]
    assert prof.sizes == {0: 3, 1: 2, -1: 1}
    assert prof.shares[0] == pytest.approx(0.5)
    assert prof.monetary == ["annual_spend"]
    assert prof.value_shares[0] == pytest.approx(100 / 200)
    assert prof.value_shares[1] == pytest.approx(100 / 200)
    cat = prof.categorical.set_index(["segment", "level"])
    assert cat.loc[(0, "Paris"), "share"] == pytest.approx(2 / 3)
    assert cat.loc[(0, "Paris"), "lift"] == pytest.approx((2 / 3) / (2 / 6))
    assert cat.loc[(1, "Paris"), "lift"] == 0
    num = prof.numeric.set_index(["segment", "feature"])
    assert num.loc[(0, "annual_spend"), "median"] == 30
    assert num.loc[(1, "annual_spend"), "mean"] == 50


def test_skewed_columns_use_ranks_so_one_outlier_cannot_flip_the_sign():
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1], 300)
    spend = np.exp(rng.normal(5, 0.5, 600) + 0.8 * labels)
    spend[0] = 1e8  # one extreme customer in the low segment
    frame = pd.DataFrame({"spend": spend})
    prof = profile(frame, labels, features=["spend"])
    row = prof.numeric.query("segment == 1").iloc[0]
    assert row["mean"] < row["overall_mean"]  # the raw mean is fooled by the outlier...
    assert row["scale"] == "rank-normal"
    assert row["effect_size"] > 0.6  # ...the effect size is not


def test_binary_datetime_and_missing_values():
    frame = pd.DataFrame({
        "member": ["yes", "yes", "no", "no", "no", None],
        "signup": ["2024-01-11", "2024-01-01", "2024-01-31", "2024-01-21", "2024-01-31",
                   "2024-01-30"],
        "income": [10.0, np.nan, 30.0, 40.0, 50.0, 60.0],
    })
    prof = profile(frame, [0, 0, 1, 1, 1, 1], features=["member", "signup", "income"])
    assert prof.kinds == {"member": "binary", "signup": "datetime", "income": "numeric"}
    num = prof.numeric.set_index(["segment", "feature"])
    assert num.loc[(0, "member"), "mean"] == 1.0
    assert num.loc[(1, "member"), "mean"] == 0.0
    assert num.loc[(0, "signup"), "mean"] == pytest.approx(25.0)  # 20 and 30 days before 31st
    assert prof.units["signup"].startswith("days before 2024-01-31")
    assert num.loc[(0, "income"), "mean"] == 10.0  # the missing value is left out
    assert num.loc[(0, "income"), "n_present"] == 1


def test_views_are_consistent(customers):
    frame, truth, schema = customers
    features = schema.feature_columns()
    prof = profile(frame, truth, features=features, schema=schema)
    tidy = prof.to_frame()
    assert {"segment", "feature", "mean", "median", "overall_mean", "effect_size",
            "lift"} <= set(tidy.columns)
    heat = prof.effect_matrix()
    assert heat.shape[0] == 5
    assert "income" in heat.columns and "city = Paris" in heat.columns
    snake = prof.snake_data()
    assert list(snake.index) == [0, 1, 2, 3, 4]
    assert "preferred_channel" not in snake.columns and "signup_date" in snake.columns
    # heat map and tidy table agree
    row = tidy.query("segment == 2 and feature == 'income'").iloc[0]
    assert heat.loc[2, "income"] == pytest.approx(row["effect_size"])
    assert prof.monetary == ["annual_spend"]
    assert sum(prof.value_shares.values()) == pytest.approx(1.0)
    text = json.dumps(prof.to_dict(), allow_nan=False)
    assert json.loads(text)["segments"][0]["top_features"][0]["text"]


def test_monetary_detection_and_override():
    frame = pd.DataFrame({"MntWines": [1.0, 3.0], "MntMeat": [1.0, 5.0], "Age": [30, 40]})
    prof = profile(frame, [0, 1], features=["Age"])
    assert prof.monetary == ["MntWines", "MntMeat"]
    assert prof.value_shares == {0: 0.2, 1: 0.8}
    assert profile(frame, [0, 1], features=["Age"], monetary=False).value_shares[0] is None
    assert profile(frame, [0, 1], features=["Age"], monetary="MntMeat").value_shares[1] == \
        pytest.approx(5 / 6)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"features": ["nope"]}, "feature 'nope' is not a column"),
    ({"features": []}, "no features given"),
    ({"features": ["age"], "labels": [0, 1]}, "labels has shape"),
    ({"features": ["age"], "labels": [0.5, 1, 1]}, "labels must be whole numbers"),
    ({"features": ["age"], "labels": [-2, 1, 1]}, "labels must be >= -1"),
    ({"features": ["age"], "monetary": "cash"}, "monetary column 'cash' is not a column"),
])
def test_errors_say_what_and_how_to_fix(kwargs, match):
    frame = pd.DataFrame({"age": [20, 30, 40]})
    labels = kwargs.pop("labels", [0, 1, 1])
    with pytest.raises(InputError, match=match):
        profile(frame, labels, **kwargs)

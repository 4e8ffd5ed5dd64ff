"""Segment names: known differences, uniqueness, overrides, RFM wording."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from custseg.data import infer_schema
from custseg.datasets import make_customers
from custseg.exceptions import ConfigError
from custseg.explain import name_segments, profile

HIGH_SPEND = ("big spenders", "high value", "champions")
LOW_SPEND = ("low spend", "low value")


def _clear_extremes(medians: pd.Series) -> tuple:
    """The segment clearly highest (1.5x the runner-up) and clearly lowest, or None."""
    o = medians.sort_values()
    high = o.index[-1] if o.iloc[-1] > 1.5 * o.iloc[-2] else None
    low = o.index[0] if 1.5 * o.iloc[0] < o.iloc[1] else None
    return high, low


@pytest.mark.parametrize("k", [4, 5, 6])
@pytest.mark.parametrize("seed", [1, 3, 5])
def test_names_follow_the_known_income_and_spend_differences(k, seed):
    frame, truth = make_customers(3000, k=k, seed=seed, return_labels=True)
    schema = infer_schema(frame)
    prof = profile(frame, truth, features=schema.feature_columns(), schema=schema)
    names = {s: v["name"].lower() for s, v in name_segments(prof).items()}
    assert len(set(names.values())) == k
    checked = 0
    for column, high_words, low_words in (("income", ("high income",), ("low income",)),
                                          ("annual_spend", HIGH_SPEND, LOW_SPEND)):
        medians = frame.groupby(truth)[column].median()
        high, low = _clear_extremes(medians)
        if high is not None:
            assert any(w in names[high] for w in high_words), (column, names[high])
            checked += 1
        if low is not None:
            assert any(w in names[low] for w in low_words), (column, names[low])
            checked += 1
        # never the wrong direction: a "high" segment is above everyone else's median
        for s, name in names.items():
            rest = frame.loc[truth != s, column].median()
            if any(w in name for w in high_words):
                assert medians[s] > rest, (column, name)
            if any(w in name for w in low_words):
                assert medians[s] < rest, (column, name)
    assert checked >= 1  # each of these seeds has at least one clear extreme


def test_a_single_difference_gives_the_name():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 400)
    frame = pd.DataFrame({"age": rng.normal(45, 8, 800),
                          "income": rng.normal(50, 4, 800) + 25 * labels,
                          "annual_spend": rng.normal(900, 60, 800)})
    prof = profile(frame, labels, features=list(frame.columns))
    names = name_segments(prof)
    assert names[1]["name"] == "High income"
    assert names[0]["name"] == "Low income"
    desc = names[1]["description"]
    assert desc.startswith("400 customers (50% of all, ")
    assert "higher income (mean 75" in desc and desc.endswith(".")
    assert desc.count(". ") == 0  # one sentence


def test_look_alike_segments_get_unique_names_without_numbers():
    rng = np.random.default_rng(2)
    labels = np.repeat([0, 1, 2, 3], 300)
    income = rng.normal(40, 4, 1200) + 40 * np.isin(labels, [0, 1])
    age = rng.normal(45, 8, 1200) + 3 * (labels == 0) - 3 * (labels == 1)
    frame = pd.DataFrame({"income": income, "age": age})
    # segments 2 and 3 are the same population split at random
    names = name_segments(profile(frame, labels, features=["income", "age"]))
    values = [v["name"] for v in names.values()]
    assert len(set(values)) == 4
    assert not any(re.search(r"\d", v) for v in values)
    assert names[0]["name"].startswith("High income") and "older" in names[0]["name"]
    assert names[1]["name"].startswith("High income") and "young" in names[1]["name"]


def test_overrides_win_and_are_checked():
    frame = pd.DataFrame({"income": [20.0, 22, 21, 24, 90, 95, 92, 97, 50, 51]})
    labels = [0, 0, 0, 0, 1, 1, 1, 1, -1, -1]
    prof = profile(frame, labels, features=["income"])
    auto = name_segments(prof)
    assert auto[-1]["name"] == "Unassigned"
    assert auto[-1]["description"].startswith("2 customers (20%)")
    named = name_segments(prof, overrides={1: "Affluent"})
    assert named[1]["name"] == "Affluent" and named[0]["name"] == auto[0]["name"]
    # an override equal to another segment's automatic name pushes that one aside
    clash = name_segments(prof, overrides={1: auto[0]["name"]})
    assert clash[1]["name"] == auto[0]["name"] and clash[0]["name"] != auto[0]["name"]
    with pytest.raises(ConfigError, match="segment 7 in \\[names\\] does not exist"):
        name_segments(prof, overrides={7: "Ghosts"})
    with pytest.raises(ConfigError, match="segments 0 and 1 are both named 'Same'"):
        name_segments(prof, overrides={0: "Same", 1: "same"})
    with pytest.raises(ConfigError, match="segment id 'x' in \\[names\\] is not a number"):
        name_segments(prof, overrides={"x": "Bad"})


def test_rfm_vocabulary():
    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1, 2], 300)
    recency = np.exp(rng.normal(3.5, 0.3, 900) + np.select([labels == 0, labels == 1],
                                                           [-1.5, 1.5], 0))
    frequency = rng.poisson(6, 900) + 10 * (labels == 0) + 10 * (labels == 1)
    monetary = np.exp(rng.normal(6, 0.3, 900) + np.where(labels == 2, -1.2, 1.0))
    frame = pd.DataFrame({"recency_days": recency, "frequency": frequency,
                          "monetary": monetary})
    names = name_segments(profile(frame, labels, features=list(frame.columns)))
    assert names[0]["name"].startswith("Champions")
    assert names[1]["name"].startswith("At risk, high value")
    assert "low value" in names[2]["name"].lower() or "low spend" in names[2]["name"].lower()


def test_category_and_generic_words():
    rng = np.random.default_rng(4)
    labels = np.repeat([0, 1], 500)
    frame = pd.DataFrame({
        "preferred_channel": np.where(labels == 1, "app", rng.choice(["store", "web"], 1000)),
        "city": np.where(labels == 0, "Paris", rng.choice(["Rome", "Lyon"], 1000)),
        "Grocery": rng.normal(100, 10, 1000) + 50 * labels})
    names = name_segments(profile(frame, labels, features=list(frame.columns)))
    # a level always comes with its column ("Yes users" said nothing)
    assert names[1]["name"] == "Preferred channel: app, high grocery"
    assert names[0]["name"].startswith("City: Paris")

"""The relevance screen may down-weight but never strips a table (issue 15)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custseg.data import infer_schema
from custseg.preprocess import CustomerPreprocessor
from custseg.preprocess.relevance import relevance_plan


def test_plan_drops_at_most_a_third_lowest_first():
    scores = [0.001, 0.002, 0.003, 0.004, 0.5, 0.6, 0.7, 0.8, 0.9]
    plan = relevance_plan(scores, threshold=0.05, discrete=[False] * 9)
    assert [i for i, w in plan.items() if w == "drop"] == [0, 1, 2]
    assert plan[3].startswith("at most a third")


def test_plan_leaves_at_least_four_features():
    plan = relevance_plan([0.01, 0.02, 0.03, 0.9, 0.8], threshold=0.05, discrete=[False] * 5,
                          max_drop_share=0.9)
    assert [i for i, w in plan.items() if w == "drop"] == [0]
    assert plan[1] == "the screen leaves at least 4 features"


def test_plan_keeps_continuous_columns_when_only_discrete_would_remain():
    scores = [0.9, 0.8, 0.7, 0.6, 0.01, 0.02]
    discrete = [True, True, True, True, False, False]
    plan = relevance_plan(scores, threshold=0.05, discrete=discrete)
    assert "drop" not in plan.values()
    assert "cells of a cross-tab" in plan[4]


def test_plan_protects_and_drops_demographics_last():
    scores = [0.001, 0.002, 0.003, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    plan = relevance_plan(scores, threshold=0.05, discrete=[False] * 9,
                          protected={1: "you asked to keep it (--keep)"}, last={0})
    assert plan[1] == "you asked to keep it (--keep)"
    assert plan[2] == "drop" and plan[0] == "drop"  # budget 3: both candidates go
    plan = relevance_plan(scores, threshold=0.05, discrete=[False] * 9, last={0},
                          max_drop_share=0.2)  # budget 1: the demographic stays
    assert plan[1] == "drop" and plan[0] != "drop" and plan[2] != "drop"


def _discrete_plus_noise(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Six linked discrete columns and two structureless amounts.

    The bank-marketing failure: the screen kept only discrete columns (campaign
    month, call data), whose segments are the cells of a cross-tab.
    """
    rng = np.random.default_rng(seed)
    cell = rng.integers(0, 3, n)
    flip = rng.random(n) < 0.05
    return pd.DataFrame({
        "region": np.array(["north", "south", "east"])[cell],
        "card": np.where(cell == 0, "gold", "blue"),
        "products": cell + 1 + flip,
        "channel": np.array(["web", "shop", "phone"])[(cell + flip) % 3],
        "contract": np.where(cell == 2, "yearly", "monthly"),
        "calls": 2 * cell + flip,
        "balance": rng.gamma(2.0, 100, n), "tenure_months": rng.uniform(1, 60, n)})


def test_screen_never_leaves_only_discrete_columns():
    frame = _discrete_plus_noise()
    prep = CustomerPreprocessor(infer_schema_roles(frame), random_state=0).fit(frame)
    dec = {d["column"]: d for d in prep.decisions_}
    for col in ("balance", "tenure_months"):
        assert col in prep.features_used_, prep.features_dropped_.get(col)
        assert dec[col]["stats"]["relevance"] < 0.05
        assert "only discrete columns would remain" in dec[col]["reason"]
        assert dec[col]["stats"]["weight"] == 0.05


def infer_schema_roles(frame: pd.DataFrame) -> dict:
    return {c.name: c.role for c in infer_schema(frame)}


def test_behavioural_core_of_a_log_is_never_dropped():
    rng = np.random.default_rng(1)
    n = 1200
    g = rng.integers(0, 3, n)
    frame = pd.DataFrame({f"signal_{i}": g * 4 + rng.normal(size=n) for i in range(4)})
    for col in ("recency_days", "frequency", "monetary", "tenure_days"):
        frame[col] = rng.gamma(2.0, 10, n)  # no structure at all
    prep = CustomerPreprocessor(random_state=0).fit(frame)
    for col in ("recency_days", "frequency", "monetary", "tenure_days"):
        assert col in prep.features_used_, prep.features_dropped_.get(col)


@pytest.mark.parametrize("name", ["iranian_churn", "bank_churners"])
def test_shared_churn_tables_keep_age(shared_datasets, name):
    from custseg.data.io import read_table

    path = {"iranian_churn": shared_datasets / "iranian_churn" / "Customer Churn.csv",
            "bank_churners": shared_datasets / "bank_churners" / "BankChurners.csv"}[name]
    frame = read_table(path).frame
    prep = CustomerPreprocessor(random_state=0).fit(frame)
    ages = [c for c in prep.features_used_ if "age" in c.lower().replace("usage", "")]
    assert ages, prep.features_dropped_
    usable = [d for d in prep.decisions_ if "stats" in d and "relevance" in d["stats"]]
    irrelevant = [d for d in usable if d["reason"].startswith("no segment structure")]
    assert len(irrelevant) <= len(usable) / 3


def test_plan_drops_discrete_before_continuous_within_a_group():
    # BankChurners: Customer_Age scored lowest of the demographics (0.003) while
    # Education_Level (0.003) and Marital_Status (0.018) are categories
    scores = [0.0028, 0.0031, 0.0179, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    discrete = [False, True, True] + [False] * 6
    plan = relevance_plan(scores, threshold=0.05, discrete=discrete, last={0, 1, 2},
                          max_drop_share=2 / 9)
    assert plan[1] == "drop" and plan[2] == "drop" and plan[0] != "drop"

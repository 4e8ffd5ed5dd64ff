"""Outcome columns (churn flags, responses, model scores) profiled per segment."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from custseg.data import infer_schema
from custseg.data.schema import ROLES
from custseg.exceptions import InputError
from custseg.explain import explain, profile


@pytest.fixture(scope="module")
def churn_table():
    """Three segments with known churn: 40% / 10% / 0%, a text flag and a score."""
    rng = np.random.default_rng(7)
    labels = np.repeat([0, 1, 2], [500, 300, 200])
    churn = np.r_[rng.permutation(np.r_[np.ones(200), np.zeros(300)]),
                  rng.permutation(np.r_[np.ones(30), np.zeros(270)]), np.zeros(200)]
    frame = pd.DataFrame({
        "tenure": rng.normal(20, 3, 1000) + 10 * labels,
        "Churn": churn.astype(int),
        "Attrition_Flag": np.where(churn == 1, "Attrited Customer", "Existing Customer"),
        "score": rng.normal(0.5, 0.05, 1000) - 0.1 * labels,
        "plan": np.select([labels == 0, labels == 1], ["basic", "plus"], "premium"),
    })
    frame.loc[[3, 4], "score"] = np.nan  # missing outcome values are left out
    return frame, labels


def test_each_kind_of_outcome_matches_pandas(churn_table):
    frame, labels = churn_table
    prof = profile(frame, labels, features=["tenure"],
                   outcomes=["Churn", "Attrition_Flag", "score", "plan"])
    by = pd.Series(labels)
    overview = {o["column"]: o for o in prof.outcomes_overview()}
    assert overview["Churn"]["statistic"] == "rate" and overview["Churn"]["level"] == 1
    assert overview["Churn"]["overall"] == pytest.approx(frame["Churn"].mean())
    # a text flag counts its rarer level: churners, not the existing customers
    assert overview["Attrition_Flag"]["level"] == "Attrited Customer"
    assert overview["score"]["statistic"] == "mean"
    assert overview["score"]["n_missing"] == 2
    assert overview["plan"]["statistic"] == "top_share"
    for s in (0, 1, 2):
        rows = {o["column"]: o for o in prof.outcomes_of(s)}
        churn_rate = frame["Churn"][by == s].mean()
        assert rows["Churn"]["value"] == pytest.approx(churn_rate)
        assert rows["Attrition_Flag"]["value"] == pytest.approx(churn_rate)
        assert rows["score"]["value"] == pytest.approx(frame["score"][by == s].mean())
        assert rows["score"]["n"] == int(frame["score"][by == s].notna().sum())
        top = frame["plan"][by == s].value_counts()
        assert rows["plan"]["level"] == top.index[0]
        assert rows["plan"]["value"] == pytest.approx(top.iloc[0] / top.sum())
        # the overall of a categorical outcome is the share of the segment's own level
        assert rows["plan"]["overall"] == pytest.approx(
            (frame["plan"] == top.index[0]).mean())
    assert prof.outcomes_of(0)[0]["text"] == "share with Churn = 1: 40% vs 23% overall"
    table = prof.outcome_table()
    assert len(table) == 3 * 4 and set(table["statistic"]) == {"rate", "mean", "top_share"}


def test_outcomes_reach_the_explanation_json(churn_table):
    frame, labels = churn_table
    X = frame[["tenure"]].to_numpy()
    res = explain(frame, labels, X, features=["tenure"], outcomes="Churn", n_boot=0)
    doc = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert [o["column"] for o in doc["outcomes"]] == ["Churn"]
    rates = {seg["id"]: seg["outcomes"][0]["value"] for seg in doc["segments"]}
    assert rates == pytest.approx({0: 0.4, 1: 0.1, 2: 0.0})
    assert all(seg["outcomes"][0]["overall"] == pytest.approx(0.23) for seg in doc["segments"])


def test_unknown_outcome_column_is_one_clear_error(churn_table):
    frame, labels = churn_table
    with pytest.raises(InputError, match="outcome column 'nope' is not a column of the table"):
        profile(frame, labels, features=["tenure"], outcomes=["nope"])


def test_no_outcome_column_gives_an_empty_list(churn_table):
    frame, labels = churn_table
    prof = profile(frame, labels, features=["tenure"])
    assert prof.outcomes == [] and prof.outcomes_of(0) == []


@pytest.mark.skipif("outcome" not in ROLES,
                    reason="the 'outcome' schema role is not in custseg.data.schema.ROLES yet")
def test_schema_outcome_role_is_profiled_and_reported(churn_table, tmp_path):
    import custseg
    from custseg.report import build_report_data, render_report
    from custseg.summary import summary_schema

    frame, labels = churn_table
    schema = infer_schema(frame, roles={"Churn": "outcome"})
    prof = profile(frame, labels, features=["tenure"], schema=schema)
    assert "Churn" in schema.names("outcome")  # Attrition_Flag may be found by its name too
    assert [o["column"] for o in prof.outcomes] == schema.names("outcome")

    result = custseg.run(frame[["tenure", "Churn"]], k=3, algorithms=["kmeans"],
                         roles={"Churn": "outcome"}, stability=False, report=False)
    assert "Churn" not in result.preprocessor.features_used_
    summary = result.summary()
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(summary, summary_schema())
    assert summary["outcomes"][0]["column"] == "Churn"
    seg_labels = pd.Series(result.labels)
    for seg in summary["segments"]:
        expected = frame["Churn"][seg_labels == seg["id"]].mean()
        assert seg["outcomes"][0]["value"] == pytest.approx(expected)
    html = render_report(build_report_data(result))
    assert "Outcomes by segment" in html and "share with Churn = 1" in html

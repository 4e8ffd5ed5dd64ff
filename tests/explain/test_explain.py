"""explain(): everything in one call, JSON for summary.json, a real dataset."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.cluster import KMeans

from custseg.data import infer_schema, load
from custseg.datasets import bundled_path
from custseg.exceptions import InputError
from custseg.explain import explain

SPEND = ["Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen"]


def test_wholesale_channel_against_kmeans_of_log_spend():
    frame = load(bundled_path("wholesale"))
    schema = infer_schema(frame, label="Channel")
    X = np.log1p(frame[SPEND].to_numpy(dtype=float))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    model = KMeans(2, n_init=10, random_state=0)
    labels = model.fit_predict(X)
    res = explain(frame, labels, X, features=SPEND, schema=schema, monetary=SPEND,
                  fit_predict=model, n_boot=10)
    scores = res.validation.external
    print("\nWholesale, Channel vs KMeans(k=2) of log spend:",
          {k: round(v, 3) for k, v in scores.items()})
    print(res.validation.contingency.to_string())
    print({s: v["name"] for s, v in res.names.items()},
          "rule fidelity", round(res.rules.fidelity, 3))
    assert 0.1 < scores["ari"] < 0.95  # Channel is related to, not the same as, spend mix
    assert 0 < scores["v_measure"] < 1
    # the retail-heavy segment is the one that buys more grocery and detergents
    retail = int(res.validation.contingency.loc["2"].idxmax())
    assert "high grocery" in res.names[retail]["name"].lower()
    assert res.rules.fidelity > 0.85
    assert set(res.validation.stability["verdict"]) <= {"stable", "moderately stable"}
    assert sum(res.profiles.value_shares.values()) == pytest.approx(1.0)


def test_summary_json_round_trip(customers, design):
    frame, truth, schema = customers
    design_matrix, NUMERIC = design
    features = schema.feature_columns()
    X = design_matrix(frame, NUMERIC)
    labels = KMeans(5, n_init=3, random_state=0).fit_predict(X)
    labels[:20] = -1  # a few customers that could not be scored
    res = explain(frame, labels, X, features=features, schema=schema, label_true=truth,
                  names={0: "First group"}, n_boot=3, sample_size=1000)
    raw = res.to_dict()
    _assert_plain(raw)
    doc = json.loads(json.dumps(raw, allow_nan=False))
    assert set(doc) == {"segments", "outcomes", "metrics", "validation", "warnings"}
    assert doc["outcomes"] == []  # no outcome column in this table
    seg = doc["segments"][0]
    assert set(seg) == {"id", "name", "description", "size", "share", "value_share",
                        "profile", "outcomes", "rules", "stability"}
    assert seg["name"] == "First group" and seg["stability"] is None
    assert [s["id"] for s in doc["segments"]] == [0, 1, 2, 3, 4, -1]
    assert doc["segments"][-1]["name"] == "Unassigned" and doc["segments"][-1]["rules"] is None
    assert sum(s["size"] for s in doc["segments"]) == 3000
    names = [s["name"] for s in doc["segments"]]
    assert len(set(names)) == len(names)
    assert doc["metrics"]["silhouette_sample_size"] == 1000
    assert 0 < doc["metrics"]["rule_fidelity"] <= 1
    assert doc["validation"]["external"]["ari"] > 0.5  # KMeans finds the planted segments
    assert res.to_frame()["segment"].tolist() == [0, 1, 2, 3, 4, -1]


def _assert_plain(value) -> None:
    """Only plain Python types (no numpy scalars, no NaN) in JSON-ready output."""
    if isinstance(value, dict):
        assert all(type(k) in (str, int) for k in value)
        for v in value.values():
            _assert_plain(v)
    elif isinstance(value, list):
        for v in value:
            _assert_plain(v)
    else:
        assert type(value) in (str, int, float, bool, type(None)), type(value)
        assert not (type(value) is float and value != value)


def test_the_label_column_is_never_a_feature(customers, design):
    frame, _, _ = customers
    design_matrix, _ = design
    small = frame.head(200).assign(segment_truth=np.arange(200) % 2)
    X = design_matrix(small, ["income", "age"])
    with pytest.raises(InputError, match="the label column 'segment_truth' is listed as a "
                                         "feature"):
        explain(small, np.arange(200) % 2, X, features=["income", "segment_truth"],
                label_true="segment_truth")
    with pytest.raises(InputError, match="X has 10 rows but the table has 200"):
        explain(small, np.arange(200) % 2, X[:10], features=["income"])

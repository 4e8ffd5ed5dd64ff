"""Typed preprocessing blocks: one class per kind, plain dicts in the saved model."""

from __future__ import annotations

import dataclasses
import json
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans

from custseg.datasets import make_customers
from custseg.exceptions import ModelMismatchError
from custseg.persist.model import SegmentationModel, load_model, save_model
from custseg.persist.trust import refused_types, schema_nodes
from custseg.preprocess import CustomerPreprocessor
from custseg.preprocess.blocks import (
    BLOCK_TYPES,
    CodesBlock,
    DateBlock,
    GeoBlock,
    block_from_state,
)

#: the keys a saved block always had, in this order (model files written before the
#: typed blocks hold exactly these, plus the two optional ones when set)
SAVED_KEYS = ["name", "columns", "kind", "group", "date_format", "weight", "transformer",
              "n_out"]
OPTIONAL_KEYS = {"shares_weight_with", "weight_reason"}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    frame = make_customers(600, k=3, seed=0)
    rng = np.random.default_rng(0)
    frame["store"] = [f"s{v}" for v in rng.integers(0, 80, len(frame))]  # -> frequency
    return frame


@pytest.fixture(scope="module")
def fitted(table) -> CustomerPreprocessor:
    return CustomerPreprocessor(select_features=False, pca="off").fit(table)


def _plain(value) -> bool:
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, float, int, bool)


def test_every_kind_is_its_own_class_and_saved_as_a_plain_dict(fitted):
    blocks = fitted.blocks()
    assert {b.kind for b in blocks} >= {"numeric", "category", "date", "geo", "frequency"}
    for block, state in zip(blocks, fitted.blocks_, strict=True):
        assert type(block) is BLOCK_TYPES[block.kind]
        assert type(state) is dict
        assert list(state)[:len(SAVED_KEYS)] == SAVED_KEYS
        assert set(state) - set(SAVED_KEYS) <= OPTIONAL_KEYS
        assert all(_plain(v) for k, v in state.items() if k != "transformer"), state
        assert block_from_state(state) == block
        assert block.to_state() == state
    geo = next(b for b in blocks if isinstance(b, GeoBlock))
    assert (geo.latitude, geo.longitude, geo.n_out) == ("latitude", "longitude", 3)
    date = next(b for b in blocks if isinstance(b, DateBlock))
    assert date.column == "signup_date" and date.n_out >= 1
    assert sum(b.n_out for b in blocks) == fitted.n_features_out_


def test_blocks_are_frozen(fitted):
    block = fitted.blocks()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        block.weight = 2.0  # type: ignore[misc]


def test_kprototypes_turns_categories_into_code_blocks(table, fitted):
    prep = CustomerPreprocessor(select_features=False, mixed="kprototypes").fit(table)
    codes = [b for b in prep.blocks() if isinstance(b, CodesBlock)]
    onehot = [b for b in fitted.blocks() if b.kind == "category"]
    assert len(codes) >= 3
    assert [(b.column, b.weight) for b in codes] == [(b.column, b.weight) for b in onehot]
    assert all(b.n_out == 1 for b in codes)
    start = 0
    expected = []
    for b in prep.blocks():
        if b.kind == "codes":
            expected.append(start)
        start += b.n_out
    assert prep.categorical_indices_ == expected


def test_shared_and_lowered_weights_survive_the_saved_form():
    rng = np.random.default_rng(1)
    n = 800
    city = rng.integers(0, 4, n)
    frame = pd.DataFrame({
        "spend": np.r_[rng.normal(10, 1, n // 2), rng.normal(30, 1, n - n // 2)],
        "visits": np.r_[rng.normal(2, 0.3, n // 2), rng.normal(8, 0.3, n - n // 2)],
        "city": np.array(["north", "south", "east", "west"])[city],
        "latitude": np.array([55.0, 40.0, 48.0, 47.0])[city] + rng.normal(0, 0.01, n),
        "longitude": np.array([10.0, 12.0, 20.0, 2.0])[city] + rng.normal(0, 0.01, n),
    })
    prep = CustomerPreprocessor(pca="off").fit(frame)
    shared = {b.name: b for b in prep.blocks() if b.shares_weight_with}
    assert shared["latitude+longitude"].shares_weight_with == ("city",)
    assert shared["city"].shares_weight_with == ("latitude+longitude",)
    assert shared["city"].weight == pytest.approx(shared["latitude+longitude"].weight)
    state = next(s for s in prep.blocks_ if s["name"] == "city")
    assert state["shares_weight_with"] == ["latitude+longitude"]
    assert "shares one feature's weight with latitude+longitude" in \
        prep.features_dropped_.get("city", "") + next(
            d["reason"] for d in prep.decisions_ if d["column"] == "city")


def test_the_saved_model_holds_no_block_class_and_scores_the_same(fitted, table, tmp_path):
    X = fitted.transform(table)
    model = SegmentationModel(fitted, KMeans(3, n_init=2, random_state=0).fit(X),
                              {c: str(table[c].dtype) for c in fitted.features_used_})
    path = save_model(model, tmp_path / "model.skops")
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read("schema.json"))
    pairs = schema_nodes(schema)
    assert not [name for _, name in pairs if name.startswith("custseg.preprocess.blocks")]
    assert refused_types(pairs) == []
    loaded = load_model(path).preprocessor
    assert [type(b) for b in loaded.blocks()] == [type(b) for b in fitted.blocks()]
    np.testing.assert_array_equal(loaded.transform(table), X)


def test_a_block_saved_without_the_optional_keys_loads(fitted, table):
    """A model file written before typed blocks: the dicts as the old code built them."""
    old = CustomerPreprocessor(select_features=False, pca="off").fit(table)
    old.blocks_ = [{k: s[k] for k in SAVED_KEYS} for s in old.blocks_]
    assert [b.weight_reason for b in old.blocks()] == [None] * len(old.blocks_)
    np.testing.assert_array_equal(old.transform(table), fitted.transform(table))


def test_an_unknown_block_kind_is_one_clear_error(fitted):
    state = {**fitted.blocks_[0], "kind": "spline"}
    with pytest.raises(ModelMismatchError, match=r"block of unknown kind 'spline' \(known: "
                                                 r"numeric, date, .*Fix: fit the model again"):
        block_from_state(state)

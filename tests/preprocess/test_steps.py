"""Behaviour of each preprocessing step on small, hand-checkable data."""

from __future__ import annotations

import numpy as np
import pytest

from custseg.preprocess import (
    CategoryCodeEncoder,
    DateDurationEncoder,
    FrequencyEncoder,
    GeoEncoder,
    MissingImputer,
    SkewTransformer,
    WeightedOneHotEncoder,
    Winsorizer,
)


def test_imputer_fills_median_and_flags_frequent_gaps():
    X = np.array([[1.0, 10.0], [np.nan, 20.0], [3.0, 30.0], [5.0, np.nan]] * 10)
    X[0, 1] = np.nan  # column 1: 11 of 40 missing (27%), column 0: 10 of 40 (25%)
    imp = MissingImputer(indicator_share=0.26).fit(X)
    assert imp.indicator_.tolist() == [1]
    assert imp.n_missing_.tolist() == [10, 11]
    out = imp.transform(X)
    assert out.shape == (40, 3)
    assert out[1, 0] == 3.0  # median of 1, 3, 5
    assert out[0, 2] == 1.0 and out[1, 2] == 0.0
    assert not np.isnan(out).any()


def test_skew_transformer_logs_money_and_keeps_symmetric_columns():
    rng = np.random.default_rng(0)
    spend = rng.lognormal(6, 1.2, 2000)
    symmetric = rng.normal(50, 10, 2000)
    left = 12 - rng.lognormal(0, 0.8, 2000)  # negative skew, still positive values
    st = SkewTransformer().fit(np.c_[spend, symmetric, left])
    assert st.methods_ == ["log1p", "none", "yeo-johnson"]
    assert abs(st.skew_after_[0]) < 0.5 < st.skew_before_[0]
    assert abs(st.skew_after_[2]) < abs(st.skew_before_[2])
    out = st.transform(np.c_[spend, symmetric, left])
    np.testing.assert_allclose(out[:, 0], np.log1p(spend))
    np.testing.assert_array_equal(out[:, 1], symmetric)


def test_skew_transformer_uses_yeo_johnson_for_negative_values_and_keeps_nan():
    rng = np.random.default_rng(1)
    balance = rng.lognormal(3, 1.0, 3000) - 15  # skewed and partly negative
    st = SkewTransformer().fit(balance.reshape(-1, 1))
    assert st.methods_ == ["yeo-johnson"]
    out = st.transform(np.array([[np.nan], [-30.0], [1e6]]))
    assert np.isnan(out[0, 0]) and np.isfinite(out[1:, 0]).all()


def test_winsorizer_clips_and_counts_but_leaves_binary_columns():
    x = np.r_[np.arange(1000.0), [666666.0]]
    flag = np.r_[np.zeros(999), [1.0, 1.0]]
    w = Winsorizer(quantiles=(0.005, 0.995)).fit(np.c_[x, flag])
    assert w.n_clipped_[0] == 10
    assert w.n_clipped_[1] == 0
    out = w.transform(np.c_[x, flag])
    assert out[-1, 0] == pytest.approx(w.upper_[0]) and out[-1, 0] < 1000
    assert out[-1, 1] == 1.0


def test_winsorizer_rejects_bad_quantiles():
    with pytest.raises(ValueError, match="0 <= low <= high <= 1"):
        Winsorizer(quantiles=(0.9, 0.1)).fit(np.arange(10.0).reshape(-1, 1))


def test_weighted_onehot_block_has_total_variance_one_and_unit_weighting_does_not():
    rng = np.random.default_rng(0)
    X = rng.choice(["a", "b", "c", "d"], size=(4000, 1), p=[0.4, 0.3, 0.2, 0.1]).astype(object)
    block = WeightedOneHotEncoder().fit_transform(X)
    unit = WeightedOneHotEncoder(weighting="unit").fit_transform(X)
    assert block.var(axis=0).sum() == pytest.approx(1.0)
    assert unit.var(axis=0).sum() == pytest.approx(4.0)
    np.testing.assert_allclose(block.mean(axis=0), 0, atol=1e-12)


def test_weighted_onehot_pools_rare_levels_and_handles_unseen_and_missing():
    X = np.array(["a"] * 50 + ["b"] * 47 + ["x", "y"] + [None], dtype=object).reshape(-1, 1)
    enc = WeightedOneHotEncoder(rare_share=0.02).fit(X)
    assert enc.categories_[0] == ["a", "b", "other"]
    assert sorted(enc.pooled_[0]) == ["(missing)", "x", "y"]
    names = enc.get_feature_names_out(["plan"]).tolist()
    assert names == ["plan=a", "plan=b", "plan=other"]
    seen_other = enc.transform(np.array([["y"]], dtype=object))
    unseen = enc.transform(np.array([["never-seen"]], dtype=object))
    np.testing.assert_array_equal(unseen, seen_other)  # unseen goes to "other"
    assert unseen[0, 2] > 0


def test_weighted_onehot_two_levels_give_one_standardised_column():
    X = np.array(["yes"] * 30 + ["no"] * 70, dtype=object).reshape(-1, 1)
    out = WeightedOneHotEncoder().fit_transform(X)
    assert out.shape == (100, 1)
    assert out.std() == pytest.approx(1.0)


def test_frequency_encoder_and_category_codes():
    X = np.array(["Lisbon"] * 6 + ["Porto"] * 3 + ["Faro"], dtype=object).reshape(-1, 1)
    freq = FrequencyEncoder().fit(X)
    assert freq.transform(np.array([["Porto"], ["Oslo"]], dtype=object)).ravel().tolist() == \
        [0.3, 0.0]
    codes = CategoryCodeEncoder(rare_share=0.0).fit(X)
    assert codes.categories_[0] == ["Lisbon", "Porto", "Faro"]
    assert codes.transform(np.array([["Faro"], ["Oslo"]], dtype=object)).ravel().tolist() == \
        [2.0, 3.0]


def test_geo_encoder_respects_the_antimeridian_and_weighs_as_one_column():
    X = np.array([[10.0, 179.5], [10.0, -179.5], [-40.0, 20.0], [60.0, 100.0]])
    raw = GeoEncoder(weighting="none").fit_transform(X)
    assert np.linalg.norm(raw[0] - raw[1]) < 0.02
    np.testing.assert_allclose(np.linalg.norm(raw, axis=1), 1.0)
    block = GeoEncoder().fit(X)
    assert block.transform(X).var(axis=0).sum() == pytest.approx(1.0)
    assert block.transform(np.array([[np.nan, 3.0]])).tolist() == [[0.0, 0.0, 0.0]]


def test_geo_encoder_needs_two_columns():
    with pytest.raises(ValueError, match="1 feature"):
        GeoEncoder().fit(np.ones((5, 1)))


def test_date_duration_encoder_counts_days_before_as_of():
    X = np.array([["2024-01-01"], [None], ["2023-12-01"]], dtype=object)
    enc = DateDurationEncoder().fit(X)
    assert enc.as_of_date_ == "2024-01-01"
    out = enc.transform(X).ravel()
    assert out[0] == 0.0 and np.isnan(out[1]) and out[2] == 31.0
    fixed = DateDurationEncoder(as_of="2024-01-31", date_format="%d/%m/%Y")
    assert fixed.fit_transform(np.array([["30/01/2024"]], dtype=object)).tolist() == [[1.0]]

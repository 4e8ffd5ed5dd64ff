"""CustomerPreprocessor on synthetic customers: decisions, selection, new data, saving."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from custseg.data import infer_schema
from custseg.datasets import make_customers
from custseg.exceptions import ConfigError, InputError, ModelMismatchError
from custseg.preprocess import CustomerPreprocessor, PreprocessOptions, build_preprocessor

# The module's fitted preprocessors built once, on one worker.
pytestmark = pytest.mark.xdist_group("preprocess-pipeline")

NOISE = {"noise_1", "noise_2", "noise_3"}


@pytest.fixture(scope="module")
def customers():
    return make_customers(2000, k=5, seed=3, return_labels=True)


@pytest.fixture(scope="module")
def fitted(customers):
    frame, _ = customers
    return build_preprocessor(infer_schema(frame)).fit(frame)


def _kmeans_ari(X, truth, k):
    with threadpool_limits(limits=1):
        labels = KMeans(k, n_init=4, random_state=0).fit_predict(X)
    return adjusted_rand_score(truth, labels)


def test_one_decision_per_column_and_consistent_lists(customers, fitted):
    frame, _ = customers
    assert [d["column"] for d in fitted.decisions_] == list(frame.columns)
    for dec in fitted.decisions_:
        assert set(dec) == {"column", "role", "group", "kept", "treatment", "reason", "stats"}
        assert dec["reason"], dec["column"]
    assert fitted.features_used_ == [d["column"] for d in fitted.decisions_ if d["kept"]]
    assert set(fitted.features_used_).isdisjoint(fitted.features_dropped_)
    assert set(fitted.features_used_) | set(fitted.features_dropped_) == set(frame.columns)
    for col in ("customer_id", "name", "email", "phone"):
        assert col in fitted.features_dropped_
    assert fitted.feature_groups_["latitude"] == "geography"


def test_noise_and_unrelated_columns_dropped_as_irrelevant(fitted):
    dropped = fitted.features_dropped_
    for col in [*NOISE, "signup_date"]:
        assert dropped[col].startswith("no segment structure"), (col, dropped[col])
    # at most a third of the features go on relevance alone and demographics go last:
    # a structureless demographic beyond that share is kept at weight 0.05, and says so
    dec = {d["column"]: d for d in fitted.decisions_}
    for col in ("gender", "education"):
        assert col in dropped or ("weak segment structure" in dec[col]["reason"]
                                  and dec[col]["stats"]["weight"] == 0.05), dec[col]
    for col in ("age", "income", "recency_days", "email_open_rate", "preferred_channel",
                "latitude", "longitude"):
        assert col in fitted.features_used_


def test_noise_dropped_on_most_seeds():
    hits = 0
    seeds = range(4)
    for seed in seeds:
        frame = make_customers(1000, k=3 + seed, seed=10 + seed)
        prep = CustomerPreprocessor(random_state=seed, pca="off").fit(frame)
        hits += set(prep.features_dropped_) >= NOISE
    assert hits >= 3


def test_treatments_are_recorded(fitted):
    dec = {d["column"]: d for d in fitted.decisions_}
    assert dec["annual_spend"]["treatment"].startswith("log1p")
    assert dec["annual_spend"]["stats"]["skewness_before"] > 3
    assert dec["income"]["stats"]["n_imputed"] > 0
    assert dec["income"]["stats"]["n_clipped"] > 0
    assert dec["latitude"]["treatment"].startswith("3-D unit-sphere coordinates")
    assert dec["preferred_channel"]["treatment"] == "one-hot (3 levels) weighted as one column"
    assert "no segment structure" in dec["gender"]["reason"]
    assert dec["gender"]["treatment"].startswith("not used (one-hot")


def test_output_matrix_and_names(customers, fitted):
    frame, truth = customers
    X = fitted.transform(frame)
    assert X.dtype == np.float64 and X.shape == (len(frame), len(fitted.get_feature_names_out()))
    assert np.isfinite(X).all()
    assert _kmeans_ari(X, truth, 5) > 0.85


def test_summary_is_json_ready(fitted):
    summary = fitted.to_dict()
    text = json.dumps(summary)
    assert json.loads(text)["features_used"] == fitted.features_used_
    assert summary["preprocessing"]["method"] == "onehot"
    assert "decisions" in summary["preprocessing"]
    assert summary == fitted.summary_()


def test_new_data_with_unseen_category_and_gaps(customers, fitted):
    frame, _ = customers
    new = make_customers(50, k=5, seed=99)
    new.loc[0, "city"] = "Reykjavik"
    new.loc[1, "preferred_channel"] = "carrier pigeon"
    new.loc[2, ["income", "age", "latitude"]] = np.nan
    new = new.drop(columns=["email", "noise_1"])  # unused columns may be missing
    X = fitted.transform(new)
    assert X.shape == (50, fitted.transform(frame).shape[1])
    assert np.isfinite(X).all()


def test_missing_column_raises_model_mismatch(customers, fitted):
    frame, _ = customers
    with pytest.raises(ModelMismatchError, match=r"lacks column\(s\).*'income'.*Fix: add"):
        fitted.transform(frame.drop(columns=["income"]))


def test_skops_round_trip_gives_identical_output(customers, fitted):
    frame, _ = customers
    blob = sio.dumps(fitted)
    loaded = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    np.testing.assert_array_equal(loaded.transform(frame.head(300)),
                                  fitted.transform(frame.head(300)))
    assert loaded.decisions_ == fitted.decisions_


def test_keep_exclude_and_weights(customers):
    frame, _ = customers
    opts = PreprocessOptions(keep=["noise_1"], exclude=["age"],
                             weights={"geography": 0.25, "income": 0})
    prep = build_preprocessor(infer_schema(frame), opts).fit(frame)
    assert "noise_1" in prep.features_used_
    assert prep.features_dropped_["age"] == "excluded by the user (--exclude)"
    assert prep.features_dropped_["income"].startswith("weight 0")
    geo = next(b for b in prep.blocks_ if b["kind"] == "geo")
    assert geo["weight"] == 0.25
    prep_off = build_preprocessor(infer_schema(frame),
                                  PreprocessOptions(select_features=False, pca="off"))
    X = prep_off.fit(frame).transform(frame)
    names = list(prep_off.get_feature_names_out())
    geo_cols = [i for i, n in enumerate(names) if n.startswith("latitude_longitude")]
    assert X[:, geo_cols].var(axis=0).sum() == pytest.approx(1.0, rel=1e-6)


def test_unknown_option_columns_and_pii_keep_raise(customers):
    frame, _ = customers
    with pytest.raises(ConfigError, match=r"'agee'.*do not exist.*Fix: use column names"):
        CustomerPreprocessor(exclude=["agee"]).fit(frame)
    with pytest.raises(ConfigError, match="'email' holds personal data"):
        CustomerPreprocessor(keep=["email"]).fit(frame)
    with pytest.raises(ConfigError, match="unknown mixed-data method 'pca'"):
        PreprocessOptions(mixed="pca")
    with pytest.raises(ConfigError, match="weight of 'geography' must be a number >= 0"):
        PreprocessOptions(weights={"geography": -1})
    with pytest.raises(InputError, match="expected a pandas DataFrame"):
        CustomerPreprocessor().fit(np.ones((5, 2)))


def test_onehot_weighting_trap():
    """A random 4-level category must not take over the segments."""
    X, truth = make_blobs(1500, n_features=3, centers=3, cluster_std=2.0, random_state=3,
                          center_box=(-6, 6))
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2"])
    frame["colour"] = rng.choice(["red", "green", "blue", "grey"], size=len(frame))
    ours = CustomerPreprocessor(select_features=False, pca="off").fit_transform(frame)
    unit = np.hstack([StandardScaler().fit_transform(X),
                      StandardScaler().fit_transform(pd.get_dummies(frame["colour"]).to_numpy(
                          dtype=float))])
    assert _kmeans_ari(ours, truth, 3) > 0.85
    assert _kmeans_ari(unit, truth, 3) < 0.3


def test_near_duplicates_and_integer_ids():
    rng = np.random.default_rng(0)
    spend = rng.lognormal(5, 1, 800)
    frame = pd.DataFrame({
        "row_number": np.arange(1, 801),
        "spend": spend,
        "spend_copy": np.where(rng.random(800) < 0.05, np.nan, spend * 1.1),
        "visits": rng.poisson(5, 800).astype(float),
        "flag": ["a"] * 796 + ["b"] * 4,
    })
    prep = CustomerPreprocessor(roles={c: "numeric" for c in frame.columns[:4]} |
                                {"flag": "categorical"}, pca="off").fit(frame)
    dropped = prep.features_dropped_
    assert re.match(r"near-duplicate: \|r\|=0\.9\d with spend: kept spend because it has "
                    "fewer missing values", dropped["spend_copy"])
    assert "identifier" in dropped["row_number"]
    assert dropped["flag"].startswith("near-constant: 99.5%")


@pytest.mark.parametrize("method", ["kprototypes", "famd"])
def test_mixed_methods(customers, method):
    frame, _ = customers
    prep = CustomerPreprocessor(mixed=method, select_features=False).fit(frame)
    X = prep.transform(frame)
    assert prep.method_ == method and "chosen by the user" in prep.method_reason_
    if method == "kprototypes":
        names = prep.get_feature_names_out()
        assert [names[i] for i in prep.categorical_indices_] == \
            ["gender", "education", "preferred_channel", "city"]
        codes = X[:, prep.categorical_indices_]
        np.testing.assert_array_equal(codes, np.round(codes))
        assert prep.pca_ is None
    else:
        assert prep.categorical_indices_ == []
        assert prep.pca_["n_components"] == X.shape[1]
        assert prep.pca_["explained_variance_total"] >= 0.9


def test_categorical_dominated_table_uses_famd():
    rng = np.random.default_rng(0)
    group = rng.integers(0, 3, 1000)
    frame = pd.DataFrame({f"q{i}": np.where(rng.random(1000) < 0.8, group,
                                            rng.integers(0, 3, 1000)).astype(str)
                          for i in range(5)})
    frame["spend"] = rng.lognormal(4 + group, 0.3)
    prep = CustomerPreprocessor().fit(frame)
    assert prep.method_ == "famd"
    assert "categories dominate" in prep.method_reason_
    assert _kmeans_ari(prep.transform(frame), group, 3) > 0.8


def test_trace_shows_each_step(customers, fitted):
    frame, _ = customers
    table = fitted.trace(frame, "annual_spend", rows=3)
    assert table.columns.tolist() == ["raw", "impute", "skew", "clip", "scale"]
    np.testing.assert_allclose(table["skew"], np.log1p(frame["annual_spend"].head(3)))
    with pytest.raises(InputError, match="'noise_1' is not a feature"):
        fitted.trace(frame, "noise_1")


def test_famd_projection_agrees_with_prince():
    """Our FAMD (weighted dummies + PCA, skops-safe) matches prince's leading axes."""
    import prince

    frame = make_customers(800, k=3, seed=0)
    cols = ["gender", "education", "preferred_channel", "city", "age", "orders_per_year",
            "mobile_share"]
    sub = frame[cols]
    roles = {c: "categorical" for c in cols[:4]} | {c: "numeric" for c in cols[4:]}
    prep = CustomerPreprocessor(roles=roles, mixed="famd", select_features=False,
                                rare_level_share=0.0, winsor_quantiles=(0, 1),
                                skew_threshold=100).fit(sub)
    ours = prep.transform(sub)[:, :2]
    theirs = prince.FAMD(n_components=2, random_state=0).fit(sub).row_coordinates(sub)
    r = np.corrcoef(ours.T, theirs.to_numpy().T)[:2, 2:]
    assert abs(r[0, 0]) > 0.95 and abs(r[1, 1]) > 0.9


def test_no_usable_column_is_a_clear_error():
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(30)], "const": [1] * 30})
    with pytest.raises(InputError, match=r"no column can be used as a feature: customer_id: "
                                         r"identifier.*Fix: check the column roles"):
        CustomerPreprocessor().fit(frame)


def test_city_and_its_coordinates_share_one_weight(fitted):
    # make_customers places each customer near their city: the coordinates are ~100%
    # explained by the city, so geography would otherwise count twice.
    dec = {d["column"]: d for d in fitted.decisions_}
    assert dec["city"]["stats"]["explained_by_level"]["latitude+longitude"] > 0.99
    for col in ("city", "latitude", "longitude"):
        assert dec[col]["stats"]["weight"] == 0.5
        assert "shares one feature's weight" in dec[col]["reason"]
    # a category unrelated to any number keeps its full weight
    assert "weight" not in dec["preferred_channel"]["stats"]
    assert "explained_by_level" not in dec["preferred_channel"]["stats"]


def test_user_weights_override_weight_sharing(customers):
    frame, _ = customers
    prep = CustomerPreprocessor(weights={"geography": 2.0}).fit(frame)
    dec = {d["column"]: d for d in prep.decisions_}
    assert dec["city"]["stats"]["weight"] == 2.0
    assert "as asked (--weight)" in dec["city"]["reason"]
    assert "shares one feature's weight" not in dec["latitude"]["reason"]


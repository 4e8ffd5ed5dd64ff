"""The automatic preprocessing on the shared real datasets (their quirks are the test)."""

from __future__ import annotations

import numpy as np
import pytest

from custseg.data import infer_schema, load
from custseg.preprocess import build_preprocessor
from tests.corpus import require_shared_datasets

# The module's marketing table built once, on one worker.
pytestmark = pytest.mark.xdist_group("preprocess-real-data")


def _fit(relative: str):
    folder = require_shared_datasets()
    frame = load(folder / relative)
    prep = build_preprocessor(infer_schema(frame)).fit(frame)
    return frame, prep, {d["column"]: d for d in prep.decisions_}


@pytest.fixture(scope="module")
def marketing():
    return _fit("customer_personality/marketing_campaign.csv")


def test_marketing_income_imputed_and_outlier_clipped(marketing):
    frame, prep, dec = marketing
    income = dec["Income"]
    assert income["kept"]
    assert income["stats"]["n_imputed"] == 24
    assert income["stats"]["n_clipped"] >= 1
    assert "24 missing values filled with the median" in income["reason"]
    steps = prep.trace(frame, "Income", rows=len(frame))
    outlier = (frame["Income"] == 666666).to_numpy()
    clipped = steps["clip"].to_numpy()
    assert clipped[outlier][0] == pytest.approx(clipped.max())  # clipped to the upper bound
    assert np.expm1(clipped.max()) < 200_000
    assert steps["scale"].to_numpy()[outlier][0] < 4  # no longer a 25-sd monster
    assert np.isfinite(steps["scale"].to_numpy()).all()


def test_marketing_constant_columns_dropped_with_reason(marketing):
    _, prep, _ = marketing
    for col in ("Z_CostContact", "Z_Revenue"):
        assert col not in prep.features_used_
        assert prep.features_dropped_[col].startswith("constant")
    assert "ID" in prep.features_dropped_


def test_marketing_dates_become_tenure(marketing):
    _, _, dec = marketing
    assert dec["Dt_Customer"]["treatment"].startswith("tenure in days")
    assert dec["Dt_Customer"]["stats"]["as_of"] == "2014-06-29"


def test_cc_general_money_columns_are_log_transformed():
    _, prep, dec = _fit("cc_general/CC GENERAL.csv")
    for col in ("BALANCE", "PURCHASES", "PAYMENTS", "CASH_ADVANCE", "MINIMUM_PAYMENTS"):
        assert dec[col]["stats"]["transform"] == "log1p", col
        assert dec[col]["stats"]["skewness_before"] > 2
        assert abs(dec[col]["stats"]["skewness_after"]) < abs(dec[col]["stats"]["skewness_before"])
    assert dec["MINIMUM_PAYMENTS"]["stats"]["n_imputed"] == 313
    assert "CUST_ID" in prep.features_dropped_


def test_wholesale_channel_and_region_are_categories_not_quantities():
    _, _, dec = _fit("wholesale_customers/Wholesale customers data.csv")
    assert dec["Channel"]["treatment"] == "0/1 weighted as one column"
    assert dec["Channel"]["stats"]["levels"] == ["1", "2"]
    region = dec["Region"]
    assert "one-hot (3 levels) weighted as one column" in region["treatment"]
    assert "skewness_before" not in region["stats"]
    assert dec["Fresh"]["stats"]["transform"] == "log1p"

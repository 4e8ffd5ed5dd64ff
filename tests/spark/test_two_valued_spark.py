"""Two-valued text columns on the Spark engine: a category, never CAST(text AS DOUBLE).

Before the shared plan, "Yes"/"No" went through CAST(col AS DOUBLE): NULL everywhere
(the column then dropped as 100 % missing) or, under Spark 4's ANSI mode, an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custseg.data import infer_schema
from custseg.preprocess import PreprocessOptions, build_preprocessor

pytestmark = pytest.mark.xdist_group("spark2")  # one of two Spark groups: tests/conftest.py


def _table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    smoker = rng.choice(["Yes", "No"], n, p=[0.3, 0.7])
    smoker[::7] = None
    return pd.DataFrame({"spend": rng.gamma(2.0, 50.0, n) + (smoker == "Yes") * 80,
                         "visits": rng.normal(10, 3, n).round(1), "smoker": smoker,
                         "sex": rng.choice(["M", "F"], n)})


@pytest.mark.parametrize("ansi", ["true", "false"])
def test_two_valued_text_is_kept_and_equals_the_local_dummy(spark, ansi):
    from custseg.spark import prep
    from custseg.spark.reader import ROW, read_input

    frame = _table()
    before = spark.conf.get("spark.sql.ansi.enabled")
    spark.conf.set("spark.sql.ansi.enabled", ansi)
    try:
        raw, _ = read_input(spark, frame)
        schema = infer_schema(frame)
        assert schema["smoker"].role in ("binary", "categorical")
        options = PreprocessOptions(select_features=False)
        plan = prep.make_plan(raw, schema, frame, options=options)
        model, dim = prep.fit_pipeline(raw, plan)
        rows = model.transform(raw).orderBy(ROW).select("features").collect()
    finally:
        spark.conf.set("spark.sql.ansi.enabled", before)
    assert plan.treatments["smoker"] == plan.treatments["sex"] == "category"
    assert "smoker" in plan.features_used and "sex" in plan.features_used
    got = np.vstack([r["features"].toArray() for r in rows])
    local = build_preprocessor(schema, options).fit(frame)
    assert prep.feature_names(plan, model, dim) == local.get_feature_names_out().tolist()
    want = local.transform(frame)
    assert got.shape == want.shape == (300, dim)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, atol=1e-9)
    smoker = [i for i, n in enumerate(prep.feature_names(plan)) if n.startswith("smoker=")]
    assert len(smoker) == 3  # Yes, No and the missing level

"""One preprocessing plan: Spark's statistics and pandas' give the same treatment per column.

For each table the plan is made twice with :func:`custseg.preprocess.plan.plan_columns`:
from pandas statistics of the loaded table (the local engine) and from one Spark
aggregation plus the sample the engine draws. Treatments and reasons must be equal; the
fitted decisions (kept, treatment, reason, feature selection, PCA) too; and the vectors
the two compiled pipelines give agree row by row (the tables fit in Spark's sample, so
every fitted parameter is the same).
"""

from __future__ import annotations

import numpy as np
import pytest

from custseg.data import infer_schema, load
from custseg.datasets import make_customers
from custseg.preprocess import PreprocessOptions, build_preprocessor
from custseg.preprocess.plan import plan_columns, stats_from_pandas

pytestmark = pytest.mark.xdist_group("spark")  # one of two Spark groups: tests/conftest.py


def _both(spark, path, options):
    from custseg.spark import prep
    from custseg.spark.engine import _sample
    from custseg.spark.reader import ROW, read_input

    frame = load(path)
    schema = infer_schema(frame)
    local_stats = stats_from_pandas(frame, {c.name: c.role for c in schema},
                                    {c.name: c.group for c in schema},
                                    {c.name: c.reason for c in schema})
    local_plan = plan_columns(local_stats, options)
    local = build_preprocessor(schema, options).fit(frame)

    raw, _ = read_input(spark, str(path))
    sample = _sample(raw, raw.count(), 20_000, 0)
    spark_plan = prep.make_plan(raw, infer_schema(sample), sample, options=options)
    model, _ = prep.fit_pipeline(raw, spark_plan)
    rows = model.transform(raw).orderBy(ROW).limit(40).select("features").collect()
    got = np.vstack([r["features"].toArray() for r in rows])
    return frame, local_plan, local, spark_plan, got


def _assert_parity(frame, local_plan, local, spark_plan, got):
    want_plan = {p.column: (p.kind, p.reason, p.weight, p.partner) for p in local_plan}
    got_plan = {p.column: (p.kind, p.reason, p.weight, p.partner) for p in spark_plan.columns}
    assert got_plan == want_plan
    want = {d["column"]: (d["kept"], d["treatment"], d["reason"]) for d in local.decisions_}
    have = {d["column"]: (d["kept"], d["treatment"], d["reason"])
            for d in spark_plan.preprocessor.decisions_}
    assert have == want
    assert spark_plan.features_used == local.features_used_
    assert spark_plan.preprocessor.method_ == local.method_
    names = [str(n) for n in local.get_feature_names_out()]
    assert [str(n) for n in spark_plan.preprocessor.get_feature_names_out()] == names
    expected = local.transform(frame.head(40))
    assert got.shape == expected.shape
    # deterministic steps on the same fitted parameters: equal up to float rounding
    np.testing.assert_allclose(got, expected, atol=1e-7)


@pytest.mark.parametrize("seed", [0, 1])
def test_make_customers_same_plan_and_vectors(spark, tmp_path, seed):
    path = tmp_path / "customers.csv"
    make_customers(600, k=3 + seed, seed=seed).to_csv(path, index=False)
    result = _both(spark, path, PreprocessOptions(random_state=seed))
    _assert_parity(*result)
    kinds = {p.column: p.kind for p in result[3].columns}
    # what used to differ: a unit-sphere block, and dates as days
    assert kinds["latitude"] == kinds["longitude"] == "geo"
    assert kinds["signup_date"] == "date"


def test_make_customers_as_of_and_no_selection_are_honoured(spark, tmp_path):
    path = tmp_path / "customers.csv"
    make_customers(400, k=3, seed=2).to_csv(path, index=False)
    options = PreprocessOptions(as_of="2030-01-01", select_features=False, pca="off")
    frame, local_plan, local, spark_plan, got = _both(spark, path, options)
    _assert_parity(frame, local_plan, local, spark_plan, got)
    stats = {d["column"]: d["stats"] for d in spark_plan.preprocessor.decisions_}
    assert stats["signup_date"]["as_of"] == "2030-01-01"
    assert set(spark_plan.features_used) >= {"noise_1", "noise_2", "noise_3"}


def test_mall_customers(spark, shared_datasets):
    path = shared_datasets / "mall_customers" / "Mall_Customers.csv"
    _assert_parity(*_both(spark, path, PreprocessOptions()))


def test_bank_churners_text_columns(spark, shared_datasets, tmp_path):
    # 2,000 rows keep it fast; the text columns (Gender M/F, Education_Level, Card_Category)
    # are what CAST(col AS DOUBLE) used to drop
    source = load(shared_datasets / "bank_churners" / "BankChurners.csv")
    path = tmp_path / "bank.csv"
    source.head(2000).to_csv(path, index=False)
    result = _both(spark, path, PreprocessOptions())
    _assert_parity(*result)
    kinds = {p.column: p.kind for p in result[3].columns}
    assert kinds["Gender"] == kinds["Education_Level"] == "category"

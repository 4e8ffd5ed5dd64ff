"""Online Retail and CDNOW: the DuckDB builder against independent pandas computations."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow.parquet as pq
import pytest

from custseg.exceptions import ConfigError
from custseg.features import build_customer_features, looks_like_transaction_log

# The module's retail features built once, on one worker.
pytestmark = pytest.mark.xdist_group("features-real-logs")


@pytest.fixture(scope="module")
def retail_path(shared_datasets):
    return shared_datasets / "online_retail" / "online_retail.parquet"


@pytest.fixture(scope="module")
def retail(retail_path):
    return build_customer_features(retail_path)


def test_online_retail_matches_pandas(retail, retail_path):
    df = pd.read_parquet(retail_path).drop_duplicates()
    df = df[df["CustomerID"].notna()]
    amount = df["Quantity"] * df["UnitPrice"]
    is_return = (df["Quantity"] < 0) | df["InvoiceNo"].str.startswith("C")
    df = df[is_return | (amount >= 0)]  # bad-debt adjustments out
    amount = df["Quantity"] * df["UnitPrice"]
    is_return = (df["Quantity"] < 0) | df["InvoiceNo"].str.startswith("C")
    net = amount.where(~is_return, -amount.abs())
    buys = df[~is_return & (amount > 0)]
    orders = buys.groupby("CustomerID")["InvoiceNo"].nunique()

    f = retail.frame
    assert len(f) == df["CustomerID"].nunique() == 4372
    assert f["monetary"].sum() == pytest.approx(net.sum(), rel=1e-9)
    top = f.loc[f["frequency"].idxmax()]
    assert top["CustomerID"] == int(orders.idxmax())
    assert top["frequency"] == orders.max()
    merged = f.set_index("CustomerID")["frequency"].reindex(orders.index.astype(int))
    assert (merged.to_numpy() == orders.to_numpy()).all()


def test_online_retail_quality_counts(retail):
    q = retail.quality
    assert q["lines_total"] == 541_909
    assert q["lines_without_customer"] == 135_080
    assert q["duplicate_lines"] == 5_268
    assert q["zero_price_lines"] == 2_515
    assert q["negative_price_lines"] == 2
    assert q["return_lines"] == 10_624
    assert q["cancelled_lines"] == 9_288
    assert retail.as_of == dt.date(2011, 12, 10)
    assert retail.frame["CustomerID"].is_monotonic_increasing
    assert retail.frame["main_country"].notna().all()


def test_glob_of_two_parquet_files_equals_single_file(retail, retail_path, tmp_path):
    table = pq.read_table(retail_path)
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), tmp_path / "part-1.parquet")
    pq.write_table(table.slice(half), tmp_path / "part-2.parquet")
    got = build_customer_features(str(tmp_path / "*.parquet"))
    pd.testing.assert_frame_equal(got.frame, retail.frame)
    assert got.quality == retail.quality


def test_log_larger_than_duckdb_memory_limit_gives_the_same_features(retail, retail_path):
    # The log holds ~59 MB in Arrow memory (several times that in pandas); with
    # 40 MB allowed DuckDB spills to its temporary folder and the features are
    # still identical, bit for bit.
    assert pq.read_table(retail_path).nbytes > 40 * 2**20
    low = build_customer_features(retail_path, memory_limit="40MB")
    pd.testing.assert_frame_equal(low.frame, retail.frame)
    assert low.quality == retail.quality


def test_too_small_memory_limit_is_one_clear_error(retail_path):
    # above DuckDB's minimum but too small for this log: the out-of-memory message
    with pytest.raises(ConfigError, match=r"DuckDB ran out of memory building the customer "
                                          r"features within memory_limit 16MB.*raise the limit"):
        build_customer_features(retail_path, memory_limit="16MB")
    # below DuckDB's minimum: said before reading the file (was "check the file format")
    with pytest.raises(ConfigError, match=r"memory_limit 1MB is too small for DuckDB, which "
                                          r"needs at least 16MB.*use at least 16MB"):
        build_customer_features(retail_path, memory_limit="1MB")


def test_cdnow_whitespace_text(shared_datasets):
    res = build_customer_features(shared_datasets / "cdnow" / "CDNOW_master.txt")
    f = res.frame
    assert res.columns.customer == "customer_id" and res.columns.amount == "dollar_value"
    assert len(f) == 23_570
    assert f["customer_id"].iloc[0] == "00001" and f["customer_id"].is_monotonic_increasing
    assert res.as_of == dt.date(1998, 7, 1)
    first = f.iloc[0]  # 00001 bought once, on 1997-01-01, for 11.77
    assert first["tenure_days"] == (dt.date(1998, 7, 1) - dt.date(1997, 1, 1)).days
    assert first["monetary"] == pytest.approx(11.77) and first["frequency"] == 1
    assert res.quality["zero_price_lines"] == 80 and res.quality["lines_total"] == 69_659


def test_looks_like_transaction_log(shared_datasets, retail_path):
    cols = pq.read_schema(retail_path).names
    assert looks_like_transaction_log(cols, 541_909, 4_372)
    tables = {
        "mall_customers/Mall_Customers.csv": ",",
        "wholesale_customers/Wholesale customers data.csv": ",",
        "customer_personality/marketing_campaign.csv": "\t",
        "cc_general/CC GENERAL.csv": ",",
    }
    for rel, sep in tables.items():
        t = pd.read_csv(shared_datasets / rel, sep=sep)
        assert not looks_like_transaction_log(list(t.columns), len(t), len(t)), rel
    assert not looks_like_transaction_log(["customer_id", "date", "amount"], 100, 100)

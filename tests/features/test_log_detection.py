"""Log or table, decided from the structure (issue 14, failure 3), on fixtures and real data."""

from __future__ import annotations

import pandas as pd
import pytest

from custseg.data.io import read_table
from custseg.features import build_customer_features, detect_log
from custseg.workflow import run
from tests.features.logfixtures import order_items

FAST = {"k": (2, 3), "algorithms": ["kmeans"], "report": False, "stability": False}

LOGS = {
    "online_retail": "online_retail/online_retail.parquet",
    "cdnow": "cdnow/CDNOW_master.txt",
    "groceries": "groceries/Groceries_dataset.csv",
    "retail_transactions": "retail_transactions/Retail_Data_Transactions.csv",
    "sample_sales": "sample_sales/sales_data_sample.csv",
}
TABLES = {
    "mall": "mall_customers/Mall_Customers.csv",
    "wholesale": "wholesale_customers/Wholesale customers data.csv",
    "marketing_campaign": "customer_personality/marketing_campaign.csv",
    "cc_general": "cc_general/CC GENERAL.csv",
    "online_shoppers": "online_shoppers/online_shoppers_intention.csv",
    "bank_churners": "bank_churners/BankChurners.csv",
    "train_av": "customer_segmentation_av/Train.csv",
    "iranian_churn": "iranian_churn/Customer Churn.csv",
    "german": "german_credit/german.data",
    "retail_response": "retail_transactions/Retail_Data_Response.csv",
}
# The customer key each log is keyed by.
LOG_CUSTOMER = {"online_retail": "CustomerID", "cdnow": "customer_id",
                "groceries": "Member_number", "retail_transactions": "customer_id",
                "sample_sales": "CUSTOMERNAME"}


def test_order_item_export_is_a_log_by_its_structure():
    items = order_items()
    assert len(items) == 297 and items["customer_unique_id"].nunique() == 250
    d = detect_log(items)
    assert d.is_log
    assert d.roles["customer"] == "customer_unique_id"  # not the per-order customer_id
    assert d.roles["date"] == "order_purchase_timestamp"
    assert d.roles["amount"] == "price" and d.roles["quantity"] is None
    assert d.roles["invoice"] == "order_id"
    assert d.roles["category"] == "product_category_name"
    assert "1.19 rows per value against 1.14" in d.reasons["customer"]
    assert "each line is one item worth its price" in d.reasons["amount"]
    assert "'customer_unique_id' repeats (1.2 rows per customer)" in d.why


def test_order_item_export_is_segmented_per_customer(tmp_path):
    items = order_items()
    path = tmp_path / "order_items.csv"
    items.to_csv(path, index=False)
    result = run(path, **FAST)
    assert result.source["kind"] == "transactions"
    seg = result.segments_table()
    # one row per customer (was: one row per item, with repeated ids)
    assert len(seg) == 250 and seg["customer_unique_id"].is_unique
    assert set(seg["customer_unique_id"]) == set(items["customer_unique_id"])
    assert any(d.startswith("input recognised as a transaction log: 'customer_unique_id' "
                            "repeats") for d in result.decisions)
    # the value is the item price (freight is not the customer's spend on goods)
    f = result.frame.set_index("customer_unique_id")
    expected = items.groupby("customer_unique_id")["price"].sum()
    assert f["monetary"].sort_index().to_numpy() == pytest.approx(
        expected.sort_index().to_numpy())
    assert result.model.metadata["input_kind"] == "transactions"


def test_a_customer_table_with_a_date_and_money_is_not_a_log():
    table = pd.DataFrame({"customer_id": [f"C{i:04d}" for i in range(200)],
                          "signup_date": pd.date_range("2020-01-01", periods=200).astype(str),
                          "total_spend": range(200)})
    d = detect_log(table)
    assert not d.is_log
    assert d.why == "'customer_id' is nearly unique (1.00 rows per value): one row per customer"


def test_a_log_without_money_or_items_is_a_log_of_purchase_days():
    visits = pd.DataFrame({"member_id": [1, 1, 2, 2],
                           "visit_date": [f"2024-01-0{i}" for i in range(1, 5)]})
    d = detect_log(visits)
    assert d.is_log and not d.monetary
    assert "there is no money and no item column (features are purchase days" in d.why
    visits["item"] = ["milk", "bread", "milk", "eggs"]
    d = detect_log(visits)
    assert d.is_log and not d.monetary
    assert "there is no money column (features are counts and item shares)" in d.why
    # a leftover column of numbers may be money under another name: ask, don't guess
    paid = visits.drop(columns="item").assign(dollars=[9.5, 3.25, 7.0, 1.5])
    d = detect_log(paid)
    assert not d.is_log
    assert d.why == ("no money or item column by name, but 'dollars' holds numbers: pass "
                     "--amount dollars if it is the line value")
    # the same two columns with one row per member stay a table
    once = pd.DataFrame({"member_id": [1, 2, 3, 4], "visit_date": visits["visit_date"]})
    assert not detect_log(once).is_log


def test_an_id_and_date_log_is_segmented_per_customer(tmp_path):
    """Only a bare ``id`` and a date (the lifetimes example's shape): frequency counts
    distinct purchase days, monetary is unavailable and said so."""
    days = ["2014-01-02", "2014-01-02", "2014-02-10", "2014-03-01", "2014-03-05",
            "2014-04-11", "2014-06-30", "2014-07-01"]
    rows = [(days[(i * 3 + j) % len(days)], i) for i in range(1, 31) for j in range(i % 3 + 1)]
    log = pd.DataFrame(rows, columns=["date", "id"])
    d = detect_log(log)
    assert d.is_log and d.roles["customer"] == "id" and d.roles["date"] == "date"
    assert "the only key-named column" in d.reasons["customer"]
    path = tmp_path / "visits.csv"
    log.to_csv(path, index=False)
    result = run(path, **FAST)
    assert result.source["kind"] == "transactions"
    f = result.frame.set_index("id")
    assert len(f) == 30 and "monetary" not in f.columns
    expected = log.drop_duplicates().groupby("id")["date"].nunique()
    assert f["frequency"].sort_index().tolist() == expected.sort_index().tolist()
    assert any("monetary value is unavailable" in n for n in result.decisions)


def test_a_unique_id_with_a_date_stays_a_table():
    table = pd.DataFrame({"ID": range(100), "Dt_Customer": ["2013-05-01"] * 100,
                          "Income": [float(i) for i in range(100)]})
    d = detect_log(table)
    assert not d.is_log and "nearly unique" in d.why


def _detect(path):
    table = read_table(path)
    return detect_log(table.frame, headerless=not table.header)


@pytest.mark.parametrize("name", sorted(LOGS))
def test_every_shared_log_is_detected(shared_datasets, name):
    d = _detect(shared_datasets / LOGS[name])
    assert d.is_log, d.why
    assert d.roles["customer"] == LOG_CUSTOMER[name]
    assert d.monetary == (name != "groceries")


def test_headerless_cdnow_sample_is_a_log_by_its_values(shared_datasets):
    """No header: master id (repeated codes), YYYYMMDD days and dollars, by the values."""
    d = _detect(shared_datasets / "cdnow" / "CDNOW_sample.txt")
    assert d.is_log and d.monetary, d.why
    assert (d.roles["customer"], d.roles["date"], d.roles["amount"]) == (
        "column_1", "column_3", "column_5")
    assert "written YYYYMMDD" in d.reasons["date"]
    assert d.roles["quantity"] is None  # a count of CDs is not guessed without a name


@pytest.mark.parametrize("name", sorted(TABLES))
def test_no_shared_table_is_detected_as_a_log(shared_datasets, name):
    d = _detect(shared_datasets / TABLES[name])
    assert not d.is_log, d.why


def test_groceries_features_without_money(shared_datasets):
    res = build_customer_features(shared_datasets / LOGS["groceries"])
    f = res.frame
    assert not res.monetary
    assert "monetary" not in f.columns and "avg_order_value" not in f.columns
    assert len(f) == 3898
    # frequency = distinct shopping days (baskets): 14,963 (Member_number, Date) pairs
    raw = pd.read_csv(shared_datasets / LOGS["groceries"])
    assert f["frequency"].sum() == raw[["Member_number", "Date"]].drop_duplicates().shape[0]
    shares = [c for c in f.columns if c.startswith("share_")]
    assert shares[:2] == ["share_whole_milk", "share_other_vegetables"]
    assert f[shares].sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert any("monetary value is unavailable" in n for n in res.notes)


def test_customer_key_is_chosen_on_all_rows_not_a_sample(tmp_path):
    # 30 copies of the fixture with distinct ids: 8,910 lines, more than the 5,000-line
    # sample the builder reads roles from; in a sample nearly every key looks unique
    # (most customers bought once), so the choice counts rows per value on all rows
    parts, base = [], order_items()
    for i in range(30):
        part = base.copy()
        for col in ("customer_unique_id", "customer_id", "order_id"):
            part[col] = part[col] + f"-{i}"
        parts.append(part)
    items = pd.concat(parts, ignore_index=True)
    items.to_csv(tmp_path / "items.csv", index=False)
    res = build_customer_features(tmp_path / "items.csv")
    assert res.columns.customer == "customer_unique_id"
    assert len(res.frame) == 30 * 250
    assert ("column customer: 'customer_unique_id' over 'customer_id': 1.19 rows per value "
            "against 1.14, so it groups more lines into one customer") in res.notes

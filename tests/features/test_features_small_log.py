"""Hand-computed features on a tiny log with every quirk (returns, cancels, dups...)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from custseg.features import QualityRules, build_customer_features

ROWS = [
    # invoice, date, qty, price, customer, category, country
    ("1001", "1/5/2024 10:00", 2, 10.0, 1.0, "A", "UK"),
    ("1001", "1/5/2024 10:00", 1, 5.0, 1.0, "B", "UK"),
    ("1001", "1/5/2024 10:00", 2, 10.0, 1.0, "A", "UK"),  # exact duplicate
    ("1002", "1/15/2024 9:00", 1, 30.0, 1.0, "A", "UK"),
    ("C1003", "1/20/2024 11:00", -1, 10.0, 1.0, "A", "UK"),  # cancellation
    ("1004", "1/25/2024 9:00", 3, 0.0, 1.0, "A", "UK"),  # zero price
    ("A1", "1/26/2024 9:00", 1, -40.0, 1.0, "A", "UK"),  # bad-debt adjustment
    ("2001", "1/10/2024 12:00", 1, 100.0, 2.0, "C", "FR"),
    ("2002", "1/10/2024 15:00", 1, 50.0, 2.0, "C", "FR"),  # 2nd order, same day
    ("2003", "1/31/2024 8:00", 2, 25.0, 2.0, "B", "DE"),
    ("2004", "2/1/2024 8:00", -2, 25.0, 2.0, "B", "DE"),  # return, no C prefix
    ("2005", "not a date", 1, 1.0, 2.0, "B", "DE"),  # unparseable date
    ("3001", "1/12/2024 10:00", 5, 2.0, np.nan, "A", "UK"),  # no customer
]
COLS = ["InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice", "CustomerID", "category", "Country"]


@pytest.fixture
def log() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=COLS)


def test_hand_computed_features(log):
    res = build_customer_features(log, top_categories=2)
    f = res.frame.set_index("CustomerID")
    assert list(res.frame.columns[:4]) == ["CustomerID", "recency_days", "frequency", "monetary"]
    assert res.frame["CustomerID"].tolist() == [1, 2]
    assert res.as_of == dt.date(2024, 2, 2)  # day after the last line (2/1)
    c1, c2 = f.loc[1], f.loc[2]
    # customer 1: orders 1001 (25) and 1002 (30), cancellation -10, zero/bad-debt out
    assert c1.frequency == 2 and c1.monetary == pytest.approx(45.0)
    assert c1.recency_days == 18 and c1.tenure_days == 28
    assert c1.avg_order_value == pytest.approx(27.5)
    assert c1.interpurchase_mean_days == pytest.approx(10.0) and c1.interpurchase_cv == 0.0
    assert c1.active_months == 1
    assert c1.return_rate_value == pytest.approx(10 / 55)
    assert c1.return_rate_count == pytest.approx(1 / 3)
    assert c1.trend_90d == pytest.approx(1.0)
    assert c1.main_country == "UK"
    # top 2 categories by purchase value: C (150), B (55); A (50) is pooled in other
    assert c1.share_c == 0 and c1.share_b == pytest.approx(5 / 55)
    assert c1.share_other == pytest.approx(50 / 55)
    # customer 2: three orders on two days, a -50 return without the C prefix
    assert c2.frequency == 3 and c2.monetary == pytest.approx(150.0)
    assert c2.recency_days == 2 and c2.tenure_days == 23
    assert c2.avg_order_value == pytest.approx(200 / 3)
    assert c2.interpurchase_mean_days == pytest.approx(21.0)
    assert c2.return_rate_value == pytest.approx(0.25)
    assert c2.share_c == pytest.approx(0.75) and c2.share_b == pytest.approx(0.25)
    assert c2.main_country == "DE"  # FR 2 lines, DE 2 lines: tie -> alphabetical


def test_quality_counts(log):
    q = build_customer_features(log).quality
    assert q["lines_total"] == 13
    assert q["duplicate_lines"] == 1
    assert q["lines_without_customer"] == 1
    assert q["zero_price_lines"] == 1
    assert q["negative_price_lines"] == 1
    assert q["return_lines"] == 2
    assert q["cancelled_invoices"] == 1
    assert q["unparseable_dates"] == 1
    assert q["future_dates"] == 0
    assert q["customers"] == 2 and q["customers_negative_net"] == 0


def test_rules_and_notes_in_words(log):
    res = build_customer_features(log)
    assert "dropped (1)" in res.rules["drop_missing_customer"]
    assert "%m/%d/%Y %H:%M" in res.rules["date_format"]
    assert any("exact duplicates" in n for n in res.notes)
    d = res.to_dict()
    assert d["n_customers"] == 2 and d["as_of"] == "2024-02-02"


def test_as_of_excludes_future_lines(log):
    res = build_customer_features(log, as_of="2024-01-31")
    assert res.quality["future_dates"] == 2  # 1/31 and 2/1
    c2 = res.frame.set_index("CustomerID").loc[2]
    assert c2.frequency == 2 and c2.monetary == pytest.approx(150.0)
    assert c2.recency_days == 21


def test_overrides_of_quality_rules(log):
    rules = QualityRules(keep_duplicates=True, drop_missing_customer=False,
                         exclude_negative_price=False, cancel_prefix=None)
    res = build_customer_features(log, rules=rules)
    f = res.frame
    assert len(f) == 3 and pd.isna(f["CustomerID"].iloc[-1])  # pooled missing id, last
    c1 = f.iloc[0]
    # duplicate kept (+20), bad debt reduces (-40); the -1 qty line is still a return
    assert c1.monetary == pytest.approx(45.0 + 20 - 40)
    assert res.quality["cancelled_invoices"] == 0
    assert res.quality["duplicate_lines"] == 1


def test_amount_only_log_with_text_ids_and_ties():
    log = pd.DataFrame({
        "customer_id": ["007", "007", "010", "010", "010"],
        "date": ["20240101", "20240101", "20240102", "20240105", "20240103"],
        "dollar_value": [10.0, 10.0, 0.0, 8.0, -3.0],
    })
    res = build_customer_features(log, rules=QualityRules(keep_duplicates=True))
    f = res.frame.set_index("customer_id")
    assert f.index.tolist() == ["007", "010"]  # zero-padded ids stay text
    assert f.loc["007", "frequency"] == 1  # no invoice column: distinct purchase days
    assert f.loc["007", "monetary"] == 20.0
    assert f.loc["010", "frequency"] == 1  # the 0-dollar day is not an order
    assert f.loc["010", "monetary"] == pytest.approx(5.0)  # negative amount = return
    assert res.quality["return_lines"] == 1 and res.quality["zero_price_lines"] == 1


def test_quoted_identifiers_survive_hostile_names():
    bad = 'id"; DROP TABLE lines; --'
    log = pd.DataFrame({bad: ["a", "a", "b"], "when": ["2024-03-01", "2024-03-05", "2024-03-02"],
                        'val"ue;': [1.0, 2.0, 4.0]})
    res = build_customer_features(log, columns={"customer": bad, "date": "when",
                                                "amount": 'val"ue;'})
    assert res.frame.columns[0] == bad
    assert res.frame["monetary"].tolist() == [3.0, 4.0]


def test_trend_definition():
    log = pd.DataFrame({
        "customer": ["a", "a", "b", "c"],
        "date": ["2024-01-01", "2024-05-20", "2024-02-01", "2023-01-01"],
        "amount": [30.0, 10.0, 5.0, 7.0],
    })
    res = build_customer_features(log, as_of="2024-06-01")
    t = res.frame.set_index("customer")["trend_90d"]
    assert t["a"] == pytest.approx((10 - 30) / 40)
    assert t["b"] == -1.0 and t["c"] == 0.0


def test_text_and_excel_files(tmp_path, log):
    csv = tmp_path / "log.csv"
    log.to_csv(csv, index=False, sep=";")
    xlsx = tmp_path / "log.xlsx"
    log.to_excel(xlsx, index=False)
    ref = build_customer_features(log).frame
    for path in (csv, xlsx):
        got = build_customer_features(path).frame
        pd.testing.assert_frame_equal(got, ref, check_dtype=False)


def test_nan_ids_in_parquet_count_as_missing(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # pyarrow keeps numpy NaN as a value (not null) and leaves it out of min/max stats
    table = pa.table({"CustomerID": np.array([1.0, np.nan, 2.0, 1.0]),
                      "InvoiceDate": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
                      "amount": np.array([1.0, 2.0, np.nan, 4.0])})
    pq.write_table(table, tmp_path / "nan.parquet")
    res = build_customer_features(tmp_path / "nan.parquet")
    assert res.quality["lines_without_customer"] == 1
    assert res.quality["unreadable_value_lines"] == 1
    assert res.frame["CustomerID"].tolist() == [1]
    assert res.frame["monetary"].tolist() == [5.0]

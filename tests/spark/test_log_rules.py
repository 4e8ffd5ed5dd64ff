"""Spark reads a log's cancellations by the local engine's evidence rules (issue 14).

One fixture holds every case the rule separates: "C" invoices whose lines are all
negative (cancellations), country-prefixed purchase ids "CA-2016-..." (an id prefix
alone is never a marker), an "A" bad-debt adjustment, an exact duplicate line, and a
status column with "Cancelled" orders (voided). Spark must match DuckDB line for line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.xdist_group("spark2")  # one of two Spark groups: tests/conftest.py


def _log() -> pd.DataFrame:
    rows = []  # (invoice, quantity, price, customer, status)
    rows += [(str(536400 + i), 2, 5.0, 1 + i % 4, "Shipped") for i in range(12)]
    rows += [(f"CA-2016-{152100 + i}", 1, 20.0, 1 + i % 3, "Shipped") for i in range(6)]
    rows += [(f"C{536500 + i}", -1, 5.0, 1 + i % 2, "Shipped") for i in range(4)]
    rows += [("536600", 3, 7.0, 2, "Cancelled"), ("536601", 3, 7.0, 3, "Cancelled"),
             ("536602", 3, 7.0, 4, "Cancelled"), ("A563185", 1, -100.0, 1, "Shipped")]
    frame = pd.DataFrame(rows, columns=["InvoiceNo", "Quantity", "UnitPrice", "CustomerID",
                                        "Status"])
    frame.insert(1, "InvoiceDate", [f"2024-0{1 + i % 6}-{1 + i % 27:02d} 10:00"
                                    for i in range(len(frame))])
    frame["Country"] = ["Canada" if s.startswith("CA") else "United Kingdom"
                        for s in frame["InvoiceNo"]]
    # an exact duplicate of a cancellation line: counted as an input line, dropped once
    return pd.concat([frame, frame.iloc[[18]]], ignore_index=True)


def test_cancellation_rules_and_counts_equal_duckdb(spark, tmp_path):
    from custseg.features import build_customer_features
    from custseg.spark import build_features
    from custseg.spark.reader import read_input

    path = tmp_path / "log.parquet"
    _log().to_parquet(path, index=False)
    raw, _ = read_input(spark, str(path))
    ours = build_features(spark, raw)
    theirs = build_customer_features(path)

    # the rule itself, on the evidence both engines measured
    assert ours.columns.status == theirs.columns.status == "Status"
    assert ours.cancellation == theirs.cancellation
    c = ours.cancellation
    assert c["prefixes"] == ["C"] and c["void_values"] == ["Cancelled"]
    assert c["rule"] == "invoice prefix 'C' and status column 'Status' = 'Cancelled'"
    assert c["evidence"]["C"] == {"lines": 5, "negative_lines": 5, "invoices": 4,
                                  "negative_share": 1.0}
    assert c["evidence"]["CA"]["negative_share"] == 0.0  # country ids: purchases
    assert c["evidence"]["A"] == {"lines": 1, "negative_lines": 0, "invoices": 1,
                                  "negative_share": 0.0}
    # the quality table: same counts (5 "C" lines with the duplicate + 3 voided)
    assert ours.quality == theirs.quality
    assert ours.quality["cancelled_lines"] == 8 and ours.quality["cancelled_invoices"] == 7
    assert ours.quality["voided_lines"] == 3 and ours.quality["return_lines"] == 5
    assert ours.quality["negative_price_lines"] == 1 and ours.quality["duplicate_lines"] == 1
    assert ours.rules["cancellations"] == theirs.rules["cancellations"]
    assert ours.rules["cancellations"].startswith(
        "Cancellation rule: invoice prefix 'C' and status column 'Status' = 'Cancelled' "
        "(8 lines, 7 invoices matched).")
    for key in set(theirs.rules) - {"date_format"}:
        assert ours.rules[key] == theirs.rules[key], key
    assert "3 lines were cancelled orders (by their 'Status' value): worth 0, never an " \
           "order, activity only." in ours.notes

    # the features: value by value
    got, want = ours.frame.toPandas(), theirs.frame
    assert list(got.columns) == list(want.columns)
    assert got["CustomerID"].tolist() == want["CustomerID"].tolist() == [1, 2, 3, 4]
    for column in want.columns[1:]:
        if not pd.api.types.is_numeric_dtype(want[column]):
            assert got[column].tolist() == want[column].tolist(), column
        else:
            np.testing.assert_allclose(got[column].to_numpy(float),
                                       want[column].to_numpy(float),
                                       rtol=1e-9, atol=1e-9, err_msg=column)
    # net: 12 x 10 + 6 x 20 bought, 5 "C" lines x 5 returned (duplicate dropped: 4),
    # the cancelled orders worth 0 and the bad-debt line left out
    assert got["monetary"].sum() == pytest.approx(120 + 120 - 4 * 5)
    assert got["frequency"].sum() == 12 + 6  # neither cancelled order is an order

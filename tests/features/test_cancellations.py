"""Cancellations and returns recognised from evidence (issue 14, failure 2)."""

from __future__ import annotations

import pandas as pd
import pytest

from custseg.features import QualityRules, build_customer_features
from custseg.features.builder import CANCEL_EVIDENCE, cancel_prefixes_from_evidence


def _log(invoices, quantities, customers=None, price=10.0, status=None):
    n = len(invoices)
    frame = pd.DataFrame({
        "InvoiceNo": invoices,
        "InvoiceDate": [f"2024-01-{1 + i % 28:02d} 10:00" for i in range(n)],
        "Quantity": quantities,
        "UnitPrice": [price] * n,
        "CustomerID": customers or [1 + i % 3 for i in range(n)],
    })
    if status is not None:
        frame["Status"] = status
    return frame


def test_country_prefixed_order_ids_are_purchases():
    # Superstore style: "CA-2016-..." orders of Canada; every line bought, none negative
    inv = [f"CA-2016-{100 + i}" for i in range(12)] + [f"US-2016-{200 + i}" for i in range(12)]
    res = build_customer_features(_log(inv, [2] * 24))
    assert res.cancellation["prefixes"] == []
    assert res.quality["cancelled_lines"] == 0 and res.quality["return_lines"] == 0
    assert res.quality["customers_negative_net"] == 0
    assert res.frame["monetary"].sum() == pytest.approx(24 * 20.0)
    assert res.cancellation["evidence"]["CA"] == {"lines": 12, "negative_lines": 0,
                                                  "invoices": 12, "negative_share": 0.0}
    assert ("Invoice prefix 'CA': 0.0% of its 12 lines (12 invoices) are negative, below the "
            "95% required: not a cancellation marker (an id prefix alone never is).") in \
        res.rules["cancellations"]


def test_prefix_with_negative_lines_marks_cancellations():
    # 20 purchases; "C" invoices: 19 negative lines and 1 positive line (95 % negative)
    inv = [str(1000 + i) for i in range(20)] + [f"C{2000 + i}" for i in range(20)]
    qty = [3] * 20 + [-1] * 19 + [1]
    res = build_customer_features(_log(inv, qty))
    assert res.cancellation["prefixes"] == ["C"]
    assert res.cancellation["rule"] == "invoice prefix 'C'"
    # the positive line of a cancellation invoice is a cancellation too
    assert res.quality["cancelled_lines"] == 20 and res.quality["cancelled_invoices"] == 20
    assert res.frame["monetary"].sum() == pytest.approx(20 * 30.0 - 20 * 10.0)
    assert "Cancellation rule: invoice prefix 'C' (20 lines, 20 invoices matched)." in \
        res.rules["cancellations"]
    assert "Invoice prefix 'C': 95.0% of its 20 lines (20 invoices) are negative, so it " \
           "marks cancellations" in res.rules["cancellations"]


def test_hex_order_ids_have_no_prefix():
    # Olist-style ids: letters and digits mixed, no prefix to weigh
    inv = ["e481f51cbdc54678b7cc49136f2d6af7", "53cdb2fc8bc7dce0b6741e2150273451",
           "47770eb9100c2d0c44946d9cf07ec65d", "949d5b44dbf5de918fe9c16f97b45f8a"]
    res = build_customer_features(_log(inv, [1, -1, 2, 3]))
    assert res.cancellation["evidence"] == {} and res.cancellation["prefixes"] == []
    assert res.quality["return_lines"] == 1 and res.quality["cancelled_lines"] == 0


def test_prefix_just_below_the_evidence_threshold_is_not_a_marker():
    inv = [str(1000 + i) for i in range(20)] + [f"C{2000 + i}" for i in range(20)]
    qty = [3] * 20 + [-1] * 18 + [1, 1]  # 90 % negative
    res = build_customer_features(_log(inv, qty))
    assert res.cancellation["prefixes"] == []
    assert res.quality["cancelled_lines"] == 0
    assert res.quality["return_lines"] == 18  # negative quantities are returns regardless


def test_evidence_rule_directly():
    assert CANCEL_EVIDENCE == 0.95
    # a prefix on every invoice distinguishes nothing, even when all lines are negative
    assert cancel_prefixes_from_evidence([("R", 10, 10, 4)]) == []
    assert cancel_prefixes_from_evidence([("", 10, 0, 5), ("R", 10, 10, 4)]) == ["R"]


def test_user_given_prefix_and_rule_off():
    inv = [str(1000 + i) for i in range(6)] + ["X1", "X2"]
    qty = [1] * 8  # nothing negative: only the user's word makes X invoices cancellations
    given = build_customer_features(_log(inv, qty), rules=QualityRules(cancel_prefix="X"))
    assert given.quality["cancelled_lines"] == 2
    assert given.cancellation["rule"] == "invoice prefix 'X' (given)"
    assert "Invoices starting with 'X' are cancellations, as given" in \
        given.rules["cancellations"]
    off = build_customer_features(_log(inv, qty), rules=QualityRules(cancel_prefix=None))
    assert off.quality["cancelled_lines"] == 0
    assert "The invoice-prefix rule is turned off." in off.rules["cancellations"]


def test_status_column_voids_cancelled_orders():
    inv = [str(1000 + i) for i in range(9)]
    status = ["Shipped"] * 6 + ["Cancelled", "Cancelled", "On Hold"]
    res = build_customer_features(_log(inv, [2] * 9, customers=[1, 2, 3] * 3, status=status))
    assert res.columns.status == "Status"
    assert res.cancellation["void_values"] == ["Cancelled"]
    assert res.quality["cancelled_lines"] == 2 and res.quality["voided_lines"] == 2
    assert res.quality["return_lines"] == 0
    # voided lines are worth 0 and never an order: 7 lines of 20 count
    assert res.frame["monetary"].sum() == pytest.approx(7 * 20.0)
    assert res.frame["frequency"].sum() == 7
    assert res.rules["cancellations"].startswith(
        "Cancellation rule: status column 'Status' = 'Cancelled' (2 lines, 2 invoices matched).")


def test_returns_only_log_has_negative_net_and_a_warning():
    log = _log([str(1000 + i) for i in range(6)], [-2] * 6)
    res = build_customer_features(log)
    f = res.frame
    assert (f["monetary"] < 0).all() and f["monetary"].sum() == pytest.approx(-120.0)
    assert (f["frequency"] == 0).all()
    assert res.quality["customers_negative_net"] == 3
    assert res.warnings == [
        "the log holds only returns and cancellations (6 lines, no purchase): every "
        "customer's net value is negative and no customer has an order; check that this is "
        "the export you meant (a returns report, or a sign convention where purchases are "
        "negative)"]


# --------------------------------------------------------------- shared real logs
def test_online_retail_c_prefix_rule(shared_datasets):
    path = shared_datasets / "online_retail" / "online_retail.parquet"
    res = build_customer_features(path)
    c = res.cancellation
    assert c["prefixes"] == ["C"]
    # measured: every line of the 3,836 C-invoices is negative; the 3 A-invoices
    # ("Adjust bad debt") have no negative quantity
    assert c["evidence"]["C"] == {"lines": 9288, "negative_lines": 9288, "invoices": 3836,
                                  "negative_share": 1.0}
    assert c["evidence"]["A"]["negative_share"] == 0.0
    assert res.quality["cancelled_lines"] == 9288
    # net value equals an independent pandas computation (duplicates dropped, lines
    # with a customer, bad-debt adjustments out, returns negative)
    df = pd.read_parquet(path).drop_duplicates()
    df = df[df["CustomerID"].notna()]
    amount = df["Quantity"] * df["UnitPrice"]
    is_return = (df["Quantity"] < 0) | df["InvoiceNo"].str.startswith("C")
    keep = is_return | (amount >= 0)
    net = amount[keep].where(~is_return[keep], -amount[keep].abs())
    assert res.frame["monetary"].sum() == pytest.approx(net.sum(), rel=1e-9)


def test_retail_transactions_customer_ids_are_not_cancellations(shared_datasets):
    path = shared_datasets / "retail_transactions" / "Retail_Data_Transactions.csv"
    # the date format is given here (dd-Mon-yy detection belongs to the date module)
    res = build_customer_features(path, date_format="%d-%b-%y")
    assert res.columns.customer == "customer_id" and res.columns.invoice is None
    assert res.quality["cancelled_lines"] == 0 and res.quality["return_lines"] == 0
    assert res.quality["customers_negative_net"] == 0
    raw = pd.read_csv(path)
    assert raw["customer_id"].str.startswith("C").all()  # "CS1112": not a cancellation
    assert len(res.frame) == raw["customer_id"].nunique() == 6889
    # 6 exact duplicate rows are dropped (without an invoice column, as stated)
    assert res.frame["monetary"].sum() == raw.drop_duplicates()["tran_amount"].sum() == 8123673


def test_sample_sales_status_rule(shared_datasets):
    path = shared_datasets / "sample_sales" / "sales_data_sample.csv"
    res = build_customer_features(path)
    assert res.columns.customer == "CUSTOMERNAME" and res.columns.amount == "SALES"
    assert res.columns.status == "STATUS"
    assert res.quality["cancelled_lines"] == 60 and res.quality["cancelled_invoices"] == 4
    assert "60 lines were cancelled orders (by their 'STATUS' value): worth 0, never an " \
           "order, activity only." in res.notes
    assert res.cancellation["prefixes"] == []
    raw = pd.read_csv(path, encoding="cp850")
    assert len(res.frame) == raw["CUSTOMERNAME"].nunique() == 92
    net = raw.loc[raw["STATUS"] != "Cancelled", "SALES"].sum()
    assert res.frame["monetary"].sum() == pytest.approx(net, rel=1e-12)  # 9,838,141.37

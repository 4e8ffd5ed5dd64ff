"""Which identifier keys segments.csv, why, and who chose it; wide tables stay fast."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from custseg.data import infer_schema


def _export(n: int = 80) -> pd.DataFrame:
    """A CRM export saved with pandas' index: a row number before the customer key."""
    rng = np.random.default_rng(2)
    return pd.DataFrame({
        "Unnamed: 0": np.arange(n),
        "CLIENTNUM": rng.choice(np.arange(700_000_000, 800_000_000), n, replace=False),
        "order_id": [f"O{i:05d}" for i in rng.permutation(n)],
        "spend": rng.gamma(2, 30, n), "visits": rng.poisson(5, n).astype(float),
    })


def test_customer_key_preferred_over_row_number_and_other_ids():
    schema = infer_schema(_export())
    assert schema.names("id") == ["Unnamed: 0", "CLIENTNUM", "order_id"]
    assert schema.id_column == "CLIENTNUM"
    reason = schema["CLIENTNUM"].reason
    assert "chosen as the key of segments.csv among 3 id-like columns because its name says " \
           "it is a customer key" in reason
    assert "'Unnamed: 0': a row number or index" in reason
    assert "not the key of segments.csv ('CLIENTNUM' is)" in schema["Unnamed: 0"].reason
    assert "set by the user" not in reason


@pytest.mark.parametrize("name", ["customer_id", "CUST_ID", "Member_number",
                                  "customer_unique_id", "crm_customer_key", "CustomerID"])
def test_customer_key_names(name):
    frame = _export().rename(columns={"CLIENTNUM": name})
    assert infer_schema(frame).id_column == name


def test_a_running_sequence_loses_even_without_a_row_name():
    frame = _export().rename(columns={"Unnamed: 0": "seq_id", "CLIENTNUM": "ref_id"})
    frame["seq_id"] = np.arange(1, len(frame) + 1)
    schema = infer_schema(frame.drop(columns="order_id"))
    assert schema.id_column == "ref_id"
    assert "'seq_id': a row number or index" in schema["ref_id"].reason


def test_user_id_overrides_and_says_so():
    schema = infer_schema(_export(), id="order_id")
    assert schema.id_column == "order_id"
    assert schema["order_id"].reason == "set by the user (--id)"
    assert "set by the user" not in schema["CLIENTNUM"].reason


def test_the_reason_says_user_only_when_the_user_set_it():
    schema = infer_schema(_export()[["CLIENTNUM", "spend"]])
    assert "set by the user" not in schema["CLIENTNUM"].reason
    keyed = infer_schema(_export()[["CLIENTNUM", "spend"]], key="CLIENTNUM")
    assert keyed["CLIENTNUM"].reason == "the customer key of the transaction log (one row " \
                                        "per customer)"


def test_log_run_does_not_claim_the_user_set_the_id():
    from custseg import run

    rng = np.random.default_rng(3)
    n = 400
    log = pd.DataFrame({"customer_id": [f"K{i % 60:03d}" for i in range(n)],
                        "order_date": pd.date_range("2023-01-01", periods=n, freq="13h")
                        .strftime("%Y-%m-%d %H:%M"),
                        "amount": rng.gamma(2, 20, n)})
    result = run(log, k=2, algorithms=["kmeans"], stability=False, report=False,
                 input_kind="transactions")
    assert result.schema.id_column == "customer_id"
    assert "set by the user" not in result.schema["customer_id"].reason
    assert not [d for d in result.decisions if "set by the user (--id)" in d]


def test_wide_table_roles_are_found_quickly():
    """50 rows x 3,000 columns through infer_schema: linear work per column."""
    rng = np.random.default_rng(0)
    n, width = 50, 3000
    columns = {"customer_id": [f"C{i:03d}" for i in range(n)]}
    for j in range(width - 1):
        kind = j % 3
        if kind == 0:
            columns[f"x{j}"] = rng.normal(size=n)
        elif kind == 1:
            columns[f"c{j}"] = rng.choice(["a", "b", "c"], n)
        else:
            columns[f"n{j}"] = rng.integers(0, 40, n)
    frame = pd.DataFrame(columns)
    start = time.perf_counter()
    schema = infer_schema(frame)
    elapsed = time.perf_counter() - start
    roles = pd.Series([c.role for c in schema]).value_counts().to_dict()
    assert roles == {"numeric": 1999, "categorical": 1000, "id": 1}
    assert schema.id_column == "customer_id"
    assert elapsed < 60  # ~5 s on a shared 2-core machine; was minutes before (issue 19)

"""Column roles on the real shared tables and on tricky columns."""

from __future__ import annotations

import pandas as pd
import pytest

from custseg.data import infer_schema, load
from custseg.datasets import make_customers
from custseg.exceptions import InputError


@pytest.fixture(scope="module")
def schemas(customer_tables):
    return {name: infer_schema(load(path)) for name, path in customer_tables.items()}


def test_roles_on_shared_tables(schemas):
    assert schemas["cc_general"]["CUST_ID"].role == "id"
    assert schemas["wholesale"]["Channel"].role == "categorical"
    assert schemas["wholesale"]["Region"].role == "categorical"
    assert schemas["wholesale"]["Fresh"].role == "numeric"
    assert schemas["personality"]["Z_CostContact"].role == "constant"
    assert schemas["personality"]["Z_Revenue"].role == "constant"
    assert schemas["personality"]["ID"].role == "id"
    assert schemas["mall"]["CustomerID"].role == "id"
    assert schemas["mall"]["Gender"].role == "binary"
    assert schemas["online_shoppers"]["Browser"].role == "categorical"
    assert schemas["online_shoppers"]["TrafficType"].role == "categorical"
    assert schemas["online_shoppers"]["Weekend"].role == "binary"
    assert schemas["personality"]["Kidhome"].role == "numeric"  # a count, not a code


def test_day_first_date(schemas):
    info = schemas["personality"]["Dt_Customer"]
    assert info.role == "datetime"
    assert info.date_format == "%d-%m-%Y"
    assert "day first" in info.reason


def test_pii_by_name_and_content():
    frame = pd.DataFrame({
        "contact": [f"p{i}@mail.org" for i in range(30)],
        "addr": [f"{i} Baker Street" for i in range(30)],
        "tel_number": [f"+44 20 7946 {i:04d}" for i in range(30)],
        # a name column is PII when its values look like names (issue 14: name alone is
        # not proof); "Person 3"-style placeholders are not names
        "Full Name": [f"{first} {last}" for first in ["Ann", "Bob", "Chloé", "Dmitri", "Eva",
                                                      "Farid"]
                      for last in ["Smith", "O'Brien", "Müller", "Ivanov", "García"]],
        "spend": [float(i % 7) * 2.5 for i in range(30)],
    })
    roles = {c.name: c.role for c in infer_schema(frame)}
    assert roles == {"contact": "pii", "addr": "pii", "tel_number": "pii", "Full Name": "pii",
                     "spend": "numeric"}


def test_identifier_in_disguise():
    frame = pd.DataFrame({"card": [4000_0000_0000 + i * 7919 for i in range(100)],
                          "spend": [float(i % 17) for i in range(100)]})
    schema = infer_schema(frame)
    assert schema["card"].role == "id"
    assert "identifier in disguise" in schema["card"].reason


def test_latitude_longitude_and_free_text():
    frame = make_customers(300, k=3, seed=2)
    frame["notes"] = [f"called on day {i} about the loyalty programme" for i in range(300)]
    schema = infer_schema(frame)
    assert schema["latitude"].role == "latitude"
    assert schema["longitude"].role == "longitude"
    assert schema["notes"].role == "text"
    assert schema["email"].role == "pii"
    assert schema["customer_id"].role == "id"
    assert schema["signup_date"].role == "datetime"


def test_overrides_win_and_label_is_never_a_feature(customer_tables):
    frame = load(customer_tables["wholesale"])
    schema = infer_schema(frame, label="Channel", exclude=["Frozen"], numeric=["Region"])
    assert schema["Channel"].role == "label"
    assert schema["Frozen"].role == "ignored"
    assert schema["Region"].role == "numeric"
    assert "Channel" not in schema.feature_columns()


def test_unknown_override_column_is_named():
    with pytest.raises(InputError, match=r"column 'nope' named in an option does not exist"):
        infer_schema(pd.DataFrame({"a": [1, 2]}), exclude=["nope"])


def test_unknown_role_in_config():
    with pytest.raises(InputError, match=r"unknown role 'weird' for column 'a'"):
        infer_schema(pd.DataFrame({"a": [1, 2]}), roles={"a": "weird"})

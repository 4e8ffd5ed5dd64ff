"""Outcome columns (targets, model scores) and personal data confirmed by content."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from custseg.data import infer_schema, load
from custseg.preprocess import PreprocessOptions, build_preprocessor


# ------------------------------------------------------------------ fixtures
def _luhn_complete(body: str) -> str:
    """``body`` plus its Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled: the check digit will sit to the right
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _iban(country: str, bban: str) -> str:
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(ch, 36)) for ch in moved)) % 97
    return f"{country}{check:02d}{bban}"


N = 40
RNG = np.random.default_rng(4)
CARDS = [_luhn_complete(f"4{RNG.integers(10**13, 10**14):014d}") for _ in range(N)]
IBANS = [_iban("DE", f"{RNG.integers(10**17, 10**18):018d}") for _ in range(N)]
IPS = [f"{1 + i % 9}.{i % 7}.{i % 5}.{i}" for i in range(N)]
ADDRESSES = ([f"Calle Mayor {i}" for i in range(1, 6)] + [f"Rua Augusta {i}" for i in range(6)]
             + [f"Hauptstraße {i}" for i in range(1, 6)]
             + [f"{i} rue de la Paix" for i in range(1, 6)]
             + [f"Via Roma {i}" for i in range(1, 6)] + [f"ул. Тверская, {i}" for i in range(5)]
             + [f"北京市朝阳区建国路{i}号" for i in range(1, 5)]
             + [f"{i} Baker Street" for i in range(1, 6)])[:N]
PHONES = ["2125557818", "26.47.1555", "+33 1 46 62 7555", "6265557265", "(171) 555-2282",
          "03 9520 4555", "40.32.2555", "7025551838", "0921-12 3555", "+47 2267 3215"] * 4


def _pii_table() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": [f"C{i:03d}" for i in range(N)],
        "card": CARDS, "bank_account": IBANS, "last_login_from": IPS, "home": ADDRESSES,
        "contact": PHONES,
        "spend": RNG.gamma(2, 30, N), "visits": RNG.poisson(5, N).astype(float),
    })


# ------------------------------------------------------------------ PII
def test_name_alone_is_not_personal_data():
    frame = pd.DataFrame({
        "PhoneService": ["Yes", "No"] * 20, "Phone_Service": ["No", "Yes"] * 20,
        "email_opt_in": ["Y", "N", "N", "Y"] * 10, "ship_address_type": ["home", "work"] * 20,
        "spend": np.arange(40.0),
    })
    schema = infer_schema(frame)
    for col in ("PhoneService", "Phone_Service", "email_opt_in", "ship_address_type"):
        assert schema[col].role == "binary", (col, schema[col].reason)
        assert "named like personal data, but the values are not" in schema[col].reason


def test_personal_data_confirmed_by_content():
    schema = infer_schema(_pii_table())
    expected = {"card": "card numbers", "bank_account": "IBANs", "last_login_from":
                "IP addresses", "home": "street addresses", "contact": "phone numbers"}
    for col, kind in expected.items():
        assert schema[col].role == "pii", (col, schema[col].reason)
        assert f"values look like {kind}" in schema[col].reason
    assert schema["spend"].role == "numeric"


@pytest.mark.parametrize("address", ["Calle Mayor 5", "Rua Augusta 12", "Hauptstraße 3",
                                     "12 rue de la Paix", "Via Roma 1", "221B Baker St",
                                     "ул. Тверская, 7", "北京市朝阳区建国路88号", "Bahnhofstr. 12",
                                     "Kerkstraat 5", "Storgatan 4"])
def test_street_addresses_in_several_languages(address):
    values = [address.replace("5", str(i)).replace("1", str(i)) + f" {i}" * (i % 2)
              for i in range(30)]
    schema = infer_schema(pd.DataFrame({"note": values, "x": np.arange(30.0)}))
    assert schema["note"].role == "pii", (address, schema["note"].reason)


def test_names_need_name_like_values_and_many_of_them():
    people = [f"{f} {s}" for f in ["Ann", "Bob", "Chloé", "Dmitri", "Eva"]
              for s in ["Smith", "O'Brien", "Müller", "Ivanov"]]
    frame = pd.DataFrame({"CONTACTLASTNAME": people * 2, "plan_name": ["basic", "plus"] * 20,
                          "x": np.arange(40.0)})
    schema = infer_schema(frame)
    assert schema["CONTACTLASTNAME"].role == "pii"
    assert schema["plan_name"].role == "binary"


def test_pseudonymised_names_one_per_row_are_personal_data():
    # "Person 17" is not name-like text, but a name column with a value per row still
    # identifies each person; a name column with a few repeated levels does not.
    frame = pd.DataFrame({"name": [f"Person {i}" for i in range(30)],
                          "plan_name": ["basic", "plus", "pro"] * 10, "x": np.arange(30.0)})
    schema = infer_schema(frame)
    assert schema["name"].role == "pii", schema["name"].reason
    assert "a distinct value for nearly every row" in schema["name"].reason
    assert "Person" not in schema["name"].reason
    assert schema["plan_name"].role == "categorical"


def test_card_numbers_as_integers_are_personal_data():
    frame = pd.DataFrame({"card_no": [int(c) for c in CARDS], "x": np.arange(float(N))})
    info = infer_schema(frame)["card_no"]
    assert info.role == "pii" and "card numbers" in info.reason
    assert str(CARDS[0]) not in info.reason


def test_pii_values_appear_in_no_reason_and_no_output(tmp_path):
    from tests.cli.helpers import invoke

    frame = _pii_table()
    schema = infer_schema(frame)
    secrets = [*CARDS, *IBANS, *IPS, *ADDRESSES, *set(PHONES)]
    reasons = " ".join(c.reason for c in schema)
    assert not [s for s in secrets if s in reasons]
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    code, _, err = invoke("run", path, "-o", tmp_path / "out", "--k", "2", "--algorithms",
                          "kmeans", "--no-report", "--no-stability", "--no-feature-selection",
                          "--quiet")
    assert code == 0, err
    summary = (tmp_path / "out" / "summary.json").read_text(encoding="utf-8")
    assert json.loads(summary)["columns"]["card"]["role"] == "pii"
    written = summary + (tmp_path / "out" / "segments.csv").read_text(encoding="utf-8")
    leaked = [s for s in secrets if s in written or json.dumps(s)[1:-1] in written]
    assert not leaked


# ------------------------------------------------------------------ outcomes
def test_outcome_role_on_small_fixtures():
    n = 60
    frame = pd.DataFrame({
        "customer_id": [f"C{i:03d}" for i in range(n)],
        "Churn": [0, 1, 0] * 20, "Exited": [1, 0] * 30, "converted": ["yes", "no"] * 30,
        "Revenue": [True, False, False] * 20, "target": [0, 1, 2] * 20,
        "churn_probability": np.linspace(0, 1, n), "predicted_segment": [1, 2, 3] * 20,
        "ExitRates": np.linspace(0, 0.2, n),  # a rate with many values: a feature
        "revenue": np.linspace(10, 900, n),   # money, not a flag
        "spend": np.linspace(1, 2, n),
    }).rename(columns={"revenue": "total_revenue"})
    schema = infer_schema(frame)
    outcomes = ["Churn", "Exited", "converted", "Revenue", "target", "churn_probability",
                "predicted_segment"]
    assert schema.names("outcome") == outcomes
    assert schema.outcome_columns == outcomes
    assert schema["ExitRates"].role == "numeric"
    assert schema["total_revenue"].role == "numeric"
    assert "model's output or score" in schema["churn_probability"].reason
    assert "--keep COL uses it" in schema["Churn"].reason
    assert not set(outcomes) & set(schema.feature_columns())


def test_outcomes_are_not_features_unless_kept():
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame({"Churn": rng.integers(0, 2, n), "spend": rng.gamma(2, 30, n),
                          "visits": rng.poisson(5, n).astype(float)})
    schema = infer_schema(frame)
    options = PreprocessOptions(select_features=False)
    prep = build_preprocessor(schema, options).fit(frame)
    assert "Churn" not in prep.features_used_
    assert prep.features_dropped_["Churn"].startswith("outcome (named like a target")
    assert "--keep COL uses it" in prep.features_dropped_["Churn"]
    kept = build_preprocessor(schema, PreprocessOptions(select_features=False,
                                                        keep=["Churn"])).fit(frame)
    assert "Churn" in kept.features_used_


def test_outcome_values_stay_in_the_frame_of_a_run():
    from custseg import run

    rng = np.random.default_rng(1)
    n = 150
    frame = pd.DataFrame({"Churn": rng.integers(0, 2, n), "spend": rng.gamma(2, 30, n),
                          "visits": rng.poisson(5, n).astype(float)})
    result = run(frame, k=2, algorithms=["kmeans"], stability=False, report=False)
    assert result.schema.outcome_columns == ["Churn"]
    assert result.frame["Churn"].tolist() == frame["Churn"].tolist()
    assert "Churn" not in result.summary()["features_used"]


# ------------------------------------------------------------------ shared datasets
@pytest.mark.parametrize(("folder", "file", "outcomes"), [
    ("bank_churners", "BankChurners.csv", None),
    ("iranian_churn", "Customer Churn.csv", ["Churn"]),
    ("customer_personality", "marketing_campaign.csv",
     ["AcceptedCmp3", "AcceptedCmp4", "AcceptedCmp5", "AcceptedCmp1", "AcceptedCmp2",
      "Response"]),
    ("online_shoppers", "online_shoppers_intention.csv", ["Revenue"]),
    ("retail_transactions", "Retail_Data_Response.csv", ["response"]),
])
def test_outcomes_on_shared_datasets(shared_datasets, folder, file, outcomes):
    frame = load(shared_datasets / folder / file)
    schema = infer_schema(frame)
    if outcomes is None:  # BankChurners: the flag and the two leaked classifier scores
        names = schema.names("outcome")
        assert names[0] == "Attrition_Flag" and len(names) == 3
        assert all(n.startswith("Naive_Bayes_Classifier") for n in names[1:])
    else:
        assert schema.names("outcome") == outcomes
    assert "Complain" not in schema.names("outcome")


def test_sample_sales_personal_data(shared_datasets):
    schema = infer_schema(load(shared_datasets / "sample_sales" / "sales_data_sample.csv"))
    assert set(schema.names("pii")) == {"PHONE", "ADDRESSLINE1", "CONTACTLASTNAME",
                                        "CONTACTFIRSTNAME"}
    assert schema["ORDERDATE"].date_format == "%m/%d/%Y %H:%M"


def test_an_existing_segmentation_is_a_label_not_a_feature():
    frame = pd.DataFrame({"Segmentation": list("ABCD") * 10, "Var_1": ["Cat_1", "Cat_2"] * 20,
                          "Age": np.arange(40.0)})
    schema = infer_schema(frame)
    assert schema["Segmentation"].role == "label"
    assert schema.label_column == "Segmentation"
    assert "used to validate the segments, never a feature" in schema["Segmentation"].reason
    assert schema["Var_1"].role == "binary"


def test_short_target_words_count_only_as_the_whole_name():
    frame = pd.DataFrame({"y": [0, 1] * 20, "ticket_class": [1, 2, 3, 1] * 10,
                          "default_language": ["en", "fr"] * 20, "x": np.arange(40.0)})
    schema = infer_schema(frame)
    assert schema.names("outcome") == ["y"]


def test_a_date_error_never_quotes_personal_data():
    from custseg.exceptions import InputError
    from custseg.features import build_customer_features

    log = pd.DataFrame({"customer": ["a", "b"], "date": ["ann@shop.com", "bob@shop.org"],
                        "amount": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"cannot read the dates in column \"date\", e.g. \(a "
                                         r"value that looks like personal data, not shown\)"):
        build_customer_features(log)


def test_a_constant_personal_value_is_not_quoted():
    frame = pd.DataFrame({"owner": ["ann@shop.com"] * 20, "plan": ["basic"] * 20,
                          "x": np.arange(20.0)})
    schema = infer_schema(frame)
    assert schema["owner"].role == "pii"  # one e-mail in every row is still personal data
    assert "ann@shop.com" not in schema["owner"].reason
    assert schema["plan"].reason == "a single value (basic) in every row"

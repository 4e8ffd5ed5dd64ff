"""Segment names never contradict their profile: on every shared dataset, and on the
small cases that broke before (returns-only logs, odd column names, jargon).

The real-data test runs ``custseg.run`` on every table and log in
``../shared/datasets`` with k fixed at 6 (many segments: more chances to clash),
k-means only, no stability and no report; tables above 2,000 rows and logs above
600 customers are cut to a seeded sample so the whole module stays near a minute.
Every name is then checked against numbers computed here with pandas.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pytest

from custseg.data import read_table
from custseg.exceptions import InputError
from custseg.explain import name_segments, profile
from custseg.explain._names import MAX_NAME

K = 6
MAX_TABLE_ROWS = 2000
MAX_LOG_CUSTOMERS = 600

# (short name, path under the shared folder, customer column of a log or None)
DATASETS = [
    ("mall", "mall_customers/Mall_Customers.csv", None),
    ("wholesale", "wholesale_customers/Wholesale customers data.csv", None),
    ("personality", "customer_personality/marketing_campaign.csv", None),
    ("cc_general", "cc_general/CC GENERAL.csv", None),
    ("online_shoppers", "online_shoppers/online_shoppers_intention.csv", None),
    ("bank_churners", "bank_churners/BankChurners.csv", None),
    ("iranian_churn", "iranian_churn/Customer Churn.csv", None),
    ("segmentation_av", "customer_segmentation_av/Train.csv", None),
    ("german_credit", "german_credit/german.data", None),
    ("online_retail", "online_retail/online_retail.parquet", "CustomerID"),
    ("cdnow", "cdnow/CDNOW_master.txt", "customer_id"),
    ("groceries", "groceries/Groceries_dataset.csv", "Member_number"),
    ("retail_transactions", "retail_transactions/Retail_Data_Transactions.csv", "customer_id"),
    ("sample_sales", "sample_sales/sales_data_sample.csv", "CUSTOMERNAME"),
]

VALUE_HIGH = re.compile(r"\b(big spenders|high value|champions|vip|premium)\b", re.I)
VALUE_LOW = re.compile(r"\b(low spend|low value)\b", re.I)
LAPSED = re.compile(r"\b(lost|lapsed|at risk)\b", re.I)
FRESH = re.compile(r"\b(new customers|recent buyers|recent,|^recent\b)", re.I)
OPPOSITES = [("high ", "low "), ("higher ", "lower "), ("more ", "less "),
             ("often ", "rarely "), ("earlier ", "later "), ("frequent ", "rare ")]
PAIRS = [("frequent", "rare buyers"), ("young", "older"), ("online-heavy", "offline"),
         ("big spenders", "low spend"), ("regular buyers", "irregular buyers"),
         ("large orders", "small orders")]
BAD_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}


def contradictions(name: str) -> list[str]:
    """Pairs of phrases in one name that cannot both be true."""
    parts = [p.strip().lower() for p in name.split(",")]
    found = []
    for a, b in PAIRS:
        if a in parts and b in parts:
            found.append(f"{a} + {b}")
    for up, down in OPPOSITES:
        ups = {p[len(up):] for p in parts if p.startswith(up)}
        downs = {p[len(down):] for p in parts if p.startswith(down)}
        found += [f"{up}{x} + {down}{x}" for x in ups & downs]
    if VALUE_HIGH.search(name) and VALUE_LOW.search(name):
        found.append("high value + low value")
    if LAPSED.search(name) and FRESH.search(name):
        found.append("lapsed/lost + new/recent")
    if re.search(r"\bchampions\b", name, re.I) and "rare buyers" in parts:
        found.append("champions + rare buyers")
    return found


def check_names(names: dict[int, str], value: pd.Series | None, labels: np.ndarray) -> None:
    """Every rule a segment name must keep, checked against ``value`` per customer."""
    assigned = {s: n for s, n in names.items() if s != -1}
    lowered = [n.lower() for n in assigned.values()]
    assert len(set(lowered)) == len(lowered), f"duplicate names: {sorted(assigned.values())}"
    for s, name in assigned.items():
        assert 0 < len(name) <= MAX_NAME, (s, name, len(name))
        assert not any(unicodedata.category(ch) in BAD_CATEGORIES for ch in name), repr(name)
        assert not re.search(r"\b(yes|no|true|false) users\b", name, re.I), name
        assert not re.search(r"\b\d+ *$|\(\d+\)| \d+$", name) or ":" in name, name
        assert not contradictions(name), (name, contradictions(name))
        if VALUE_HIGH.search(name):
            assert value is not None, f"{name!r}: a value word without a money column"
            mine = float(value[labels == s].mean())
            everyone = float(value.mean())
            assert mine > everyone and mine > 0, (name, mine, everyone)


def _load(shared, rel: str, customer: str | None) -> pd.DataFrame:
    try:
        frame = read_table(shared / rel).frame
    except InputError as err:  # reading real exports is issue 14's test suite
        pytest.skip(f"{rel} is not read yet: {err}")
    if customer is None:
        return frame.sample(min(len(frame), MAX_TABLE_ROWS), random_state=0).reset_index(
            drop=True) if len(frame) > MAX_TABLE_ROWS else frame
    ids = pd.Series(frame[customer].dropna().unique())
    keep = ids.sample(min(len(ids), MAX_LOG_CUSTOMERS), random_state=0)
    return frame[frame[customer].isin(set(keep))].reset_index(drop=True)


@pytest.mark.slow
@pytest.mark.parametrize("name, rel, customer", DATASETS, ids=[d[0] for d in DATASETS])
def test_every_name_matches_its_profile_on_shared_data(shared_datasets, name, rel, customer):
    import custseg

    frame = _load(shared_datasets, rel, customer)
    options = {"input_kind": "transactions"} if customer else {}
    try:
        result = custseg.run(frame, k=K, algorithms=["kmeans"], stability=False,
                             report=False, **options)
    except InputError as err:  # a clear refusal is reading's business, not naming's
        pytest.skip(f"{name}: run refused the input: {err}")
    prof = result.explanation.profiles
    money = prof.monetary
    value = None
    if money:
        value = result.frame[money].apply(pd.to_numeric, errors="coerce")
        value = value.sum(axis=1, min_count=1)
        value = value.where(value.notna())
    names = {s: v["name"] for s, v in result.explanation.names.items()}
    assert len(names) >= min(K, result.k)
    check_names(names, value, result.labels)
    # the names written to segments.csv are the same
    table = result.segments_table()
    assert set(table["segment_name"]) == set(names.values())


# ------------------------------------------------------------ small fixed cases
def test_a_log_of_returns_only_never_gives_big_spenders():
    """Net value below zero everywhere: the least negative segment is no 'big spender'."""
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1, 2], 200)
    frame = pd.DataFrame({
        "recency_days": rng.gamma(2, 20, 600) + np.select([labels == 0, labels == 1],
                                                          [0, 200], 400),
        "frequency": rng.poisson(2, 600) + 1,
        "monetary": -rng.gamma(2, 10, 600) * np.select([labels == 0, labels == 1], [1, 5],
                                                       20)})
    prof = profile(frame, labels, features=list(frame.columns))
    names = {s: v["name"] for s, v in name_segments(prof).items()}
    check_names(names, frame["monetary"], labels)
    assert not any(VALUE_HIGH.search(n) for n in names.values()), names


def test_a_whole_run_on_a_returns_only_log_has_no_value_word():
    """The issue's case end to end: every line a return, so every customer's net value < 0."""
    import custseg

    rng = np.random.default_rng(1)
    n = 3000
    cust = rng.integers(1, 400, n)
    log = pd.DataFrame({
        "CustomerID": cust, "InvoiceNo": [f"C{x}" for x in rng.integers(10_000, 20_000, n)],
        "InvoiceDate": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n),
                                                                    "D"),
        "Quantity": -rng.integers(1, 10, n) * (1 + (cust % 3 == 0) * 5),
        "UnitPrice": np.round(rng.gamma(2, 3, n), 2)})
    result = custseg.run(log, input_kind="transactions", k=4, algorithms=["kmeans"],
                         stability=False, report=False)
    prof = result.explanation.profiles
    assert prof.monetary and prof.value_overall < 0
    names = {s: v["name"] for s, v in result.explanation.names.items()}
    check_names(names, result.frame[prof.monetary].sum(axis=1), result.labels)
    assert not any(VALUE_HIGH.search(n) for n in names.values()), names


def test_value_words_follow_total_value_not_one_skewed_column():
    """A segment with more wine buyers but less total value is no 'big spender'."""
    rng = np.random.default_rng(2)
    labels = np.repeat([0, 1], 400)
    wine = np.where(labels == 1, rng.gamma(3, 10, 800), rng.gamma(1, 10, 800))
    meat = np.where(labels == 1, rng.gamma(1, 10, 800), rng.gamma(8, 40, 800))
    frame = pd.DataFrame({"MntWines": wine, "MntMeatProducts": meat,
                          "age": rng.normal(45, 10, 800)})
    prof = profile(frame, labels, features=["MntWines", "age"])
    assert prof.monetary == ["MntWines", "MntMeatProducts"]
    names = {s: v["name"] for s, v in name_segments(prof).items()}
    check_names(names, frame["MntWines"] + frame["MntMeatProducts"], labels)
    assert "spend on wines" in names[1].lower() and "big spenders" not in names[1].lower()


def test_no_lost_and_new_in_one_name():
    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1], 300)
    frame = pd.DataFrame({
        # segment 1 bought long ago and yet joined recently: the data say both
        "recency_days": rng.normal(50, 10, 600) + 200 * labels,
        "tenure_days": rng.normal(400, 30, 600) - 250 * labels,
        "monetary": rng.gamma(4, 50, 600) * np.where(labels == 1, 0.3, 1.0)})
    names = {s: v["name"] for s, v in name_segments(
        profile(frame, labels, features=list(frame.columns))).items()}
    check_names(names, frame["monetary"], labels)
    assert LAPSED.search(names[1]) and "new customers" not in names[1].lower()


def test_levels_come_with_their_column():
    rng = np.random.default_rng(4)
    labels = np.repeat([0, 1, 2], 300)
    levels = ["Yes", "No", "No internet service"]
    frame = pd.DataFrame({
        "DeviceProtection": np.select([labels == 1, labels == 2], ["No", "Yes"],
                                      rng.choice(levels, 900)),
        "Contract": np.where(labels == 0, "Two year", rng.choice(["Monthly", "Yearly"], 900)),
        "PaperlessBilling": np.where(labels == 2, "Yes", rng.choice(["Yes", "No"], 900))})
    names = {s: v["name"] for s, v in name_segments(
        profile(frame, labels, features=list(frame.columns))).items()}
    assert names[0].startswith("Contract: Two year"), names
    assert names[1].startswith("No device protection"), names
    assert names[2].startswith("With device protection"), names
    assert "with paperless billing" in names[2].lower(), names
    check_names(names, None, labels)


def test_log_features_get_plain_words():
    rng = np.random.default_rng(4)
    labels = np.repeat([0, 1], 300)
    frame = pd.DataFrame({
        "interpurchase_cv": rng.gamma(2, 0.2, 600) + 1.5 * labels,
        "Total_Trans_Ct": rng.poisson(60, 600) - 30 * labels,
        "avg_order_value": rng.gamma(4, 10, 600) * (1 + labels)})
    names = {s: v["name"] for s, v in name_segments(
        profile(frame, labels, features=list(frame.columns))).items()}
    assert set(names[1].lower().split(", ")) == {"irregular buyers", "rare buyers",
                                                 "large orders"}, names
    assert set(names[0].lower().split(", ")) == {"regular buyers", "frequent",
                                                 "small orders"}, names
    assert not re.search(r"\b(cv|ct|interpurchase|avg)\b", " ".join(names.values()), re.I)
    check_names(names, None, labels)


@pytest.mark.parametrize("column", [
    "Spend \u202e(RTL override)", "\u0627\u0644\u0625\u0646\u0641\u0627\u0642 spend",
    "\U0001F4B0\u200d\U0001F9FE money bag", "x" * 100_000, "a\x00b\nc\td"])
def test_odd_column_names_never_garble_a_name(column):
    rng = np.random.default_rng(5)
    labels = np.repeat([0, 1, 2], 200)
    frame = pd.DataFrame({column: rng.normal(10, 1, 600) + 5 * labels,
                          "city": np.where(labels == 2, "\u05ea\u05dc \u05d0\u05d1\u05d9\u05d1"
                                           + "y" * 50_000, rng.choice(["Porto", "Lyon"], 600))})
    prof = profile(frame, labels, features=[column, "city"])
    named = name_segments(prof)
    names = {s: v["name"] for s, v in named.items()}
    check_names(names, frame[prof.monetary].sum(axis=1) if prof.monetary else None, labels)
    # the right-to-left level keeps its column and is cut, not dropped or reordered
    assert "city: \u05ea\u05dc \u05d0\u05d1\u05d9\u05d1y" in names[2].lower(), names
    for v in named.values():
        assert len(v["description"]) < 1000
        assert not any(unicodedata.category(ch) in BAD_CATEGORIES for ch in v["description"])


def test_identical_segments_get_unique_short_names_without_numbers():
    rng = np.random.default_rng(6)
    labels = np.repeat(np.arange(8), 100)
    frame = pd.DataFrame({"monetary": rng.gamma(3, 20, 800) * (1 + (labels < 4)),
                          "recency_days": rng.gamma(3, 10, 800)})
    names = {s: v["name"] for s, v in name_segments(
        profile(frame, labels, features=list(frame.columns))).items()}
    check_names(names, frame["monetary"], labels)
    assert not any(re.search(r"\d", n) for n in names.values()), names

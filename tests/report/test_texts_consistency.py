"""Every number a text shows is the number of the record it comes from.

Rule cards show each rule's precision and coverage (recomputed here by applying
the rule text to the data), the report's k equals the segments written, the
outcomes table equals a pandas group-by, cleaning rules are headed by their
subject ("duplicate lines"), never by an option name that says the opposite,
and "x (below y)" always shows an x below y.
"""

from __future__ import annotations

import html as html_lib
import re

import numpy as np
import pandas as pd
import pytest

from custseg.datasets import make_customers
from custseg.explain import validate
from custseg.explain._common import fmt_vs_limit
from custseg.report import build_report_data, render_report
from custseg.report.texts import RULE_HEADINGS, rule_heading
from custseg.workflow import run

pytestmark = pytest.mark.xdist_group("texts")


@pytest.fixture(scope="module")
def churn_run():
    """1,000 synthetic customers with a churn flag that differs by segment (k=4)."""
    frame, truth = make_customers(1000, k=4, seed=3, return_labels=True)
    rng = np.random.default_rng(0)
    frame["Churn"] = (rng.random(len(frame)) < np.array([0.05, 0.15, 0.3, 0.5])[truth]).astype(int)
    result = run(frame, k=4, algorithms=["kmeans"], stability=False, report=False,
                 roles={"Churn": "outcome"})
    data = build_report_data(result)
    return result, data, render_report(data)


def _text(html: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def _mask(frame: pd.DataFrame, condition: str) -> np.ndarray:
    """Customers matching one condition of a rule text (numbers, levels, yes/no)."""
    def num(text: str) -> float:
        return float(text.replace(",", ""))

    m = re.fullmatch(r"(-?[\d.,]+) < (.+) <= (-?[\d.,]+)", condition)
    if m:
        col = pd.to_numeric(frame[m.group(2)], errors="coerce")
        return ((col > num(m.group(1))) & (col <= num(m.group(3)))).to_numpy()
    m = re.fullmatch(r"(.+) (<=|>) (-?[\d.,]+)", condition)
    if m:
        col = pd.to_numeric(frame[m.group(1)], errors="coerce")
        out = col <= num(m.group(3)) if m.group(2) == "<=" else col > num(m.group(3))
        return out.to_numpy()
    m = re.fullmatch(r"(.+) = (yes|no)", condition)
    if m and m.group(1) in frame and frame[m.group(1)].nunique() <= 2:
        col = frame[m.group(1)].astype(str).str.lower().isin(["1", "1.0", "yes", "true", "y"])
        return (col if m.group(2) == "yes" else ~col).to_numpy()
    m = re.fullmatch(r"(.+) = (.+)", condition)
    if m:
        return (frame[m.group(1)].astype(str) == m.group(2)).to_numpy()
    m = re.fullmatch(r"(.+) ≠ (.+)", condition)
    if m:
        return (frame[m.group(1)].astype(str) != m.group(2)).to_numpy()
    m = re.fullmatch(r"(.+) not in \{(.+)\}", condition)
    if m:
        return (~frame[m.group(1)].astype(str).isin(m.group(2).split(", "))).to_numpy()
    raise AssertionError(f"unparsed condition {condition!r}")


def test_each_rule_card_shows_its_own_precision_and_coverage(churn_run):
    result, data, html = churn_run
    frame, labels = result.frame, result.labels
    text = _text(html)
    checked = 0
    for card in data["segments"]["cards"]:
        assert "fidelity" not in str(card.get("rules"))
        size = int((labels == card["id"]).sum())
        for rule in card["rules"]:
            match = np.ones(len(frame), dtype=bool)
            for condition in rule["rule"].split(" and "):
                match &= _mask(frame, condition)
            covered = int(match.sum())
            correct = int((match & (labels == card["id"])).sum())
            # thresholds are printed to 4 significant digits: a customer on the edge may move
            assert abs(rule["n_covered"] - covered) <= max(2, 0.01 * covered), rule
            assert rule["precision"] == pytest.approx(correct / covered, abs=0.01), rule
            assert rule["coverage"] == pytest.approx(correct / size, abs=0.01), rule
            shown = f"precision {100 * rule['precision']:.0f}%"
            assert shown in text, shown
            assert f"coverage {100 * rule['coverage']:.0f}% of the segment" in text
            checked += 1
        # the card's "together they find X%" is the sum of its rules' coverage (the tree's
        # recall of the segment), never a heading over one rule
        rules = result.explanation.rules.for_segment(card["id"])
        assert card["found"] == pytest.approx(sum(r["coverage"] for r in rules))
        assert card["n_rules"] == len(rules)
    assert checked >= 4
    assert not re.search(r"Rules\s*\(fidelity", text)


def test_report_k_is_the_number_of_segments_written(churn_run):
    result, data, html = churn_run
    written = result.segments_table()["segment"]
    k = written[written >= 0].nunique()
    assert data["meta"]["k"] == k == len([c for c in data["segments"]["cards"] if c["id"] >= 0])
    highlight = {h["label"]: h["value"] for h in data["highlights"]}
    assert highlight["segments"] == str(k)
    assert f'<span class="value">{k}</span><span class="label">segments</span>' in html
    assert len(re.findall(r'<article class="seg"', html)) == k
    # names sit in <bdi>: a right-to-left name cannot reorder the text around it
    assert len(re.findall(r'<h4><span class="seg-id">\d+</span> <bdi>[^<]+</bdi></h4>', html)) == k
    assert result.summary()["k"] == k == len(result.summary()["segments"])


def test_outcomes_table_equals_a_group_by(churn_run):
    result, data, html = churn_run
    table = data["segments"]["outcomes"]
    assert [c["column"] for c in table["columns"]] == ["Churn"]
    assert table["columns"][0]["overall"] == pytest.approx(result.frame["Churn"].mean())
    rates = result.frame["Churn"].groupby(result.labels).mean()
    text = _text(html)
    assert "Outcomes by segment" in text
    for row in table["rows"]:
        assert row["cells"][0]["value"] == pytest.approx(rates[row["id"]])
        assert f"{100 * rates[row['id']]:.1f}%" in text
    # the segments differ in churn as planted: the table is not flat
    assert rates.max() - rates.min() > 0.2


def test_cleaning_rules_are_headed_by_their_subject():
    """'keep duplicates' over 'duplicate lines are dropped' read as the opposite."""
    rng = np.random.default_rng(1)
    n = 1500
    log = pd.DataFrame({
        "customer_id": rng.integers(1, 250, n),
        "invoice": rng.integers(10_000, 13_000, n).astype(str),
        "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
        "amount": np.round(rng.gamma(2, 20, n), 2)})
    log = pd.concat([log, log.iloc[:40]], ignore_index=True)  # 40 exact duplicate lines
    result = run(log, input_kind="transactions", k=3, algorithms=["kmeans"],
                 stability=False, report=False)
    data = build_report_data(result)
    rules = data["overview"]["transactions"]["rules"]
    assert not any(k.startswith(("keep", "exclude", "drop")) for k in rules), list(rules)
    assert "duplicate lines" in rules and "dropped" in rules["duplicate lines"]
    assert "40" in rules["duplicate lines"]
    text = _text(render_report(data))
    assert "duplicate lines : Exact duplicate lines are dropped" in re.sub(r"\s+", " ", text)
    assert "keep duplicates" not in text.lower()


def test_rule_headings_never_name_an_option():
    assert rule_heading("keep_duplicates") == "duplicate lines"
    assert rule_heading("exclude_future_dates") == "future dates"
    assert rule_heading("keep_something_new") == "something new"
    assert all(not h.startswith(("keep", "exclude", "drop")) for h in RULE_HEADINGS.values())


@pytest.mark.parametrize("value, limit", [(0.2493, 0.25), (0.24999, 0.25), (0.5999, 0.6),
                                          (0.12, 0.25), (0.25, 0.25)])
def test_below_comparisons_read_right(value, limit):
    shown = fmt_vs_limit(value, limit)
    assert (float(shown) < limit) == (value < limit)
    assert float(shown) != limit or value == limit


def test_weak_structure_warning_never_says_x_below_x():
    """A silhouette just under 0.25 (found by moving one blob) never prints as 0.25."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, (200, 2)), rng.normal(0, 1, (200, 2))
    labels = np.repeat([0, 1], 200)

    def silhouette(shift: float):
        res = validate(np.r_[a, b + shift], labels, random_state=0)
        return res.silhouette, res

    low, high = 1.0, 2.0  # silhouette below / above 0.25
    for _ in range(40):
        mid = (low + high) / 2
        sil, res = silhouette(mid)
        if 0.2495 <= sil < 0.25:
            break
        low, high = (mid, high) if sil < 0.2495 else (low, mid)
    assert 0.2495 <= sil < 0.25
    weak = [w for w in res.warnings if w.startswith("Weak structure")]
    assert len(weak) == 1
    shown, limit = re.search(r"silhouette (\d+\.\d+) \(below (\d+(?:\.\d+)?)\)",
                             weak[0]).groups()
    assert float(shown) < float(limit) == 0.25, weak[0]


def test_share_warnings_never_read_equal_to_their_limit():
    """1.96% is below the 2% minimum and 60.04% above 60%: shown so, not as 2% / 60%."""
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], [1501, 49, 950])  # shares 0.6004, 0.0196, 0.38
    X = rng.normal(0, 1, (2500, 2)) + labels[:, None] * 4.0
    res = validate(X, labels, random_state=0, sample_size=1000, min_share=0.02)
    tiny = next(w for w in res.warnings if w.startswith("Segment 1 holds only"))
    big = next(w for w in res.warnings if w.startswith("Segment 0 holds"))
    assert "1.96% of customers" in tiny and "below the 2% minimum" in tiny, tiny
    assert "60.04% of customers (more than 60%)" in big, big
    for warning in (tiny, big):
        shown, limit = (float(x) for x in re.findall(r"(\d+(?:\.\d+)?)%", warning)[:2])
        assert shown != limit

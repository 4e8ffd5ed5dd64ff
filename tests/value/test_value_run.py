"""Customer value inside a run: segments.csv columns, summary.json section, gates, CLI."""

from __future__ import annotations

import json

import jsonschema
import pandas as pd
import pytest

from custseg.summary import summary_schema
from custseg.value import synthetic_daily
from tests.cli.helpers import invoke


def _log(n: int, seed: int = 0) -> pd.DataFrame:
    daily = synthetic_daily(n, seed=seed)
    return pd.DataFrame({"customer_id": daily["cid"], "order_date":
                         pd.to_datetime(daily["day"]).dt.strftime("%Y-%m-%d"),
                         "amount": daily["value"]})


@pytest.fixture(scope="module")
def log_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("value") / "orders.csv"
    _log(600).to_csv(path, index=False)
    return path


def test_run_on_a_log_adds_value_columns_and_section(log_csv, tmp_path):
    out = tmp_path / "out"
    code, _, err = invoke("run", log_csv, "-o", out, "--k", "3", "--algorithms", "kmeans",
                          "--no-stability", "--no-report", "--no-figures",
                          "--holdout-days", "60", "--horizon", "6")
    assert code == 0, err
    seg = pd.read_csv(out / "segments.csv")
    assert {"clv", "p_alive"} <= set(seg.columns)
    assert seg["p_alive"].between(0, 1).all() and (seg["clv"] >= 0).all()
    summary = json.loads((out / "summary.json").read_text())
    jsonschema.validate(summary, summary_schema())
    value = summary["value"]
    assert value["available"] and value["settings"]["horizon_months"] == 6
    assert value["holdout"]["holdout_days"] == 60 and value["holdout"]["available"]
    assert sum(s["customers"] for s in value["segments"]) == len(seg)
    assert abs(sum(s["clv_share"] for s in value["segments"]) - 1) < 1e-3
    assert abs(value["totals"]["clv"] - seg["clv"].sum()) < 1
    assert any(d.startswith("customer value: BG/NBD + Gamma-Gamma") for d in
               summary["decisions"])


def test_explicit_value_on_a_thin_log_exits_2_with_the_gate_sentence(tmp_path):
    path = tmp_path / "small.csv"
    _log(120, seed=1).to_csv(path, index=False)
    code, _, err = invoke("run", path, "-o", tmp_path / "o", "--k", "3", "--algorithms",
                          "kmeans", "--no-stability", "--no-report", "--value")
    assert code == 2
    assert "customer value needs at least 200 customers with a purchase; the log has" in err


def test_thin_log_without_value_option_runs_with_a_note(tmp_path):
    from custseg.workflow import run

    result = run(_log(120, seed=1), k=3, algorithms=["kmeans"], stability=False,
                 report=False)
    assert "clv" not in result.segments_table().columns
    summary = result.summary()
    assert summary["value"]["available"] is False
    assert any(d.startswith("customer value: not computed, customer value needs at least 200")
               for d in summary["decisions"])


def test_no_value_skips_it(log_csv):
    from custseg.workflow import run

    result = run(log_csv, k=3, algorithms=["kmeans"], stability=False, report=False,
                 value=False)
    assert "value" not in result.summary()
    assert "customer value: not computed (--no-value)" in result.decisions


def test_table_with_rfm_columns_says_clv_needs_a_log():
    from custseg.datasets import make_customers
    from custseg.workflow import run

    table = make_customers(200, k=3, seed=0)
    table["recency_days"] = range(200)
    result = run(table, k=3, algorithms=["kmeans"], stability=False, report=False)
    assert any("CLV and P(alive) need the purchase dates" in d for d in result.decisions)


@pytest.mark.parametrize(("args", "message"), [
    (["--horizon", "0"], "horizon must be a whole number of months from 1 to 120, got 0"),
    (["--discount-rate", "2"], "discount rate must be a yearly rate from 0 to 1"),
])
def test_bad_value_options_exit_2(log_csv, tmp_path, args, message):
    code, _, err = invoke("run", log_csv, "-o", tmp_path / "o", *args)
    assert code == 2 and message in err

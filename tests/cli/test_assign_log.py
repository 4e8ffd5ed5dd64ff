"""`custseg assign model.skops next_month_log.csv` on a model trained on a log (issue 14, 9)."""

from __future__ import annotations

import pandas as pd
import pytest

from custseg.persist import load_model
from custseg.persist.model import save_model
from custseg.workflow import run
from tests.cli.helpers import invoke
from tests.features.logfixtures import order_items, retail_lines

# The module's trained model built once, on one worker.
pytestmark = pytest.mark.xdist_group("assign-log")

API = {"k": (2, 4), "algorithms": ["kmeans"], "report": False, "stability": False}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model trained on an Olist-style order-item log (detected by its structure)."""
    folder = tmp_path_factory.mktemp("assign_log")
    log = order_items(250, seed=0, start="2018-01-01")
    log.to_csv(folder / "train.csv", index=False)
    result = run(folder / "train.csv", **API)
    save_model(result.model, folder / "model.skops")
    return folder, result


def test_model_records_the_log_settings(trained):
    folder, result = trained
    meta = load_model(folder / "model.skops").metadata
    assert meta["input_kind"] == "transactions"
    log = meta["log"]
    assert log["columns"]["customer"] == "customer_unique_id"
    assert log["columns"]["amount"] == "price" and log["columns"]["invoice"] == "order_id"
    assert log["date_format"] is None or "%" in log["date_format"]
    assert log["categories"] == result.transactions.share_values["category"]
    assert log["trained_as_of"] == result.transactions.as_of.isoformat()


def test_assign_scores_the_training_log_like_the_run(trained, tmp_path):
    folder, result = trained
    code, out, err = invoke("assign", folder / "model.skops", folder / "train.csv",
                            "-o", tmp_path / "scored.csv")
    assert code == 0, err
    scored = pd.read_csv(tmp_path / "scored.csv")
    original = result.segments_table()
    assert scored["customer_unique_id"].tolist() == original["customer_unique_id"].tolist()
    assert (scored["segment"].to_numpy() == original["segment"].to_numpy()).all()
    assert "250 customers scored" in out


def test_assign_next_month_log_one_row_per_customer(trained, tmp_path):
    folder, _ = trained
    new = order_items(90, seed=7, start="2018-09-01", days=30)
    new.to_csv(tmp_path / "next_month.csv", index=False)
    code, _, err = invoke("assign", folder / "model.skops", tmp_path / "next_month.csv",
                          "-o", tmp_path / "scored.csv")
    assert code == 0, err
    scored = pd.read_csv(tmp_path / "scored.csv")
    assert len(scored) == new["customer_unique_id"].nunique() == 90
    assert scored["customer_unique_id"].is_unique
    assert set(scored["segment"]) <= set(range(4))


def test_assign_as_of_changes_recency(trained, tmp_path):
    folder, _ = trained
    fitted = load_model(folder / "model.skops")
    new = order_items(60, seed=8, start="2018-09-01", days=30)
    new.to_csv(tmp_path / "next.csv", index=False)
    from custseg.workflow import load_for_model

    default = load_for_model(fitted, tmp_path / "next.csv")
    last = pd.to_datetime(new["order_purchase_timestamp"]).max().normalize()
    newest = default.set_index("customer_unique_id")["recency_days"]
    # as-of = the day after the new log's last line: its most recent buyer has recency 1
    assert newest.min() == 1
    later = load_for_model(fitted, tmp_path / "next.csv", as_of="2019-01-01")
    delta = (pd.Timestamp("2019-01-01") - (last + pd.Timedelta(days=1))).days
    assert (later["recency_days"] - default["recency_days"] == delta).all()
    code, _, err = invoke("assign", folder / "model.skops", tmp_path / "next.csv", "-o",
                          tmp_path / "s.csv", "--as-of", "2019-01-01")
    assert code == 0, err
    code, _, err = invoke("assign", folder / "model.skops", tmp_path / "next.csv", "-o",
                          tmp_path / "t.csv", "--as-of", "next tuesday")
    assert code == 2 and "as_of 'next tuesday' is not a date" in err


def test_assign_log_without_the_trained_columns(trained, tmp_path):
    folder, _ = trained
    retail_lines(20).to_csv(tmp_path / "other.csv", index=False)
    code, _, err = invoke("assign", folder / "model.skops", tmp_path / "other.csv", "-o",
                          tmp_path / "s.csv")
    assert code == 2
    assert "the model was trained on a transaction log with columns 'customer_unique_id', " \
           "'order_purchase_timestamp'" in err
    assert "column 'customer_unique_id' given for role 'customer' is not in the data" in err
    assert not (tmp_path / "s.csv").exists()


def test_assign_features_table_of_a_log_model(trained, tmp_path):
    # the `custseg features` output (one row per customer) is scored as it is
    folder, result = trained
    result.frame.to_csv(tmp_path / "customers.csv", index=False)
    code, _, err = invoke("assign", folder / "model.skops", tmp_path / "customers.csv", "-o",
                          tmp_path / "s.csv")
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "s.csv")) == 250


def test_as_of_on_a_table_model_is_refused(tmp_path):
    from custseg.datasets import make_customers

    train = make_customers(300, k=3, seed=0)
    save_model(run(train, **API).model, tmp_path / "model.skops")
    train.to_csv(tmp_path / "t.csv", index=False)
    code, _, err = invoke("assign", tmp_path / "model.skops", tmp_path / "t.csv", "-o",
                          tmp_path / "s.csv", "--as-of", "2024-01-01")
    assert code == 2
    assert "--as-of applies only to a model trained on a transaction log" in err

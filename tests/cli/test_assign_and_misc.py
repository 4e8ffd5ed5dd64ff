"""assign, --json, datasets, demo."""

from __future__ import annotations

import json

import pandas as pd

from custseg.datasets import make_customers
from tests.cli.helpers import invoke

FAST = ("--algorithms", "kmeans", "--no-report", "--no-stability", "--k", "2-6")


def test_assign_scores_new_customers_like_training(tmp_path):
    train = make_customers(1200, k=4, seed=3)
    train.to_csv(tmp_path / "train.csv", index=False)
    code, _, err = invoke("run", tmp_path / "train.csv", "-o", tmp_path / "out", *FAST)
    assert code == 0, err
    code, _, err = invoke("assign", tmp_path / "out" / "model.skops", tmp_path / "train.csv",
                          "-o", tmp_path / "scored.csv")
    assert code == 0, err
    scored = pd.read_csv(tmp_path / "scored.csv")
    original = pd.read_csv(tmp_path / "out" / "segments.csv")
    assert scored["customer_id"].tolist() == original["customer_id"].tolist()
    assert (scored["segment"] == original["segment"]).mean() == 1.0
    assert (scored["segment_name"] == original["segment_name"]).all()


def test_assign_refuses_mismatched_columns(tmp_path):
    make_customers(600, k=3, seed=1).to_csv(tmp_path / "train.csv", index=False)
    assert invoke("run", tmp_path / "train.csv", "-o", tmp_path / "out", *FAST)[0] == 0
    other = make_customers(50, k=3, seed=2).drop(columns=["income", "annual_spend"])
    other.to_csv(tmp_path / "new.csv", index=False)
    code, _, err = invoke("assign", tmp_path / "out" / "model.skops", tmp_path / "new.csv",
                          "-o", tmp_path / "scored.csv")
    assert code == 2
    assert "lacks 2 column(s) the model was trained on: 'income', 'annual_spend'" in err \
        or "lacks 2 column(s) the model was trained on: 'annual_spend', 'income'" in err
    assert not (tmp_path / "scored.csv").exists()


def test_assign_refuses_a_file_that_is_not_a_model(tmp_path):
    (tmp_path / "fake.skops").write_text("not a zip")
    make_customers(20, k=2, seed=0).to_csv(tmp_path / "new.csv", index=False)
    code, _, err = invoke("assign", tmp_path / "fake.skops", tmp_path / "new.csv")
    assert code == 2
    assert "not a custseg model file" in err


def test_json_output_equals_summary_file(tmp_path, customer_tables):
    code, out, err = invoke("run", customer_tables["mall"], "-o", tmp_path / "o", *FAST,
                            "--json")
    assert code == 0, err
    printed = json.loads(out)
    written = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert printed == written


def test_quiet_prints_nothing(tmp_path, customer_tables):
    code, out, _err = invoke("run", customer_tables["mall"], "-o", tmp_path / "o", *FAST,
                            "--quiet")
    assert code == 0
    assert out.strip() == ""


def test_datasets_list_and_write(tmp_path):
    code, out, _ = invoke("datasets", "list")
    assert code == 0 and "wholesale" in out and "demo" in out
    code, _, _ = invoke("datasets", "wholesale", "-o", tmp_path / "w.csv")
    assert code == 0
    assert pd.read_csv(tmp_path / "w.csv").shape == (440, 8)
    code, _, err = invoke("datasets", "iris")
    assert code == 2 and "no bundled dataset named 'iris'" in err


def test_run_and_assign_with_kprototypes_on_category_codes(tmp_path):
    make_customers(300, k=3, seed=1).to_csv(tmp_path / "train.csv", index=False)
    code, _, err = invoke("run", tmp_path / "train.csv", "-o", tmp_path / "out", "--mixed",
                          "kprototypes", "--k", "3", "--no-report")
    assert code == 0, err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["selection"]["algorithm"] == "kprototypes"
    # validation measures the same distances as selection (a mismatch costs gamma), not
    # the raw category codes, and its bootstrap refits ran on the codes
    sil_selection = summary["selection"]["evidence"]["silhouette"]
    assert abs(summary["metrics"]["silhouette"] - sil_selection) < 0.02
    assert summary["validation"]["stability"]["mean_ari"] > 0.75
    assert any(d.startswith("algorithms: kprototypes only") for d in summary["decisions"])
    code, _, err = invoke("assign", tmp_path / "out" / "model.skops", tmp_path / "train.csv",
                          "-o", tmp_path / "scored.csv")
    assert code == 0, err
    scored = pd.read_csv(tmp_path / "scored.csv")
    original = pd.read_csv(tmp_path / "out" / "segments.csv")
    assert (scored["segment"] == original["segment"]).all()


def test_kprototypes_codes_refuse_other_algorithms(tmp_path):
    make_customers(120, k=3, seed=1).to_csv(tmp_path / "train.csv", index=False)
    for algorithms, said in (("kmeans,kprototypes", "which kmeans cannot cluster"),
                             ("gmm", "--algorithms gmm cannot cluster the category codes")):
        code, _, err = invoke("run", tmp_path / "train.csv", "-o", tmp_path / "out", "--mixed",
                              "kprototypes", "--algorithms", algorithms, "--k", "3")
        assert code == 2 and said in " ".join(err.split())
        assert "Fix: use --algorithms kprototypes" in " ".join(err.split())
        assert not (tmp_path / "out").exists()

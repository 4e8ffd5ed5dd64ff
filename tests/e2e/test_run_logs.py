"""Transaction logs end to end: `custseg features` and `custseg run` on the shared logs."""

from __future__ import annotations

import json

import pandas as pd

from tests.cli.helpers import invoke


def test_features_command_on_cdnow(shared_datasets, tmp_path):
    code, out, err = invoke("features", shared_datasets / "cdnow" / "CDNOW_master.txt",
                            "-o", tmp_path / "customers.csv")
    assert code == 0, err
    table = pd.read_csv(tmp_path / "customers.csv", dtype={"customer_id": str})
    assert len(table) == 23570
    assert table["customer_id"].iloc[0] == "00001"
    assert {"recency_days", "frequency", "monetary", "tenure_days"} <= set(table.columns)
    assert "23,570 customers written" in out


def test_features_command_reports_missing_columns(tmp_path):
    pd.DataFrame({"who": [1, 1, 2], "when": ["2020-01-01"] * 3, "x": [1, 2, 3]}).to_csv(
        tmp_path / "log.csv", index=False)
    code, _, err = invoke("features", tmp_path / "log.csv", "-o", tmp_path / "c.csv")
    assert code == 2
    assert "--customer" in err
    assert not (tmp_path / "c.csv").exists()


def test_features_command_memory_limit(shared_datasets, tmp_path):
    log = shared_datasets / "online_retail" / "online_retail.parquet"
    code, _, err = invoke("features", log, "-o", tmp_path / "c.csv", "--memory-limit", "40MB")
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "c.csv")) == 4372
    code, _, err = invoke("features", log, "-o", tmp_path / "d.csv", "--memory-limit", "16MB")
    assert code == 2
    assert "DuckDB ran out of memory" in err and "--memory-limit" in err
    assert "Traceback" not in err
    assert not (tmp_path / "d.csv").exists()
    code, _, err = invoke("run", log, "-o", tmp_path / "run", "--memory-limit", "lots")
    assert code == 2
    assert "memory_limit 'lots' is not a size" in err
    assert not (tmp_path / "run").exists()


def test_run_recognises_the_online_retail_log(shared_datasets, tmp_path):
    code, _, err = invoke("run", shared_datasets / "online_retail" / "online_retail.parquet",
                          "-o", tmp_path / "or", "--k", "3-6", "--no-report",
                          "--no-stability")  # recognition and counts: stability not asserted
    assert code == 0, err
    summary = json.loads((tmp_path / "or" / "summary.json").read_text())
    assert summary["input"]["kind"] == "transactions"
    assert summary["n_rows"] == 4372
    assert summary["transactions"]["quality"]["lines_without_customer"] == 135080
    assert 3 <= summary["k"] <= 6
    assert sum(summary["rfm"]["groups"].values()) == 4372
    segments = pd.read_csv(tmp_path / "or" / "segments.csv")
    assert len(segments) == 4372
    assert segments.columns[0] == "CustomerID"


def test_run_rfm_groups_as_the_segmentation(shared_datasets, tmp_path):
    code, _, err = invoke("run", shared_datasets / "cdnow" / "CDNOW_master.txt", "-o",
                          tmp_path / "cd", "--algorithms", "rfm", "--no-report")
    assert code == 0, err
    summary = json.loads((tmp_path / "cd" / "summary.json").read_text())
    assert summary["algorithm"] == "rfm"
    names = {seg["name"] for seg in summary["segments"]}
    assert "Champions" in names
    assert summary["n_rows"] == 23570

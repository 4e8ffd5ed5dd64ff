"""--previous and --holdout on the Spark engine: the same tracking on collected tables."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from custseg.outputs import write_outputs
from custseg.tracking import control_flags
from custseg.workflow import run
from tests.tracking.conftest import FAST, blobs, move

pytestmark = pytest.mark.xdist_group("spark2")  # one of two Spark groups: tests/conftest.py
FEATURES = ["customer_id", "spend", "visits", "tenure"]


def test_spark_run_keeps_local_ids_names_and_control(spark, tmp_path):
    from custseg.spark import run as run_spark

    frame = blobs({"A": 90, "B": 60, "C": 40})
    local = run(frame[FEATURES], **FAST)
    folder = write_outputs(local, tmp_path / "local", report=False)
    movers = frame.loc[frame["truth"] == "B", "customer_id"].iloc[:12].tolist()
    later = move(frame, movers, "C")
    path = tmp_path / "later.csv"
    later[FEATURES].to_csv(path, index=False)
    result = run_spark(str(path), spark=spark, k=3, algorithms=["kmeans"], stability=False,
                       select_features=False, seed=5, previous=str(folder), holdout="20%")
    out = result.write(tmp_path / "spark", report=False)
    summary = json.loads((out / "summary.json").read_text())
    assert {s["id"]: s["name"] for s in summary["segments"]} == local.names
    assert any("matched to the previous run" in d for d in summary["decisions"])
    old = pd.read_csv(folder / "segments.csv").set_index("customer_id")["segment"]
    new = pd.read_csv(out / "segments.csv").set_index("customer_id")
    stay = [i for i in old.index if i not in movers]
    assert (old[stay] == new.loc[stay, "segment"]).all()
    assert (new.loc[movers, "segment"] == old[old.index.isin(
        frame.loc[frame["truth"] == "C", "customer_id"])].iloc[0]).all()
    assert new["control"].tolist() == control_flags(new.index, 0.2).astype(int).tolist()
    tracking = summary["tracking"]
    assert [p["kept"] for p in tracking["matching"]["pairs"]] == [True] * 3
    assert tracking["migration"]["moved"] == 12
    assert tracking["migration"]["customers_in_both"] == 190
    assert tracking["holdout"]["n_control"] == int(new["control"].sum())
    migration = pd.read_csv(out / "migration.csv")  # the same table as a local run writes
    moved = migration[migration["kind"] == "moved"]
    assert int(moved["customers"].sum()) == 12
    assert int(migration.loc[migration["kind"].isin(["moved", "stayed"]), "customers"].sum()) \
        == 190

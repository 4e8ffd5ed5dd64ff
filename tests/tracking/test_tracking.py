"""Segments over time: stable ids, migration, new and vanished segments, drift (issue #17)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from custseg.outputs import write_outputs
from custseg.tracking import psi, psi_reading, tracking_section
from custseg.tracking.migration import migrate
from custseg.workflow import run
from tests.tracking.conftest import FAST, blobs, move

FEATURES = ["customer_id", "spend", "visits", "tenure"]


@pytest.fixture(scope="module")
def period1(tmp_path_factory):
    """200 A, 120 B, 80 C; written as a previous run."""
    frame = blobs({"A": 200, "B": 120, "C": 80})
    result = run(frame[FEATURES], **FAST)
    folder = write_outputs(result, tmp_path_factory.mktemp("p1") / "out", report=False)
    return frame, result, folder


def _truth_to_id(frame: pd.DataFrame, labels: np.ndarray) -> dict[str, int]:
    table = pd.crosstab(frame["truth"].to_numpy(), labels)
    assert (table.gt(0).sum(axis=1) == 1).all(), table  # every true group is one segment
    return {g: int(table.loc[g].idxmax()) for g in table.index}


def test_same_data_other_seed_gives_identical_ids_and_names(period1):
    frame, first, folder = period1
    again = run(frame[FEATURES], **{**FAST, "seed": 7}, previous=str(folder))
    assert again.labels.tolist() == first.labels.tolist()
    assert again.names == first.names
    section = tracking_section(again)
    assert [p["quality"] for p in section["matching"]["pairs"]] == ["good"] * 3
    assert section["matching"]["new_segments"] == [] == section["matching"]["vanished"]
    assert section["migration"]["moved"] == 0
    assert section["drift"]["psi"] == 0 and not section["drift"]["refit_recommended"]


def test_known_moves_are_recovered_exactly(period1, tmp_path):
    frame, first, folder = period1
    ids = _truth_to_id(frame, first.labels)
    # 25% of A (50 customers) become B-like; 10 of C become A-like; 30 customers leave
    # (all from B) and 40 newcomers join C
    a_ids = frame.loc[frame["truth"] == "A", "customer_id"].iloc[:50].tolist()
    c_ids = frame.loc[frame["truth"] == "C", "customer_id"].iloc[:10].tolist()
    leave = frame.loc[frame["truth"] == "B", "customer_id"].iloc[-30:].tolist()
    later = move(move(frame, a_ids, "B"), c_ids, "A", seed=2)
    later = later[~later["customer_id"].isin(leave)]
    later = pd.concat([later, blobs({"C": 40}, seed=3, prefix="N")], ignore_index=True)
    second = run(later[FEATURES], **{**FAST, "seed": 3}, previous=str(folder))
    out = write_outputs(second, tmp_path / "p2", report=False)
    section = json.loads((out / "summary.json").read_text())["tracking"]
    migration = section["migration"]
    counts = pd.DataFrame(migration["counts"], index=migration["from"], columns=migration["to"])
    a, b, c = ids["A"], ids["B"], ids["C"]
    assert counts.loc[a, b] == 50 and counts.loc[a, a] == 150
    assert counts.loc[c, a] == 10 and counts.loc[c, c] == 70
    assert counts.loc[b, b] == 90 and counts.to_numpy().sum() == 400 - 30
    assert migration["moved"] == 60 and migration["customers_in_both"] == 370
    assert migration["leavers"] == {str(b): 30} and migration["newcomers"] == {str(c): 40}
    assert migration["flows"][0]["text"].startswith(f"50 {first.names[a]} ({a}) became "
                                                    f"{first.names[b]} ({b}): 25% of")
    table = pd.read_csv(out / "migration.csv")
    moved = table[(table["kind"] == "moved")]
    assert sorted(moved["customers"].tolist()) == [10, 50]
    assert table.loc[table["kind"] == "left", "customers"].sum() == 30
    # ids of the customers who did not move are the previous run's ids
    old = pd.read_csv(folder / "segments.csv").set_index("customer_id")["segment"]
    new = pd.read_csv(out / "segments.csv").set_index("customer_id")["segment"]
    stay = [i for i in old.index if i in new.index and i not in a_ids + c_ids]
    assert (old[stay] == new[stay]).all()


def test_vanished_and_appearing_segments_are_reported(period1):
    frame, first, folder = period1
    ids = _truth_to_id(frame, first.labels)
    # C disappears (its customers leave), a far-away group D appears
    later = frame[frame["truth"] != "C"]
    later = pd.concat([later, blobs({"D": 90}, seed=4, prefix="D")], ignore_index=True)
    second = run(later[FEATURES], **{**FAST, "seed": 1}, previous=str(folder))
    matching = tracking_section(second)["matching"]
    assert matching["vanished"] == [ids["C"]]
    assert matching["new_segments"] == [3]  # a fresh id after the previous 0-2
    d_rows = (later["truth"] == "D").to_numpy()
    assert set(second.labels[d_rows].tolist()) == {3}
    assert second.labels[~d_rows].tolist() == [ids[g] for g in later["truth"][~d_rows]]
    poor = [p for p in matching["pairs"] if not p["kept"]]
    assert [p["quality"] for p in poor] == ["poor"] and poor[0]["ratio"] > 1
    assert any("vanished" in d for d in second.decisions)
    drift = tracking_section(second)["drift"]
    assert drift["refit_recommended"] and "1 new segment, 1 vanished segment" in drift["verdict"]


def test_migrate_counts_shares_and_value():
    prev = pd.DataFrame({"id": [1, 2, 3, 4, 5], "segment": [0, 0, 0, 1, 1]})
    cur = pd.DataFrame({"id": ["1", "2", "3", "4", "9"], "segment": [0, 1, 1, 1, 0]})
    m = migrate(prev, cur, "id", value=np.array([10.0, 20, 30, 40, 50]),
                previous_names={0: "Loyal", 1: "Lapsing"}, names={0: "Loyal", 1: "Lapsing"},
                value_column="spend")
    assert m.counts.to_numpy().tolist() == [[1, 2], [0, 1]]
    assert m.shares.round(3).to_numpy().tolist() == [[0.333, 0.667], [0.0, 1.0]]
    assert m.value.to_numpy().tolist() == [[10.0, 50.0], [0.0, 40.0]]
    assert m.newcomers == {0: 1} and m.leavers == {1: 1}
    assert m.flows()[0]["text"] == ("2 Loyal (0) became Lapsing (1): 67% of Loyal, holding "
                                    "50.0% of this run's spend")


def test_psi_reading_and_values():
    assert psi({0: 0.5, 1: 0.5}, {0: 0.5, 1: 0.5}) == 0
    assert psi_reading(psi({0: 0.5, 1: 0.5}, {0: 0.6, 1: 0.4})) == "stable"
    assert psi_reading(psi({0: 0.5, 1: 0.5}, {0: 0.7, 1: 0.3})) == "moderate"
    assert psi_reading(psi({0: 0.5, 1: 0.5}, {0: 0.9, 1: 0.1})) == "large"
    # a segment absent on one side counts (floor share), not ignored
    assert psi({0: 0.5, 1: 0.5}, {0: 0.5, 1: 0.4, 2: 0.1}) > 0.25

"""`-o` never destroys data: every refusal is exit 2, one line, before any computation.

Refusals are checked before the data are even read, so each of these tests
takes well under a second: a run that got as far as segmenting would take
tens of seconds, and the tests assert that nothing was written.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from custseg.exceptions import ConfigError
from custseg.outputs import MARKER, check_output_file, check_output_folder
from tests.cli.helpers import invoke

FAST = ("--algorithms", "kmeans", "--no-report", "--no-stability", "--k", "3")


@pytest.fixture()
def table(tmp_path) -> Path:
    """A small customer table in its own folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "customers.csv"
    pd.DataFrame({"customer_id": range(60), "spend": [i % 7 * 10.0 for i in range(60)],
                  "visits": [i % 5 for i in range(60)]}).to_csv(path, index=False)
    return path


def _refused(code: int, out: str, err: str, *patterns: str) -> None:
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    assert len([line for line in err.splitlines() if line.strip()]) <= 3, err  # one wrapped line
    flat = " ".join(err.split())
    for pattern in patterns:
        assert pattern in flat, flat


def test_folder_with_a_users_file_is_refused_and_the_file_survives(table, tmp_path):
    folder = tmp_path / "my_documents"
    folder.mkdir()
    (folder / "thesis.docx").write_text("years of work")
    _refused(*invoke("run", table, "-o", folder, *FAST),
             "the output folder already holds files custseg did not write (thesis.docx)",
             "Fix: choose a new folder for -o, or empty this one")
    assert (folder / "thesis.docx").read_text() == "years of work"
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.docx"]
    assert not list(tmp_path.glob(".my_documents.*"))  # no staging, no lock left


def test_input_folder_is_refused_and_the_input_survives(table):
    before = table.read_bytes()
    _refused(*invoke("run", table, "-o", table.parent, *FAST),
             "the output folder holds the input", "replacing it would delete the input")
    assert table.read_bytes() == before


def test_input_folder_is_refused_even_with_a_marker(table):
    """An old output folder the user dropped the input into still holds the input."""
    (table.parent / MARKER).write_text(json.dumps({"tool": "custseg"}))
    _refused(*invoke("run", table, "-o", table.parent, *FAST),
             "the output folder holds the input")
    assert table.exists()


def test_ancestor_of_the_input_is_refused(table, tmp_path):
    _refused(*invoke("run", table, "-o", tmp_path, *FAST), "the output folder holds the input")
    assert table.exists()


def test_output_inside_an_input_folder_is_refused(tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    with pytest.raises(ConfigError, match="the output folder lies inside the input folder"):
        check_output_folder(parts / "out", inputs=[parts])


def test_config_file_folder_is_refused(table, tmp_path):
    config = tmp_path / "cfg" / "run.toml"
    config.parent.mkdir()
    config.write_text("k = 3\n")
    _refused(*invoke("run", table, "-o", config.parent, "--config", config, *FAST),
             "the output folder holds the input")
    assert config.exists()


def test_existing_file_is_refused(table, tmp_path):
    target = tmp_path / "report.pdf"
    target.write_text("keep me")
    _refused(*invoke("run", table, "-o", target, *FAST), "the output folder is an existing file")
    assert target.read_text() == "keep me"


def test_path_under_a_file_is_refused(table):
    _refused(*invoke("run", table, "-o", table / "out", *FAST),
             f"cannot create the output under {table}: it is a file, not a folder")


def test_root_is_refused(table):
    _refused(*invoke("run", table, "-o", "/", *FAST), "refusing to use the root folder")


def test_current_folder_and_parent_are_refused(table, tmp_path, monkeypatch):
    inner = tmp_path / "work" / "inner"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    _refused(*invoke("run", table, "-o", ".", *FAST), "refusing to use the current folder")
    _refused(*invoke("run", table, "-o", "..", *FAST),
             "refusing to use a folder above the current folder")
    assert inner.is_dir() and table.exists()


def test_home_folder_is_refused(table, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    _refused(*invoke("run", table, "-o", home, *FAST), "refusing to use your home folder")


def test_read_only_place_is_refused_before_computing(table, tmp_path):
    """As root, permissions do not stop writes: make the folder immutable (chattr +i).

    Not root: a 0555 folder. When neither works (no chattr, file system
    without attributes), the test skips with the reason.
    """
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if not chattr or subprocess.run([chattr, "+i", str(locked)],
                                        capture_output=True).returncode:
            pytest.skip("root and `chattr +i` unavailable: no way to make a read-only folder")
        undo = [chattr, "-i", str(locked)]
    else:
        locked.chmod(0o555)
        undo = None
    try:
        _refused(*invoke("run", table, "-o", locked / "out", *FAST),
                 f"cannot write to {locked}", "choose an output place you can write to")
    finally:
        if undo:
            subprocess.run(undo, check=True)
        locked.chmod(0o755)
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="no sysfs on this system")
def test_a_pseudo_file_system_is_refused(table):
    """sysfs refuses new folders even to root: a real read-only place on Linux."""
    _refused(*invoke("run", table, "-o", "/sys/custseg-out", *FAST), "cannot write to /sys")


def test_marker_folder_and_empty_folder_are_accepted(tmp_path):
    marked = tmp_path / "old_run"
    marked.mkdir()
    (marked / MARKER).write_text(json.dumps({"tool": "custseg", "version": "0.1.0"}))
    (marked / "segments.csv").write_text("row,segment\n")
    assert check_output_folder(marked) == marked
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_output_folder(empty) == empty


def test_unmarked_output_of_an_older_custseg_is_accepted(tmp_path):
    old = tmp_path / "before_markers"
    (old / "figures").mkdir(parents=True)
    (old / "summary.json").write_text(json.dumps({"schema_version": "1.0", "n_rows": 3}))
    (old / "segments.csv").write_text("row,segment\n")
    assert check_output_folder(old) == old
    (old / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match=r"holds files custseg did not write \(figures, "):
        check_output_folder(old)


def test_a_forged_marker_of_another_tool_is_not_enough(tmp_path):
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / MARKER).write_text("not json")
    (folder / "data.csv").write_text("a\n")
    with pytest.raises(ConfigError, match="custseg did not write"):
        check_output_folder(folder)


# ------------------------------------------------------------------ single-file outputs
def test_assign_refuses_a_folder_and_the_input(tmp_path, table):
    model = tmp_path / "model.skops"
    model.write_bytes(b"not read: -o is checked first")
    folder = tmp_path / "scored"
    folder.mkdir()
    _refused(*invoke("assign", model, table, "-o", folder),
             "the output is a folder, but -o takes a file name here",
             f"give a file name, e.g. -o {folder / 'segments.csv'}")
    before = table.read_bytes()
    _refused(*invoke("assign", model, table, "-o", table),
             f"the output file is the input file {table}: writing it would overwrite the input")
    assert table.read_bytes() == before
    _refused(*invoke("assign", model, table, "-o", model),
             "writing it would overwrite the input")
    assert model.read_bytes() == b"not read: -o is checked first"


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="no sysfs on this system")
def test_assign_and_features_refuse_an_unwritable_place(tmp_path, table):
    model = tmp_path / "model.skops"
    model.write_bytes(b"x")
    _refused(*invoke("assign", model, table, "-o", "/sys/scored.csv"), "cannot write to /sys")
    _refused(*invoke("features", table, "-o", "/sys/customers.csv"), "cannot write to /sys")


def test_features_refuses_overwriting_its_log(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("customer,date,amount\n1,2020-01-01,5\n")
    _refused(*invoke("features", log, "-o", log),
             "the output file is the input file", "overwrite the input")
    assert log.read_text() == "customer,date,amount\n1,2020-01-01,5\n"
    _refused(*invoke("features", log, "-o", log / "c.csv"), "it is a file, not a folder")


def test_spark_parquet_output_replaces_only_spark_parts(tmp_path):
    parquet = tmp_path / "scored.parquet"
    parquet.mkdir()
    (parquet / "part-00000-abc.snappy.parquet").write_bytes(b"PAR1")
    (parquet / "_SUCCESS").write_text("")
    assert check_output_file(parquet, spark_parquet=True) == parquet
    (parquet / "budget.xlsx").write_text("mine")
    with pytest.raises(ConfigError, match=r"files that are not Spark Parquet parts "
                                          r"\(budget.xlsx\)"):
        check_output_file(parquet, spark_parquet=True)

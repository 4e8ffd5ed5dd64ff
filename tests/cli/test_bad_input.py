"""Bad input: exit code 2, one clear line, no traceback, no output folder left behind."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.cli.helpers import invoke

FAST = ("--algorithms", "kmeans", "--no-report", "--no-stability")


def _assert_clean_failure(code, out, err, pattern, out_dir):
    import re

    assert code == 2, (code, out, err)
    assert re.search(pattern, err), err
    assert "Traceback" not in err + out
    assert len([ln for ln in err.strip().splitlines() if ln.strip()]) <= 3  # one wrapped line
    assert not out_dir.exists()
    assert not list(out_dir.parent.glob(f".{out_dir.name}.tmp-*"))


@pytest.fixture()
def out_dir(tmp_path):
    return tmp_path / "out"


def test_missing_file(tmp_path, out_dir):
    code, out, err = invoke("run", tmp_path / "nope.csv", "-o", out_dir, *FAST)
    _assert_clean_failure(code, out, err, r"input file not found .*nope\.csv", out_dir)


def test_directory_given(tmp_path, out_dir):
    (tmp_path / "folder").mkdir()
    code, out, err = invoke("run", tmp_path / "folder", "-o", out_dir, *FAST)
    _assert_clean_failure(code, out, err, r"the input is a folder, not a file", out_dir)


def test_empty_file(tmp_path, out_dir):
    (tmp_path / "e.csv").write_text("")
    code, out, err = invoke("run", tmp_path / "e.csv", "-o", out_dir, *FAST)
    _assert_clean_failure(code, out, err, r"the file is empty", out_dir)


def test_header_only(tmp_path, out_dir):
    (tmp_path / "h.csv").write_text("id,spend,age\n")
    code, out, err = invoke("run", tmp_path / "h.csv", "-o", out_dir, *FAST)
    _assert_clean_failure(code, out, err, r"header but no data rows", out_dir)


def test_fewer_rows_than_k(tmp_path, out_dir):
    (tmp_path / "few.csv").write_text("spend,age\n1.5,20\n2.5,30\n")
    code, out, err = invoke("run", tmp_path / "few.csv", "-o", out_dir, *FAST, "--k", "2")
    _assert_clean_failure(code, out, err, r"only 2 usable rows: too few to form 2 segments",
                          out_dir)


def test_k_larger_than_rows_allow(tmp_path, out_dir):
    frame = pd.DataFrame({"spend": [float(i) for i in range(10)], "age": range(20, 30)})
    frame["age"] = frame["age"] % 4
    frame.to_csv(tmp_path / "t.csv", index=False)
    code, out, err = invoke("run", tmp_path / "t.csv", "-o", out_dir, *FAST, "--k", "2-40")
    _assert_clean_failure(code, out, err, r"--k 40 is larger than the 10 rows allow", out_dir)


def test_binary_file(tmp_path, out_dir):
    (tmp_path / "b.csv").write_bytes(bytes(range(256)) * 20)
    code, out, err = invoke("run", tmp_path / "b.csv", "-o", out_dir, *FAST)
    _assert_clean_failure(code, out, err, r"looks binary", out_dir)


def test_ragged_rows(tmp_path, out_dir):
    (tmp_path / "r.csv").write_text("a,b\n1,2\n3,4\n5,6,7\n8,9\n")
    code, out, err = invoke("run", tmp_path / "r.csv", "-o", out_dir, *FAST)
    _assert_clean_failure(code, out, err, r"line 4 has 3 fields where the header has 2", out_dir)


def test_corrupt_parquet(tmp_path, out_dir):
    (tmp_path / "c.parquet").write_bytes(b"PAR1" + b"\x01garbage" * 64)
    code, out, err = invoke("run", tmp_path / "c.parquet", "-o", out_dir, *FAST)
    _assert_clean_failure(code, out, err, r"cannot read the Parquet file", out_dir)


def test_no_usable_feature(tmp_path, out_dir):
    pd.DataFrame({"name": [f"Person {i}" for i in range(30)],
                  "email": [f"p{i}@x.com" for i in range(30)]}).to_csv(tmp_path / "p.csv",
                                                                      index=False)
    code, out, err = invoke("run", tmp_path / "p.csv", "-o", out_dir, *FAST)
    _assert_clean_failure(code, out, err, r"no column can be used as a feature", out_dir)


def test_unknown_id_column(customer_tables, out_dir):
    code, out, err = invoke("run", customer_tables["mall"], "-o", out_dir, *FAST, "--id",
                            "CUSTNO")
    _assert_clean_failure(code, out, err, r"column 'CUSTNO' named in an option does not exist",
                          out_dir)


def test_unknown_exclude_column(customer_tables, out_dir):
    code, out, err = invoke("run", customer_tables["mall"], "-o", out_dir, *FAST, "--exclude",
                            "Salary")
    _assert_clean_failure(code, out, err, r"column 'Salary' named in an option does not exist",
                          out_dir)


def test_bad_k_text(customer_tables, out_dir):
    code, out, err = invoke("run", customer_tables["mall"], "-o", out_dir, "--k", "two")
    _assert_clean_failure(code, out, err, r"cannot read k 'two'", out_dir)


def test_unknown_algorithm(customer_tables, out_dir):
    code, out, err = invoke("run", customer_tables["mall"], "-o", out_dir, "--algorithms",
                            "kmeans,dbscan")
    _assert_clean_failure(code, out, err, r"unknown algorithm 'dbscan'", out_dir)


def test_bad_weight(customer_tables, out_dir):
    code, out, err = invoke("run", customer_tables["mall"], "-o", out_dir, "--weight", "age")
    _assert_clean_failure(code, out, err, r"cannot read weight 'age'", out_dir)


def test_bad_config_file(tmp_path, customer_tables, out_dir):
    (tmp_path / "c.toml").write_text("[run]\nkay = 3\n")
    code, out, err = invoke("run", customer_tables["mall"], "-o", out_dir, "--config",
                            tmp_path / "c.toml")
    _assert_clean_failure(code, out, err, r"unknown option 'kay' in \[run\]", out_dir)


def test_debug_shows_traceback(tmp_path):
    code, _out, err = invoke("run", tmp_path / "nope.csv", "--debug")
    assert code == 2
    assert "Traceback" in err


def test_failed_run_keeps_previous_output(tmp_path, customer_tables):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "segments.csv").write_text("previous result\n")
    code, _, _err = invoke("run", tmp_path / "missing.csv", "-o", out_dir)
    assert code == 2
    assert (out_dir / "segments.csv").read_text() == "previous result\n"

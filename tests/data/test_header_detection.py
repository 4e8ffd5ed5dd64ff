"""Header detection for text files: line 1 is data when it reads like the rows below.

Headerless exports (CDNOW_sample.txt, german.data) used to lose their first row to
the header; files with a header must keep it, even one whose names are numbers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from custseg.data.io import detect_header, read_table
from custseg.features import detect_log
from tests.cli.helpers import invoke

NOTE = "no header row found: the first line is data; columns named column_1"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_headerless_numeric_file(tmp_path):
    text = "".join(f"{i} {i * 2.5:.2f} {100 + i}\n" for i in range(1, 31))
    table = read_table(_write(tmp_path, "m.txt", text))
    assert not table.header
    assert list(table.frame.columns) == ["column_1", "column_2", "column_3"]
    assert len(table.frame) == 30 and table.frame["column_1"].iloc[0] == 1
    assert any(n.startswith(NOTE) and "column_3" in n and "--header" in n for n in table.notes)
    assert table.to_dict()["header"] is False


def test_headerless_coded_file(tmp_path):
    codes, purposes = ["A11", "A12", "A14", "A13"], ["A43", "A410", "A46", "A40", "A41"]
    text = "".join(f"{codes[i % 4]},{6 + i},{purposes[i % 5]},{1000 + 37 * i},{1 + i % 2}\n"
                   for i in range(40))
    table = read_table(_write(tmp_path, "coded.csv", text))
    assert not table.header and len(table.frame) == 40
    assert table.frame["column_1"].iloc[0] == "A11"
    assert set(table.frame["column_3"]) == set(purposes)  # A410 is the same pattern as A41
    # a header word over the codes is a header
    named = read_table(_write(tmp_path, "named.csv", "status,months,purpose,amount,risk\n"
                              + text))
    assert named.header and len(named.frame) == 40


def test_a_header_of_numbers_over_decimals_is_a_header(tmp_path):
    text = "region,2019,2020\n" + "".join(
        f"r{i % 5},{i * 1.25:.2f},{i * 0.75 + 0.5:.2f}\n" for i in range(1, 31))
    table = read_table(_write(tmp_path, "years.csv", text))
    assert table.header
    assert list(table.frame.columns) == ["region", "2019", "2020"]
    assert len(table.frame) == 30
    assert not any(n.startswith(NOTE) for n in table.notes)


def test_one_column_files(tmp_path):
    named = read_table(_write(tmp_path, "named.csv", "amount\n" + "".join(
        f"{i * 1.5}\n" for i in range(20))))
    assert named.header and list(named.frame.columns) == ["amount"]
    bare = read_table(_write(tmp_path, "bare.csv", "".join(f"{i * 1.5}\n" for i in range(20))))
    assert not bare.header and list(bare.frame.columns) == ["column_1"]
    assert len(bare.frame) == 20


def test_words_over_words_keep_the_header():
    # nothing typed to compare with: the safe default is a header
    assert detect_header([["city", "segment"], ["Porto", "gold"], ["Lisbon", "silver"]])
    assert detect_header([["only one line"]])


def test_the_header_option_overrides_detection(tmp_path):
    text = "".join(f"{i},{i * 2.5}\n" for i in range(1, 31))
    path = _write(tmp_path, "n.csv", text)
    forced = read_table(path, header=True)
    assert forced.header and list(forced.frame.columns) == ["1", "2.5"]
    assert len(forced.frame) == 29
    header_file = _write(tmp_path, "h.csv", "id,spend\n" + text)
    data = read_table(header_file, header=False)
    assert not data.header and len(data.frame) == 31  # the user said line 1 is data
    assert any("column 'column_1': 1 value that is not a number" in n for n in data.notes)
    assert not any("--header" in n for n in data.notes)  # no hint against the user's word


def test_an_eight_digit_code_column_is_not_a_date_without_header():
    import pandas as pd

    frame = pd.DataFrame({"column_1": [1, 1, 2, 2, 3, 3],
                          "column_2": [12345678, 23456789, 34567890, 45678901, 56789012,
                                       67890123],
                          "column_3": [1.5, 2.25, 3.0, 4.75, 5.5, 6.25]})
    d = detect_log(frame, headerless=True)
    assert not d.is_log and d.roles["date"] is None


def test_cli_header_flags(tmp_path):
    text = "".join(f"{i},{(i * 7) % 11 + 0.5},{(i * 3) % 5 + 0.25}\n" for i in range(1, 41))
    path = _write(tmp_path, "n.csv", text)
    fast = ["--algorithms", "kmeans", "--no-report", "--no-stability", "--k", "2", "-q"]
    code, _, err = invoke("run", path, "-o", tmp_path / "auto", *fast)
    assert code == 0, err
    assert (tmp_path / "auto" / "segments.csv").read_text().count("\n") == 41  # 40 rows
    code, _, err = invoke("run", path, "-o", tmp_path / "forced", "--header", *fast)
    assert code == 0, err
    assert (tmp_path / "forced" / "segments.csv").read_text().count("\n") == 40  # line 1 named
    code, _, err = invoke("run", path, "-o", tmp_path / "no", "--no-header", *fast)
    assert code == 0, err
    assert (tmp_path / "no" / "segments.csv").read_text().count("\n") == 41


@pytest.mark.parametrize(("folder", "name", "rows", "cols"), [
    ("cdnow", "CDNOW_sample.txt", 6919, 5), ("german_credit", "german.data", 1000, 21)])
def test_shared_headerless_files(shared_datasets, folder, name, rows, cols):
    table = read_table(shared_datasets / folder / name)
    assert not table.header and table.frame.shape == (rows, cols)
    assert any(n.startswith(NOTE) for n in table.notes)


def test_every_shared_file_with_a_header_keeps_it(shared_datasets):
    headerless = {"CDNOW_sample.txt", "german.data"}
    files = [p for p in shared_datasets.rglob("*")
             if p.suffix.lower() in (".csv", ".txt", ".data") and p.name not in headerless
             and "clustering-benchmarks" not in p.parts]
    assert len(files) >= 12
    for path in files:
        assert read_table(path).header, path.name


def test_names_that_are_not_data():
    # the column numbers pandas writes for a frame without names
    assert detect_header([["0", "1"], ["0.5", "2"], ["1.5", "3"]])
    # a word over categories is data only when it is one of the values below
    assert not detect_header([["Male", "31"], ["Female", "45"], ["Male", "22"]])
    assert detect_header([["sex", "31"], ["Female", "45"], ["Male", "22"]])
    # a blank cell is a missing value only where the column has blanks below
    assert detect_header([["", "31"], ["a", "45"], ["b", "22"]])
    assert not detect_header([["", "31"], ["", "45"], ["b", "22"]])

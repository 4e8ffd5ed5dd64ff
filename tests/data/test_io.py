"""Reading real and awkward tables: dialects, encodings, missing tokens, and clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custseg.data import load, read_table
from custseg.exceptions import InputError, InputFileNotFoundError


def test_every_shared_customer_table_loads_untouched(customer_tables):
    expected = {"mall": (200, 5), "wholesale": (440, 8), "personality": (2240, 29),
                "cc_general": (8950, 18), "online_shoppers": (12330, 18)}
    for name, path in customer_tables.items():
        assert load(path).shape == expected[name], name


def test_marketing_campaign_is_tab_separated_with_24_missing_incomes(customer_tables):
    table = read_table(customer_tables["personality"])
    assert table.delimiter == "\t"
    assert table.missing_counts["Income"] == 24
    assert table.frame["Income"].max() == 666666


def test_mall_column_names_with_units_survive(customer_tables):
    frame = load(customer_tables["mall"])
    assert "Annual Income (k$)" in frame.columns
    assert frame["Spending Score (1-100)"].between(1, 100).all()


def test_cdnow_whitespace_with_zero_padded_ids(shared_datasets):
    table = read_table(shared_datasets / "cdnow" / "CDNOW_master.txt")
    assert table.delimiter == "whitespace"
    assert table.frame.shape == (69659, 4)
    assert table.frame["customer_id"].iloc[0] == "00001"


def test_parquet_log_reads(shared_datasets):
    frame = load(shared_datasets / "online_retail" / "online_retail.parquet")
    assert len(frame) == 541909
    assert frame["CustomerID"].isna().sum() == 135080


def test_semicolon_and_decimal_comma(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("kunde;umsatz;stadt\n1;1.234,5;Köln\n2;3,25;Bonn\n3;10,0;Köln\n",
                    encoding="utf-8")
    table = read_table(path)
    assert (table.delimiter, table.decimal) == (";", ",")
    assert table.frame["umsatz"].tolist() == [1234.5, 3.25, 10.0]


def test_latin1_file(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city,spend\nJosé,São Paulo,10\nAna,Zürich,12\n".encode("latin-1"))
    table = read_table(path)
    assert table.encoding == "latin-1"
    assert table.frame["city"].tolist() == ["São Paulo", "Zürich"]
    assert any("Latin-1" in note for note in table.notes)


def test_utf8_bom_is_removed(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffid,spend\n1,2\n2,3\n".encode())
    table = read_table(path)
    assert list(table.frame.columns) == ["id", "spend"]
    assert table.encoding == "utf-8-sig"


def test_missing_tokens_and_infinities_are_counted(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b\n1,x\nNA,y\n?,N/A\n-,null\ninf,NaN\n5,z\n", encoding="utf-8")
    table = read_table(path)
    assert table.missing_counts["a"] == 4  # NA, ?, - and the infinity
    assert table.infinite_counts["a"] == 1
    assert table.missing_counts["b"] == 3
    assert np.isnan(table.frame["a"].iloc[4])


def test_duplicate_column_names_are_renamed_with_a_note(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,spend,spend\n1,2,3\n2,4,5\n", encoding="utf-8")
    table = read_table(path)
    assert list(table.frame.columns) == ["id", "spend", "spend_2"]
    assert table.renamed_columns == {"spend_2": "spend"}
    assert any("duplicate column names" in note for note in table.notes)


def test_excel_and_jsonl(tmp_path):
    frame = pd.DataFrame({"id": [1, 2, 3], "spend": [1.5, None, 3.0]})
    frame.to_excel(tmp_path / "t.xlsx", index=False, sheet_name="customers")
    frame.to_json(tmp_path / "t.jsonl", orient="records", lines=True)
    assert read_table(tmp_path / "t.xlsx", sheet="customers").frame["spend"].isna().sum() == 1
    assert read_table(tmp_path / "t.jsonl").frame.shape == (3, 2)


# ----------------------------------------------------------------- bad input
def test_missing_file(tmp_path):
    with pytest.raises(InputFileNotFoundError, match=r"input file not found .*nope\.csv"):
        read_table(tmp_path / "nope.csv")


def test_directory_given(tmp_path):
    with pytest.raises(InputError, match="the input is a folder, not a file"):
        read_table(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(InputError, match=r"the file is empty \(0 bytes\)"):
        read_table(tmp_path / "e.csv")


def test_header_only(tmp_path):
    (tmp_path / "h.csv").write_text("id,spend,age\n")
    with pytest.raises(InputError, match="has a header but no data rows"):
        read_table(tmp_path / "h.csv")


def test_binary_file(tmp_path):
    (tmp_path / "b.csv").write_bytes(bytes(range(256)) * 10)
    with pytest.raises(InputError, match="looks binary"):
        read_table(tmp_path / "b.csv")


def test_ragged_row_names_the_line(tmp_path):
    (tmp_path / "r.csv").write_text("a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n")
    with pytest.raises(InputError, match=r"line 4 has 4 fields where the header has 3"):
        read_table(tmp_path / "r.csv")


def test_corrupt_parquet(tmp_path):
    (tmp_path / "c.parquet").write_bytes(b"PAR1" + b"garbage" * 100)
    with pytest.raises(InputError, match="cannot read the Parquet file"):
        read_table(tmp_path / "c.parquet")


def test_missing_excel_sheet(tmp_path):
    pd.DataFrame({"a": [1]}).to_excel(tmp_path / "t.xlsx", index=False)
    with pytest.raises(InputError, match="sheet 'nope' not found"):
        read_table(tmp_path / "t.xlsx", sheet="nope")

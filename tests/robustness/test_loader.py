"""Loader hardening (issue 19): encodings, compression, NUL bytes, Excel sheets, JSON,
nested Parquet, standard input, stray tokens in numeric columns, extreme floats and
the memory check. Every error message the loader can give here is asserted."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from custseg.data.io import (
    EXTREME_MAGNITUDE,
    MEMORY_FACTOR,
    available_memory,
    extreme_to_missing,
    read_table,
    source_name,
)
from custseg.exceptions import ConfigError, CustsegError, InputError
from custseg.preprocess import MissingImputer
from tests.cli.helpers import invoke

FAST = ("--algorithms", "kmeans", "--no-report", "--no-stability", "--k", "2-3", "-q")
TEXT = "id,spend,city\n" + "".join(f"{i},{i * 1.5},{'Porto' if i % 2 else 'Köln'}\n"
                                   for i in range(1, 41))


def _expected() -> pd.DataFrame:
    return pd.DataFrame({"id": range(1, 41), "spend": [i * 1.5 for i in range(1, 41)],
                         "city": ["Porto" if i % 2 else "Köln" for i in range(1, 41)]})


def _same(frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(frame, _expected(), check_dtype=False)


def _one_error_line(err: str, pattern: str) -> None:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert pytest.importorskip("re").search(pattern, lines[0]), lines[0]


# ------------------------------------------------------------------ encodings
@pytest.mark.parametrize(("codec", "note"), [
    ("utf-16", "UTF-16 byte-order mark found: decoded as UTF-16"),
    ("utf-16-le", "UTF-16-LE text without byte-order mark, detected from its NUL bytes"),
    ("utf-16-be", "UTF-16-BE text without byte-order mark, detected from its NUL bytes"),
    ("utf-32", "UTF-32 byte-order mark found: decoded as UTF-32"),
    ("utf-32-le", "UTF-32-LE text without byte-order mark"),
])
def test_utf16_and_utf32_with_and_without_bom(tmp_path, codec, note):
    path = tmp_path / "wide.csv"
    path.write_bytes(TEXT.encode(codec))
    table = read_table(path)
    _same(table.frame)
    assert any(n.startswith(note) for n in table.notes), table.notes


def test_encoding_utf16_option_finds_the_byte_order_of_a_file_without_bom(tmp_path):
    path = tmp_path / "be.csv"
    path.write_bytes(TEXT.encode("utf-16-be"))
    table = read_table(path, encoding="utf-16")
    _same(table.frame)
    assert "UTF-16-BE text (--encoding): decoded" in table.notes
    code, _, err = invoke("run", path, "-o", tmp_path / "out", "--encoding", "utf-16", *FAST)
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "out" / "segments.csv")) == 40


def test_broken_utf16_and_unknown_encoding_are_clear_errors(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(codecs_bom() + "id,a\n1,\ud800\n".encode("utf-16-le", "surrogatepass"))
    with pytest.raises(InputError, match=r"not valid UTF-16 text near byte 1[0-9]"):
        read_table(path)
    with pytest.raises(ConfigError, match=r"unknown encoding 'klingon' \(--encoding\)"):
        read_table(path, encoding="klingon")


def codecs_bom() -> bytes:
    import codecs

    return codecs.BOM_UTF16_LE


def test_an_unclosed_quote_names_its_line(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('id,name\n1,ok\n2,"open\n3,x\n')
    with pytest.raises(InputError, match=r"malformed row: a quote opened on line 3 is never "
                                         r"closed"):
        read_table(path)


def test_a_header_with_a_quoted_newline_and_rows_wider_than_the_header(tmp_path):
    # found by the property test: the first column silently became the index
    (tmp_path / "h.csv").write_text('"a\nb",c\n1,2\n3,4\n')
    assert read_table(tmp_path / "h.csv").frame.to_dict("list") == {"a\nb": [1, 3],
                                                                    "c": [2, 4]}
    (tmp_path / "w.csv").write_text("a,b\n1,2,3\n4,5,6\n")
    table = read_table(tmp_path / "w.csv")
    assert table.frame.to_dict("list") == {"a": [1, 4], "b": [2, 5], "column_3": [3, 6]}
    assert table.notes[0] == ("the header names 2 columns but the rows have 3: the extra "
                              "columns are called column_3")


def test_invalid_text_in_an_explicit_encoding_is_a_clear_error(tmp_path):
    path = tmp_path / "ascii.csv"
    path.write_bytes("id,city\n1,Köln\n2,Porto\n".encode())
    with pytest.raises(InputError, match=r"the file is not valid ascii text"):
        read_table(path, encoding="ascii")


# ---------------------------------------------------------------- compression
@pytest.mark.parametrize(("suffix", "pack", "method"), [
    (".csv.gz", gzip.compress, "gzip"),
    (".csv.bz2", bz2.compress, "bzip2"),
    (".csv.xz", lzma.compress, "xz"),
])
def test_compressed_text_is_read_transparently(tmp_path, suffix, pack, method):
    path = tmp_path / f"shop{suffix}"
    path.write_bytes(pack(TEXT.encode()))
    table = read_table(path)
    _same(table.frame)
    assert table.compression == method
    assert table.notes[0].startswith(f"{method}-compressed file: decompressed (")


def test_zip_with_one_member_is_read_and_with_two_refused(tmp_path):
    one = tmp_path / "one.zip"
    with zipfile.ZipFile(one, "w") as archive:
        archive.writestr("export/customers.csv", TEXT)
        archive.writestr("__MACOSX/._customers.csv", "junk")
    _same(read_table(one).frame)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", TEXT)
        archive.writestr("b.csv", TEXT)
    with pytest.raises(InputError, match=r"the zip archive holds 2 files \('a.csv', 'b.csv'\); "
                                         r"custseg reads one table"):
        read_table(two)


def test_compressed_parquet_and_a_truncated_gzip(tmp_path):
    _expected().to_parquet(tmp_path / "t.parquet", index=False)
    packed = tmp_path / "t.parquet.gz"
    packed.write_bytes(gzip.compress((tmp_path / "t.parquet").read_bytes()))
    table = read_table(packed)
    assert table.file_format == "parquet"
    _same(table.frame)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(TEXT.encode() * 50)[:200])
    with pytest.raises(InputError, match=r"cannot decompress the gzip file"):
        read_table(cut)


def test_zstd_is_read_or_refused_with_the_package_to_install(tmp_path):
    path = tmp_path / "shop.csv.zst"
    try:
        import zstandard
    except ImportError:
        path.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 20)
        with pytest.raises(InputError, match=r"zstd-compressed and the zstandard package is "
                                             r"not installed.*zstd -d FILE"):
            read_table(path)
    else:
        path.write_bytes(zstandard.ZstdCompressor().compress(TEXT.encode()))
        _same(read_table(path).frame)


def test_a_zip_bomb_is_stopped_while_decompressing(tmp_path, monkeypatch):
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 3_000_000))  # 12 MB of text
    monkeypatch.setenv("CUSTSEG_MEMORY_AVAILABLE", "13MB")  # room for 2 MB of text
    with pytest.raises(InputError, match=r"too large for the memory available: 2\.\d MB or "
                                         r"more once decompressed"):
        read_table(path)
    assert not list(Path(tmp_path).glob("*inner*"))


# --------------------------------------------------------------------- NUL byte
def test_a_nul_byte_past_the_first_256_kb_names_its_line(tmp_path):
    body = "id,cat\n" + "".join(f"{i},c{i % 5}\n" for i in range(40_000))
    raw = body.encode()
    at = 300_000
    path = tmp_path / "nul.csv"
    path.write_bytes(raw[:at] + b"\x00" + raw[at:])
    line = raw[:at].count(b"\n") + 1
    with pytest.raises(InputError, match=rf"looks binary or damaged: it contains a NUL byte on "
                                         rf"line {line:,}"):
        read_table(path)
    code, _, err = invoke("run", path, "-o", tmp_path / "out", *FAST)
    assert code == 2
    _one_error_line(err, rf"NUL byte on line {line:,}")


def test_a_nul_character_in_utf16_text_names_its_line(tmp_path):
    path = tmp_path / "nul16.csv"
    path.write_bytes("id,a\n1,x\n2,y\x00z\n".encode("utf-16"))
    with pytest.raises(InputError, match=r"NUL byte on line 3"):
        read_table(path)


# ---------------------------------------------------------------------- Excel
@pytest.fixture()
def workbook(tmp_path) -> Path:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        _expected().to_excel(writer, sheet_name="customers", index=False)
        _expected().head(10).to_excel(writer, sheet_name="returns", index=False)
        _expected().head(5).to_excel(writer, sheet_name="notes", index=False)
    return path


def test_excel_names_the_sheet_read_and_lists_the_others(workbook):
    table = read_table(workbook)
    assert table.sheet == "customers" and len(table.frame) == 40
    assert table.notes[0] == ("sheet 'customers' read (sheet 0 of 3, counting from 0); the "
                              "workbook also has 'returns', 'notes': pass --sheet NAME or "
                              "--sheet INDEX to read another")
    assert len(read_table(workbook, sheet="1").frame) == 10
    assert len(read_table(workbook, sheet=2).frame) == 5
    assert read_table(workbook, sheet="notes").sheet == "notes"


def test_excel_sheet_errors_list_what_exists(workbook):
    with pytest.raises(InputError, match=r"sheet index 3 is out of range: the workbook has 3 "
                                         r"sheets \(0 to 2\).*'customers', 'returns', 'notes'"):
        read_table(workbook, sheet="3")
    with pytest.raises(InputError, match=r"sheet 'nope' not found.*\('customers', 'returns', "
                                         r"'notes'\) or a 0-based index"):
        read_table(workbook, sheet="nope")


def test_cli_sheet_index_and_the_note_in_the_summary(workbook, tmp_path):
    code, _, err = invoke("run", workbook, "-o", tmp_path / "out", "--sheet", "1", *FAST)
    assert code == 0, err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert len(pd.read_csv(tmp_path / "out" / "segments.csv")) == 10
    assert summary["input"]["sheet"] == "returns"
    assert any("also has 'customers', 'notes'" in n for n in summary["input"]["notes"])
    assert any(d.startswith("input: sheet 'returns' read (sheet 1 of 3") for d in
               summary["decisions"])


# ----------------------------------------------------------------------- JSON
def test_json_array_of_objects_with_nested_values(tmp_path):
    records = [{"id": i, "spend": i * 1.5, "address": {"city": "Porto", "zip": f"{i:04d}"},
                "tags": ["a", "b"]} for i in range(1, 31)]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(records))
    table = read_table(path)
    assert list(table.frame.columns) == ["id", "spend", "address.city", "address.zip"]
    assert table.frame["address.zip"].iloc[0] == "0001"
    assert table.notes[:3] == [
        "read as JSON array",
        "nested JSON objects flattened into dotted columns such as a.b",
        "1 column holding JSON arrays dropped: 'tags' (turn them into one value per customer "
        "to use them)"]


def test_json_shapes_and_their_errors(tmp_path):
    cases = {
        "lines.json": "\n".join(json.dumps({"id": i, "v": i}) for i in range(5)),
        "columns.json": json.dumps({"id": [1, 2, 3], "v": [4, 5, 6]}),
        "wrapped.json": json.dumps({"meta": "x", "data": [{"id": 1}, {"id": 2}]}),
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    assert read_table(tmp_path / "lines.json").file_format == "jsonl"
    assert read_table(tmp_path / "columns.json").frame["v"].tolist() == [4, 5, 6]
    assert "records read from the key 'data'" in read_table(tmp_path / "wrapped.json").notes
    bad = {
        "syntax.json": ('[{"id": 1},\n{"id": 2,,}]',
                        r"invalid JSON on line 2, column 10: Expecting property name"),
        "numbers.json": ("[1, 2, 3]", r"JSON array record 1 is not an object \(it is int\)"),
        "empty.json": ("[]", r"the JSON array holds no records"),
        "badline.jsonl": ('{"id": 1}\n{"id": \n', r"invalid JSON Lines record on line 2"),
        "text.json": ("id,spend\n1,2\n", r"not JSON: the file starts with 'id,spend"),
        "lists.json": ('[{"tags": [1]}, {"tags": []}]',
                       r"the JSON array has no column of plain values"),
    }
    for name, (text, pattern) in bad.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError, match=pattern):
            read_table(tmp_path / name)


# -------------------------------------------------------------------- Parquet
def test_parquet_structs_flattened_lists_and_maps_dropped(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 30
    arrow = pa.table({
        "id": list(range(n)),
        "spend": [float(i % 7) * 10.5 for i in range(n)],
        "profile": pa.array([{"age": 20 + i % 9, "home": {"city": "Porto" if i % 3 else "Faro"}}
                             for i in range(n)]),
        "orders": pa.array([[1, 2]] * n),
        "attrs": pa.array([[("k", 1)]] * n, type=pa.map_(pa.string(), pa.int64())),
    })
    path = tmp_path / "nested.parquet"
    pq.write_table(arrow, path)
    table = read_table(path)
    assert list(table.frame.columns) == ["id", "spend", "profile.age", "profile.home.city"]
    assert table.notes[:2] == [
        "nested (struct) columns flattened into dotted columns such as a.b",
        "2 columns holding lists, maps, binary data or only nulls dropped: 'orders', 'attrs' "
        "(turn them into one value per customer to use them)"]
    code, _, err = invoke("run", path, "-o", tmp_path / "out", *FAST)
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "out" / "segments.csv")) == n


# ------------------------------------------------------------- standard input
def _cli(args: list[str], data: bytes, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "custseg", *args], input=data, cwd=cwd,
                          capture_output=True, env=env, timeout=300, check=False)


def test_stdin_is_read_whole_with_a_real_process(tmp_path):
    # 2,000 rows (about 40 KB): more than one pipe buffer, so a partial read would show
    rows = "".join(f"{i},{(i * 37) % 101},{'ab'[i % 2]}\n" for i in range(2000))
    data = ("id,spend,kind\n" + rows).encode()
    done = _cli(["run", "-", *FAST], gzip.compress(data), tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    out = tmp_path / "custseg-out" / "stdin"
    assert len(pd.read_csv(out / "segments.csv")) == 2000
    summary = json.loads((out / "summary.json").read_text())
    assert summary["input"]["path"] == "<stdin>"
    assert summary["input"]["notes"][0].startswith("read from standard input (")
    assert summary["input"]["compression"] == "gzip"


def test_empty_stdin_is_one_clear_error(tmp_path):
    done = _cli(["run", "-", "-o", "out", *FAST], b"", tmp_path)
    assert done.returncode == 2
    _one_error_line(done.stderr.decode(), r"standard input is empty \(0 bytes\) \(<stdin>\)")


def test_a_named_pipe_is_read_whole(tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(TEXT * 1))
    writer.start()
    table = read_table(fifo)
    writer.join()
    _same(table.frame)
    assert table.path == str(fifo)
    assert source_name("-") == "stdin" and source_name("x/shop.csv.gz") == "shop"


# ------------------------------------------------------ stray tokens, extremes
def test_stray_tokens_in_a_numeric_column_become_missing_with_a_note(tmp_path):
    values = [str(i * 2.5) for i in range(60)]
    values[3], values[7] = "abc", '"12,5"'
    path = tmp_path / "stray.csv"
    path.write_text("id,spend\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
    table = read_table(path)
    assert table.frame["spend"].dtype == "float64"
    assert len(table.frame) == 60  # rows are never dropped
    assert table.frame["spend"].isna().sum() == 2
    assert ("column 'spend': 2 values that are not numbers (e.g. 'abc', '12,5') read as "
            "missing; the other 58 are numbers") in table.notes
    code, _, err = invoke("run", path, "-o", tmp_path / "out", *FAST)
    assert code == 0, err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert any("'abc', '12,5'" in n for n in summary["input"]["notes"])


def test_mostly_text_columns_and_code_names_stay_text(tmp_path):
    # 90% numbers is below the 95% share: a text column with numbers in it stays text
    mixed = [str(i) for i in range(18)] + ["EC2 5NT", "SW1A 1AA"]
    phones = [str(5550000 + i) for i in range(39)] + ["call me"]
    pd.DataFrame({"code": mixed, "n": range(20)}).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame({"phone": phones, "n": range(40)}).to_csv(tmp_path / "b.csv", index=False)
    assert read_table(tmp_path / "a.csv").frame["code"].iloc[-1] == "SW1A 1AA"
    assert read_table(tmp_path / "b.csv").frame["phone"].iloc[-1] == "call me"
    # a name that only contains such a word ("hotel" holds "tel") is not a code name
    nights = [str(i % 9) for i in range(39)] + ["abc"]
    pd.DataFrame({"hotel_nights": nights}).to_csv(tmp_path / "c.csv", index=False)
    assert read_table(tmp_path / "c.csv").frame["hotel_nights"].dtype == "float64"


def test_stray_examples_that_may_be_personal_data_are_not_shown(tmp_path):
    values = [str(i) for i in range(40)] + ["ann@example.com"]
    pd.DataFrame({"spend": values}).to_csv(tmp_path / "p.csv", index=False)
    notes = read_table(tmp_path / "p.csv").notes
    assert any("(examples not shown: they may be personal data)" in n for n in notes)
    assert not any("example.com" in n for n in notes)


@pytest.mark.parametrize(("values", "count"), [([1e308], 1), ([1.7e308] * 11, 11)])
def test_extreme_floats_run_to_the_end_with_one_row_per_input_row(tmp_path, values, count):
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    a[: len(values)] = values
    frame = pd.DataFrame({"id": range(200), "a": a, "b": rng.exponential(size=200) * 100})
    frame.to_csv(tmp_path / "x.csv", index=False)
    code, _, err = invoke("run", tmp_path / "x.csv", "-o", tmp_path / "out", *FAST)
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "out" / "segments.csv")) == 200
    notes = json.loads((tmp_path / "out" / "summary.json").read_text())["input"]["notes"]
    plural = "s" if count > 1 else ""
    assert any(n.startswith(f"column 'a': {count} value{plural} beyond ±1e+30 (largest "
                            f"{max(values):.3g}) read as missing") for n in notes), notes


def test_extreme_values_helper_and_the_imputer_guard():
    frame = pd.DataFrame({"x": [1.0, -1.7e308, 3.0], "y": ["a", "b", "c"]})
    counts: dict[str, int] = {}
    assert extreme_to_missing(frame, None, counts) == 1 and counts == {"x": 1}
    assert frame["x"].isna().tolist() == [False, True, False]
    X = np.array([[1.0], [1.7e308], [np.nan], [2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        imputer = MissingImputer(add_indicator=False).fit(X)
        out = imputer.transform(X)
    assert np.isfinite(out).all() and out.max() == EXTREME_MAGNITUDE
    assert imputer.n_extreme_.tolist() == [1]


# ----------------------------------------------------------------- memory check
def test_memory_check_refuses_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text(TEXT + TEXT.split("\n", 1)[1] * 49)  # 2,000 rows, about 35 KB
    size = path.stat().st_size
    monkeypatch.setenv("CUSTSEG_MEMORY_AVAILABLE", str(int(size * MEMORY_FACTOR["csv"] / 2)))
    with pytest.raises(InputError, match=r"the file is too large for the memory available: "
                                         r"[\d.]+ KB on disk, about [\d.]+ KB once loaded, "
                                         r"[\d.]+ KB available.*--engine spark.*--memory-limit"):
        read_table(path)
    code, _, err = invoke("run", path, "-o", tmp_path / "out", *FAST)
    assert code == 2 and not (tmp_path / "out").exists()
    _one_error_line(err, r"too large for the memory available")
    monkeypatch.setenv("CUSTSEG_MEMORY_AVAILABLE", "1GB")
    assert available_memory() == 1_000_000_000
    assert len(read_table(path).frame) == 2000
    monkeypatch.setenv("CUSTSEG_MEMORY_AVAILABLE", "lots")
    with pytest.raises(ConfigError, match=r"cannot read CUSTSEG_MEMORY_AVAILABLE='lots'"):
        read_table(path)


def test_available_memory_is_read_from_the_system(monkeypatch):
    monkeypatch.delenv("CUSTSEG_MEMORY_AVAILABLE", raising=False)
    available = available_memory()
    assert available is None or 10**7 < available < 10**14


def test_errors_are_custseg_errors():
    assert issubclass(InputError, CustsegError) and issubclass(ConfigError, CustsegError)


def test_a_dataframe_with_extreme_values_runs_and_stays_untouched():
    from custseg.workflow import run

    rng = np.random.default_rng(0)
    a = rng.normal(size=120)
    a[:11] = 1.7e308
    frame = pd.DataFrame({"a": a, "b": rng.exponential(size=120)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run(frame, k=(2, 3), report=False, stability=False, algorithms=["kmeans"])
    assert len(result.labels) == 120
    assert result.source["notes"][0].startswith("column 'a': 11 values beyond ±1e+30")
    assert frame["a"].iloc[0] == 1.7e308  # the caller's DataFrame is not changed


def test_an_id_holding_a_carriage_return_stays_one_row_in_segments_csv(tmp_path):
    # found by the property test: Python's csv left a bare \r unquoted in segments.csv
    ids = [f"c{i}" if i != 3 else "c\r3" for i in range(30)]
    frame = pd.DataFrame({"customer_id": ids, "x": [float(i % 7) for i in range(30)],
                          "y": [float(i % 5) for i in range(30)]})
    frame.to_csv(tmp_path / "cr.csv", index=False, lineterminator="\r\n")
    assert read_table(tmp_path / "cr.csv").frame["customer_id"].iloc[3] == "c\r3"
    code, _, err = invoke("run", tmp_path / "cr.csv", "-o", tmp_path / "out", *FAST)
    assert code == 0, err
    out = pd.read_csv(tmp_path / "out" / "segments.csv", dtype=str)
    assert len(out) == 30 and out["customer_id"].iloc[3] == "c\r3"

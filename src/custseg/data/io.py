"""Reading customer tables from CSV/TSV/text, Parquet, Excel and JSON Lines.

The reader detects what a careful analyst would check by hand: the encoding
(UTF-8, UTF-8 with BOM, Latin-1), the delimiter (comma, semicolon, tab, pipe or
runs of whitespace), a decimal comma, missing-value tokens and infinities. Each
detection is recorded in :attr:`LoadedTable.notes` so the summary can show it,
and each can be overridden.

Every value is first read as text and converted column by column, so
zero-padded codes such as ``00001`` stay strings and a column with one stray
token is reported instead of silently becoming text.

Example
-------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "shop.csv"
>>> _ = path.write_text("id;spend;city\\n1;3,5;Porto\\n2;NA;Lisbon\\n", encoding="utf-8")
>>> table = read_table(path)
>>> table.delimiter, table.decimal, table.missing_counts["spend"]
(';', ',', 1)
>>> table.frame["spend"].tolist()
[3.5, nan]
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from custseg.exceptions import InputError, InputFileNotFoundError

#: Tokens read as missing values (case-sensitive, after trimming spaces).
MISSING_TOKENS = ("", "NA", "N/A", "n/a", "na", "null", "NULL", "Null", "None", "?", "-",
                  "NaN", "nan", "#N/A")

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".dat", ".tab"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}

_SAMPLE_BYTES = 256 * 1024
_DELIMITERS = (",", ";", "\t", "|")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_COMMA_NUMBER = re.compile(r"^[+-]?\d+,\d+$")


@dataclass
class LoadedTable:
    """A customer table as read, with everything the reader decided about it."""

    frame: pd.DataFrame
    path: str
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    sheet: str | None = None
    missing_counts: dict[str, int] = field(default_factory=dict)
    infinite_counts: dict[str, int] = field(default_factory=dict)
    renamed_columns: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready description of how the file was read (without the data)."""
        return {
            "path": self.path,
            "format": self.file_format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "decimal": self.decimal,
            "sheet": self.sheet,
            "rows": len(self.frame),
            "columns": len(self.frame.columns),
            "missing_values": {k: v for k, v in self.missing_counts.items() if v},
            "infinite_values": {k: v for k, v in self.infinite_counts.items() if v},
            "renamed_columns": self.renamed_columns,
            "notes": list(self.notes),
        }


def load(path: str | Path, **options) -> pd.DataFrame:
    """Read a customer table and return it as a DataFrame.

    Accepts the same keyword options as :func:`read_table` (``sep``,
    ``encoding``, ``decimal``, ``sheet``, ``file_format``).

    Example
    -------
    >>> from custseg.datasets import bundled_path
    >>> load(bundled_path("wholesale")).shape
    (440, 8)
    """
    return read_table(path, **options).frame


def read_table(
    path: str | Path,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
    sheet: str | int | None = None,
    file_format: str | None = None,
) -> LoadedTable:
    """Read a table file, detecting its format and dialect; see the module docstring.

    Parameters
    ----------
    path : file path (CSV/TSV/text, Parquet file or folder, Excel, JSON Lines).
    sep : delimiter override (``","``, ``";"``, ``"\\t"``, ``"|"`` or ``"whitespace"``).
    encoding : encoding override, e.g. ``"latin-1"``.
    decimal : decimal mark override (``"."`` or ``","``).
    sheet : Excel sheet name or 0-based index (default: the first sheet).
    file_format : force ``"csv"``, ``"parquet"``, ``"excel"`` or ``"jsonl"``.

    Example
    -------
    >>> from custseg.datasets import bundled_path
    >>> read_table(bundled_path("wholesale")).delimiter
    ','
    """
    path = Path(path)
    _check_path(path)
    kind = file_format or _detect_format(path)
    if kind == "csv":
        table = _read_text(path, sep=sep, encoding=encoding, decimal=decimal)
    elif kind == "parquet":
        table = _read_parquet(path)
    elif kind == "excel":
        table = _read_excel(path, sheet)
    elif kind == "jsonl":
        table = _read_jsonl(path, encoding)
    else:
        raise InputError(f"unknown file format {kind!r}", where=str(path),
                         fix="use one of csv, parquet, excel, jsonl")
    _finish(table)
    return table


# --------------------------------------------------------------------- checks
def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputFileNotFoundError(
            "input file not found", where=str(path),
            fix="check the path; run from the folder that holds the file or give an absolute path",
        )
    if path.is_dir() and not any(path.glob("*.parquet")):
        raise InputError(
            "the input is a folder, not a file", where=str(path),
            fix="give a CSV/Parquet/Excel/JSONL file (a folder is read only when it holds "
                "Parquet parts)",
        )
    if path.is_file() and path.stat().st_size == 0:
        raise InputError("the file is empty (0 bytes)", where=str(path),
                         fix="export the customer table again; it needs a header and rows")


def _detect_format(path: Path) -> str:
    if path.is_dir():
        return "parquet"
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PAR1") or suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in EXCEL_SUFFIXES or head.startswith(b"PK\x03\x04"):
        return "excel"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    return "csv"


# ----------------------------------------------------------------------- text
def _read_text(path: Path, *, sep, encoding, decimal) -> LoadedTable:
    with path.open("rb") as handle:
        sample_bytes = handle.read(_SAMPLE_BYTES)
    if b"\x00" in sample_bytes:
        raise InputError(
            "the file looks binary (it contains NUL bytes), not a text table", where=str(path),
            fix="export it as CSV, or pass a Parquet/Excel file with the right extension",
        )
    notes: list[str] = []
    encoding = encoding or _detect_encoding(sample_bytes, path, notes)
    text_sample = sample_bytes.decode(encoding, errors="replace")
    lines = [ln for ln in text_sample.splitlines()[:200] if ln.strip()]
    if len(sample_bytes) == _SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample may be partial
    if not lines:
        raise InputError("the file holds no text lines", where=str(path),
                         fix="export the customer table again; it needs a header and rows")
    sep = _normalise_sep(sep) if sep else _detect_delimiter(lines)
    header = _split_header(lines[0], sep)
    names, renamed = _dedupe_names(header)
    if renamed:
        notes.append("duplicate column names renamed: "
                     + ", ".join(f"{new} (was {old})" for new, old in renamed.items()))
    if len(lines) < 2:
        raise InputError(
            "the file has a header but no data rows", where=str(path),
            fix="export the rows too, not only the column names",
        )
    try:
        frame = pd.read_csv(
            path, sep=sep, encoding=encoding, dtype=str, keep_default_na=False,
            header=0, names=names, skipinitialspace=True, engine="c", quotechar='"',
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as err:
        raise InputError(f"malformed row: {_parser_detail(err)}", where=str(path),
                         fix="fix or remove that row (quote values that contain the "
                             "delimiter), or pass --sep if the delimiter was guessed wrong"
                         ) from None
    except UnicodeDecodeError:
        if encoding.lower().replace("-", "") in {"utf8", "utf8sig"}:
            notes.append("not valid UTF-8 past the first bytes: read as Latin-1")
            return _read_text(path, sep=sep, encoding="latin-1", decimal=decimal)
        raise
    if frame.empty:
        raise InputError("the file has a header but no data rows", where=str(path),
                         fix="export the rows too, not only the column names")
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = _blank_missing(frame)
    decimal = decimal or _detect_decimal(frame, sep)
    if decimal == ",":
        notes.append("decimal comma detected (e.g. 3,5 read as 3.5)")
    table = LoadedTable(frame=frame, path=str(path), file_format="csv", encoding=encoding,
                        delimiter="whitespace" if sep == r"\s+" else sep, decimal=decimal,
                        renamed_columns=renamed, notes=notes)
    table.missing_counts = missing
    _convert_text_columns(table)
    return table


def _detect_encoding(sample: bytes, path: Path, notes: list[str]) -> str:
    if sample.startswith(b"\xef\xbb\xbf"):
        notes.append("UTF-8 byte-order mark found and removed")
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as err:
        if err.start >= len(sample) - 4:  # cut in the middle of a character
            return "utf-8"
        notes.append("not valid UTF-8: read as Latin-1 (ISO-8859-1)")
        return "latin-1"


def _normalise_sep(sep: str) -> str:
    mapping = {"tab": "\t", "\\t": "\t", "whitespace": r"\s+", "space": r"\s+",
               "comma": ",", "semicolon": ";", "pipe": "|"}
    return mapping.get(sep, sep)


def _detect_delimiter(lines: list[str]) -> str:
    best, best_score = None, 0.0
    for cand in _DELIMITERS:
        counts = [len(_split_header(ln, cand)) - 1 for ln in lines[:100]]
        if not counts or counts[0] == 0:
            continue
        consistent = Counter(counts).most_common(1)[0][1] / len(counts)
        score = consistent * (1 + min(counts[0], 50) / 100)
        if consistent >= 0.9 and score > best_score:
            best, best_score = cand, score
    if best is not None:
        return best
    ws = [len(ln.split()) for ln in lines[:100]]
    if ws and ws[0] > 1 and Counter(ws).most_common(1)[0][1] / len(ws) >= 0.9:
        return r"\s+"
    return ","


def _split_header(line: str, sep: str) -> list[str]:
    if sep == r"\s+":
        return line.split()
    return next(csv.reader(io.StringIO(line), delimiter=sep, quotechar='"'), [])


def _dedupe_names(header: list[str]) -> tuple[list[str], dict[str, str]]:
    names: list[str] = []
    renamed: dict[str, str] = {}
    seen: Counter[str] = Counter()
    for i, raw in enumerate(header):
        name = raw.strip() or f"column_{i + 1}"
        seen[name] += 1
        if seen[name] > 1:
            new = f"{name}_{seen[name]}"
            while new in header:
                new += "_"
            renamed[new] = name
            name = new
        names.append(name)
    return names, renamed


def _parser_detail(err: Exception) -> str:
    text = str(err).strip().splitlines()[-1]
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if match:
        want, line, saw = match.groups()
        return f"line {line} has {saw} fields where the header has {want}"
    return text


def _blank_missing(frame: pd.DataFrame) -> dict[str, int]:
    """Turn missing-value tokens into NaN and count them per column."""
    counts: dict[str, int] = {}
    tokens = set(MISSING_TOKENS)
    for col in frame.columns:
        values = frame[col].str.strip()
        is_missing = values.isna() | values.isin(tokens)
        counts[col] = int(is_missing.sum())
        frame[col] = values.where(~is_missing, None)
    return counts


def _detect_decimal(frame: pd.DataFrame, sep: str) -> str:
    if sep == ",":
        return "."
    comma_cols = 0
    for col in frame.columns[:200]:
        sample = frame[col].dropna().head(200)
        if len(sample) and sample.str.match(_COMMA_NUMBER).mean() > 0.5:
            comma_cols += 1
    return "," if comma_cols else "."


def _convert_text_columns(table: LoadedTable) -> None:
    """Convert each all-numeric text column to numbers; keep codes with leading zeros."""
    frame = table.frame
    for col in frame.columns:
        values = frame[col]
        present = values.dropna()
        if present.empty:
            frame[col] = pd.Series(np.nan, index=frame.index, dtype="float64")
            continue
        text = present.str.replace(",", ".", regex=False) if table.decimal == "," else present
        if table.decimal == ",":
            text = text.str.replace(r"(?<=\d)\.(?=\d{3}(\D|$))", "", regex=True)
        lower = text.str.lower()
        is_inf = lower.isin({"inf", "+inf", "-inf", "infinity", "-infinity", "+infinity"})
        numeric_like = text.str.match(_NUMBER) | is_inf
        if not bool(numeric_like.all()):
            continue
        if _looks_like_code(present):
            table.notes.append(f"column {col!r} keeps its leading zeros: read as text codes")
            continue
        numbers = pd.to_numeric(text.where(~is_inf, lower.str.replace("infinity", "inf")),
                                errors="coerce")
        n_inf = int(np.isinf(numbers).sum())
        if n_inf:
            table.infinite_counts[col] = n_inf
            numbers = numbers.where(~np.isinf(numbers))
        converted = pd.Series(np.nan, index=frame.index, dtype="float64")
        converted.loc[numbers.index] = numbers.astype("float64")
        if converted.notna().all() and (converted % 1 == 0).all() and \
                converted.abs().max() < 2**53:
            converted = converted.astype("int64")
        frame[col] = converted


def _looks_like_code(values: pd.Series) -> bool:
    head = values.head(1000)
    return bool((head.str.match(r"^0\d+$")).mean() > 0.5)


# -------------------------------------------------------------- other formats
def _read_parquet(path: Path) -> LoadedTable:
    import pyarrow.lib

    try:
        frame = pd.read_parquet(path)
    except (pyarrow.lib.ArrowException, OSError, ValueError) as err:
        raise InputError(f"cannot read the Parquet file: {str(err).splitlines()[0]}",
                         where=str(path),
                         fix="the file is corrupt or not Parquet; export it again") from None
    return _from_frame(frame, path, "parquet")


def _read_excel(path: Path, sheet: str | int | None) -> LoadedTable:
    try:
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object)
    except ValueError as err:
        if "Worksheet" in str(err) or "not found" in str(err):
            raise InputError(f"sheet {sheet!r} not found", where=str(path),
                             fix="pass --sheet with one of the workbook's sheet names") from None
        raise InputError(f"cannot read the Excel file: {err}", where=str(path),
                         fix="save it as .xlsx again or export CSV") from None
    except Exception as err:  # openpyxl raises many types on damaged files
        raise InputError(f"cannot read the Excel file: {type(err).__name__}: {err}",
                         where=str(path), fix="save it as .xlsx again or export CSV") from None
    table = _from_frame(frame.infer_objects(), path, "excel")
    table.sheet = str(sheet if sheet is not None else 0)
    return table


def _read_jsonl(path: Path, encoding: str | None) -> LoadedTable:
    try:
        frame = pd.read_json(path, lines=True, encoding=encoding or "utf-8", dtype=False)
    except ValueError as err:
        raise InputError(f"cannot read JSON Lines: {err}", where=str(path),
                         fix="write one JSON object per line") from None
    return _from_frame(frame, path, "jsonl")


def _from_frame(frame: pd.DataFrame, path: Path, kind: str) -> LoadedTable:
    frame = frame.copy()
    names, renamed = _dedupe_names([str(c) for c in frame.columns])
    frame.columns = names
    table = LoadedTable(frame=frame, path=str(path), file_format=kind, renamed_columns=renamed)
    if renamed:
        table.notes.append("duplicate column names renamed: "
                           + ", ".join(f"{n} (was {o})" for n, o in renamed.items()))
    if frame.empty:
        raise InputError("the file has columns but no data rows", where=str(path),
                         fix="export the rows too, not only the column names")
    tokens = set(MISSING_TOKENS)
    for col in frame.columns:
        series = frame[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            stripped = series.astype("string").str.strip()
            is_token = stripped.isin(tokens).fillna(False).astype(bool)
            if is_token.any():
                frame[col] = series.where(~is_token.to_numpy(), None)
        table.missing_counts[col] = int(frame[col].isna().sum())
        if pd.api.types.is_float_dtype(frame[col]):
            n_inf = int(np.isinf(frame[col]).sum())
            if n_inf:
                table.infinite_counts[col] = n_inf
                frame[col] = frame[col].where(~np.isinf(frame[col]))
    return table


def _finish(table: LoadedTable) -> None:
    for col, n in table.infinite_counts.items():
        table.missing_counts[col] = table.missing_counts.get(col, 0) + n
    total_missing = sum(table.missing_counts.values())
    if total_missing:
        table.notes.append(f"{total_missing} missing values (tokens such as '', NA, N/A, null, "
                           f"?, -, NaN, and infinities) read as missing")

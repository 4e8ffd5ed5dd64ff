"""Reading customer tables from CSV/TSV/text, Parquet, Excel, JSON and JSON Lines.

The reader detects what a careful analyst would check by hand: the encoding
(UTF-8, UTF-8 with BOM, UTF-16/UTF-32 with or without BOM, Latin-1), the
delimiter (comma, semicolon, tab, pipe or runs of whitespace), a decimal comma,
missing-value tokens and infinities, compression (gzip, bzip2, xz, zstd, a
zip archive holding one file) and standard input (``-``, ``/dev/stdin`` or a
named pipe, read whole into a temporary file first). Each detection is
recorded in :attr:`LoadedTable.notes` so the summary can show it, and each can
be overridden.

Every value is first read as text and converted column by column, so
zero-padded codes such as ``00001`` stay strings, and a numeric column with a
few stray tokens (``abc``, ``12,5``) is read as numbers with those values
missing and a note, instead of silently becoming text.

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

import bz2
import codecs
import contextlib
import csv
import gzip
import io
import json
import lzma
import numbers
import os
import re
import shutil
import stat
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from custseg.exceptions import ConfigError, InputError, InputFileNotFoundError

#: Tokens read as missing values (case-sensitive, after trimming spaces).
MISSING_TOKENS = ("", "NA", "N/A", "n/a", "na", "null", "NULL", "Null", "None", "?", "-",
                  "NaN", "nan", "#N/A")

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".dat", ".tab", ".psv"}
PARQUET_SUFFIXES = {".parquet", ".pq", ".parq"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
JSONL_SUFFIXES = JSON_SUFFIXES  # kept for callers of the earlier name
COMPRESSION_SUFFIXES = {".gz", ".gzip", ".bz2", ".xz", ".zst", ".zip"}

#: Magnitude beyond which a number is not a real quantity and is read as
#: missing, like an infinity. Above it, arithmetic breaks: float32 (used by the
#: tree behind the segment rules) ends at 3.4e38, and float64 squares and sums
#: (variance, profiles) of a 1e308 overflow to inf/NaN. 1e30 leaves room for
#: every real figure: the largest absolute value in the 16 shared data files is
#: 8.3e8 (a 9-digit client number); a 16-digit card number is 1e16, world GDP
#: about 1e14 USD.
EXTREME_MAGNITUDE = 1e30

#: Share of a column's non-missing values that must be numbers for the column to
#: be read as numeric with the rest (stray tokens) set to missing. Over the 15
#: text files in the shared datasets (189 columns), every column that is not
#: fully numeric has a share of at most 0.83 (sales_data_sample POSTALCODE: US
#: ZIPs mixed with other countries' codes; next PHONE 0.36, all others 0.00),
#: so 0.95 keeps genuine text columns as text with a wide margin, while a
#: numeric column with up to 1 junk value in 20 is still read as numeric.
STRAY_NUMBER_SHARE = 0.95

#: Peak memory while loading, as a multiple of the (uncompressed) file size.
#: Measured with this loader (peak RSS growth of ``read_table`` / file bytes):
#: CSV replicas of cc_general 7.1 (18 MB), online_shoppers 6.7 (21 MB),
#: BankChurners 6.6 (15 MB), Retail_Data_Transactions 10.6 (20 MB); Parquet
#: online_retail x4 32 (23 MB), online_shoppers x10 58 (1.8 MB), the frame
#: alone 11-13x (columnar and compressed); Excel cc_general 3,000 rows 48,
#: online_shoppers 33; JSON Lines cc_general x5 8.7, JSON array 5.7. The lowest
#: figure per format (rounded down) is used, so a file is refused only when it
#: certainly cannot be loaded; segmenting it needs more still.
MEMORY_FACTOR = {"csv": 6.5, "parquet": 11.0, "excel": 30.0, "json": 5.5}

_SAMPLE_BYTES = 256 * 1024
_CHUNK = 1 << 20
_DELIMITERS = (",", ";", "\t", "|")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_COMMA_NUMBER = re.compile(r"^[+-]?\d+,\d+$")
# Columns that hold codes written with digits: never turned into numbers by share.
_CODE_TEXT_NAME = re.compile(r"(?<![a-z])(zip|postal|post_?code|plz|phone|mobile|tel|iban|card|"
                             r"e_?mail|address|street)|name", re.IGNORECASE)
_INF_TOKENS = {"inf", "+inf", "-inf", "infinity", "-infinity", "+infinity"}
_STDIN_NAME = "<stdin>"
# Temporary files standing for standard input / a pipe, mapped to the name shown.
_SPOOLED: dict[str, str] = {}


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
    compression: str | None = None
    missing_counts: dict[str, int] = field(default_factory=dict)
    infinite_counts: dict[str, int] = field(default_factory=dict)
    renamed_columns: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    header: bool = True  # False: a text file whose first line is data (columns column_1...)

    def to_dict(self) -> dict:
        """JSON-ready description of how the file was read (without the data)."""
        return {
            "path": self.path,
            "format": self.file_format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "decimal": self.decimal,
            "sheet": self.sheet,
            "compression": self.compression,
            "rows": len(self.frame),
            "columns": len(self.frame.columns),
            "missing_values": {k: v for k, v in self.missing_counts.items() if v},
            "infinite_values": {k: v for k, v in self.infinite_counts.items() if v},
            "renamed_columns": self.renamed_columns,
            "header": self.header,
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
    header: bool | None = None,
) -> LoadedTable:
    """Read a table file, detecting its format and dialect; see the module docstring.

    Parameters
    ----------
    path : file path (CSV/TSV/text, Parquet file or folder, Excel, JSON, JSON
        Lines, any of them compressed), ``-`` for standard input, or a pipe.
    sep : delimiter override (``","``, ``";"``, ``"\\t"``, ``"|"`` or ``"whitespace"``).
    encoding : encoding override, e.g. ``"latin-1"`` or ``"utf-16"``.
    decimal : decimal mark override (``"."`` or ``","``).
    sheet : Excel sheet name or 0-based index (``2`` or ``"2"``; default: the first).
    file_format : force ``"csv"``, ``"parquet"``, ``"excel"``, ``"json"`` or ``"jsonl"``.
    header : text files: ``True`` line 1 names the columns, ``False`` it is data
        (columns ``column_1`` ...), ``None`` (default) decided by :func:`detect_header`.

    Example
    -------
    >>> from custseg.datasets import bundled_path
    >>> read_table(bundled_path("wholesale")).delimiter
    ','
    """
    if encoding:
        _check_encoding(encoding)
    with materialise_input(path) as real, tempfile.TemporaryDirectory(
            prefix="custseg-read-") as scratch:
        shown = _SPOOLED.get(str(real), str(path))
        notes: list[str] = []
        if str(real) in _SPOOLED:
            notes.append(f"read from standard input ({real.stat().st_size:,} bytes "
                         "buffered to a temporary file first)")
        _check_path(real, shown)
        name = _display_name(real, shown)
        real, name, compression = _decompress(real, name, shown, Path(scratch), notes)
        kind = _normalise_format(file_format) if file_format else _detect_format(real, name)
        check_memory(_size_on_disk(real), kind, shown,
                     "once decompressed" if compression else "on disk")
        if kind == "csv":
            table = _read_text(real, shown, Path(scratch), sep=sep, encoding=encoding,
                               decimal=decimal, header=header)
        elif kind == "parquet":
            table = _read_parquet(real, shown)
        elif kind == "excel":
            table = _read_excel(real, shown, sheet)
        else:
            table = _read_json(real, shown, encoding)
    table.compression = compression
    table.notes[:0] = notes
    _finish(table)
    return table


def source_name(path: str | Path) -> str:
    """A short name for outputs: the file name without format/compression suffixes.

    >>> source_name("data/shop.csv.gz"), source_name("-"), source_name("my file.xlsx")
    ('shop', 'stdin', 'my_file')
    """
    text = str(path)
    if text == "-":
        return "stdin"
    name = Path(text).name
    for _ in range(2):  # shop.csv.gz -> shop.csv -> shop
        stem, suffix = os.path.splitext(name)
        if suffix.lower() in COMPRESSION_SUFFIXES | TEXT_SUFFIXES | PARQUET_SUFFIXES \
                | EXCEL_SUFFIXES | JSON_SUFFIXES and stem:
            name = stem
    return name.replace(" ", "_") or "input"


@contextlib.contextmanager
def materialise_input(path: str | Path) -> Iterator[Path]:
    """Yield a regular file for ``path``: standard input and pipes are buffered first.

    ``-`` means standard input; ``/dev/stdin`` and named pipes are read the same
    way. A pipe can be read only once, so it is copied whole into a temporary
    file that every later reader (format detection, the table reader, a log
    reader) can open again; the file is deleted on exit. Regular files and
    folders are yielded unchanged.

    Example
    -------
    >>> with materialise_input("data.csv") as real:
    ...     str(real)
    'data.csv'
    """
    path = Path(path)
    if str(path) in _SPOOLED or not _is_stream(path):
        yield path
        return
    folder = Path(tempfile.mkdtemp(prefix="custseg-stdin-"))
    target = folder / "stdin"
    try:
        if str(path) == "-":
            if sys.stdin is None or sys.stdin.isatty():
                raise InputError(
                    "no data on standard input", where="-",
                    fix="pipe a table into it, e.g. `cat customers.csv | custseg run -`, "
                        "or give a file path")
            source = getattr(sys.stdin, "buffer", sys.stdin)
            _copy_stream(source, target)
        else:
            with path.open("rb") as source:
                _copy_stream(source, target)
        _SPOOLED[str(target)] = _STDIN_NAME if str(path) in ("-", "/dev/stdin") else str(path)
        yield target
    finally:
        _SPOOLED.pop(str(target), None)
        shutil.rmtree(folder, ignore_errors=True)


def _is_stream(path: Path) -> bool:
    if str(path) == "-":
        return True
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def _copy_stream(source, target: Path) -> None:
    with target.open("wb") as out:
        while True:
            chunk = source.read(_CHUNK)
            if not chunk:
                break
            out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)


# --------------------------------------------------------------------- checks
def _check_encoding(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConfigError(f"unknown encoding {encoding!r}", where="--encoding",
                          fix="use a Python codec name such as utf-8, utf-16, latin-1 "
                              "or cp1252") from None


def _check_path(path: Path, shown: str) -> None:
    if not path.exists():
        raise InputFileNotFoundError(
            "input file not found", where=shown,
            fix="check the path; run from the folder that holds the file or give an absolute path",
        )
    if path.is_dir() and not any(path.glob("*.parquet")):
        raise InputError(
            "the input is a folder, not a file", where=shown,
            fix="give a CSV/Parquet/Excel/JSON file (a folder is read only when it holds "
                "Parquet parts)",
        )
    if path.is_file() and path.stat().st_size == 0:
        what = "standard input is empty" if shown == _STDIN_NAME else "the file is empty"
        raise InputError(f"{what} (0 bytes)", where=shown,
                         fix="export the customer table again; it needs a header and rows")


def _size_on_disk(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*.parquet") if p.is_file())
    return path.stat().st_size


def available_memory() -> int | None:
    """Bytes of memory this process can still use, or None when unknown.

    ``CUSTSEG_MEMORY_AVAILABLE`` (bytes, or with a unit: ``500MB``) overrides
    the figure, for tests; otherwise the smaller of ``MemAvailable`` in
    ``/proc/meminfo`` and the cgroup limit left (containers).

    >>> os.environ["CUSTSEG_MEMORY_AVAILABLE"] = "2GB"; available_memory()
    2000000000
    >>> del os.environ["CUSTSEG_MEMORY_AVAILABLE"]
    """
    override = os.environ.get("CUSTSEG_MEMORY_AVAILABLE")
    if override:
        return _parse_bytes(override)
    figures = []
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                figures.append(int(line.split()[1]) * 1024)
    with contextlib.suppress(OSError, ValueError):
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            figures.append(max(int(limit) - used, 0))
    if not figures:
        with contextlib.suppress(ValueError, OSError, AttributeError):
            figures.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return min(figures) if figures else None


def _parse_bytes(text: str) -> int:
    match = re.fullmatch(r"\s*([\d.]+)\s*([kmgt]?)i?b?\s*", text, re.IGNORECASE)
    if not match:
        raise ConfigError(f"cannot read CUSTSEG_MEMORY_AVAILABLE={text!r}",
                          where="environment", fix="give bytes, e.g. 500MB or 2GB")
    unit = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}[match.group(2).lower()]
    return int(float(match.group(1)) * unit)


def _human(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} TB"  # pragma: no cover


def check_memory(size: int, kind: str, shown: str, measured: str = "on disk") -> None:
    """Refuse, before reading, a file that cannot fit in the memory available.

    The need is ``size`` times the :data:`MEMORY_FACTOR` of the format.

    >>> os.environ["CUSTSEG_MEMORY_AVAILABLE"] = "1MB"
    >>> check_memory(10_000_000, "csv", "big.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    custseg.exceptions.InputError: the file is too large for the memory available: 10.0 MB...
    >>> del os.environ["CUSTSEG_MEMORY_AVAILABLE"]
    """
    available = available_memory()
    need = size * MEMORY_FACTOR.get(kind, MEMORY_FACTOR["csv"])
    if available is None or need <= available:
        return
    raise InputError(
        f"the file is too large for the memory available: {_human(size)} {measured}, about "
        f"{_human(need)} once loaded, {_human(available)} available", where=shown,
        fix="segment it with --engine spark (reads it in parts), or for a transaction log "
            "build the customer table first with `custseg features FILE -o customers.csv "
            "--memory-limit 2GB` and segment that; or run on a machine with more memory")


# ----------------------------------------------------------------- formats
def _display_name(real: Path, shown: str) -> str:
    return "stdin" if shown == _STDIN_NAME else Path(shown).name or real.name


def _normalise_format(kind: str) -> str:
    kind = kind.lower()
    aliases = {"csv": "csv", "text": "csv", "tsv": "csv", "parquet": "parquet",
               "excel": "excel", "xlsx": "excel", "json": "json", "jsonl": "json",
               "ndjson": "json"}
    if kind not in aliases:
        raise ConfigError(f"unknown file format {kind!r}", where="file_format",
                          fix="use one of csv, parquet, excel, json, jsonl")
    return aliases[kind]


def _detect_format(path: Path, name: str) -> str:
    if path.is_dir():
        return "parquet"
    suffix = Path(name).suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PAR1") or suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in EXCEL_SUFFIXES or head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "excel"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix not in TEXT_SUFFIXES:  # no telling suffix (e.g. stdin): look at the content
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if first in (b"[", b"{"):
            return "json"
    return "csv"


def _compression_of(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] == b"1AY&SY":
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return "zstd"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _decompress(path: Path, name: str, shown: str, scratch: Path,
                notes: list[str]) -> tuple[Path, str, str | None]:
    """Decompress a compressed file into ``scratch``; return (file, inner name, method)."""
    if path.is_dir():
        return path, name, None
    with path.open("rb") as handle:
        head = handle.read(16)
    method = _compression_of(head)
    if method is None:
        return path, name, None
    inner = name
    for suffix in COMPRESSION_SUFFIXES:
        if inner.lower().endswith(suffix):
            inner = inner[: -len(suffix)]
    if method == "zip":
        opened = _open_zip_member(path, shown)
        if opened is None:  # an Excel workbook is a zip archive read as it is
            return path, name, None
        opener, inner = opened
    elif method == "zstd":
        opener = _zstd_opener(path, shown)
    else:
        module = {"gzip": gzip, "bzip2": bz2, "xz": lzma}[method]
        opener = lambda: module.open(path, "rb")  # noqa: E731
    target = scratch / ("inner" + (Path(inner).suffix or ""))
    size = _stream_out(opener, target, path, method, shown)
    notes.append(f"{method}-compressed file: decompressed ({_human(size)}) before reading")
    return target, inner, method


def _open_zip_member(path: Path, shown: str):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise InputError(f"cannot open the zip archive: {err}", where=shown,
                         fix="the archive is damaged; compress the file again") from None
    with archive:
        names = archive.namelist()
        if "[Content_Types].xml" in names:
            return None
        members = [n for n in names if not n.endswith("/") and not n.startswith("__MACOSX/")
                   and not Path(n).name.startswith(".")]
    if len(members) != 1:
        listed = ", ".join(repr(m) for m in members[:5]) + (" ..." if len(members) > 5 else "")
        raise InputError(
            f"the zip archive holds {len(members)} files ({listed or 'none'}); custseg reads "
            "one table", where=shown,
            fix="unzip it and pass the table you want, or zip that one file alone")
    member = members[0]

    def opener():
        archive = zipfile.ZipFile(path)
        return contextlib.closing(_ZipMember(archive, archive.open(member)))

    return opener, Path(member).name


class _ZipMember:
    """A member stream that closes its archive too."""

    def __init__(self, archive: zipfile.ZipFile, stream):
        self.archive, self.stream = archive, stream

    def read(self, n: int = -1) -> bytes:
        return self.stream.read(n)

    def close(self) -> None:
        self.stream.close()
        self.archive.close()


def _zstd_opener(path: Path, shown: str):
    try:
        import zstandard
    except ImportError:
        raise InputError(
            "the file is zstd-compressed and the zstandard package is not installed",
            where=shown,
            fix="decompress it first (`zstd -d FILE`), or `pip install zstandard`") from None
    return lambda: zstandard.open(path, "rb")


def _stream_out(opener, target: Path, path: Path, method: str, shown: str) -> int:
    """Copy the decompressed bytes, stopping as soon as they could not fit in memory."""
    available = available_memory()
    cap = available / MEMORY_FACTOR["csv"] if available is not None else float("inf")
    written = 0
    try:
        with opener() as source, target.open("wb") as out:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > cap:  # a decompression bomb is stopped here, not in memory
                    check_memory(written, "csv", shown, "or more once decompressed")
                out.write(chunk)
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError, ValueError) as err:
        if isinstance(err, InputError):
            raise
        raise InputError(f"cannot decompress the {method} file: {err}", where=shown,
                         fix="the file is damaged or truncated; compress or download it "
                             "again") from None
    if written == 0:
        raise InputError("the file is empty once decompressed", where=shown,
                         fix="export the customer table again; it needs a header and rows")
    return written


# ----------------------------------------------------------------------- text
def _read_text(path: Path, shown: str, scratch: Path, *, sep, encoding,
               decimal, header: bool | None = None) -> LoadedTable:
    with path.open("rb") as handle:
        sample_bytes = handle.read(_SAMPLE_BYTES)
    notes: list[str] = []
    wide = _wide_encoding(sample_bytes, encoding, notes)
    if wide:
        shown_encoding = wide
        path = _transcode(path, wide, scratch / "utf8.csv", shown)
        with path.open("rb") as handle:
            sample_bytes = handle.read(_SAMPLE_BYTES)
        encoding = "utf-8"
    else:
        _check_nul(path, shown)
        encoding = encoding or _detect_encoding(sample_bytes, notes)
        shown_encoding = encoding
    text_sample = sample_bytes.decode(encoding, errors="replace")
    lines = [ln for ln in text_sample.splitlines()[:200] if ln.strip()]
    if len(sample_bytes) == _SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample may be partial
    if not lines:
        raise InputError("the file holds no text lines", where=shown,
                         fix="export the customer table again; it needs a header and rows")
    sep = _normalise_sep(sep) if sep else _detect_delimiter(lines)
    rows = _sample_rows(text_sample.lstrip("\ufeff"), sep, cut=len(sample_bytes) == _SAMPLE_BYTES)
    has_header = header if header is not None else detect_header(rows)
    if not has_header and rows:
        width = max(len(r) for r in rows)
        rows = [[f"column_{i + 1}" for i in range(width)], *rows]
        notes.append(f"no header row found: the first line is data; columns named column_1"
                     f"…column_{width}" + ("" if header is False else
                                           " (pass --header if line 1 names the columns)"))
    header_row = rows[0] if rows else []
    names, renamed = _dedupe_names(header_row)
    if renamed:
        notes.append("duplicate column names renamed: "
                     + ", ".join(f"{new} (was {old})" for new, old in renamed.items()))
    if len(rows) < 2:
        raise InputError(
            "the file has a header but no data rows", where=shown,
            fix="export the rows too, not only the column names",
        )
    width = Counter(len(r) for r in rows[1:]).most_common(1)[0][0]
    if width > len(names):  # rows wider than the header: name the extra columns
        extra = [f"column_{i + 1}" for i in range(len(names), width)]
        notes.append(f"the header names {len(names)} columns but the rows have {width}: "
                     f"the extra columns are called {', '.join(extra[:5])}"
                     + (" ..." if len(extra) > 5 else ""))
        names = names + [e if e not in names else e + "_" for e in extra]
    try:
        frame = pd.read_csv(
            path, sep=sep, encoding=encoding, dtype=str, keep_default_na=False,
            header=0 if has_header else None, names=names, skipinitialspace=True,
            engine="c", quotechar='"',
            skip_blank_lines=True, index_col=False,  # never a column silently as index
        )
    except pd.errors.ParserError as err:
        raise InputError(f"malformed row: {_parser_detail(err)}", where=shown,
                         fix="fix or remove that row (quote values that contain the "
                             "delimiter), or pass --sep if the delimiter was guessed wrong"
                         ) from None
    except UnicodeDecodeError:
        if encoding.lower().replace("-", "").replace("_", "") in {"utf8", "utf8sig"}:
            table = _read_text(path, shown, scratch, sep=sep, encoding="latin-1",
                               decimal=decimal, header=header)
            table.notes.insert(0, "not valid UTF-8 past the first bytes: read as Latin-1")
            return table
        raise InputError(f"the file is not valid {encoding} text", where=shown,
                         fix="pass the right --encoding (e.g. utf-8, latin-1, cp1252, "
                             "utf-16)") from None
    if frame.empty:
        raise InputError("the file has a header but no data rows", where=shown,
                         fix="export the rows too, not only the column names")
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = _blank_missing(frame)
    decimal = decimal or _detect_decimal(frame, sep)
    if decimal == ",":
        notes.append("decimal comma detected (e.g. 3,5 read as 3.5)")
    table = LoadedTable(frame=frame, path=shown, file_format="csv", encoding=shown_encoding,
                        delimiter="whitespace" if sep == r"\s+" else sep, decimal=decimal,
                        renamed_columns=renamed, notes=notes, header=has_header)
    table.missing_counts = missing
    _convert_text_columns(table)
    return table


def _detect_encoding(sample: bytes, notes: list[str]) -> str:
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


def _nul_shares(sample: bytes, period: int) -> list[float]:
    head = sample[: 4096 - 4096 % period]
    return [head[i::period].count(0) / max(len(head[i::period]), 1) for i in range(period)]


def _wide_encoding(sample: bytes, encoding: str | None, notes: list[str]) -> str | None:
    """The UTF-16/UTF-32 codec to decode with, or None for byte-oriented encodings.

    A byte-order mark decides; without one, text that is mostly ASCII shows a
    NUL in every second (UTF-16) or three of every four (UTF-32) bytes.
    """
    wanted = codecs.lookup(encoding).name if encoding else None
    if wanted and not wanted.startswith(("utf-16", "utf-32")):
        return None
    boms = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
            (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, codec in boms:
        if sample.startswith(bom) and (wanted is None or wanted.startswith(codec)):
            notes.append(f"{codec.upper()} byte-order mark found: decoded as {codec.upper()}")
            return codec
    if wanted and wanted not in ("utf-16", "utf-32"):
        notes.append(f"read as {wanted.upper()} (--encoding)")
        return wanted  # utf-16-le and friends: the user named the byte order
    q = _nul_shares(sample, 4)
    if len(sample) >= 8 and min(q[1:]) > 0.9 and q[0] < 0.1:
        found = "utf-32-le"
    elif len(sample) >= 8 and min(q[:3]) > 0.9 and q[3] < 0.1:
        found = "utf-32-be"
    else:
        even, odd = _nul_shares(sample, 2)
        found = None
        if len(sample) >= 4 and odd > 0.4 and even < 0.05:
            found = "utf-16-le"
        elif len(sample) >= 4 and even > 0.4 and odd < 0.05:
            found = "utf-16-be"
    if wanted and found is None:
        found = f"{wanted}-le"  # no mark and no telling pattern: the usual byte order
    if found:
        how = "(--encoding)" if wanted else "without byte-order mark, detected from its NUL bytes"
        notes.append(f"{found.upper()} text {how}: decoded")
    return found


def _transcode(path: Path, codec: str, target: Path, shown: str) -> Path:
    """Decode a UTF-16/32 file into a UTF-8 copy; a NUL character is an error."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    line, offset = 1, 0
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
        while True:
            chunk = source.read(_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as err:
                raise InputError(
                    f"not valid {codec.upper()} text near byte {offset + err.start:,}",
                    where=shown,
                    fix="pass the right --encoding (utf-8, latin-1, utf-16...), or export "
                        "the file again as UTF-8") from None
            nul = text.find("\x00")
            if nul >= 0:
                _raise_nul(line + text.count("\n", 0, nul), shown)
            line += text.count("\n")
            out.write(text)
            offset += len(chunk)
            if not chunk:
                break
    return target


def _check_nul(path: Path, shown: str) -> None:
    """Refuse a text file holding a NUL byte anywhere (binary, or damaged)."""
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            at = chunk.find(b"\x00")
            if at >= 0:
                _raise_nul(line + chunk.count(b"\n", 0, at), shown)
            line += chunk.count(b"\n")


def _raise_nul(line: int, shown: str) -> None:
    raise InputError(
        f"the file looks binary or damaged: it contains a NUL byte on line {line:,}",
        where=shown,
        fix="export it again as CSV text (a NUL never belongs in a table); give a "
            "Parquet/Excel file its right extension, or pass --encoding utf-16 if it is UTF-16")


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


def _sample_rows(text: str, sep: str, cut: bool) -> list[list[str]]:
    """The sample's first 200 records (quoted values may span lines), blank ones skipped."""
    if sep == r"\s+":
        rows = [ln.split() for ln in text.splitlines()[:201]]
    else:
        try:
            reader = csv.reader(io.StringIO(text), delimiter=sep, quotechar='"',
                                skipinitialspace=True)
            rows = [r for _, r in zip(range(201), reader, strict=False)]
        except csv.Error:  # e.g. a NUL or a quote the csv module rejects: split lines
            rows = [_split_header(ln, sep) for ln in text.splitlines()[:201]]
    rows = [r for r in rows if r and (len(r) > 1 or r[0].strip())]  # as pandas skips
    if cut and len(rows) > 2:
        rows = rows[:-1]  # the last record of a cut sample may be partial
    return rows


# Header detection. Line 1 is data, not a header, when every field of it reads like
# the column below it and at least one column is typed (numbers, dates or codes): a
# header names a numeric column with a word ("Age"), a coded column with a word ("id"
# over "CS1112"), a decimal column with a year ("2019" over 1.5); a word that is none
# of the values below it, a blank over a column without blanks and the column
# numbers pandas writes (0,1,2...) are names too. Measured on every text file of
# /work/shared/datasets: the 13 files with a header (CSV/TXT) all keep it, the
# headerless CDNOW_sample.txt and german.data and the 35 headerless numeric
# matrices of clustering-benchmarks (*.data.gz) are all found headerless; and on
# tests/realdata/data (2 files, both headers). Like csv.Sniffer.has_header, but on
# the types of whole columns and with a share, not a vote. Undecidable by design:
# a header of numbers over numbers ("2019" over 1500): read as data; --header.
_DATE_TEXT = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?)?$")
#: A field of line 1 "reads like" its column when at least this share of the values
#: below have its type; a column is "typed" when 90 % of its values share one type
#: other than free text. Real headers failed on >= 1 typed column in all 21 files.
_HEADER_AGREE_SHARE = 0.5
_HEADER_TYPED_SHARE = 0.9


def _field_type(value: str) -> str:
    """The shape of one text field: int, float, date, a code pattern (a9, a9_9) or text."""
    text = value.strip().strip('"')
    if text in MISSING_TOKENS:
        return ""
    if re.fullmatch(r"[+-]?\d+", text):
        return "int"
    if _NUMBER.match(text) or _COMMA_NUMBER.match(text) or text.lower() in _INF_TOKENS:
        return "float"
    if _DATE_TEXT.match(text):
        return "date"
    if re.search(r"\d", text) and re.search(r"[A-Za-z]", text) and len(text) <= 20:
        # letters and digits: a code; its pattern (A11 and A410 -> a9) must match
        return "code:" + re.sub(r"\d+", "9", re.sub(r"[A-Za-z]+", "a", text))
    return "text"


def _within(cell: str, column: list[str]) -> bool:
    """True when the number ``cell`` lies within the range of the numbers in ``column``."""
    values = pd.to_numeric(pd.Series(column, dtype="object").str.strip(), errors="coerce")
    values = values.dropna()
    return bool(len(values)) and values.min() <= float(cell) <= values.max()


def detect_header(rows: list[list[str]]) -> bool:
    """True when the first row of a text sample names the columns (see the rule above).

    >>> detect_header([["age", "spend"], ["31", "10.5"], ["45", "3.2"]])
    True
    >>> detect_header([["A11", "6", "1169"], ["A12", "48", "5951"], ["A14", "12", "2096"]])
    False
    >>> detect_header([["region", "2019"], ["north", "1.5"], ["south", "2.5"]])
    True
    """
    if len(rows) < 2:
        return True  # nothing to compare with: a lone line names the columns
    first, below = rows[0], rows[1:]
    width = Counter(len(r) for r in below).most_common(1)[0][0]
    if len(first) != width:
        return True  # e.g. R's write.csv: a header one field short of the rows
    cells = [c.strip().strip('"') for c in first]
    if all(re.fullmatch(r"\d+", c) for c in cells) and [int(c) for c in cells] in (
            list(range(len(cells))), list(range(1, len(cells) + 1))):
        return True  # column numbers, as pandas writes a frame without column names
    typed_agree = 0
    for j, cell in enumerate(first):
        column = [r[j] for r in below if j < len(r)]
        kinds = [k for k in map(_field_type, column) if k]
        mine = _field_type(cell)
        if not mine:
            if len(kinds) == len(column):
                return True  # a blank name over a column without blanks
            continue  # a missing value, as the column has below
        if not kinds:
            continue  # an empty column: no evidence
        counts = Counter(kinds)
        top, n_top = counts.most_common(1)[0]
        if mine == "text":
            if cells[j] not in {c.strip().strip('"') for c in column}:
                return True  # a word that is none of the values below: a name
            continue  # a category value ("Male" over Male/Female): no evidence either way
        numbers = counts["int"] + counts["float"]
        share = counts[mine] / len(kinds)
        if (mine == "float" and counts["float"]) or (mine == "int" and counts["float"] and (
                counts["int"] or _within(cell, [r[j] for r in below if j < len(r)]))):
            # 15 over 29.33 and 14, or 1 over 0.99 and -0.05, is still a number; a
            # year over decimals (2019 over 1.5 and 2.5) is a name
            share = numbers / len(kinds)
        if share < _HEADER_AGREE_SHARE:
            return True  # line 1 differs in type from its column: it is a header
        if (top != "text" and n_top / len(kinds) >= _HEADER_TYPED_SHARE) \
                or (top == "float" and numbers / len(kinds) >= _HEADER_TYPED_SHARE):
            typed_agree += 1
    return typed_agree == 0


def _split_header(line: str, sep: str) -> list[str]:
    if sep == r"\s+":
        return line.split()
    try:
        return next(csv.reader(io.StringIO(line), delimiter=sep, quotechar='"'), [])
    except csv.Error:  # e.g. an unclosed quote on the first line
        return line.split(sep)


def _dedupe_names(header: list[str]) -> tuple[list[str], dict[str, str]]:
    names: list[str] = []
    renamed: dict[str, str] = {}
    seen: Counter[str] = Counter()
    for i, raw in enumerate(header):
        name = raw.strip() or f"column_{i + 1}"
        seen[name] += 1
        if seen[name] > 1:
            new = f"{name}_{seen[name]}"
            while new in header or new in names:
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
    match = re.search(r"EOF inside string starting at row (\d+)", text)
    if match:  # pandas counts rows from 0 at the header: file line = row + 1
        return f"a quote opened on line {int(match.group(1)) + 1} is never closed"
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
    """Convert each numeric text column to numbers; keep codes with leading zeros."""
    for col in table.frame.columns:
        _convert_text_column(table, col)


def _convert_text_column(table: LoadedTable, col: str) -> None:
    frame = table.frame
    present = frame[col].dropna()
    if present.empty:
        frame[col] = pd.Series(np.nan, index=frame.index, dtype="float64")
        return
    present = present.astype(str)
    text = present.str.replace(",", ".", regex=False) if table.decimal == "," else present
    if table.decimal == ",":
        text = text.str.replace(r"(?<=\d)\.(?=\d{3}(\D|$))", "", regex=True)
    lower = text.str.lower()
    is_inf = lower.isin(_INF_TOKENS)
    numeric_like = text.str.match(_NUMBER).fillna(False).astype(bool) | is_inf
    n_stray = int((~numeric_like).sum())
    if n_stray and (numeric_like.mean() < STRAY_NUMBER_SHARE
                    or _CODE_TEXT_NAME.search(str(col))):
        return
    if _looks_like_code(present[numeric_like]):
        table.notes.append(f"column {col!r} keeps its leading zeros: read as text codes")
        return
    if n_stray:
        strays = present[~numeric_like]
        verb = "are not numbers" if n_stray > 1 else "is not a number"
        table.notes.append(f"column {col!r}: {n_stray} value{'s' * (n_stray > 1)} that {verb} "
                           f"({_examples(strays)}) read as missing; the other "
                           f"{int(numeric_like.sum()):,} are numbers")
        table.missing_counts[col] = table.missing_counts.get(col, 0) + n_stray
        text, lower, is_inf = text[numeric_like], lower[numeric_like], is_inf[numeric_like]
    numbers = pd.to_numeric(text.where(~is_inf, lower.str.replace("infinity", "inf")),
                            errors="coerce").astype("float64")
    n_inf = int(np.isinf(numbers).sum())
    if n_inf:
        table.infinite_counts[col] = n_inf
        numbers = numbers.where(~np.isinf(numbers))
    converted = pd.Series(np.nan, index=frame.index, dtype="float64")
    converted.loc[numbers.index] = numbers.to_numpy()
    if converted.notna().all() and (converted % 1 == 0).all() and \
            converted.abs().max() < 2**53:
        converted = converted.astype("int64")
    frame[col] = converted


def _examples(values: pd.Series) -> str:
    """Up to 3 short examples, unless a value may be personal data (e-mail, long digits)."""
    sample = [str(v) for v in values.drop_duplicates().head(3)]
    if any("@" in v or sum(ch.isdigit() for ch in v) >= 7 for v in sample):
        return "examples not shown: they may be personal data"
    return "e.g. " + ", ".join(repr(_short(v)) for v in sample)


def _short(value, limit: int = 12) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _looks_like_code(values: pd.Series) -> bool:
    head = values.head(1000)
    return bool(len(head) and (head.str.match(r"^0\d+$")).mean() > 0.5)


# -------------------------------------------------------------- other formats
def _read_parquet(path: Path, shown: str) -> LoadedTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        arrow = pq.read_table(path)
    except (pa.lib.ArrowException, OSError, ValueError) as err:
        raise InputError(f"cannot read the Parquet file: {str(err).splitlines()[0]}",
                         where=shown,
                         fix="the file is corrupt or not Parquet; export it again") from None
    arrow, notes = _flatten_arrow(arrow)
    try:
        frame = arrow.to_pandas(date_as_object=False)
    except (pa.lib.ArrowException, ValueError, TypeError) as err:
        raise InputError(f"cannot convert the Parquet columns: {str(err).splitlines()[0]}",
                         where=shown,
                         fix="write plain number, text, boolean and date columns") from None
    table = _from_frame(frame, shown, "parquet")
    table.notes[:0] = notes
    return table


def _flatten_arrow(arrow):
    """Struct fields become ``a.b`` columns; list, map, binary and union columns are dropped."""
    import pyarrow as pa

    notes: list[str] = []
    if any(pa.types.is_struct(f.type) for f in arrow.schema):
        while any(pa.types.is_struct(f.type) for f in arrow.schema):
            arrow = arrow.flatten()
        notes.append("nested (struct) columns flattened into dotted columns such as a.b")
    dropped, cast = [], {}
    for f in arrow.schema:
        t = f.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if pa.types.is_nested(t) or pa.types.is_union(t) or pa.types.is_binary(t) or \
                pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t) or \
                pa.types.is_null(t):
            dropped.append(f.name)
        elif pa.types.is_decimal(t):
            cast[f.name] = pa.float64()
        elif pa.types.is_time(t) or pa.types.is_duration(t):
            cast[f.name] = pa.string()
    if dropped:
        notes.append(f"{len(dropped)} column{'s' * (len(dropped) > 1)} holding lists, maps, "
                     f"binary data or only nulls dropped: {', '.join(map(repr, dropped[:10]))}"
                     + (" ..." if len(dropped) > 10 else "")
                     + " (turn them into one value per customer to use them)")
        arrow = arrow.drop_columns(dropped)
    for name, to in cast.items():
        i = arrow.schema.get_field_index(name)
        arrow = arrow.set_column(i, name, arrow.column(i).cast(to))
    return arrow, notes


def _read_excel(path: Path, shown: str, sheet: str | int | None) -> LoadedTable:
    try:
        book = pd.ExcelFile(path)
        names = [str(n) for n in book.sheet_names]
    except Exception as err:  # openpyxl/xlrd raise many types on damaged files
        raise InputError(f"cannot read the Excel file: {type(err).__name__}: {err}",
                         where=shown, fix="save it as .xlsx again or export CSV") from None
    chosen = _choose_sheet(names, sheet, shown)
    try:
        frame = pd.read_excel(book, sheet_name=chosen, dtype=object)
    except Exception as err:  # damaged sheets raise anything
        raise InputError(f"cannot read sheet {chosen!r} of the Excel file: "
                         f"{type(err).__name__}: {err}", where=shown,
                         fix="save it as .xlsx again or export CSV") from None
    finally:
        book.close()
    frame.columns = ["" if str(c).startswith("Unnamed: ") else str(c) for c in frame.columns]
    table = _from_frame(frame.infer_objects(), shown, "excel")
    table.sheet = chosen
    others = [n for n in names if n != chosen]
    if others:
        position = names.index(chosen)
        table.notes.insert(0, f"sheet {chosen!r} read (sheet {position} of {len(names)}, "
                              f"counting from 0); the workbook also has "
                              f"{', '.join(map(repr, others[:10]))}"
                              + (" ..." if len(others) > 10 else "")
                              + ": pass --sheet NAME or --sheet INDEX to read another")
    return table


def _choose_sheet(names: list[str], sheet: str | int | None, shown: str) -> str:
    if sheet is None or sheet == "":
        return names[0]
    if str(sheet) in names:
        return str(sheet)  # a sheet literally named "2" wins over the index
    text = str(sheet).strip()
    if re.fullmatch(r"-?\d+", text):
        index = int(text)
        if 0 <= index < len(names):
            return names[index]
        raise InputError(f"sheet index {index} is out of range: the workbook has "
                         f"{len(names)} sheet{'s' * (len(names) > 1)} (0 to {len(names) - 1})",
                         where=shown,
                         fix=f"pass --sheet 0 to {len(names) - 1}, or a sheet name: "
                             + ", ".join(map(repr, names[:10])))
    raise InputError(f"sheet {sheet!r} not found", where=shown,
                     fix="pass --sheet with one of the workbook's sheet names ("
                         + ", ".join(map(repr, names[:10])) + ") or a 0-based index")


def _read_json(path: Path, shown: str, encoding: str | None) -> LoadedTable:
    try:
        text = path.read_text(encoding=encoding or "utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"the JSON file is not valid {encoding or 'UTF-8'} text (byte "
                         f"{err.start:,})", where=shown,
                         fix="JSON files are UTF-8; export it again, or pass --encoding"
                         ) from None
    stripped = text.lstrip()
    if not stripped:
        raise InputError("the JSON file holds no data", where=shown,
                         fix="write a JSON array of objects or one object per line")
    notes: list[str] = []
    if stripped[0] == "[":
        records, kind = _json_document(text, shown), "JSON array"
    elif stripped[0] == "{":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as err:
            if err.msg != "Extra data":
                raise _json_error(err, shown) from None
            records, kind = _json_lines(text, shown), "JSON Lines"
        else:
            records, kind = _json_object(document, shown, notes), "JSON object"
    else:
        raise InputError(f"not JSON: the file starts with {_short(stripped[:12])!r}",
                         where=shown,
                         fix="write a JSON array of objects ([{\"id\": 1, ...}, ...]) or one "
                             "object per line; for a CSV use a .csv name")
    if not isinstance(records, list) or not records:
        raise InputError(f"the {kind} holds no records", where=shown,
                         fix="write at least a few objects, one per customer")
    bad = next((i for i, r in enumerate(records) if not isinstance(r, dict)), None)
    if bad is not None:
        raise InputError(
            f"{kind} record {bad + 1} is not an object (it is {type(records[bad]).__name__})",
            where=shown, fix="write one object per customer, e.g. [{\"id\": 1, \"spend\": 3.5}]")
    frame = pd.json_normalize(records, sep=".")
    if any(isinstance(r.get(k), dict) for r in records[:1000] for k in r):
        notes.append("nested JSON objects flattened into dotted columns such as a.b")
    lists = [c for c in frame.columns
             if frame[c].map(lambda v: isinstance(v, list | dict)).any()]
    if lists:
        notes.append(f"{len(lists)} column{'s' * (len(lists) > 1)} holding JSON arrays "
                     f"dropped: {', '.join(map(repr, lists[:10]))} (turn them into one value "
                     "per customer to use them)")
        frame = frame.drop(columns=lists)
    if frame.shape[1] == 0:
        raise InputError(f"the {kind} has no column of plain values", where=shown,
                         fix="give each record plain values (numbers, text, true/false)")
    table = _from_frame(frame, shown, "json" if kind != "JSON Lines" else "jsonl")
    table.notes[:0] = [f"read as {kind}", *notes]
    return table


def _json_error(err: json.JSONDecodeError, shown: str) -> InputError:
    return InputError(f"invalid JSON on line {err.lineno}, column {err.colno}: {err.msg}",
                      where=shown, fix="fix that line, or export the file again")


def _json_document(text: str, shown: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise _json_error(err, shown) from None
    except RecursionError:
        raise InputError("the JSON is nested too deeply", where=shown,
                         fix="write flat records, one object per customer") from None


def _json_lines(text: str, shown: str) -> list:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise InputError(f"invalid JSON Lines record on line {number}: {err.msg}",
                             where=shown, fix="write one complete JSON object per line"
                             ) from None
        except RecursionError:
            raise InputError(f"the JSON on line {number} is nested too deeply", where=shown,
                             fix="write flat records, one object per customer") from None
    return records


def _json_object(document: dict, shown: str, notes: list[str]) -> list:
    """One JSON object: records under a single key, or columns of equal length."""
    lists = {k: v for k, v in document.items() if isinstance(v, list)}
    if len(lists) == 1 and all(isinstance(r, dict) for r in next(iter(lists.values()))):
        key = next(iter(lists))
        notes.append(f"records read from the key {key!r}")
        return lists[key]
    lengths = {len(v) for v in document.values() if isinstance(v, list)}
    if lists and len(lists) == len(document) and len(lengths) == 1:
        n = lengths.pop()
        notes.append("columns read from a JSON object of equal-length arrays")
        return [{k: v[i] for k, v in document.items()} for i in range(n)]
    return [document]


def _from_frame(frame: pd.DataFrame, shown: str, kind: str) -> LoadedTable:
    frame = frame.copy()
    names, renamed = _dedupe_names([str(c) for c in frame.columns])
    frame.columns = names
    table = LoadedTable(frame=frame, path=shown, file_format=kind, renamed_columns=renamed)
    if renamed:
        table.notes.append("duplicate column names renamed: "
                           + ", ".join(f"{n} (was {o})" for n, o in renamed.items()))
    if frame.empty:
        raise InputError("the file has columns but no data rows", where=shown,
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
        if frame[col].dtype == object:
            _mixed_column(table, col)
        if pd.api.types.is_float_dtype(frame[col]):
            n_inf = int(np.isinf(frame[col]).sum())
            if n_inf:
                table.infinite_counts[col] = n_inf
                frame[col] = frame[col].where(~np.isinf(frame[col]))
    return table


def _mixed_column(table: LoadedTable, col: str) -> None:
    """An object column mixing numbers and text (Excel, JSON): numbers by share, else text."""
    present = table.frame[col].dropna()
    is_number = present.map(lambda v: isinstance(v, numbers.Number) and not isinstance(v, bool))
    is_text = present.map(lambda v: isinstance(v, str))
    if present.empty or not is_number.any() or not (is_number | is_text).all():
        return
    as_text = table.frame[col].map(lambda v: v if v is None or v != v else str(v))
    table.frame[col] = as_text.astype(object)
    before = table.frame[col].dtype
    _convert_text_column(table, col)
    if table.frame[col].dtype == before:
        table.notes.append(f"column {col!r} mixes numbers and text: read as text")


def _finish(table: LoadedTable) -> None:
    extreme_notes: list[str] = []
    extreme_to_missing(table.frame, extreme_notes, table.missing_counts)
    for col, n in table.infinite_counts.items():
        table.missing_counts[col] = table.missing_counts.get(col, 0) + n
    total_missing = sum(table.missing_counts.values())
    if total_missing:
        table.notes.append(f"{total_missing} missing values (tokens such as '', NA, N/A, null, "
                           f"?, -, NaN, and infinities) read as missing")
    table.notes += extreme_notes


def extreme_to_missing(frame: pd.DataFrame, notes: list[str] | None = None,
                       missing_counts: dict[str, int] | None = None) -> int:
    """Set numbers beyond ±:data:`EXTREME_MAGNITUDE` to missing, in place; return how many.

    Each column changed gets a note; the rows are kept.

    >>> frame = pd.DataFrame({"spend": [1.0, 1.7e308, 3.0]})
    >>> notes = []
    >>> extreme_to_missing(frame, notes), frame["spend"].tolist()
    (1, [1.0, nan, 3.0])
    >>> notes[0][:46]
    "column 'spend': 1 value beyond ±1e+30 (largest"
    """
    total = 0
    for col in frame.columns:
        values = frame[col]
        if not pd.api.types.is_float_dtype(values):
            continue
        extreme = (values.abs() > EXTREME_MAGNITUDE).to_numpy()
        n = int(extreme.sum())
        if not n:
            continue
        largest = float(values.abs().max())
        frame[col] = values.where(~extreme)
        total += n
        if missing_counts is not None:
            missing_counts[col] = missing_counts.get(col, 0) + n
        if notes is not None:
            notes.append(f"column {col!r}: {n} value{'s' * (n > 1)} beyond "
                         f"±{EXTREME_MAGNITUDE:.0e} (largest {largest:.3g}) read as missing "
                         "like infinities: no real quantity is that large, and it would "
                         "overflow the arithmetic")
    return total

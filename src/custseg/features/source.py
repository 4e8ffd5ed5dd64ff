"""Expose a log (files or a DataFrame) to DuckDB as a SQL relation, without loading it.

Files are scanned by DuckDB itself (``read_parquet`` / ``read_csv``) so logs larger
than memory work. File names travel as bound parameters, never inside the SQL text.
"""

from __future__ import annotations

import glob as globlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from custseg.exceptions import InputError, InputFileNotFoundError

__all__ = ["LogSource", "open_source", "quote_ident"]

_PARQUET = (".parquet", ".parq", ".pq")
_EXCEL = (".xlsx", ".xlsm", ".xls")
_TEXT = (".csv", ".tsv", ".txt", ".dat", ".tab", ".psv")
_DF_VIEW = "__custseg_source_df"


def quote_ident(name: str) -> str:
    """Quote an SQL identifier: wrap in double quotes, double embedded quotes.

    >>> quote_ident('a"b;c')
    '"a""b;c"'
    """
    return '"' + str(name).replace('"', '""') + '"'


@dataclass
class LogSource:
    """A log as DuckDB sees it: ``FROM {sql}`` with ``params`` bound."""

    sql: str
    params: dict = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    description: str = ""
    # Text formats are read as text so ids like "00001" keep their zeros.
    all_text: bool = False


def _describe(con: duckdb.DuckDBPyConnection, src: LogSource, where: str) -> None:
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {src.sql}", src.params).fetchall()
    except duckdb.OutOfMemoryException:
        raise  # the memory limit, not the file: build_customer_features says so
    except duckdb.Error as err:
        first = str(err).strip().splitlines()[0][:300]
        raise InputError(
            f"cannot read the transaction log: {first}",
            where=where,
            fix="check that the file is a valid CSV/TSV/whitespace text, Parquet or Excel file",
        ) from err
    src.columns = [r[0] for r in rows]
    src.types = {r[0]: str(r[1]).upper() for r in rows}


def _sniff_text(path: str) -> tuple[str, bool, list[str]]:
    """Return (delimiter or 'whitespace', has_header, header tokens) from the first line."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError as err:
        raise InputError(
            f"cannot open the transaction log: {err.strerror}",
            where=path, fix="check the file permissions",
        ) from err
    if b"\x00" in head:
        raise InputError(
            "cannot read the transaction log: it looks binary, not text",
            where=path,
            fix="pass a CSV/TSV/whitespace text, Parquet (.parquet) or Excel (.xlsx) file",
        )
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise InputError("the transaction log is empty", where=path,
                         fix="pass a file with a header line and at least one row")
    first = lines[0]
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    delim, n = max(counts.items(), key=lambda kv: kv[1])
    if n == 0:
        tokens = first.split()
        has_header = not all(re.fullmatch(r"[-+.\d]+", t) for t in tokens)
        return "whitespace", has_header, tokens
    return delim, True, []


def _text_source(path: str | list[str], first_file: str) -> LogSource:
    delim, has_header, tokens = _sniff_text(first_file)
    if delim != "whitespace":
        return LogSource(
            sql=("read_csv($src, delim=$delim, header=true, all_varchar=true, "
                 "union_by_name=true, sample_size=20480)"),
            params={"src": path, "delim": delim},
            description=f"delimited text ({delim!r})",
            all_text=True,
        )
    # Runs of spaces (CDNOW): read each line whole, split on whitespace in SQL.
    names = tokens if has_header else [f"column{i + 1}" for i in range(len(tokens))]
    parts = ", ".join(
        f"list_extract(__p, {i + 1}) AS {quote_ident(n)}" for i, n in enumerate(names)
    )
    sql = (
        f"(SELECT {parts} FROM (SELECT string_split_regex(trim(__line, $strip), '\\s+') AS __p "
        "FROM read_csv($src, columns={'__line': 'VARCHAR'}, delim=$unit, header=false, "
        "quote='', escape='', auto_detect=false, skip=$skip) "
        "WHERE trim(__line, $strip) <> ''))"
    )
    return LogSource(
        sql=sql,
        params={"src": path, "unit": "\x1f", "strip": " \t\r", "skip": int(has_header)},
        description="whitespace-separated text",
        all_text=True,
    )


def _expand(path: str) -> tuple[str | list[str], str]:
    """Return (path or list of paths for DuckDB, first file) after glob expansion."""
    if any(ch in path for ch in "*?["):
        files = sorted(globlib.glob(path, recursive=True))
        files = [f for f in files if os.path.isfile(f)]
        if not files:
            raise InputFileNotFoundError(
                f"no file matches the pattern {path!r}", where="transaction log",
                fix="check the folder and the pattern (e.g. 'logs/*.parquet')",
            )
        return files, files[0]
    if os.path.isdir(path):
        files = sorted(
            str(p) for p in Path(path).rglob("*") if p.suffix.lower() in _PARQUET
        )
        if not files:
            raise InputFileNotFoundError(
                f"folder {path!r} holds no .parquet file", where="transaction log",
                fix="point to a file, a glob, or a folder of Parquet files",
            )
        return files, files[0]
    if not os.path.exists(path):
        raise InputFileNotFoundError(
            f"file {path!r} does not exist", where="transaction log",
            fix="check the path (relative paths start from the current folder)",
        )
    return path, path


def open_source(con: duckdb.DuckDBPyConnection, source) -> LogSource:
    """Make ``source`` (path, glob, folder, or DataFrame) readable as ``FROM src.sql``."""
    if isinstance(source, pd.DataFrame):
        if source.shape[1] == 0 or source.shape[0] == 0:
            raise InputError(
                f"the transaction log DataFrame is empty (shape {source.shape})",
                where="source", fix="pass a DataFrame with rows and columns",
            )
        df = source.copy(deep=False)
        df.columns = [str(c) for c in df.columns]
        con.register(_DF_VIEW, df)
        src = LogSource(sql=quote_ident(_DF_VIEW), description="pandas DataFrame")
        _describe(con, src, "source DataFrame")
        return src
    if not isinstance(source, str | os.PathLike):
        raise InputError(
            f"unsupported source type {type(source).__name__}", where="source",
            fix="pass a file path, a glob of Parquet files, or a pandas DataFrame",
        )
    path = os.fspath(source)
    target, first = _expand(path)
    ext = Path(first).suffix.lower()
    if ext in _PARQUET:
        src = LogSource(sql="read_parquet($src, union_by_name=true)", params={"src": target},
                        description="Parquet")
    elif ext in _EXCEL:
        try:
            df = pd.read_excel(first, dtype=object)
        except Exception as err:  # openpyxl raises many types on bad files
            raise InputError(
                f"cannot read the Excel file: {err}", where=first,
                fix="save it again as .xlsx, or export it to CSV",
            ) from err
        return open_source(con, df.infer_objects())
    else:
        src = _text_source(target, first)
        try:
            _describe(con, src, path)
        except InputError as err:
            if isinstance(target, list):
                raise
            # DuckDB reads UTF-8 only: a text file in another encoding (a DOS code page,
            # Latin-1, UTF-16) is read by the table loader, which detects it, instead
            frame = _read_with_table_loader(target)
            if frame is None:
                raise err from None
            out = open_source(con, frame)
            out.description = "text read by the table loader (not UTF-8 or irregular)"
            return out
        return src
    _describe(con, src, path)
    return src


def _read_with_table_loader(path: str) -> pd.DataFrame | None:
    """The file as custseg's table loader reads it, or None when it cannot either."""
    from custseg.data.io import read_table
    from custseg.exceptions import CustsegError

    try:
        return read_table(path).frame
    except (CustsegError, OSError, ValueError):
        return None

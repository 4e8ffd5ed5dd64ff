"""Reading a customer table or a transaction log into a Spark DataFrame.

CSV/TSV/whitespace text and Parquet; a file, a folder or a glob. Text is read
as text first (so ids like ``00001`` keep their zeros) and columns whose values
are all numbers are then cast, the rule the local reader follows. Every row
gets ``__cs_row``, a key that keeps the input order.

Example
-------
>>> spark_pattern("%m/%d/%Y %H:%M"), spark_pattern("%Y%m%d")
('M/d/yyyy H:m', 'yyyyMMdd')
"""

from __future__ import annotations

import glob as globlib
import os
import re
from pathlib import Path

from custseg.data.io import MISSING_TOKENS
from custseg.exceptions import InputError, InputFileNotFoundError
from custseg.persist.model import SEGMENT_COLUMNS

ROW = "__cs_row"
PARQUET = (".parquet", ".parq", ".pq")
TEXT = (".csv", ".tsv", ".txt", ".dat", ".tab", ".psv")
_NUMBER = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
_CODE = r"^\s*0\d+\s*$"  # zero-padded codes stay text


def spark_pattern(fmt: str) -> str:
    """strptime format -> Spark datetime pattern (lenient widths when separated)."""
    if not re.search(r"[^%A-Za-z]", fmt.replace("%", "")):  # no separators: fixed widths
        table = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss",
                 "%y": "yy"}
    else:
        table = {"%Y": "yyyy", "%m": "M", "%d": "d", "%H": "H", "%M": "m", "%S": "s",
                 "%y": "yy"}
    out = fmt
    for code, pattern in table.items():
        out = out.replace(code, pattern)
    return out.replace("T", "'T'")


def files_of(path: str) -> list[str]:
    """The files behind a path, folder or glob (sorted); raise when there are none."""
    if any(ch in path for ch in "*?["):
        files = sorted(f for f in globlib.glob(path, recursive=True) if os.path.isfile(f))
        if not files:
            raise InputFileNotFoundError(f"no file matches the pattern {path!r}",
                                         where="input", fix="check the folder and the pattern")
        return files
    if os.path.isdir(path):
        files = sorted(str(p) for p in Path(path).rglob("*") if p.is_file()
                       and p.suffix.lower() in PARQUET + TEXT and not p.name.startswith(("_", ".")))
        if not files:
            raise InputFileNotFoundError(f"folder {path!r} holds no Parquet or CSV file",
                                         where="input", fix="point to a file, folder or glob")
        return files
    if not os.path.exists(path):
        raise InputFileNotFoundError(f"file {path!r} does not exist", where="input",
                                     fix="check the path (relative paths start from the "
                                         "current folder)")
    return [path]


def _sniff(path: str) -> tuple[str, list[str] | None]:
    with open(path, "rb") as fh:
        head = fh.read(65536)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise InputError("the file is empty", where=path,
                         fix="pass a file with a header line and at least one row")
    counts = {d: lines[0].count(d) for d in (",", "\t", ";", "|")}
    delim, n = max(counts.items(), key=lambda kv: kv[1])
    if n:
        return delim, None
    tokens = lines[0].split()
    header = None if all(re.fullmatch(r"[-+.\d]+", t) for t in tokens) else tokens
    return "whitespace", header or [f"column{i + 1}" for i in range(len(tokens))]


def read_input(spark, data) -> tuple:
    """Return ``(DataFrame with __cs_row, source dict)`` for a path, pandas or Spark frame."""
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    if isinstance(data, DataFrame):
        frame, source = data, {"path": None, "format": "Spark DataFrame"}
    elif hasattr(data, "columns") and hasattr(data, "iloc"):  # pandas
        if len(data) == 0:
            raise InputError("the table has no rows", where="DataFrame",
                             fix="pass a table with at least a few customers")
        frame = spark.createDataFrame(data.reset_index(drop=True))
        source = {"path": None, "format": "pandas DataFrame"}
    else:
        path = os.fspath(data)
        files = files_of(path)
        ext = Path(files[0]).suffix.lower()
        target = files if len(files) > 1 else files[0]
        if ext in PARQUET:
            frame = spark.read.parquet(*files)
            fmt = "parquet"
        else:
            delim, header = _sniff(files[0])
            if delim == "whitespace":
                lines = spark.read.text(target).where(F.trim("value") != "")
                parts = F.split(F.trim("value"), r"\s+")
                frame = lines.select(*[parts.getItem(i).alias(n) for i, n in enumerate(header)])
                if not header[0].startswith("column1"):
                    frame = frame.where(F.col(f"`{header[0]}`") != header[0])
                fmt = "whitespace-separated text"
            else:
                frame = (spark.read.option("header", True).option("sep", delim)
                         .option("inferSchema", False).option("mode", "PERMISSIVE").csv(target))
                fmt = f"delimited text ({delim!r})"
            frame = _cast_text(frame)
        source = {"path": path, "format": fmt, "files": len(files)}
    names = [str(c).lstrip("\ufeff").strip() for c in frame.columns]
    # The engine adds segment/probability columns to this frame and writes row and
    # segment_name: an input column of one of those names is renamed id_<name>, as the
    # local engine names such an id in segments.csv, so it is never overwritten.
    renamed = {n: f"id_{n}" for n in names if n.casefold() in SEGMENT_COLUMNS}
    if renamed:
        source["renamed_columns"] = renamed
    frame = frame.toDF(*[renamed.get(n, n) for n in names])
    return frame.withColumn(ROW, F.monotonically_increasing_id()), source


def _cast_text(frame):
    """Missing tokens -> null; all-number text columns (not zero-padded codes) -> double."""
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    strings = [c for c, t in frame.dtypes if t == "string"]
    cleaned = {c: F.when(F.trim(F.col(f"`{c}`")).isin(list(MISSING_TOKENS)), None)
               .otherwise(F.trim(F.col(f"`{c}`"))) for c in strings}
    frame = frame.withColumns(cleaned) if cleaned else frame
    if not strings:
        return frame
    checks = []
    for c in strings:
        col = F.col(f"`{c}`")
        checks += [F.sum(F.when(col.isNotNull() & ~col.rlike(_NUMBER), 1).otherwise(0)),
                   F.sum(F.when(col.rlike(_CODE), 1).otherwise(0)),
                   F.count(col)]
    row = frame.agg(*checks).first()
    numeric = [c for i, c in enumerate(strings)
               if row[3 * i + 2] > 0 and row[3 * i] == 0 and row[3 * i + 1] == 0]
    return frame.withColumns({c: F.col(f"`{c}`").try_cast("double") for c in numeric}) \
        if numeric else frame

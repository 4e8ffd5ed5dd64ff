"""CSV files that cannot turn into spreadsheet formulas (CSV/formula injection).

A spreadsheet opening a CSV treats a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula, so an id such as
``=HYPERLINK("http://evil", "click")`` or ``=cmd|'/C calc'!A0`` would run in
the user's Excel. OWASP's advice is to prefix such cells with a single quote,
which spreadsheets show as text. custseg does that in every CSV it writes
(``segments.csv`` of ``run`` and ``assign``, both engines, and the customer
table of ``custseg features``), for the header too, with two rules:

* a cell that is a plain number (``-12.5``, ``+3``, ``-1e5``) is left alone, so
  negative numbers stay numeric;
* a cell that already starts with quotes before a trigger character
  (``'=x``) gets one more quote, so two ids that differ only by such
  characters never become the same cell (the mapping is one-to-one).

Example
-------
>>> import pandas as pd
>>> frame = pd.DataFrame({"id": ["=1+1", "-12.5", "@SUM(A1)", "ok", "'=1+1"]})
>>> neutralise_formulas(frame)["id"].tolist()
["'=1+1", '-12.5', "'@SUM(A1)", 'ok', "''=1+1"]
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pandas as pd

#: First characters a spreadsheet reads as the start of a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_TRIGGER = re.compile(r"^'*[=+\-@\t\r]")
# A plain decimal number as a spreadsheet reads it: sign, digits, point, exponent.
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def neutralise_cell(value: Any) -> Any:
    """One cell: a leading ``'`` when a spreadsheet would read it as a formula.

    Example
    -------
    >>> neutralise_cell("=2+3"), neutralise_cell("-4.5"), neutralise_cell(7)
    ("'=2+3", '-4.5', 7)
    """
    if isinstance(value, str) and _TRIGGER.match(value) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot become formulas.

    Numeric columns are untouched; in text columns (object, string, category)
    only strings that start with a formula character and are not plain
    numbers get a leading ``'`` (see the module docstring).

    Example
    -------
    >>> out = neutralise_formulas(pd.DataFrame({"=x": ["+1", "+a"], "n": [-1, 2]}))
    >>> list(out.columns), out.iloc[:, 0].tolist(), out["n"].tolist()
    (["'=x", 'n'], ['+1', "'+a"], [-1, 2])
    """
    out = frame.copy()
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series) \
                or pd.api.types.is_datetime64_any_dtype(series):
            continue
        values = series.astype(object)
        mask = values.map(lambda v: isinstance(v, str) and bool(_TRIGGER.match(v)))
        if mask.any():
            fixed = values.map(neutralise_cell)
            out.isetitem(position, fixed)
    out.columns = [neutralise_cell(c) for c in frame.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, **options: Any) -> Path:
    """``frame.to_csv(path, index=False, lineterminator="\\n", **options)`` after neutralising.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = write_csv(pd.DataFrame({"id": ["=1"]}), pathlib.Path(tempfile.mkdtemp()) / "a.csv")
    >>> p.read_text()
    "id\\n'=1\\n"
    """
    path = Path(path)
    options = {"index": False, "lineterminator": "\n", **options}
    safe = neutralise_formulas(frame)
    if "quoting" not in options and _has_carriage_return(safe):
        # Python's csv quotes a value holding \r only when \r is in the line terminator;
        # unquoted, every reader sees a line break there and one customer becomes two rows
        options["quoting"] = csv.QUOTE_NONNUMERIC
    safe.to_csv(path, **options)
    return path


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    if any("\r" in str(c) for c in frame.columns):
        return True
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        text = values.dtype == object or pd.api.types.is_string_dtype(values)
        if text and values.astype("string").str.contains("\r", regex=False).fillna(False).any():
            return True
    return False

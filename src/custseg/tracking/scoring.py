"""``custseg assign --previous-segments``: each customer's previous segment and whether it moved.

Example
-------
>>> import tempfile, pathlib
>>> old = pathlib.Path(tempfile.mkdtemp()) / "segments.csv"
>>> _ = old.write_text("id,segment,segment_name\\n1,0,A\\n2,1,B\\n")
>>> table = pd.DataFrame({"id": [1, 2, 3], "segment": [0, 0, 1]})
>>> out = add_previous_segments(table, old)
>>> out["previous_segment"].tolist(), out["moved"].tolist()
([0, 1, <NA>], [0, 1, <NA>])
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from custseg.exceptions import InputError
from custseg.tracking.previous import key_series

_FIX = ("pass the segments.csv of an earlier `custseg run` or `custseg assign` on the same "
        "customers (same id column)")


def add_previous_segments(table: pd.DataFrame, previous: str | Path) -> pd.DataFrame:
    """``table`` (assign's output) with ``previous_segment`` and ``moved`` columns.

    Customers absent from the previous file get empty cells in both (they are
    new, not movers). The id column is the first column of both files.
    """
    path = Path(previous)
    if not path.is_file():
        raise InputError("the --previous-segments file does not exist", where=str(path),
                         fix=_FIX)
    try:
        old = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise InputError(f"the --previous-segments file cannot be read "
                         f"({type(err).__name__})", where=str(path), fix=_FIX) from None
    id_column = str(table.columns[0])
    if id_column == "row":
        raise InputError("moves need a customer id, and the model was trained without one "
                         "(segments are keyed by row number)", where="--previous-segments",
                         fix="retrain with an id column (--id COL), or drop "
                             "--previous-segments")
    if "segment" not in old.columns or id_column not in old.columns:
        raise InputError(f"the --previous-segments file needs the columns {id_column!r} and "
                         f"'segment', it has {', '.join(map(repr, old.columns[:6]))}",
                         where=str(path), fix=_FIX)
    before = pd.Series(pd.to_numeric(old["segment"], errors="coerce").to_numpy(),
                       index=key_series(old[id_column])).dropna()
    before = before[~before.index.duplicated(keep="first")].astype(int)
    keys = key_series(table[id_column])
    previous_segment = pd.array(keys.map(before).to_numpy(), dtype="Int64")
    out = table.copy()
    out.attrs = dict(table.attrs)
    out["previous_segment"] = previous_segment
    moved = pd.Series(previous_segment, dtype="Int64") != pd.Series(
        table["segment"].to_numpy(), dtype="Int64")
    out["moved"] = moved.astype("Int64").where(pd.Series(previous_segment).notna().to_numpy())
    return out

"""Read a previous custseg output folder: its summary, segments and (local) model.

Example
-------
>>> import tempfile, pathlib
>>> try:
...     read_previous(pathlib.Path(tempfile.mkdtemp()))
... except ValueError as err:
...     print(err.what)
the --previous folder is not a custseg output (no summary.json)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custseg.exceptions import CustsegError, InputError

_WHERE = "--previous"
_FIX = "pass the output folder (-o) of an earlier `custseg run`, the one holding summary.json"


@dataclass
class PreviousRun:
    """An earlier run as read back from its folder.

    ``segments`` is segments.csv with the id column as text (``key``), ``model``
    the local engine's fitted model (None for a Spark run or a run without one).
    """

    folder: Path
    summary: dict[str, Any]
    segments: pd.DataFrame
    id_column: str | None
    model: Any = None

    @property
    def names(self) -> dict[int, str]:
        """Segment id -> name."""
        return {int(s["id"]): str(s.get("name", s["id"])) for s in self.summary["segments"]}

    @property
    def shares(self) -> dict[int, float]:
        """Segment id -> share of customers."""
        return {int(s["id"]): float(s.get("share") or 0.0) for s in self.summary["segments"]}

    @property
    def engine(self) -> str:
        """``local`` or ``spark``."""
        return str(self.summary.get("engine", "local"))

    def describe(self) -> dict[str, Any]:
        """The previous run as the summary's ``tracking.previous`` reports it."""
        source = self.summary.get("input") or {}
        return {"folder": self.folder.name, "engine": self.engine,
                "n_rows": int(self.summary.get("n_rows", len(self.segments))),
                "k": int(self.summary.get("k", len(self.names))),
                "algorithm": self.summary.get("algorithm"),
                "as_of": (self.summary.get("transactions") or {}).get("as_of"),
                "source": Path(str(source.get("path"))).name if source.get("path") else None}


def check_previous_folder(folder: str | Path) -> Path:
    """Cheap checks before any computation: a folder holding summary.json and segments.

    Example
    -------
    >>> try:
    ...     check_previous_folder("/nonexistent/run")
    ... except ValueError as err:
    ...     print(err.what)
    the --previous folder does not exist
    """
    folder = Path(folder)
    if not folder.exists():
        raise InputError("the --previous folder does not exist", where=str(folder), fix=_FIX)
    if not folder.is_dir():
        raise InputError("--previous must be a folder, not a file", where=str(folder),
                         fix=_FIX)
    if not (folder / "summary.json").is_file():
        raise InputError("the --previous folder is not a custseg output (no summary.json)",
                         where=str(folder), fix=_FIX)
    if not ((folder / "segments.csv").is_file() or (folder / "segments").is_dir()):
        raise InputError("the --previous folder has no segments.csv", where=str(folder),
                         fix=_FIX)
    return folder


def read_previous(folder: str | Path) -> PreviousRun:
    """Read ``folder`` (an earlier run's ``-o``); refuse anything else with one clear line."""
    folder = check_previous_folder(folder)
    summary_path = folder / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"the --previous summary.json cannot be read ({type(err).__name__})",
                         where=str(summary_path), fix=_FIX) from None
    if not (isinstance(summary, dict) and "schema_version" in summary
            and isinstance(summary.get("segments"), list) and summary["segments"]):
        raise InputError("the --previous folder is not a custseg output (its summary.json "
                         "has no schema_version or segments)", where=str(summary_path), fix=_FIX)
    segments, id_column = _read_segments(folder)
    return PreviousRun(folder=folder, summary=summary, segments=segments,
                       id_column=id_column, model=_read_model(folder))


def _read_segments(folder: Path) -> tuple[pd.DataFrame, str | None]:
    csv, parquet = folder / "segments.csv", folder / "segments"
    if csv.is_file():
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    else:  # a large Spark run writes Parquet parts (check_previous_folder saw one)
        frame = pd.read_parquet(parquet).astype({"segment": int})
        frame = frame.astype({c: str for c in frame.columns if c != "segment"})
    if "segment" not in frame.columns or len(frame.columns) < 2:
        raise InputError("the --previous segments.csv has no 'segment' column",
                         where=str(csv), fix=_FIX)
    id_column = str(frame.columns[0])
    frame["segment"] = pd.to_numeric(frame["segment"], errors="coerce").fillna(-1).astype(int)
    return frame, (None if id_column == "row" else id_column)


def _read_model(folder: Path):
    path = folder / "model.skops"
    if not path.is_file():
        return None
    from custseg.persist.model import load_model

    try:
        return load_model(path)
    except CustsegError as err:
        raise InputError(f"the --previous model.skops cannot be loaded: {err.what}",
                         where=str(path), fix=_FIX) from None


def previous_from_result(result, folder: str = "(in memory)") -> PreviousRun:
    """A :class:`PreviousRun` from a run still in memory (no folder needed).

    Example
    -------
    >>> from custseg.datasets import make_customers
    >>> from custseg.workflow import run
    >>> r = run(make_customers(200, k=3, seed=0), k=3, algorithms=["kmeans"], report=False,
    ...         stability=False)
    >>> previous_from_result(r).names == r.names
    True
    """
    table = result.segments_table()
    id_column = None if table.columns[0] == "row" else str(table.columns[0])
    segments = table.astype({table.columns[0]: str})
    return PreviousRun(folder=Path(folder), summary=result.summary(), segments=segments,
                       id_column=id_column, model=result.model)


def key_series(values: pd.Series | np.ndarray) -> pd.Series:
    """Ids as comparable text (12346.0 and "12346" are the same customer)."""
    from custseg.tracking.holdout import normalise_id

    return pd.Series([normalise_id(v) for v in np.asarray(values, dtype=object)])

"""A series of as-of snapshots of one transaction log, each matched to the one before.

Example
-------
>>> try:
...     run_series("log.csv", ["2011-12-09", "2011-06-09"], "out")
... except ValueError as err:
...     print(err.what)
a series needs at least two increasing as-of dates, got ['2011-12-09', '2011-06-09']

(The tutorial 08 runs a real series on Online Retail.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from custseg.exceptions import ConfigError


@dataclass
class Series:
    """The snapshots' output folders, their summaries and the chain of migrations."""

    as_of: list[str]
    folders: list[Path]
    runs: list[dict[str, Any]] = field(default_factory=list)       # summary.json per date
    migrations: list[dict[str, Any]] = field(default_factory=list)  # tracking per step

    def to_frame(self) -> pd.DataFrame:
        """One row per step: dates, k, matched, PSI, moved customers, verdict."""
        rows = []
        for i, step in enumerate(self.migrations, start=1):
            matching, drift = step.get("matching") or {}, step.get("drift") or {}
            migration = step.get("migration") or {}
            rows.append({"from": self.as_of[i - 1], "to": self.as_of[i],
                         "k": self.runs[i]["k"],
                         "kept": sum(p["kept"] for p in matching.get("pairs", [])),
                         "new": len(matching.get("new_segments", [])),
                         "vanished": len(matching.get("vanished", [])),
                         "psi": drift.get("psi"), "moved": migration.get("moved"),
                         "in_both": migration.get("customers_in_both"),
                         "verdict": drift.get("verdict")})
        return pd.DataFrame(rows)


def run_series(log, as_of: list[str], out_dir: str | Path, **options: Any) -> Series:
    """Run ``custseg.run`` on ``log`` at each as-of date, each with the one before as previous.

    Every snapshot is written to ``out_dir/as_of_<date>`` (report off unless
    ``report=True``); ``options`` are passed to every run (``k``, ``seed``...).
    """
    from custseg.outputs import write_outputs
    from custseg.workflow import run

    dates = [str(d) for d in as_of]
    if len(dates) < 2 or sorted(dates) != dates or len(set(dates)) != len(dates):
        raise ConfigError(f"a series needs at least two increasing as-of dates, got {dates}",
                          where="run_series(as_of=...)",
                          fix="e.g. ['2011-06-09', '2011-12-09']")
    report = bool(options.pop("report", False))
    out_dir = Path(out_dir)
    series = Series(as_of=dates, folders=[])
    previous = None
    for date in dates:
        folder = out_dir / f"as_of_{date}"
        result = run(log, as_of=date, previous=previous, report=report, **options)
        write_outputs(result, folder, report=report)
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        series.folders.append(folder)
        series.runs.append(summary)
        if previous is not None:
            series.migrations.append(summary.get("tracking") or {})
        previous = str(folder)
    return series

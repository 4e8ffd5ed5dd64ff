"""Write a run's files all or nothing.

Everything goes into a temporary sibling folder first; only when every file is
written is it renamed into place. A failure on the way removes the temporary
folder, so an output folder is either the complete previous result or the
complete new one — never half of each.

Example
-------
>>> import tempfile, pathlib
>>> from custseg.datasets import make_customers
>>> from custseg.workflow import run
>>> result = run(make_customers(300, k=3, seed=0), k=3, algorithms=["kmeans"])
>>> out = write_outputs(result, pathlib.Path(tempfile.mkdtemp()) / "out", report=False)
>>> sorted(p.name for p in out.iterdir())
['figures', 'model.skops', 'segments.csv', 'summary.json']
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from custseg.persist.model import save_model

#: Files a complete run writes (report.html only when the report is on).
OUTPUT_FILES = ("segments.csv", "summary.json", "report.html", "model.skops", "figures")


def write_outputs(result, out_dir: str | Path, *, report: bool = True,
                  figures: bool = True) -> Path:
    """Write segments.csv, summary.json, figures/, report.html and model.skops.

    Returns the output folder.
    """
    out_dir = Path(out_dir)
    with staged_output(out_dir) as staging:
        clock = time.perf_counter()
        result.segments_table().to_csv(staging / "segments.csv", index=False,
                                       float_format="%.4f", lineterminator="\n")
        save_model(result.model, staging / "model.skops")
        (staging / "figures").mkdir()
        figure_files: list[str] = []
        specs = None
        if figures or report:  # figure data computed once, shared by PNGs and report
            from custseg.viz import figure_specs

            specs = figure_specs(result)
        if figures:
            from custseg.viz import save_figures

            figure_files = [p.name for p in save_figures(result, staging / "figures",
                                                         specs=specs)]
        if report:
            from custseg.report import build_report_data, write_report

            files = ["segments.csv", "summary.json", "report.html", "model.skops"] + [
                f"figures/{name}" for name in figure_files]
            write_report(build_report_data(result, specs=specs, files=files),
                         staging / "report.html")
        result.timings["write"] = time.perf_counter() - clock
        summary = result.summary()
        summary["outputs"] = {"folder": str(out_dir), "figures": figure_files,
                              "report": report}
        write_summary(summary, staging / "summary.json")
    return out_dir


@contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces ``out_dir``, on error it goes.

    Example
    -------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "result"
    >>> with staged_output(out) as staging:
    ...     _ = (staging / "a.txt").write_text("done")
    >>> (out / "a.txt").read_text()
    'done'
    """
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        yield staging
        swap_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_summary(summary: dict, path: Path) -> None:
    """Write summary.json: indented UTF-8, strict JSON (a NaN is a bug, not a value)."""
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                    encoding="utf-8")


def swap_into_place(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` with the finished ``staging`` folder (old result removed)."""
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{time.time_ns()}")
        out_dir.rename(old)
        staging.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out_dir)

"""The HTML report: plain data -> Jinja2 templates (autoescaped) -> one self-contained file.

Three steps, each usable alone:

* :func:`build_report_data` turns a run's result into a JSON-ready dict;
* :func:`render_report` turns such a dict into the HTML text (plotly.js is
  embedded once; the page makes no network request of any kind);
* :func:`write_report` does both and writes the file.

Example
-------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "report.html"
>>> write_report({"meta": {"title": "Demo", "n_rows": 10, "k": 2}}, path).name
'report.html'
"""

from __future__ import annotations

from pathlib import Path

from custseg.report.data import build_report_data
from custseg.report.render import render_report, script_json

__all__ = ["build_report_data", "render_report", "script_json", "write_report"]


def write_report(result_or_data, path: str | Path, *, files: list[str] | None = None) -> Path:
    """Write the report of a run (a ``RunResult`` or report data dict) to ``path``.

    ``files`` names the files written next to the report (section 6).
    """
    data = result_or_data if isinstance(result_or_data, dict) else \
        build_report_data(result_or_data, files=files)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(data), encoding="utf-8")
    return path

"""Write a run's figures as PNG files (for slides), with matplotlib's Agg canvas."""

from __future__ import annotations

import logging
from pathlib import Path

from custseg.viz.extract import figure_specs
from custseg.viz.figures import matplotlib_figure

log = logging.getLogger(__name__)
DPI = 100


def save_figures(result, folder: str | Path, *, specs: dict | None = None,
                 dpi: int = DPI) -> list[Path]:
    """Save every figure the run supports as ``NN_kind.png`` in ``folder``; return the paths.

    ``specs`` (from :func:`custseg.viz.figure_specs`) may be passed to reuse
    figure data already computed for the report. Figures are drawn on Agg
    canvases and closed right away, so nothing opens a window or leaks memory.

    Example
    -------
    >>> import tempfile
    >>> specs = {"stability_segments": {"values": {"0": 0.91, "1": 0.58}}}
    >>> [p.name for p in save_figures(None, tempfile.mkdtemp(), specs=specs)]
    ['01_stability_segments.png']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    specs = figure_specs(result) if specs is None else specs
    paths = []
    for number, (kind, spec) in enumerate(specs.items(), start=1):
        try:
            fig = matplotlib_figure(kind, spec)
        except Exception:
            log.warning("figure %s could not be drawn", kind, exc_info=True)
            continue
        path = folder / f"{number:02d}_{kind}.png"
        fig.savefig(path, dpi=dpi, facecolor="white")
        paths.append(path)
    return paths

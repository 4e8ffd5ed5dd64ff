"""Before/after distributions of the columns preprocessing transformed (skew, clipping).

The histograms are aggregated (bin counts), computed on a seeded sample of
rows through the preprocessor's public ``trace`` view, so they stay small and
fast at any table size. The raw histogram spans the 0.5-99.5% quantiles of
the column (extreme values would squash it); the transformed one spans all.

Example
-------
>>> pair = {"column": "spend", "treatment": "log1p + standardise",
...         "before": {"edges": [0, 1, 2], "counts": [5, 1]},
...         "after": {"edges": [-1, 0, 1], "counts": [3, 3]}}
>>> fig = plot_before_after([pair])
>>> fig.axes[0].patches[0].get_data().values.tolist()
[5, 1]
"""

from __future__ import annotations

import numpy as np

from custseg.viz._common import (
    mpl_text,
    new_grid,
    plotly_go,
    plotly_grid,
    plotly_layout,
    sample_rows,
    shorten,
    web_text,
)
from custseg.viz.segments import histogram

MAX_COLUMNS = 4
SAMPLE_ROWS = 20_000


def transformed_columns(decisions: list[dict], max_columns: int = MAX_COLUMNS) -> list[dict]:
    """Kept numeric columns whose distribution was reshaped (skew transform or clipping).

    >>> transformed_columns([{"column": "a", "kept": True, "stats": {"transform": "log1p"}},
    ...                      {"column": "b", "kept": True, "stats": {"transform": "none"}}])
    [{'column': 'a', 'kept': True, 'stats': {'transform': 'log1p'}}]
    """
    picked = []
    for dec in decisions or []:
        stats = dec.get("stats") or {}
        reshaped = stats.get("transform") not in (None, "none", "identity") or \
            (stats.get("n_clipped") or 0) > 0
        if dec.get("kept") and dec.get("role") != "pii" and reshaped:
            picked.append(dec)
    return picked[:max_columns]


def before_after_data(preprocessor, frame, *, max_columns: int = MAX_COLUMNS,
                      sample: int = SAMPLE_ROWS, random_state: int = 0) -> list[dict]:
    """Histograms of raw and final values for each transformed column.

    Uses ``preprocessor.decisions_`` and ``preprocessor.trace(frame, column,
    rows)``; returns ``[]`` when the preprocessor offers neither.
    """
    trace = getattr(preprocessor, "trace", None)
    decisions = getattr(preprocessor, "decisions_", None)
    if not callable(trace) or not decisions:
        return []
    rows = sample_rows(len(frame), sample, random_state)
    sub = frame.iloc[rows].reset_index(drop=True)
    out = []
    for dec in transformed_columns(decisions, max_columns):
        try:
            steps = trace(sub, dec["column"], rows=len(sub))
        except (KeyError, ValueError, TypeError):
            # a decision about a column the model does not trace (InputError is a
            # ValueError), one missing from this frame, or values a step cannot take:
            # that column gets no panel, the others still do
            continue
        numeric = [_numbers(steps[c]) for c in steps.columns]
        numeric = [v for v in numeric if v is not None]
        if len(numeric) < 2:
            continue
        # raw text such as dates is not a number: "before" is then the first numeric step
        raw, after = numeric[0], numeric[-1]
        finite = raw[np.isfinite(raw)]
        # the raw axis shows the middle 99% so a few extreme customers do not squash it
        span = tuple(np.quantile(finite, [0.005, 0.995])) if len(finite) else None
        if span is not None and not span[1] > span[0]:
            span = None
        out.append({"column": str(dec["column"]), "treatment": str(dec.get("treatment", "")),
                    "before": histogram(raw, value_range=span), "after": histogram(after),
                    "n": len(sub)})
    return out


def _numbers(values) -> np.ndarray | None:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr if arr.ndim == 1 and np.isfinite(arr).any() else None


def plot_before_after(pairs: list[dict], *, ax=None):
    """Two histograms per column: raw values (left), values the model used (right)."""
    fig, axes = new_grid(max(1, 2 * len(pairs)), ncols=2, panel=(3.6, 2.3), axes=ax)
    for i, pair in enumerate(pairs):
        for axis, key, colour in ((axes[2 * i], "before", "#7f7f7f"),
                                  (axes[2 * i + 1], "after", "#1f77b4")):
            hist = pair[key]
            edges = np.asarray(hist["edges"], dtype=float)
            if len(edges) > 1:
                axis.stairs(hist["counts"], edges, fill=True, color=colour)
            title = pair["column"] if key == "before" else pair["treatment"]
            axis.set_title(mpl_text(("raw: " if key == "before" else "used: ")
                                    + shorten(title, 40)), fontsize=8.5)
            axis.tick_params(labelsize=7)
    return fig


def plotly_before_after_dict(pairs: list[dict]) -> dict:
    """The figure of :func:`plotly_before_after` as a plain dict (data and layout).

    >>> pair = {"column": "spend", "treatment": "log1p",
    ...         "before": {"edges": [0, 1, 2], "counts": [5, 1]},
    ...         "after": {"edges": [-1, 0, 1], "counts": [3, 3]}}
    >>> fig = plotly_before_after_dict([pair])
    >>> [t["y"] for t in fig["data"]], fig["data"][1]["xaxis"]
    ([[5, 1], [3, 3]], 'x2')
    """
    titles = []
    for pair in pairs:
        titles += [web_text("raw: " + shorten(pair["column"], 40)),
                   web_text("used: " + shorten(pair["treatment"], 46))]
    nrows = max(1, len(pairs))
    grid, cells = plotly_grid(nrows, 2, titles=titles or None, horizontal_spacing=0.08,
                              vertical_spacing=0.5 / nrows)
    data = []
    for i, pair in enumerate(pairs):
        for j, (key, colour) in enumerate((("before", "#7f7f7f"), ("after", "#1f77b4"))):
            hist = pair[key]
            edges = np.asarray(hist["edges"], dtype=float)
            if len(edges) < 2:
                continue
            centres = ((edges[:-1] + edges[1:]) / 2)
            data.append({"type": "bar", "x": np.round(centres, 5).tolist(),
                         "y": list(hist["counts"]), "width": float(np.diff(edges)[0]),
                         "marker": {"color": colour}, "showlegend": False,
                         "hovertemplate": "≈ %{x:.4g}: %{y:,} rows<extra></extra>",
                         **cells[2 * i + j]})
    return {"data": data,
            "layout": {**grid, **plotly_layout(height=210 * nrows + 60, bargap=0.02)}}


def plotly_before_after(pairs: list[dict]):
    """Plotly version of :func:`plot_before_after` (a validated ``go.Figure``).

    >>> pair = {"column": "spend", "treatment": "log1p",
    ...         "before": {"edges": [0, 1, 2], "counts": [5, 1]},
    ...         "after": {"edges": [-1, 0, 1], "counts": [3, 3]}}
    >>> plotly_before_after([pair]).data[0].y
    (5, 1)
    """
    return plotly_go(plotly_before_after_dict(pairs))

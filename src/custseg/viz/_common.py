"""Shared plotting helpers: colours, safe labels, seeded downsampling, lazy matplotlib.

Matplotlib is always used through the Agg backend here: the functions build
figures for files and reports, never windows.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping, Sequence

import numpy as np

#: Qualitative palette (matplotlib's tab10, then tab20's light shades): same colours in
#: the PNGs and in the HTML report.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
           "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5")
UNASSIGNED_COLOUR = "#b0b0b0"
#: Scatter plots never draw more points than this (a seeded sample beyond it).
MAX_POINTS = 4000


def segment_colour(segment: int, position: int | None = None) -> str:
    """Colour of a segment id (``-1``, unassigned, is grey).

    >>> segment_colour(0), segment_colour(-1)
    ('#1f77b4', '#b0b0b0')
    """
    if int(segment) == -1:
        return UNASSIGNED_COLOUR
    index = int(segment) if position is None else int(position)
    return PALETTE[index % len(PALETTE)]


def segment_label(segment: int, names: Mapping[int, str] | None = None) -> str:
    """``"2 · Loyal big spenders"``, or ``"segment 2"`` without a name.

    >>> segment_label(2, {2: "Loyal"}), segment_label(1), segment_label(-1)
    ('2 · Loyal', 'segment 1', 'unassigned')
    """
    segment = int(segment)
    name = (names or {}).get(segment)
    if name is None:
        name = (names or {}).get(str(segment))  # JSON round trips turn keys into text
    if segment == -1:
        return str(name) if name else "unassigned"
    return f"{segment} · {name}" if name else f"segment {segment}"


def web_text(text) -> str:
    """Text for a plotly label or hover: ``<``, ``>``, ``&`` as entities.

    Plotly.js reads a small HTML subset in labels (``<b>``, ``<a href>``), so
    text that comes from the data (column names, category levels, segment
    names) is escaped before it gets there; plotly shows the entities as the
    characters themselves.

    >>> web_text("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    """
    return html.escape(str(text), quote=False)


def mpl_text(text) -> str:
    r"""Text for a matplotlib label: ``$`` escaped so mathtext never parses data.

    >>> mpl_text("Annual Income (k$)")
    'Annual Income (k\\$)'
    """
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def shorten(text, width: int = 32) -> str:
    """Cut long labels with an ellipsis.

    >>> shorten("a" * 40, 10)
    'aaaaaaaaa…'
    """
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def sample_rows(n: int, max_points: int = MAX_POINTS, random_state: int = 0) -> np.ndarray:
    """Sorted indices of a seeded sample of ``max_points`` rows out of ``n`` (all if fewer).

    >>> sample_rows(5, 10).tolist(), len(sample_rows(10_000, 100))
    ([0, 1, 2, 3, 4], 100)
    """
    if n <= max_points:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=max_points, replace=False))


def sample_note(n_shown: int, n_total: int) -> str:
    """Caption fragment saying how many points a scatter shows.

    >>> sample_note(10, 10), sample_note(4000, 1_000_000)
    ('', 'random sample of 4,000 of 1,000,000 customers')
    """
    if n_shown >= n_total:
        return ""
    return f"random sample of {n_shown:,} of {n_total:,} customers"


def new_axes(ax=None, figsize: tuple[float, float] = (7.0, 4.2)):
    """``(figure, axes)``: the given axes and its figure, or a new Agg figure."""
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def new_grid(n_panels: int, ncols: int = 3, panel: tuple[float, float] = (3.6, 2.8),
             axes: Sequence | None = None):
    """``(figure, list of axes)`` for small multiples; reuses ``axes`` when given."""
    if axes is not None:
        axes = list(np.ravel(axes))
        if len(axes) < n_panels:
            from custseg.exceptions import ConfigError

            raise ConfigError(f"{len(axes)} axes given but the figure has {n_panels} panels",
                              where="ax=", fix=f"pass {n_panels} axes or ax=None")
        return axes[0].figure, axes[:n_panels]
    from matplotlib.figure import Figure

    ncols = max(1, min(ncols, n_panels))
    nrows = int(np.ceil(n_panels / ncols)) if n_panels else 1
    width, height = panel[0] * ncols, panel[1] * nrows
    # Fixed margins: a constrained layout costs seconds on a dozen panels.
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=0.7 / width, right=1 - 0.25 / width, bottom=0.55 / height,
                        top=1 - 0.4 / height, wspace=0.3, hspace=0.62 * 2.8 / panel[1])
    grid = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for extra in grid[n_panels:]:
        extra.set_visible(False)
    return fig, list(grid[:n_panels])


def plotly_layout(title: str = "", **extra) -> dict:
    """Common plotly layout: white template, system fonts (no web fonts), compact margins."""
    layout = {
        "template": "plotly_white",
        "title": {"text": web_text(title), "x": 0.01, "font": {"size": 15}} if title else None,
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
                 "size": 12},
        "margin": {"l": 60, "r": 20, "t": 50 if title else 20, "b": 50},
        "legend": {"orientation": "h", "y": -0.18},
    }
    layout.update(extra)
    return {k: v for k, v in layout.items() if v is not None}


def finite(values) -> np.ndarray:
    """Float array without NaN/inf."""
    arr = np.asarray(values, dtype=float).ravel()
    return arr[np.isfinite(arr)]


# ----------------------------------------------------- plotly figures as plain dicts
# The plotly figures are built as plain dicts ({"data": [...], "layout": {...}}):
# the report JSON-encodes them as they are, and the public ``plotly_*`` functions
# wrap them in a validated ``go.Figure``. Plotly's object machinery (make_subplots,
# add_trace, a template copy per figure) cost about a second per report.


def plotly_grid(rows: int, cols: int, *, horizontal_spacing: float, vertical_spacing: float,
                titles: Sequence[str] | None = None) -> tuple[dict, list[dict]]:
    """Axes of a ``rows`` x ``cols`` grid of subplots, laid out as ``make_subplots`` does.

    Returns the layout part (``xaxis``, ``yaxis``, ``xaxis2``... with their
    domains and anchors; the subplot titles as ``annotations``) and, per cell in
    reading order, the ``{"xaxis": ..., "yaxis": ...}`` keys its traces carry.
    The arithmetic follows plotly's ``make_subplots`` so the figure is the same.

    >>> layout, cells = plotly_grid(1, 2, horizontal_spacing=0.1, vertical_spacing=0.1,
    ...                             titles=["a", "b"])
    >>> layout["xaxis2"]["domain"], cells[1], layout["annotations"][0]["x"]
    ([0.55, 1.0], {'xaxis': 'x2', 'yaxis': 'y2'}, 0.225)
    """
    width = (1.0 - horizontal_spacing * (cols - 1)) / cols
    height = (1.0 - vertical_spacing * (rows - 1)) / rows
    layout: dict = {}
    annotations, cells = [], []
    for row in range(rows):  # top row first
        y_start = sum([height] * (rows - 1 - row)) + (rows - 1 - row) * vertical_spacing
        y_domain = [max(0.0, min(1.0, y_start)), max(0.0, min(1.0, y_start + height))]
        for col in range(cols):
            x_start = sum([width] * col) + col * horizontal_spacing
            x_domain = [max(0.0, x_start), min(1.0, x_start + width)]
            n = len(cells) + 1
            suffix = "" if n == 1 else str(n)
            layout[f"xaxis{suffix}"] = {"anchor": f"y{suffix}", "domain": x_domain}
            layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "domain": y_domain}
            cells.append({"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})
            title = titles[n - 1] if titles and n <= len(titles) else None
            if title:
                annotations.append({"font": {"size": 16}, "showarrow": False, "text": title,
                                    "x": sum(x_domain) / 2.0, "xanchor": "center",
                                    "xref": "paper", "y": y_domain[1], "yanchor": "bottom",
                                    "yref": "paper"})
    if annotations:
        layout["annotations"] = annotations
    return layout, cells


#: Where a reference line's label goes (plotly's ``annotation_position`` of
#: ``add_hline`` / ``add_vline``): position -> (x, xanchor, y, yanchor); ``None``
#: is the line's own value.
_RULE_LABELS = {
    ("h", "top left"): (0, "left", None, "bottom"),
    ("h", "top right"): (1, "right", None, "bottom"),
    ("v", "top"): (None, "center", 1, "bottom"),
}


def plotly_rule(direction: str, value: float, line: dict, text: str | None = None,
                position: str | None = None, font: dict | None = None
                ) -> tuple[dict, dict | None]:
    """A horizontal (``"h"``) or vertical (``"v"``) reference line across the plot.

    Returns the layout shape and its label annotation (``None`` without
    ``text``), as plotly's ``add_hline`` / ``add_vline`` write them.

    >>> shape, label = plotly_rule("h", 0.6, {"color": "grey"}, "stable", "top left")
    >>> shape["yref"], shape["y0"], label["xanchor"]
    ('y', 0.6, 'left')
    """
    if direction == "h":
        shape = {"type": "line", "line": line, "x0": 0, "x1": 1, "xref": "x domain",
                 "y0": value, "y1": value, "yref": "y"}
    else:
        shape = {"type": "line", "line": line, "x0": value, "x1": value, "xref": "x",
                 "y0": 0, "y1": 1, "yref": "y domain"}
    if text is None:
        return shape, None
    x, xanchor, y, yanchor = _RULE_LABELS[(direction, position)]
    label = {"showarrow": False, "text": text, "xanchor": xanchor, "yanchor": yanchor,
             "x": value if x is None else x, "xref": shape["xref"],
             "y": value if y is None else y, "yref": shape["yref"]}
    if font:
        label["font"] = font
    return shape, label


def plotly_rules(layout: dict, *rules: tuple[dict, dict | None]) -> dict:
    """``layout`` with the shapes and labels of :func:`plotly_rule` added (in place).

    >>> plotly_rules({}, plotly_rule("v", 0.8, {"color": "grey"}))["shapes"][0]["x0"]
    0.8
    """
    for shape, label in rules:
        layout.setdefault("shapes", []).append(shape)
        if label is not None:
            layout.setdefault("annotations", []).append(label)
    return layout


@functools.lru_cache(maxsize=8)
def _colorscale(name: str) -> tuple:
    from plotly.colors import get_colorscale

    colours = [str(colour) for _, colour in get_colorscale(name)]
    # stops i / (n - 1), as plotly's validator writes them (not linspace's 0.30000000000000004)
    return tuple(((1.0 * i) / (1.0 * (len(colours) - 1)), colour)
                 for i, colour in enumerate(colours))


def plotly_colorscale(name: str) -> list[list]:
    """A named plotly.py colour scale as ``[[stop, colour], ...]``.

    plotly.js has colour scales of the same names with other colours, so the
    figure dicts carry the scale itself (as a validated figure does).

    >>> plotly_colorscale("Blues")[0]
    [0.0, 'rgb(247,251,255)']
    """
    return [list(step) for step in _colorscale(name)]


def plotly_title(text: str) -> dict:
    """An axis or colour-bar title (plotly.js 3 reads only the ``{"text": ...}`` form).

    >>> plotly_title("share")
    {'text': 'share'}
    """
    return {"text": text}


def plotly_go(figure: dict):
    """A validated ``plotly.graph_objects.Figure`` of a figure dict (raises on a wrong key).

    >>> plotly_go({"data": [{"type": "bar", "x": [1]}], "layout": {}}).data[0].x
    (1,)
    """
    import plotly.graph_objects as go

    return go.Figure(figure)

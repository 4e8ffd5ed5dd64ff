"""Validation figures: silhouette plot, stability per segment, contingency with a known label.

Example
-------
>>> fig = plot_stability_bars({0: 0.9, 1: 0.55})
>>> [round(float(p.get_width()), 2) for p in fig.axes[0].patches]
[0.9, 0.55]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from custseg.viz._common import (
    mpl_text,
    new_axes,
    plotly_colorscale,
    plotly_go,
    plotly_layout,
    plotly_rule,
    plotly_rules,
    plotly_title,
    segment_colour,
    segment_label,
    shorten,
    web_text,
)
from custseg.viz.selection import STABILITY_LINES

#: The silhouette plot shows at most this many customers (a stratified thinning).
MAX_SILHOUETTE_POINTS = 3000


def silhouette_frame(values, labels, max_points: int = MAX_SILHOUETTE_POINTS) -> pd.DataFrame:
    """Per-customer silhouette values sorted within each segment (segment, value, position).

    Beyond ``max_points`` every segment is thinned evenly along its sorted
    values, so the shape of each band is kept.

    >>> silhouette_frame([0.2, 0.9, 0.5], [0, 0, 1])["value"].tolist()
    [0.9, 0.2, 0.5]
    """
    values = np.asarray(values, dtype=float)
    labels = np.asarray(labels)
    keep = np.isfinite(values) & (labels != -1)
    values, labels = values[keep], labels[keep]
    step = max(1.0, len(values) / max_points)
    parts, position = [], 0
    for seg in sorted(np.unique(labels).tolist()):
        sorted_values = np.sort(values[labels == seg])[::-1]
        if step > 1:
            pick = np.unique(np.floor(np.arange(0, len(sorted_values), step)).astype(int))
            sorted_values = sorted_values[pick]
        n = len(sorted_values)
        parts.append(pd.DataFrame({"segment": seg, "value": sorted_values,
                                   "position": position + np.arange(n)}))
        position += n + max(3, int(0.02 * max_points))  # a gap between bands
    if not parts:
        return pd.DataFrame(columns=["segment", "value", "position"])
    return pd.concat(parts, ignore_index=True)


def plot_silhouette(frame: pd.DataFrame, names: Mapping[int, str] | None = None,
                    mean: float | None = None, *, note: str = "", ax=None):
    """Classic silhouette plot: each customer's value as a bar, sorted within its segment."""
    fig, axis = new_axes(ax, figsize=(6.6, 4.6))
    for seg, part in frame.groupby("segment", sort=True):
        axis.fill_betweenx(part["position"], 0, part["value"], color=segment_colour(int(seg)),
                           alpha=0.85, lw=0)
        axis.text(-0.02, part["position"].mean(),
                  mpl_text(shorten(segment_label(int(seg), names), 24)),
                  ha="right", va="center", fontsize=7.5)
    if mean is not None and np.isfinite(mean):
        axis.axvline(mean, color="black", ls="--", lw=1, label=f"average {mean:.2f}")
        axis.legend(fontsize=8, frameon=False, loc="lower right")
    axis.axvline(0, color="grey", lw=0.8)
    axis.set_yticks([])
    axis.set_xlim(min(-0.1, float(frame["value"].min()) - 0.05) if len(frame) else -0.1, 1)
    axis.invert_yaxis()
    axis.set_xlabel("silhouette value")
    axis.set_title(mpl_text("Silhouette per customer" + (f" ({note})" if note else "")),
                   fontsize=10)
    return fig


def plotly_silhouette_dict(frame: pd.DataFrame, names: Mapping[int, str] | None = None,
                           mean: float | None = None) -> dict:
    """The figure of :func:`plotly_silhouette` as a plain dict (data and layout).

    >>> fig = plotly_silhouette_dict(silhouette_frame([0.2, 0.9, 0.5], [0, 0, 1]), mean=0.5)
    >>> fig["data"][0]["x"].tolist(), fig["layout"]["shapes"][0]["x0"]
    ([0.9, 0.2], 0.5)
    """
    data = []
    for seg, part in frame.groupby("segment", sort=True):
        label = web_text(shorten(segment_label(int(seg), names), 36))
        data.append({"type": "bar", "x": np.round(part["value"].to_numpy(), 4),
                     "y": part["position"].to_numpy(), "orientation": "h", "name": label,
                     "width": 1.0,
                     "marker": {"color": segment_colour(int(seg)), "line": {"width": 0}},
                     "hovertemplate": f"{label}<br>silhouette %{{x:.2f}}<extra></extra>"})
    layout = plotly_layout(height=460, bargap=0, xaxis={"title": plotly_title("silhouette value")},
                           yaxis={"autorange": "reversed", "showticklabels": False})
    if mean is not None and np.isfinite(mean):
        plotly_rules(layout, plotly_rule("v", float(mean), {"color": "black", "dash": "dash"},
                                         f"average {mean:.2f}", "top"))
    return {"data": data, "layout": layout}


def plotly_silhouette(frame: pd.DataFrame, names: Mapping[int, str] | None = None,
                      mean: float | None = None):
    """Plotly version of :func:`plot_silhouette` (a validated ``go.Figure``).

    >>> plotly_silhouette(silhouette_frame([0.2, 0.9, 0.5], [0, 0, 1])).data[1].name
    'segment 1'
    """
    return plotly_go(plotly_silhouette_dict(frame, names, mean))


def plot_stability_bars(stability: Mapping[int, float], names: Mapping[int, str] | None = None,
                        *, ax=None):
    """Mean bootstrap Jaccard per segment, with the 0.6 and 0.75 verdict lines."""
    segs = [int(s) for s in stability]
    values = [float(v) if v is not None else np.nan for v in stability.values()]
    fig, axis = new_axes(ax, figsize=(6.4, 0.42 * len(segs) + 1.5))
    y = np.arange(len(segs))
    axis.barh(y, values, color=[segment_colour(s) for s in segs], height=0.65)
    axis.set_yticks(y, [mpl_text(shorten(segment_label(s, names), 30)) for s in segs],
                    fontsize=8)
    axis.invert_yaxis()
    for level, text in zip(STABILITY_LINES, ("dissolved", "stable"), strict=True):
        axis.axvline(level, color="grey", ls=":", lw=1)
        axis.text(level, 1.0, f"{level} {text}", transform=axis.get_xaxis_transform(),
                  fontsize=7, color="grey", ha="center", va="bottom")
    axis.set_xlim(0, 1)
    axis.set_xlabel("mean Jaccard similarity over resamples")
    axis.set_title("Stability of each segment", fontsize=10.5, pad=14)
    return fig


def plotly_stability_bars_dict(stability: Mapping[int, float],
                               names: Mapping[int, str] | None = None) -> dict:
    """The figure of :func:`plotly_stability_bars` as a plain dict (data and layout).

    >>> plotly_stability_bars_dict({0: 0.9, 1: 0.55})["data"][0]["x"]
    [0.9, 0.55]
    """
    segs = [int(s) for s in stability]
    labels = [web_text(shorten(segment_label(s, names), 36)) for s in segs]
    values = [None if v is None else float(v) for v in stability.values()]
    bars = {"type": "bar", "x": values, "y": labels, "orientation": "h",
            "marker": {"color": [segment_colour(s) for s in segs]},
            "hovertemplate": "%{y}<br>mean Jaccard %{x:.2f}<extra></extra>"}
    layout = plotly_layout(height=max(240, 40 * len(segs) + 120),
                           xaxis={"range": [0, 1], "title": plotly_title("mean Jaccard")},
                           yaxis={"autorange": "reversed", "automargin": True})
    rules = [plotly_rule("v", level, {"color": "grey", "dash": "dot"}, str(level), "top",
                         {"size": 10, "color": "grey"}) for level in STABILITY_LINES]
    return {"data": [bars], "layout": plotly_rules(layout, *rules)}


def plotly_stability_bars(stability: Mapping[int, float],
                          names: Mapping[int, str] | None = None):
    """Plotly version of :func:`plot_stability_bars` (a validated ``go.Figure``).

    >>> plotly_stability_bars({0: 0.9, 1: 0.55}, {0: "Loyal"}).data[0].y
    ('0 · Loyal', 'segment 1')
    """
    return plotly_go(plotly_stability_bars_dict(stability, names))


def plot_contingency(table: pd.DataFrame, names: Mapping[int, str] | None = None, *,
                     label: str = "label", ax=None):
    """Heatmap of counts: known label (rows) against segments (columns)."""
    counts = table.to_numpy(dtype=float)
    fig, axis = new_axes(ax, figsize=(1.0 * table.shape[1] + 3.0, 0.45 * table.shape[0] + 1.8))
    axis.imshow(counts, cmap="Blues", aspect="auto")
    for (i, j), value in np.ndenumerate(counts):
        axis.text(j, i, f"{int(value):,}", ha="center", va="center", fontsize=7.5,
                  color="white" if value > counts.max() * 0.6 else "black")
    axis.set_xticks(np.arange(table.shape[1]),
                    [mpl_text(shorten(_seg_or_text(c, names), 20)) for c in table.columns],
                    rotation=30, ha="right", fontsize=8)
    axis.set_yticks(np.arange(table.shape[0]), [mpl_text(shorten(r, 24)) for r in table.index],
                    fontsize=8)
    axis.set_ylabel(mpl_text(shorten(label, 30)))
    axis.set_title("Known label against segments (customer counts)", fontsize=10)
    return fig


def _seg_or_text(value, names) -> str:
    try:
        return segment_label(int(value), names)
    except (TypeError, ValueError):
        return str(value)


def plotly_contingency_dict(table: pd.DataFrame, names: Mapping[int, str] | None = None, *,
                            label: str = "label") -> dict:
    """The figure of :func:`plotly_contingency` as a plain dict (data and layout).

    >>> table = pd.DataFrame([[10, 2], [1, 7]], index=["a", "b"], columns=[0, 1])
    >>> plotly_contingency_dict(table)["data"][0]["z"]
    [[10.0, 2.0], [1.0, 7.0]]
    """
    heat = {"type": "heatmap", "z": table.to_numpy(dtype=float).tolist(),
            "x": [web_text(shorten(_seg_or_text(c, names), 28)) for c in table.columns],
            "y": [web_text(shorten(r, 30)) for r in table.index],
            "colorscale": plotly_colorscale("Blues"), "texttemplate": "%{z:,}",
            "hovertemplate": "%{y} / %{x}: %{z:,} customers<extra></extra>",
            "colorbar": {"title": plotly_title("customers")}}
    return {"data": [heat],
            "layout": plotly_layout(height=max(260, 40 * table.shape[0] + 140),
                                    yaxis={"title": plotly_title(web_text(shorten(label, 30))),
                                           "autorange": "reversed", "automargin": True,
                                           "type": "category"},
                                    xaxis={"automargin": True, "type": "category"})}


def plotly_contingency(table: pd.DataFrame, names: Mapping[int, str] | None = None, *,
                       label: str = "label"):
    """Plotly version of :func:`plot_contingency` (a validated ``go.Figure``).

    >>> table = pd.DataFrame([[10, 2], [1, 7]], index=["a", "b"], columns=[0, 1])
    >>> plotly_contingency(table, label="channel").layout.yaxis.title.text
    'channel'
    """
    return plotly_go(plotly_contingency_dict(table, names, label=label))

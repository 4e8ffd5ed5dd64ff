"""Segment figures: sizes and value shares, profile heatmap, snake plot, distributions.

Example
-------
>>> import pandas as pd
>>> effects = pd.DataFrame([[1.2, -0.4], [-0.9, 0.3]], index=[0, 1],
...                        columns=["income", "age"])
>>> fig = plot_profile_heatmap(effects, names={0: "Affluent"})
>>> fig.axes[0].images[0].get_array().tolist()
[[1.2, -0.9], [-0.4, 0.3]]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from custseg.viz._common import (
    finite,
    mpl_text,
    new_axes,
    new_grid,
    plotly_layout,
    segment_colour,
    segment_label,
    shorten,
    web_text,
)

#: Colour scale of the heatmap saturates at this effect size (|d| = 2 is huge).
EFFECT_LIMIT = 2.0
MAX_HEATMAP_FEATURES = 40


# ------------------------------------------------------------ sizes and value
def size_frame(sizes: Mapping[int, int], value_shares: Mapping[int, float | None] | None = None,
               names: Mapping[int, str] | None = None) -> pd.DataFrame:
    """One row per segment: segment, label, size, share, value_share (None without money).

    >>> size_frame({0: 3, 1: 1}, {0: 0.5, 1: 0.5}).to_dict("list")["share"]
    [0.75, 0.25]
    """
    total = sum(int(v) for v in sizes.values()) or 1
    rows = []
    for seg, size in sizes.items():
        value = (value_shares or {}).get(seg)
        if value is None and value_shares:
            value = value_shares.get(str(seg))
        rows.append({"segment": int(seg), "label": segment_label(int(seg), names),
                     "size": int(size), "share": int(size) / total,
                     "value_share": None if value is None else float(value)})
    return pd.DataFrame(rows, columns=["segment", "label", "size", "share", "value_share"])


def plot_sizes(sizes: Mapping[int, int], value_shares=None, names=None, *, ax=None):
    """Bars: share of customers and (when money is known) share of value per segment."""
    frame = size_frame(sizes, value_shares, names)
    fig, axis = new_axes(ax, figsize=(7.0, 0.45 * len(frame) + 1.6))
    y = np.arange(len(frame))
    has_value = frame["value_share"].notna().any()
    height = 0.38 if has_value else 0.7
    axis.barh(y - (height / 2 if has_value else 0), frame["share"], height=height,
              color=[segment_colour(s) for s in frame["segment"]], label="share of customers")
    if has_value:
        axis.barh(y + height / 2, frame["value_share"].fillna(0), height=height,
                  color="#444444", alpha=0.55, label="share of value")
    for i, row in frame.iterrows():
        axis.text(row["share"], i - (height / 2 if has_value else 0),
                  f" {row['share']:.0%} ({row['size']:,})", va="center", fontsize=8)
    axis.set_yticks(y, [mpl_text(shorten(s, 36)) for s in frame["label"]], fontsize=8.5)
    axis.invert_yaxis()
    axis.xaxis.set_major_formatter(_percent)
    axis.set_xlim(0, max(frame["share"].max(), frame["value_share"].fillna(0).max()) * 1.25)
    axis.set_title("Segment sizes" + (" and value shares" if has_value else ""), fontsize=10.5)
    axis.legend(fontsize=8, frameon=False, loc="lower right")
    axis.grid(axis="x", alpha=0.3)
    return fig


def _percent(value, _pos=None) -> str:
    return f"{value:.0%}"


def plotly_sizes(sizes: Mapping[int, int], value_shares=None, names=None):
    """Plotly version of :func:`plot_sizes`."""
    import plotly.graph_objects as go

    frame = size_frame(sizes, value_shares, names)
    labels = [web_text(shorten(s, 40)) for s in frame["label"]]
    fig = go.Figure()
    fig.add_bar(y=labels, x=frame["share"].tolist(), orientation="h",
                name="share of customers",
                marker={"color": [segment_colour(s) for s in frame["segment"]]},
                customdata=frame["size"].tolist(),
                text=[f"{v:.1%}" for v in frame["share"]], textposition="outside",
                hovertemplate="%{y}<br>%{x:.1%} of customers (%{customdata:,})<extra></extra>")
    if frame["value_share"].notna().any():
        fig.add_bar(y=labels, x=frame["value_share"].fillna(0).tolist(), orientation="h",
                    name="share of value", marker={"color": "rgba(60,60,60,0.55)"},
                    text=[f"{v:.1%}" for v in frame["value_share"].fillna(0)],
                    textposition="outside",
                    hovertemplate="%{y}<br>%{x:.1%} of value<extra></extra>")
    fig.update_layout(**plotly_layout(
        height=max(260, 46 * len(frame) + 120), barmode="group",
        xaxis={"tickformat": ".0%", "title": "share",
               "range": [0, 1.15 * max(frame["share"].max(),
                                       frame["value_share"].fillna(0).max())]},
        yaxis={"autorange": "reversed", "automargin": True}))
    return fig


# --------------------------------------------------------------- heatmap
def heatmap_matrix(effects: pd.DataFrame, max_features: int = MAX_HEATMAP_FEATURES
                   ) -> pd.DataFrame:
    """Features x segments matrix for the heatmap: the strongest ``max_features`` features.

    Features are kept in their original order; ranking is by the largest
    absolute effect in any segment.

    >>> m = pd.DataFrame([[0.1, 2.0, -0.5]], index=[0], columns=["a", "b", "c"])
    >>> heatmap_matrix(m, max_features=2).index.tolist()
    ['b', 'c']
    """
    matrix = effects.T.astype(float)
    if len(matrix) > max_features:
        strength = matrix.abs().max(axis=1).fillna(0)
        keep = set(strength.sort_values(ascending=False, kind="stable").index[:max_features])
        matrix = matrix[[f in keep for f in matrix.index]]
    return matrix


def plot_profile_heatmap(effects: pd.DataFrame, names: Mapping[int, str] | None = None, *,
                         max_features: int = MAX_HEATMAP_FEATURES, ax=None):
    """Heatmap of standardised differences (features x segments), diverging around 0.

    ``effects`` is segments x features (``SegmentProfiles.effect_matrix()``).
    Red: the segment is above the rest of the customers; blue: below. The
    colour saturates at +-2 but the numbers are shown as they are.
    """
    matrix = heatmap_matrix(effects, max_features)
    n_features, n_segments = matrix.shape
    fig, axis = new_axes(ax, figsize=(1.1 * n_segments + 3.2, 0.3 * n_features + 1.6))
    image = axis.imshow(matrix.to_numpy(), cmap="RdBu_r", vmin=-EFFECT_LIMIT,
                        vmax=EFFECT_LIMIT, aspect="auto", interpolation="nearest")
    axis.set_xticks(np.arange(n_segments),
                    [mpl_text(shorten(segment_label(s, names), 22)) for s in matrix.columns],
                    rotation=30, ha="right", fontsize=8)
    axis.set_yticks(np.arange(n_features), [mpl_text(shorten(f, 40)) for f in matrix.index],
                    fontsize=8)
    if n_features * n_segments <= 160:  # numbers in cells only while they stay legible
        values = matrix.to_numpy()
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                axis.text(j, i, f"{value:+.1f}", ha="center", va="center", fontsize=6.5,
                          color="white" if abs(value) > 1.2 else "black")
    fig.colorbar(image, ax=axis, shrink=0.8, label="effect size (segment vs rest)")
    axis.set_title("What sets each segment apart", fontsize=10.5)
    return fig


def plotly_profile_heatmap(effects: pd.DataFrame, names: Mapping[int, str] | None = None, *,
                           max_features: int = MAX_HEATMAP_FEATURES):
    """Plotly version of :func:`plot_profile_heatmap` (z holds the effect sizes)."""
    import plotly.graph_objects as go

    matrix = heatmap_matrix(effects, max_features)
    z = [[None if not np.isfinite(v) else round(float(v), 4) for v in row]
         for row in matrix.to_numpy()]
    x = [web_text(shorten(segment_label(s, names), 28)) for s in matrix.columns]
    y = [web_text(shorten(f, 40)) for f in matrix.index]
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=y, colorscale="RdBu", reversescale=True, zmid=0, zmin=-EFFECT_LIMIT,
        zmax=EFFECT_LIMIT, texttemplate="%{z:+.1f}" if matrix.size <= 600 else None,
        colorbar={"title": {"text": "effect"}},
        hovertemplate="%{y}<br>%{x}<br>effect size %{z:+.2f}<extra></extra>"))
    fig.update_layout(**plotly_layout(height=max(300, 24 * len(y) + 140),
                                      yaxis={"autorange": "reversed", "automargin": True},
                                      xaxis={"side": "top", "automargin": True}))
    return fig


# ------------------------------------------------------------------ snake
def plot_snake(snake: pd.DataFrame, names: Mapping[int, str] | None = None, *, ax=None):
    """Snake plot: one line per segment through the mean standardised value of each feature."""
    fig, axis = new_axes(ax, figsize=(max(6.0, 0.55 * snake.shape[1] + 2.5), 4.0))
    x = np.arange(snake.shape[1])
    for seg, row in snake.iterrows():
        axis.plot(x, row.to_numpy(dtype=float), marker="o", ms=4,
                  color=segment_colour(int(seg)), label=mpl_text(shorten(segment_label(seg,
                                                                                       names),
                                                                             30)))
    axis.axhline(0, color="black", lw=0.8)
    axis.set_xticks(x, [mpl_text(shorten(c, 24)) for c in snake.columns], rotation=35,
                    ha="right", fontsize=8)
    axis.set_ylabel("mean standardised value")
    axis.set_title("Snake plot: segment means on a common scale", fontsize=10.5)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7.5, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def plotly_snake(snake: pd.DataFrame, names: Mapping[int, str] | None = None):
    """Plotly version of :func:`plot_snake`."""
    import plotly.graph_objects as go

    fig = go.Figure()
    x = [web_text(shorten(c, 30)) for c in snake.columns]
    for seg, row in snake.iterrows():
        label = web_text(shorten(segment_label(seg, names), 36))
        fig.add_scatter(x=x, y=[None if not np.isfinite(v) else float(v)
                                for v in row.to_numpy(dtype=float)],
                        mode="lines+markers", name=label,
                        line={"color": segment_colour(int(seg))},
                        hovertemplate=f"{label}<br>%{{x}}: %{{y:+.2f}}<extra></extra>")
    fig.add_hline(y=0, line={"color": "black", "width": 1})
    fig.update_layout(**plotly_layout(height=420, yaxis={"title": "mean standardised value"},
                                      xaxis={"automargin": True, "tickangle": -35}))
    return fig


# ----------------------------------------------------------- distributions
def distribution_summary(frame: pd.DataFrame, labels, features: list[str]) -> pd.DataFrame:
    """Box-plot statistics per feature and segment, from all rows (O(n log n)).

    Columns: feature, segment, n, mean, q1, median, q3, whislo, whishi (Tukey
    whiskers: the furthest values within 1.5 IQR of the box).

    >>> f = pd.DataFrame({"x": [1.0, 2, 3, 4, 100]})
    >>> distribution_summary(f, [0, 0, 0, 0, 0], ["x"])[["median", "whishi"]].values.tolist()
    [[3.0, 4.0]]
    """
    labels = np.asarray(labels)
    rows = []
    for feature in features:
        values = pd.to_numeric(frame[feature], errors="coerce").to_numpy(dtype=float)
        for seg in sorted(np.unique(labels).tolist()):
            part = values[labels == seg]
            part = part[np.isfinite(part)]
            if not len(part):
                continue
            q1, median, q3 = np.quantile(part, [0.25, 0.5, 0.75])
            iqr = q3 - q1
            inside = part[(part >= q1 - 1.5 * iqr) & (part <= q3 + 1.5 * iqr)]
            rows.append({"feature": str(feature), "segment": int(seg), "n": len(part),
                         "mean": float(part.mean()), "q1": float(q1), "median": float(median),
                         "q3": float(q3), "whislo": float(inside.min()),
                         "whishi": float(inside.max())})
    return pd.DataFrame(rows, columns=["feature", "segment", "n", "mean", "q1", "median", "q3",
                                       "whislo", "whishi"])


def plot_distributions(summary: pd.DataFrame, names: Mapping[int, str] | None = None, *,
                       ax=None):
    """Box plots per segment, one panel per feature, from :func:`distribution_summary`."""
    features = list(dict.fromkeys(summary["feature"]))
    fig, axes = new_grid(max(1, len(features)), ncols=3, panel=(3.7, 2.9), axes=ax)
    for axis, feature in zip(axes, features, strict=False):
        part = summary[summary["feature"] == feature]
        stats = [{"med": r["median"], "q1": r["q1"], "q3": r["q3"], "whislo": r["whislo"],
                  "whishi": r["whishi"], "mean": r["mean"], "fliers": [],
                  "label": str(r["segment"])} for r in part.to_dict("records")]
        boxes = axis.bxp(stats, showfliers=False, showmeans=True, patch_artist=True,
                         meanprops={"marker": "D", "markersize": 3.5,
                                    "markerfacecolor": "white", "markeredgecolor": "black"})
        for patch, seg in zip(boxes["boxes"], part["segment"], strict=True):
            patch.set_facecolor(segment_colour(int(seg)))
            patch.set_alpha(0.75)
        axis.set_title(mpl_text(shorten(feature, 36)), fontsize=9)
        axis.set_xlabel("segment", fontsize=8)
        axis.tick_params(labelsize=7.5)
        axis.grid(axis="y", alpha=0.3)
    return fig


def plotly_distributions(summary: pd.DataFrame, names: Mapping[int, str] | None = None):
    """Plotly version of :func:`plot_distributions` (precomputed boxes, no raw points)."""
    from plotly.subplots import make_subplots

    features = list(dict.fromkeys(summary["feature"]))
    ncols = min(3, max(1, len(features)))
    nrows = int(np.ceil(max(1, len(features)) / ncols))
    fig = make_subplots(rows=nrows, cols=ncols, horizontal_spacing=0.08,
                        vertical_spacing=0.14 if nrows > 1 else 0.1,
                        subplot_titles=[web_text(shorten(f, 40)) for f in features] or None)
    for i, feature in enumerate(features):
        part = summary[summary["feature"] == feature]
        for rec in part.to_dict("records"):
            label = web_text(shorten(segment_label(rec["segment"], names), 30))
            fig.add_box(x=[str(rec["segment"])], q1=[rec["q1"]], median=[rec["median"]],
                        q3=[rec["q3"]], lowerfence=[rec["whislo"]], upperfence=[rec["whishi"]],
                        mean=[rec["mean"]], name=label, legendgroup=label, showlegend=i == 0,
                        marker={"color": segment_colour(int(rec["segment"]))},
                        row=i // ncols + 1, col=i % ncols + 1)
    fig.update_layout(**plotly_layout(height=290 * nrows + 90, boxmode="overlay"))
    return fig


def top_features(effects: pd.DataFrame, numeric: list[str] | None = None, n: int = 6
                 ) -> list[str]:
    """The ``n`` features with the largest absolute effect in any segment.

    >>> m = pd.DataFrame([[0.1, 2.0, -0.5]], columns=["a", "b", "c"])
    >>> top_features(m, n=2)
    ['b', 'c']
    """
    cols = [c for c in effects.columns if numeric is None or c in numeric]
    if not cols:
        return []
    strength = effects[cols].abs().max(axis=0).fillna(0)
    return [str(c) for c in strength.sort_values(ascending=False, kind="stable").index[:n]]


def histogram(values, bins: int = 30, value_range=None) -> dict:
    """Counts and bin edges of the finite values (for aggregated distributions).

    >>> histogram([0, 1, 1, 2], bins=2)["counts"]
    [1, 3]
    """
    data = finite(values)
    if not len(data):
        return {"edges": [], "counts": []}
    counts, edges = np.histogram(data, bins=bins, range=value_range)
    return {"edges": edges.tolist(), "counts": counts.astype(int).tolist()}

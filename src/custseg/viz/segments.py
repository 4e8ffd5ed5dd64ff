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
    plotly_colorscale,
    plotly_go,
    plotly_grid,
    plotly_layout,
    plotly_rule,
    plotly_rules,
    plotly_title,
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


def plotly_sizes_dict(sizes: Mapping[int, int], value_shares=None, names=None) -> dict:
    """The figure of :func:`plotly_sizes` as a plain dict (data and layout).

    >>> [t["x"] for t in plotly_sizes_dict({0: 3, 1: 1}, {0: 0.5, 1: 0.5})["data"]]
    [[0.75, 0.25], [0.5, 0.5]]
    """
    frame = size_frame(sizes, value_shares, names)
    labels = [web_text(shorten(s, 40)) for s in frame["label"]]
    data = [{"type": "bar", "y": labels, "x": frame["share"].tolist(), "orientation": "h",
             "name": "share of customers",
             "marker": {"color": [segment_colour(s) for s in frame["segment"]]},
             "customdata": frame["size"].tolist(),
             "text": [f"{v:.1%}" for v in frame["share"]], "textposition": "outside",
             "hovertemplate": "%{y}<br>%{x:.1%} of customers (%{customdata:,})"
                              "<extra></extra>"}]
    if frame["value_share"].notna().any():
        data.append({"type": "bar", "y": labels, "x": frame["value_share"].fillna(0).tolist(),
                     "orientation": "h", "name": "share of value",
                     "marker": {"color": "rgba(60,60,60,0.55)"},
                     "text": [f"{v:.1%}" for v in frame["value_share"].fillna(0)],
                     "textposition": "outside",
                     "hovertemplate": "%{y}<br>%{x:.1%} of value<extra></extra>"})
    top = max(frame["share"].max(), frame["value_share"].fillna(0).max())
    return {"data": data, "layout": plotly_layout(
        height=max(260, 46 * len(frame) + 120), barmode="group",
        xaxis={"tickformat": ".0%", "title": plotly_title("share"), "range": [0, 1.15 * top]},
        yaxis={"autorange": "reversed", "automargin": True})}


def plotly_sizes(sizes: Mapping[int, int], value_shares=None, names=None):
    """Plotly version of :func:`plot_sizes` (a validated ``go.Figure``).

    >>> plotly_sizes({0: 3, 1: 1}).data[0].x
    (0.75, 0.25)
    """
    return plotly_go(plotly_sizes_dict(sizes, value_shares, names))


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


def plotly_profile_heatmap_dict(effects: pd.DataFrame, names: Mapping[int, str] | None = None,
                                *, max_features: int = MAX_HEATMAP_FEATURES) -> dict:
    """The figure of :func:`plotly_profile_heatmap` as a plain dict (data and layout).

    >>> m = pd.DataFrame([[1.2, -0.4]], index=[0], columns=["income", "age"])
    >>> plotly_profile_heatmap_dict(m)["data"][0]["z"]
    [[1.2], [-0.4]]
    """
    matrix = heatmap_matrix(effects, max_features)
    z = [[None if not np.isfinite(v) else round(float(v), 4) for v in row]
         for row in matrix.to_numpy()]
    x = [web_text(shorten(segment_label(s, names), 28)) for s in matrix.columns]
    y = [web_text(shorten(f, 40)) for f in matrix.index]
    heat = {"type": "heatmap", "z": z, "x": x, "y": y, "colorscale": plotly_colorscale("RdBu"),
            "reversescale": True, "zmid": 0, "zmin": -EFFECT_LIMIT, "zmax": EFFECT_LIMIT,
            "colorbar": {"title": plotly_title("effect")},
            "hovertemplate": "%{y}<br>%{x}<br>effect size %{z:+.2f}<extra></extra>"}
    if matrix.size <= 600:  # numbers in cells only while they stay legible
        heat["texttemplate"] = "%{z:+.1f}"
    return {"data": [heat],
            "layout": plotly_layout(height=max(300, 24 * len(y) + 140),
                                    yaxis={"autorange": "reversed", "automargin": True},
                                    xaxis={"side": "top", "automargin": True})}


def plotly_profile_heatmap(effects: pd.DataFrame, names: Mapping[int, str] | None = None, *,
                           max_features: int = MAX_HEATMAP_FEATURES):
    """Plotly version of :func:`plot_profile_heatmap` (z holds the effect sizes).

    >>> m = pd.DataFrame([[1.2, -0.4]], index=[0], columns=["income", "age"])
    >>> plotly_profile_heatmap(m).data[0].y
    ('income', 'age')
    """
    return plotly_go(plotly_profile_heatmap_dict(effects, names, max_features=max_features))


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


def plotly_snake_dict(snake: pd.DataFrame, names: Mapping[int, str] | None = None) -> dict:
    """The figure of :func:`plotly_snake` as a plain dict (data and layout).

    >>> m = pd.DataFrame([[1.2, -0.4]], index=[0], columns=["income", "age"])
    >>> plotly_snake_dict(m)["data"][0]["y"]
    [1.2, -0.4]
    """
    x = [web_text(shorten(c, 30)) for c in snake.columns]
    data = []
    for seg, row in snake.iterrows():
        label = web_text(shorten(segment_label(seg, names), 36))
        data.append({"type": "scatter", "x": x,
                     "y": [None if not np.isfinite(v) else float(v)
                           for v in row.to_numpy(dtype=float)],
                     "mode": "lines+markers", "name": label,
                     "line": {"color": segment_colour(int(seg))},
                     "hovertemplate": f"{label}<br>%{{x}}: %{{y:+.2f}}<extra></extra>"})
    layout = plotly_layout(height=420, yaxis={"title": plotly_title("mean standardised value")},
                           xaxis={"automargin": True, "tickangle": -35})
    return {"data": data,
            "layout": plotly_rules(layout, plotly_rule("h", 0, {"color": "black", "width": 1}))}


def plotly_snake(snake: pd.DataFrame, names: Mapping[int, str] | None = None):
    """Plotly version of :func:`plot_snake` (a validated ``go.Figure``).

    >>> m = pd.DataFrame([[1.2, -0.4]], index=[0], columns=["income", "age"])
    >>> plotly_snake(m, {0: "Big"}).data[0].name
    '0 · Big'
    """
    return plotly_go(plotly_snake_dict(snake, names))


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


def plotly_distributions_dict(summary: pd.DataFrame, names: Mapping[int, str] | None = None
                              ) -> dict:
    """The figure of :func:`plotly_distributions` as a plain dict (data and layout).

    >>> f = pd.DataFrame({"x": [1.0, 2, 3, 4]})
    >>> plotly_distributions_dict(distribution_summary(f, [0, 0, 1, 1], ["x"]))["data"][1]["median"]
    [3.5]
    """
    features = list(dict.fromkeys(summary["feature"]))
    ncols = min(3, max(1, len(features)))
    nrows = int(np.ceil(max(1, len(features)) / ncols))
    grid, cells = plotly_grid(nrows, ncols, horizontal_spacing=0.08,
                              vertical_spacing=0.14 if nrows > 1 else 0.1,
                              titles=[web_text(shorten(f, 40)) for f in features] or None)
    data = []
    for i, feature in enumerate(features):
        part = summary[summary["feature"] == feature]
        for rec in part.to_dict("records"):
            label = web_text(shorten(segment_label(rec["segment"], names), 30))
            data.append({"type": "box", "x": [str(rec["segment"])], "q1": [rec["q1"]],
                         "median": [rec["median"]], "q3": [rec["q3"]],
                         "lowerfence": [rec["whislo"]], "upperfence": [rec["whishi"]],
                         "mean": [rec["mean"]], "name": label, "legendgroup": label,
                         "showlegend": i == 0,
                         "marker": {"color": segment_colour(int(rec["segment"]))}, **cells[i]})
    return {"data": data,
            "layout": {**grid, **plotly_layout(height=290 * nrows + 90, boxmode="overlay")}}


def plotly_distributions(summary: pd.DataFrame, names: Mapping[int, str] | None = None):
    """Plotly version of :func:`plot_distributions` (precomputed boxes, no raw points).

    >>> f = pd.DataFrame({"x": [1.0, 2, 3, 4]})
    >>> plotly_distributions(distribution_summary(f, [0, 0, 1, 1], ["x"])).data[0].q1
    (1.25,)
    """
    return plotly_go(plotly_distributions_dict(summary, names))


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

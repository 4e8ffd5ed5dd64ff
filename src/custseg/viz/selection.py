"""Model-selection figures: every validity index against k, stability against k.

They read the candidates table of :class:`custseg.selection.Segmenter`
(``candidates_``: one row per algorithm x k with its scores).

Example
-------
>>> import pandas as pd
>>> cands = pd.DataFrame({"algorithm": ["kmeans"] * 3, "k": [2, 3, 4],
...                       "silhouette": [0.3, 0.5, 0.4]})
>>> fig = plot_k_selection(cands, chosen=("kmeans", 3))
>>> fig.axes[0].lines[0].get_ydata().tolist()
[0.3, 0.5, 0.4]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custseg.viz._common import (
    PALETTE,
    mpl_text,
    new_axes,
    new_grid,
    plotly_go,
    plotly_grid,
    plotly_layout,
    plotly_rule,
    plotly_rules,
    plotly_title,
    web_text,
)

#: Index column -> (title, which way is better).
INDICES = {
    "silhouette": ("Silhouette", "higher"),
    "calinski_harabasz": ("Calinski-Harabasz", "higher"),
    "davies_bouldin": ("Davies-Bouldin", "lower"),
    "wb_index": ("WB index", "lower"),
    "gap": ("Gap statistic", "higher"),
    "bic": ("BIC", "lower"),
    "icl": ("ICL", "lower"),
    "score": ("Combined score", "higher"),
}
#: Stability verdict thresholds (mean Jaccard): below 0.6 dissolved, from 0.75 stable.
STABILITY_LINES = (0.6, 0.75)


def index_columns(candidates: pd.DataFrame) -> list[str]:
    """The index columns of ``candidates`` that hold at least one finite number.

    >>> index_columns(pd.DataFrame({"k": [2], "silhouette": [0.4], "bic": [None]}))
    ['silhouette']
    """
    cols = []
    for col in INDICES:
        if col in candidates:
            values = pd.to_numeric(candidates[col], errors="coerce").to_numpy(dtype=float)
            if np.isfinite(values).any():
                cols.append(col)
    return cols


def _groups(candidates: pd.DataFrame) -> list[tuple[int, str, pd.DataFrame]]:
    """``(position, algorithm, its rows sorted by k)`` per algorithm, in order of appearance."""
    return [(position, str(algorithm), group.sort_values("k")) for position, (algorithm, group)
            in enumerate(candidates.groupby("algorithm", sort=False))]


def _curves(candidates: pd.DataFrame, column: str, groups=None):
    """``(algorithm, k values, y values)`` per algorithm, sorted by k (groups: `_groups`)."""
    for position, algorithm, group in groups if groups is not None else _groups(candidates):
        ks = group["k"].to_numpy(dtype=int)
        ys = pd.to_numeric(group[column], errors="coerce").to_numpy(dtype=float)
        yield position, algorithm, ks, ys


def _chosen_point(candidates, column, chosen):
    if not chosen:
        return None
    algorithm, k = chosen
    row = candidates[(candidates["algorithm"].astype(str) == str(algorithm))
                     & (candidates["k"] == int(k))]
    if row.empty:
        return None
    value = pd.to_numeric(row[column], errors="coerce").to_numpy(dtype=float)[0]
    return (int(k), float(value)) if np.isfinite(value) else None


def plot_k_selection(candidates: pd.DataFrame, chosen: tuple[str, int] | None = None, *,
                     indices: list[str] | None = None, ax=None):
    """One panel per validity index: its value against k, a line per algorithm.

    The chosen (algorithm, k) is marked with a black star. Returns the
    matplotlib Figure; ``ax`` may be a sequence of axes, one per panel.
    """
    cols = indices or index_columns(candidates)
    fig, axes = new_grid(max(1, len(cols)), ncols=3, axes=ax)
    for axis, col in zip(axes, cols, strict=False):
        title, better = INDICES.get(col, (col, ""))
        for position, algorithm, ks, ys in _curves(candidates, col):
            axis.plot(ks, ys, marker="o", ms=3.5, lw=1.5, label=mpl_text(algorithm),
                      color=PALETTE[position % len(PALETTE)])
            if col == "gap" and "gap_se" in candidates:
                se = pd.to_numeric(candidates.loc[candidates["algorithm"].astype(str)
                                                  == algorithm].sort_values("k")["gap_se"],
                                   errors="coerce").to_numpy(dtype=float)
                axis.fill_between(ks, ys - se, ys + se, alpha=0.15,
                                  color=PALETTE[position % len(PALETTE)])
        point = _chosen_point(candidates, col, chosen)
        if point:
            axis.plot([point[0]], [point[1]], marker="*", ms=13, color="black", ls="none",
                      label="chosen")
        axis.set_title(f"{title} ({better} is better)" if better else title, fontsize=9.5)
        axis.set_xlabel("k (number of segments)", fontsize=8.5)
        axis.xaxis.get_major_locator().set_params(integer=True)
        axis.tick_params(labelsize=8)
        axis.grid(alpha=0.3)
    if cols:
        axes[0].legend(fontsize=7.5, frameon=False)
    else:
        axes[0].text(0.5, 0.5, "no validity indices were computed", ha="center",
                     transform=axes[0].transAxes)
    return fig


def plotly_k_selection_dict(candidates: pd.DataFrame, chosen: tuple[str, int] | None = None,
                            *, indices: list[str] | None = None) -> dict:
    """The figure of :func:`plotly_k_selection` as a plain dict (data and layout).

    >>> cands = pd.DataFrame({"algorithm": ["kmeans"] * 2, "k": [2, 3],
    ...                       "silhouette": [0.3, 0.5]})
    >>> [t["name"] for t in plotly_k_selection_dict(cands, ("kmeans", 3))["data"]]
    ['kmeans', 'chosen']
    """
    cols = indices or index_columns(candidates)
    ncols = min(3, max(1, len(cols)))
    nrows = int(np.ceil(max(1, len(cols)) / ncols))
    titles = [web_text(f"{INDICES.get(c, (c, ''))[0]} ({INDICES.get(c, ('', '?'))[1]} is "
                       "better)") for c in cols]
    layout, cells = plotly_grid(nrows, ncols, titles=titles or None, horizontal_spacing=0.07,
                                vertical_spacing=0.16)
    data = []
    # grouped and sorted once, not once per index (12 indices: a tenth of a second)
    groups = _groups(candidates)
    rows = candidates
    if chosen:
        rows = candidates[(candidates["algorithm"].astype(str) == str(chosen[0]))
                          & (candidates["k"] == int(chosen[1]))]
    for i, col in enumerate(cols):
        for position, algorithm, ks, ys in _curves(candidates, col, groups):
            trace = {"type": "scatter", "x": ks.tolist(),
                     "y": [None if not np.isfinite(v) else float(v) for v in ys],
                     "mode": "lines+markers", "name": web_text(algorithm),
                     "legendgroup": web_text(algorithm), "showlegend": i == 0,
                     "line": {"color": PALETTE[position % len(PALETTE)]},
                     "hovertemplate": f"{web_text(algorithm)}<br>k=%{{x}}<br>"
                                      f"{web_text(col)}=%{{y:.4g}}<extra></extra>",
                     **cells[i]}
            if col == "gap" and "gap_se" in candidates:
                group = groups[position][2]
                se = pd.to_numeric(group["gap_se"], errors="coerce").to_numpy(dtype=float)
                trace["error_y"] = {"type": "data", "array": np.nan_to_num(se).tolist(),
                                    "thickness": 1, "width": 2}
            data.append(trace)
        point = _chosen_point(rows, col, chosen)
        if point:
            data.append({"type": "scatter", "x": [point[0]], "y": [point[1]], "mode": "markers",
                         "name": "chosen", "legendgroup": "chosen", "showlegend": i == 0,
                         "marker": {"symbol": "star", "size": 15, "color": "black"},
                         "hovertemplate": "chosen k=%{x}<extra></extra>", **cells[i]})
        axis = "xaxis" + cells[i]["xaxis"][1:]
        layout[axis] = {**layout[axis], "dtick": 1}
    layout.update(plotly_layout(height=280 * nrows + 60,
                                legend={"orientation": "h", "y": -0.3 / nrows}))
    return {"data": data, "layout": layout}


def plotly_k_selection(candidates: pd.DataFrame, chosen: tuple[str, int] | None = None, *,
                       indices: list[str] | None = None):
    """Plotly version of :func:`plot_k_selection` (small multiples, shared legend).

    >>> cands = pd.DataFrame({"algorithm": ["kmeans"] * 2, "k": [2, 3],
    ...                       "silhouette": [0.3, 0.5]})
    >>> plotly_k_selection(cands, ("kmeans", 3)).data[1].x
    (3,)
    """
    return plotly_go(plotly_k_selection_dict(candidates, chosen, indices=indices))


def stability_frame(candidates: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``candidates`` with a stability value (algorithm, k, stability, min Jaccard)."""
    cols = [c for c in ("algorithm", "k", "stability", "stability_min_jaccard")
            if c in candidates]
    if "stability" not in cols:
        return pd.DataFrame(columns=["algorithm", "k", "stability"])
    frame = candidates[cols].copy()
    frame["stability"] = pd.to_numeric(frame["stability"], errors="coerce")
    return frame[np.isfinite(frame["stability"].to_numpy(dtype=float))]


def plot_stability_k(candidates: pd.DataFrame, chosen: tuple[str, int] | None = None, *,
                     ax=None):
    """Resampling stability against k per algorithm, with the 0.6/0.75 Jaccard lines.

    Solid lines: the ``stability`` column (agreement between refits on
    resamples); dashed lines (same colour): the Jaccard similarity of the
    least stable segment at each k.

    >>> cands = pd.DataFrame({"algorithm": ["kmeans"] * 2, "k": [2, 3],
    ...                       "stability": [0.9, 0.7], "stability_min_jaccard": [0.8, 0.5]})
    >>> plot_stability_k(cands).axes[0].lines[0].get_ydata().tolist()
    [0.9, 0.7]
    """
    fig, axis = new_axes(ax, figsize=(6.4, 3.6))
    frame = stability_frame(candidates)
    for position, algorithm, ks, ys in _curves(frame, "stability"):
        colour = PALETTE[position % len(PALETTE)]
        axis.plot(ks, ys, marker="o", ms=4, color=colour, label=mpl_text(algorithm))
        if "stability_min_jaccard" in frame:
            low = frame[frame["algorithm"].astype(str) == algorithm].sort_values("k")
            axis.plot(ks, pd.to_numeric(low["stability_min_jaccard"], errors="coerce"),
                      ls="--", lw=1, color=colour,
                      label=mpl_text(f"{algorithm}: weakest segment (Jaccard)"))
    point = _chosen_point(frame, "stability", chosen) if len(frame) else None
    if point:
        axis.plot([point[0]], [point[1]], marker="*", ms=13, color="black", ls="none",
                  label="chosen")
    for level, text in zip(STABILITY_LINES, ("dissolved below", "stable above"), strict=True):
        axis.axhline(level, color="grey", lw=0.8, ls=":")
        axis.text(1.0, level, f" {text} {level}", transform=axis.get_yaxis_transform(),
                  fontsize=7, color="grey", va="center")
    axis.set_ylim(0, 1.02)
    axis.set_xlabel("k (number of segments)")
    axis.set_ylabel("stability over resamples")
    axis.set_title("Stability against k", fontsize=10.5)
    axis.xaxis.get_major_locator().set_params(integer=True)
    axis.grid(alpha=0.3)
    if len(frame):
        axis.legend(fontsize=7.5, frameon=False)
    return fig


def plotly_stability_k_dict(candidates: pd.DataFrame, chosen: tuple[str, int] | None = None
                            ) -> dict:
    """The figure of :func:`plotly_stability_k` as a plain dict (data and layout).

    >>> cands = pd.DataFrame({"algorithm": ["kmeans"] * 2, "k": [2, 3],
    ...                       "stability": [0.9, 0.7]})
    >>> plotly_stability_k_dict(cands)["data"][0]["y"]
    [0.9, 0.7]
    """
    data = []
    frame = stability_frame(candidates)
    for position, algorithm, ks, ys in _curves(frame, "stability"):
        colour = PALETTE[position % len(PALETTE)]
        data.append({"type": "scatter", "x": ks.tolist(), "y": ys.tolist(),
                     "mode": "lines+markers", "name": web_text(algorithm),
                     "line": {"color": colour},
                     "hovertemplate": "k=%{x}<br>stability=%{y:.3f}<extra></extra>"})
        if "stability_min_jaccard" in frame:
            low = frame[frame["algorithm"].astype(str) == algorithm].sort_values("k")
            data.append({"type": "scatter", "x": ks.tolist(),
                         "y": pd.to_numeric(low["stability_min_jaccard"],
                                            errors="coerce").tolist(),
                         "mode": "lines+markers",
                         "name": web_text(f"{algorithm}: weakest segment (Jaccard)"),
                         "line": {"color": colour, "dash": "dash", "width": 1},
                         "hovertemplate": "k=%{x}<br>weakest segment=%{y:.3f}<extra></extra>"})
    point = _chosen_point(frame, "stability", chosen) if len(frame) else None
    if point:
        data.append({"type": "scatter", "x": [point[0]], "y": [point[1]], "mode": "markers",
                     "name": "chosen",
                     "marker": {"symbol": "star", "size": 15, "color": "black"}})
    layout = plotly_layout(height=360, xaxis={"title": plotly_title("k (number of segments)"),
                                              "dtick": 1},
                           yaxis={"title": plotly_title("stability over resamples"),
                                  "range": [0, 1.02]})
    rules = [plotly_rule("h", level, {"color": "grey", "dash": "dot", "width": 1},
                         f"{text} {level}", "top left", {"size": 10, "color": "grey"})
             for level, text in zip(STABILITY_LINES, ("dissolved below", "stable above"),
                                    strict=True)]
    return {"data": data, "layout": plotly_rules(layout, *rules)}


def plotly_stability_k(candidates: pd.DataFrame, chosen: tuple[str, int] | None = None):
    """Plotly version of :func:`plot_stability_k` (a validated ``go.Figure``).

    >>> cands = pd.DataFrame({"algorithm": ["kmeans"] * 2, "k": [2, 3],
    ...                       "stability": [0.9, 0.7]})
    >>> plotly_stability_k(cands, ("kmeans", 2)).data[-1].name
    'chosen'
    """
    return plotly_go(plotly_stability_k_dict(candidates, chosen))


def candidates_table(candidates: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """The candidates as a readable table: best rank first, numbers rounded, empty columns gone.

    >>> cands = pd.DataFrame({"algorithm": ["kmeans", "gmm"], "k": [3, 3],
    ...                       "silhouette": [0.41234, 0.5], "bic": [None, None],
    ...                       "rank": [2, 1]})
    >>> table = candidates_table(cands)
    >>> table.columns.tolist(), table["silhouette"].tolist()
    (['rank', 'algorithm', 'k', 'silhouette'], [0.5, 0.412])
    """
    frame = candidates.copy()
    frame = frame.dropna(axis=1, how="all")
    if "rank" in frame:
        frame = frame.sort_values(["rank", "algorithm", "k"], kind="stable")
        frame = frame[["rank"] + [c for c in frame.columns if c != "rank"]]
    for col in frame.columns:
        if col in ("rank", "k"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
        elif pd.api.types.is_float_dtype(frame[col]):
            frame[col] = frame[col].round(digits)
    return frame.reset_index(drop=True).astype(object).where(frame.notna().reset_index(
        drop=True), None)

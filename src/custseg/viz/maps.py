"""Customer maps: a 2-D projection of the feature space, and latitude/longitude.

Both draw at most :data:`~custseg.viz._common.MAX_POINTS` customers (a seeded
sample) and say so in the title. The geographic map is a plain scatter on
longitude/latitude axes: no map tiles, so it works offline.

Example
-------
>>> import numpy as np
>>> X = np.random.default_rng(0).normal(size=(2_000, 4))
>>> emb = embed_2d(X, np.zeros(2_000, dtype=int), max_points=500)
>>> emb["coords"].shape, emb["method"], emb["n_total"]
((500, 2), 'PCA', 2000)
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping

import numpy as np

from custseg.viz._common import (
    MAX_POINTS,
    mpl_text,
    new_axes,
    plotly_go,
    plotly_layout,
    plotly_title,
    sample_note,
    sample_rows,
    segment_colour,
    segment_label,
    shorten,
    web_text,
)

#: PCA is fitted on at most this many rows (then applied to the drawn sample).
PCA_FIT_ROWS = 50_000


def umap_available() -> bool:
    """Whether the optional ``umap-learn`` package is importable.

    >>> isinstance(umap_available(), bool)
    True
    """
    return importlib.util.find_spec("umap") is not None


def embed_2d(X, labels, *, max_points: int = MAX_POINTS, random_state: int = 0) -> dict:
    """Project customers to 2-D with PCA for a map; a seeded sample beyond ``max_points``.

    Returns a dict: ``coords`` (sample x 2), ``labels`` (of the sample),
    ``rows`` (their row numbers), ``method``, ``explained`` (variance share of
    each axis), ``n_total`` and ``note`` (sampling and the UMAP remark).
    """
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    X = np.where(np.isfinite(X), X, 0.0)
    rows = sample_rows(len(X), max_points, random_state)
    if X.shape[1] >= 2:
        from sklearn.decomposition import PCA

        fit_rows = sample_rows(len(X), PCA_FIT_ROWS, random_state)
        pca = PCA(n_components=2, random_state=random_state).fit(X[fit_rows])
        coords = pca.transform(X[rows])
        explained = [float(v) for v in pca.explained_variance_ratio_]
    else:  # one feature: spread it along a line
        coords = np.column_stack([X[rows, 0], np.zeros(len(rows))])
        explained = [1.0, 0.0]
    notes = [sample_note(len(rows), len(X))]
    if not umap_available():
        notes.append("UMAP is not installed (pip install umap-learn), so PCA is shown")
    return {"coords": coords, "labels": labels[rows], "rows": rows, "method": "PCA",
            "explained": explained, "n_total": len(X),
            "note": "; ".join(n for n in notes if n)}


def _axis_titles(method: str, explained) -> tuple[str, str]:
    if method == "PCA" and explained is not None:
        return (f"PC1 ({explained[0]:.0%} of variance)", f"PC2 ({explained[1]:.0%} of variance)")
    return ("dimension 1", "dimension 2")


def plot_map(coords, labels, names: Mapping[int, str] | None = None, *, method: str = "PCA",
             explained=None, note: str = "", ax=None):
    """Scatter of the 2-D coordinates coloured by segment (draws at most MAX_POINTS)."""
    coords = np.asarray(coords, dtype=float)
    labels = np.asarray(labels)
    rows = sample_rows(len(coords))
    coords, labels = coords[rows], labels[rows]
    fig, axis = new_axes(ax, figsize=(6.6, 5.0))
    for seg in sorted(np.unique(labels).tolist()):
        mask = labels == seg
        axis.scatter(coords[mask, 0], coords[mask, 1], s=6, alpha=0.6, linewidths=0,
                     color=segment_colour(seg), label=mpl_text(shorten(segment_label(seg, names),
                                                                       30)))
    xlabel, ylabel = _axis_titles(method, explained)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(mpl_text(f"Customers on a {method} map" + (f"\n({note})" if note else "")),
                   fontsize=9.5)
    axis.legend(fontsize=7.5, markerscale=2.5, frameon=False, loc="upper left",
                bbox_to_anchor=(1.0, 1.0))
    axis.grid(alpha=0.25)
    return fig


def plotly_map_dict(coords, labels, names: Mapping[int, str] | None = None, *,
                    method: str = "PCA", explained=None) -> dict:
    """The figure of :func:`plotly_map` as a plain dict (data and layout).

    >>> fig = plotly_map_dict([[0.0, 1.0], [2.0, 3.0]], [0, 1], explained=[0.6, 0.3])
    >>> fig["data"][1]["x"].tolist(), fig["layout"]["xaxis"]["title"]["text"]
    ([2.0], 'PC1 (60% of variance)')
    """
    coords = np.asarray(coords, dtype=float)
    labels = np.asarray(labels)
    rows = sample_rows(len(coords))
    coords, labels = coords[rows], labels[rows]
    data = []
    for seg in sorted(np.unique(labels).tolist()):
        mask = labels == seg
        label = web_text(shorten(segment_label(seg, names), 36))
        data.append({"type": "scatter", "x": np.round(coords[mask, 0], 4),
                     "y": np.round(coords[mask, 1], 4), "mode": "markers", "name": label,
                     "marker": {"size": 4, "opacity": 0.65, "color": segment_colour(seg)},
                     "hovertemplate": f"{label}<extra></extra>"})
    xlabel, ylabel = _axis_titles(method, explained)
    return {"data": data, "layout": plotly_layout(
        height=520, xaxis={"title": plotly_title(xlabel), "zeroline": False},
        yaxis={"title": plotly_title(ylabel), "zeroline": False},
        legend={"itemsizing": "constant", "orientation": "h", "y": -0.15})}


def plotly_map(coords, labels, names: Mapping[int, str] | None = None, *, method: str = "PCA",
               explained=None):
    """Plotly version of :func:`plot_map` (hover shows only the segment: no customer data).

    >>> plotly_map([[0.0, 1.0], [2.0, 3.0]], [0, 1], {1: "Loyal"}).data[1].name
    '1 · Loyal'
    """
    return plotly_go(plotly_map_dict(coords, labels, names, method=method, explained=explained))


def plot_geo(latitude, longitude, labels, names: Mapping[int, str] | None = None, *,
             note: str = "", ax=None):
    """Customers on longitude (x) / latitude (y) axes, coloured by segment. No tiles."""
    lat = np.asarray(latitude, dtype=float)
    lon = np.asarray(longitude, dtype=float)
    labels = np.asarray(labels)
    keep = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    rows = keep[sample_rows(len(keep))]
    note = note or sample_note(len(rows), len(keep))
    fig, axis = new_axes(ax, figsize=(6.6, 5.0))
    for seg in sorted(np.unique(labels[rows]).tolist()):
        mask = rows[labels[rows] == seg]
        axis.scatter(lon[mask], lat[mask], s=6, alpha=0.6, linewidths=0,
                     color=segment_colour(seg),
                     label=mpl_text(shorten(segment_label(seg, names), 30)))
    axis.set_xlabel("longitude")
    axis.set_ylabel("latitude")
    mid = np.nanmean(lat[rows]) if len(rows) else 0.0
    axis.set_aspect(1.0 / max(np.cos(np.radians(mid)), 0.1), adjustable="datalim")
    axis.set_title(mpl_text("Where customers are" + (f"\n({note})" if note else "")),
                   fontsize=9.5)
    axis.legend(fontsize=7.5, markerscale=2.5, frameon=False, loc="upper left",
                bbox_to_anchor=(1.0, 1.0))
    axis.grid(alpha=0.25)
    return fig


def plotly_geo_dict(latitude, longitude, labels, names: Mapping[int, str] | None = None
                    ) -> dict:
    """The figure of :func:`plotly_geo` as a plain dict (data and layout).

    >>> fig = plotly_geo_dict([52.5, float("nan")], [13.4, 2.3], [0, 1])
    >>> len(fig["data"]), fig["data"][0]["y"].tolist()
    (1, [52.5])
    """
    lat = np.asarray(latitude, dtype=float)
    lon = np.asarray(longitude, dtype=float)
    labels = np.asarray(labels)
    keep = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    rows = keep[sample_rows(len(keep))]
    data = []
    for seg in sorted(np.unique(labels[rows]).tolist()):
        mask = rows[labels[rows] == seg]
        label = web_text(shorten(segment_label(seg, names), 36))
        data.append({"type": "scatter", "x": np.round(lon[mask], 4), "y": np.round(lat[mask], 4),
                     "mode": "markers", "name": label,
                     "marker": {"size": 4, "opacity": 0.65, "color": segment_colour(seg)},
                     "hovertemplate": f"{label}<extra></extra>"})
    mid = float(np.nanmean(lat[rows])) if len(rows) else 0.0
    return {"data": data, "layout": plotly_layout(
        height=520, xaxis={"title": plotly_title("longitude")},
        yaxis={"title": plotly_title("latitude"), "scaleanchor": "x",
               "scaleratio": 1.0 / max(np.cos(np.radians(mid)), 0.1)},
        legend={"itemsizing": "constant", "orientation": "h", "y": -0.15})}


def plotly_geo(latitude, longitude, labels, names: Mapping[int, str] | None = None):
    """Plotly version of :func:`plot_geo`: plain axes, no map tiles or downloads.

    >>> plotly_geo([52.5, 48.1], [13.4, 11.6], [0, 0]).data[0].type
    'scatter'
    """
    return plotly_go(plotly_geo_dict(latitude, longitude, labels, names))

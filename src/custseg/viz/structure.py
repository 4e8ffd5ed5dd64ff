"""Model-specific figures: the dendrogram (hierarchical) and membership certainty (mixtures).

Example
-------
>>> import numpy as np
>>> from scipy.cluster.hierarchy import linkage
>>> Z = linkage(np.random.default_rng(0).normal(size=(50, 2)), "ward")
>>> tree = dendrogram_data(Z, p=10)
>>> len(tree["icoord"]), len(tree["leaves"])
(9, 10)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from custseg.viz import _common as common


def dendrogram_data(linkage_matrix, p: int = 30, k: int | None = None) -> dict:
    """The top of a scipy linkage tree, as line coordinates (``truncate_mode='lastp'``).

    Returns ``icoord``, ``dcoord`` (one 4-point line per merge), ``leaves``
    (labels: leaf sizes in brackets) and ``cut`` (the height that gives
    ``k`` groups, when ``k`` is given).
    """
    from scipy.cluster.hierarchy import dendrogram

    Z = np.asarray(linkage_matrix, dtype=float)
    p = int(min(p, len(Z) + 1))
    tree = dendrogram(Z, p=p, truncate_mode="lastp", no_plot=True, show_leaf_counts=True)
    cut = None
    if k and 1 < k <= len(Z):
        heights = np.sort(Z[:, 2])
        cut = float((heights[-k] + heights[-k + 1]) / 2) if k > 1 else None
    return {"icoord": [[float(v) for v in line] for line in tree["icoord"]],
            "dcoord": [[float(v) for v in line] for line in tree["dcoord"]],
            "leaves": [str(v) for v in tree["ivl"]], "cut": cut, "n": int(len(Z) + 1)}


def plot_dendrogram(tree: dict, *, note: str = "", ax=None):
    """Draw :func:`dendrogram_data` with the cut that gives the chosen k."""
    fig, axis = common.new_axes(ax, figsize=(7.5, 4.0))
    for xs, ys in zip(tree["icoord"], tree["dcoord"], strict=True):
        axis.plot(xs, ys, color="#1f4e79", lw=1.1)
    leaves = tree["leaves"]
    axis.set_xticks(5 + 10 * np.arange(len(leaves)), [common.mpl_text(v) for v in leaves],
                    rotation=90, fontsize=7)
    if tree.get("cut") is not None:
        axis.axhline(tree["cut"], color="#d62728", ls="--", lw=1, label="cut for chosen k")
        axis.legend(fontsize=8, frameon=False)
    axis.set_ylabel("merge distance")
    axis.set_title(common.mpl_text("Dendrogram (top merges; leaf sizes in brackets)"
                            + (f"\n{note}" if note else "")), fontsize=10)
    axis.grid(axis="y", alpha=0.3)
    return fig


def plotly_dendrogram_dict(tree: dict) -> dict:
    """The figure of :func:`plotly_dendrogram` as a plain dict (data and layout).

    >>> tree = {"icoord": [[5.0, 5.0, 15.0, 15.0]], "dcoord": [[0.0, 2.0, 2.0, 0.0]],
    ...         "leaves": ["(3)", "(4)"], "cut": 1.0}
    >>> fig = plotly_dendrogram_dict(tree)
    >>> fig["data"][0]["y"], fig["layout"]["shapes"][0]["y0"]
    ([0.0, 2.0, 2.0, 0.0], 1.0)
    """
    data = [{"type": "scatter", "x": xs, "y": ys, "mode": "lines",
             "line": {"color": "#1f4e79", "width": 1.4}, "showlegend": False,
             "hovertemplate": "distance %{y:.3g}<extra></extra>"}
            for xs, ys in zip(tree["icoord"], tree["dcoord"], strict=True)]
    leaves = tree["leaves"]
    layout = common.plotly_layout(
        height=400, yaxis={"title": common.plotly_title("merge distance")},
        xaxis={"tickvals": (5 + 10 * np.arange(len(leaves))).tolist(),
               "ticktext": [common.web_text(v) for v in leaves], "tickangle": -90})
    if tree.get("cut") is not None:
        common.plotly_rules(layout, common.plotly_rule(
            "h", tree["cut"], {"color": "#d62728", "dash": "dash"}, "cut for chosen k",
            "top right"))
    return {"data": data, "layout": layout}


def plotly_dendrogram(tree: dict):
    """Plotly version of :func:`plot_dendrogram` (a validated ``go.Figure``).

    >>> tree = {"icoord": [[5.0, 5.0, 15.0, 15.0]], "dcoord": [[0.0, 2.0, 2.0, 0.0]],
    ...         "leaves": ["(3)", "(4)"]}
    >>> plotly_dendrogram(tree).layout.xaxis.ticktext
    ('(3)', '(4)')
    """
    return common.plotly_go(plotly_dendrogram_dict(tree))


def certainty_histogram(probability, labels, bins: int = 20) -> dict:
    """Counts of the highest membership probability per segment, on 20 bins over [0, 1].

    >>> h = certainty_histogram([0.99, 0.55, 0.97], [0, 1, 0], bins=2)
    >>> h["counts"]
    {0: [0, 2], 1: [0, 1]}
    """
    probability = np.asarray(probability, dtype=float)
    labels = np.asarray(labels)
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts = {}
    for seg in sorted(np.unique(labels).tolist()):
        values = probability[(labels == seg) & np.isfinite(probability)]
        counts[int(seg)] = np.histogram(values, bins=edges)[0].astype(int).tolist()
    finite = probability[np.isfinite(probability)]
    return {"edges": edges.tolist(), "counts": counts,
            "share_below_0_8": float((finite < 0.8).mean()) if len(finite) else None}


def plot_certainty(hist: dict, names: Mapping[int, str] | None = None, *, ax=None):
    """Stacked histogram of each customer's highest membership probability."""
    fig, axis = common.new_axes(ax, figsize=(6.6, 3.6))
    edges = np.asarray(hist["edges"], dtype=float)
    bottom = np.zeros(len(edges) - 1)
    for seg, counts in hist["counts"].items():
        counts = np.asarray(counts, dtype=float)
        axis.stairs(bottom + counts, edges, baseline=bottom.copy(), fill=True,
                    color=common.segment_colour(int(seg)),
                    label=common.mpl_text(
                        common.shorten(common.segment_label(int(seg), names), 30)))
        bottom += counts
    axis.axvline(0.8, color="grey", ls=":", lw=1)
    axis.set_xlim(0, 1)
    axis.set_xlabel("probability of the assigned segment")
    axis.set_ylabel("customers")
    axis.set_title("How sure the model is about each customer", fontsize=10.5)
    axis.legend(fontsize=7.5, frameon=False, loc="upper left")
    return fig


def plotly_certainty_dict(hist: dict, names: Mapping[int, str] | None = None) -> dict:
    """The figure of :func:`plotly_certainty` as a plain dict (data and layout).

    >>> hist = certainty_histogram([0.99, 0.55, 0.97], [0, 1, 0], bins=2)
    >>> [t["y"] for t in plotly_certainty_dict(hist)["data"]]
    [[0, 2], [0, 1]]
    """
    edges = np.asarray(hist["edges"], dtype=float)
    centres = ((edges[:-1] + edges[1:]) / 2).round(4).tolist()
    data = []
    for seg, counts in hist["counts"].items():
        label = common.web_text(common.shorten(common.segment_label(int(seg), names), 36))
        data.append({"type": "bar", "x": centres, "y": list(counts),
                     "width": float(np.diff(edges)[0]), "name": label,
                     "marker": {"color": common.segment_colour(int(seg))},
                     "hovertemplate": f"{label}<br>probability ≈ %{{x:.2f}}: %{{y:,}} customers"
                                      "<extra></extra>"})
    layout = common.plotly_layout(
        height=360, barmode="stack",
        xaxis={"title": common.plotly_title("probability of the assigned segment"),
               "range": [0, 1]},
        yaxis={"title": common.plotly_title("customers")})
    return {"data": data, "layout": common.plotly_rules(
        layout, common.plotly_rule("v", 0.8, {"color": "grey", "dash": "dot"}))}


def plotly_certainty(hist: dict, names: Mapping[int, str] | None = None):
    """Plotly version of :func:`plot_certainty` (a validated ``go.Figure``).

    >>> hist = certainty_histogram([0.99, 0.55, 0.97], [0, 1, 0], bins=2)
    >>> plotly_certainty(hist, {0: "Sure"}).data[0].name
    '0 · Sure'
    """
    return common.plotly_go(plotly_certainty_dict(hist, names))

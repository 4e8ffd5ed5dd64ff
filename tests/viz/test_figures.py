"""Plot functions: the data drawn is read back from the figure objects (never pixels)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage

from custseg.exceptions import ConfigError
from custseg.viz import (
    MAX_POINTS,
    certainty_histogram,
    dendrogram_data,
    distribution_summary,
    embed_2d,
    matplotlib_figure,
    plot_certainty,
    plot_contingency,
    plot_distributions,
    plot_geo,
    plot_k_selection,
    plot_map,
    plot_profile_heatmap,
    plot_silhouette,
    plot_sizes,
    plot_snake,
    plot_stability_bars,
    plot_stability_k,
    plotly_figure,
    plotly_geo,
    plotly_k_selection,
    plotly_map,
    plotly_profile_heatmap,
    plotly_sizes,
    plotly_snake,
    silhouette_frame,
)
from custseg.viz._common import mpl_text, plotly_grid, web_text
from custseg.viz.figures import plotly_dict
from tests.viz.plotly_checks import (
    assert_plain,
    expected_traces,
    report_json,
    traces,
    validated_json,
)

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def candidates() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for algorithm in ("kmeans", "gmm"):
        for k in range(2, 7):
            rows.append({"algorithm": algorithm, "k": k, "silhouette": rng.uniform(0.2, 0.6),
                         "calinski_harabasz": rng.uniform(500, 900),
                         "davies_bouldin": rng.uniform(0.5, 1.5),
                         "gap": rng.uniform(1, 2), "gap_se": 0.05,
                         "bic": rng.uniform(1e4, 2e4) if algorithm == "gmm" else np.nan,
                         "stability": rng.uniform(0.5, 1.0),
                         "stability_min_jaccard": rng.uniform(0.3, 0.9)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def effects() -> pd.DataFrame:
    return pd.DataFrame([[1.2, -0.4, 0.0], [-0.9, 0.3, 2.5], [0.1, 0.1, -3.0]],
                        index=pd.Index([0, 1, 2], name="segment"),
                        columns=["income", "age", f"city = {EVIL}"])


# ---------------------------------------------------------------- selection
def test_k_selection_curves_equal_candidate_columns(candidates):
    fig = plot_k_selection(candidates, chosen=("gmm", 4))
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles[0] == "Silhouette (higher is better)"
    assert any(t.startswith("BIC (lower") for t in titles)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        column = {"Silhouette": "silhouette", "Calinski-Harabasz": "calinski_harabasz",
                  "Davies-Bouldin": "davies_bouldin", "Gap statistic": "gap",
                  "BIC": "bic"}[ax.get_title().split(" (")[0]]
        lines = {ln.get_label(): ln for ln in ax.lines}
        for algorithm in ("kmeans", "gmm"):
            expected = candidates[candidates["algorithm"] == algorithm].sort_values("k")
            if expected[column].isna().all():
                assert algorithm not in lines or np.isnan(lines[algorithm].get_ydata()).all()
                continue
            np.testing.assert_allclose(lines[algorithm].get_xdata(), expected["k"])
            np.testing.assert_allclose(lines[algorithm].get_ydata(), expected[column])
        star = lines["chosen"]
        chosen_row = candidates[(candidates["algorithm"] == "gmm") & (candidates["k"] == 4)]
        assert star.get_xdata()[0] == 4
        assert star.get_ydata()[0] == pytest.approx(chosen_row[column].item())


def test_plotly_k_selection_matches_candidates(candidates):
    fig = plotly_k_selection(candidates, chosen=("kmeans", 3))
    sil = next(t for t in fig.data if t.name == "kmeans" and t.xaxis in ("x", "x1"))
    expected = candidates[candidates["algorithm"] == "kmeans"].sort_values("k")
    assert list(sil.x) == expected["k"].tolist()
    np.testing.assert_allclose(np.asarray(sil.y, dtype=float), expected["silhouette"])
    stars = [t for t in fig.data if t.name == "chosen"]
    assert len(stars) == 4  # silhouette, CH, DB, gap: k-means has no BIC, so no star there
    assert all(t.x == (3,) for t in stars)


def test_stability_against_k(candidates):
    fig = plot_stability_k(candidates, chosen=("kmeans", 2))
    solid = next(ln for ln in fig.axes[0].lines if ln.get_label() == "kmeans")
    expected = candidates[candidates["algorithm"] == "kmeans"].sort_values("k")
    np.testing.assert_allclose(solid.get_ydata(), expected["stability"])
    levels = sorted({float(ln.get_ydata()[0]) for ln in fig.axes[0].lines
                     if ln.get_linestyle() == ":"})
    assert levels == [0.6, 0.75]


# ----------------------------------------------------------------- segments
def test_profile_heatmap_values_equal_effect_matrix(effects):
    fig = plot_profile_heatmap(effects, names={0: "Big spenders"})
    ax = fig.axes[0]
    drawn = np.asarray(ax.images[0].get_array())
    np.testing.assert_allclose(drawn, effects.to_numpy().T)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["income", "age",
                                                           f"city = {EVIL}"]
    assert ax.get_xticklabels()[0].get_text() == "0 · Big spenders"
    norm = ax.images[0].norm
    assert norm.vmin == -norm.vmax  # diverging, centred on 0


def test_plotly_heatmap_values_and_escaped_labels(effects):
    fig = plotly_profile_heatmap(effects)
    heat = fig.data[0]
    np.testing.assert_allclose(np.asarray(heat.z, dtype=float), effects.to_numpy().T)
    assert heat.zmid == 0
    assert heat.y[2] == "city = &lt;img src=x onerror=alert(1)&gt;"
    assert "<img" not in fig.to_json()


def test_heatmap_keeps_the_strongest_features():
    wide = pd.DataFrame(np.arange(50, dtype=float).reshape(1, 50) / 10,
                        columns=[f"f{i}" for i in range(50)])
    fig = plotly_profile_heatmap(wide, max_features=10)
    assert list(fig.data[0].y) == [f"f{i}" for i in range(40, 50)]


def test_sizes_and_value_shares():
    fig = plot_sizes({0: 60, 1: 40}, {0: 0.3, 1: 0.7}, {1: "Loyal"})
    widths = [round(float(p.get_width()), 3) for p in fig.axes[0].patches]
    assert widths == [0.6, 0.4, 0.3, 0.7]
    pfig = plotly_sizes({0: 60, 1: 40}, {0: 0.3, 1: 0.7}, {1: "Loyal"})
    assert list(pfig.data[0].x) == [0.6, 0.4] and list(pfig.data[1].x) == [0.3, 0.7]
    assert pfig.data[0].y[1] == "1 · Loyal"


def test_sizes_without_money_has_one_bar_per_segment():
    fig = plotly_sizes({0: 5, 1: 5})
    assert len(fig.data) == 1


def test_snake_lines_are_rows(effects):
    fig = plot_snake(effects)
    for line, (_, row) in zip(fig.axes[0].lines, effects.iterrows(), strict=False):
        np.testing.assert_allclose(line.get_ydata(), row.to_numpy())
    pfig = plotly_snake(effects)
    np.testing.assert_allclose(np.asarray(pfig.data[1].y, dtype=float), effects.loc[1])


def test_distribution_summary_and_boxes():
    frame = pd.DataFrame({"spend": np.r_[np.arange(1.0, 101.0), np.arange(101.0, 201.0)]})
    labels = np.r_[np.zeros(100, int), np.ones(100, int)]
    summary = distribution_summary(frame, labels, ["spend"])
    assert summary["median"].tolist() == [50.5, 150.5]
    fig = plot_distributions(summary)
    box = fig.axes[0].patches[0].get_path().get_extents()
    assert (box.y0, box.y1) == pytest.approx((summary.loc[0, "q1"], summary.loc[0, "q3"]))


# -------------------------------------------------------------------- maps
def test_scatter_downsamples_and_says_so():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 3))
    labels = rng.integers(0, 3, 20_000)
    emb = embed_2d(X, labels)
    assert emb["coords"].shape == (MAX_POINTS, 2)
    assert "random sample of 4,000 of 20,000 customers" in emb["note"]
    assert "UMAP is not installed" in emb["note"]
    np.testing.assert_array_equal(emb["labels"], labels[emb["rows"]])
    again = embed_2d(X, labels)
    np.testing.assert_array_equal(again["rows"], emb["rows"])  # seeded
    fig = plot_map(X[:, :2], labels, note=emb["note"])
    drawn = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert drawn == MAX_POINTS
    assert "random sample" in fig.axes[0].get_title()
    pfig = plotly_map(X[:, :2], labels)
    assert sum(len(t.x) for t in pfig.data) == MAX_POINTS


def test_geo_scatter_caps_points_and_skips_missing():
    rng = np.random.default_rng(1)
    lat = rng.uniform(38, 54, 9000)
    lon = rng.uniform(-9, 14, 9000)
    lat[:10] = np.nan
    labels = rng.integers(0, 2, 9000)
    fig = plot_geo(lat, lon, labels)
    assert sum(len(c.get_offsets()) for c in fig.axes[0].collections) == MAX_POINTS
    assert "random sample of 4,000 of 8,990 customers" in fig.axes[0].get_title()
    pfig = plotly_geo(lat, lon, labels)
    xs = np.concatenate([np.asarray(t.x, dtype=float) for t in pfig.data])
    assert len(xs) == MAX_POINTS and np.isfinite(xs).all()
    assert {t.type for t in pfig.data} == {"scatter"}  # plain axes: no tiles, no downloads
    layout = pfig.to_plotly_json()["layout"]
    assert not {"geo", "mapbox", "map"} & set(layout)


# -------------------------------------------------------- model specifics
def test_dendrogram_from_linkage_with_cut():
    X = np.r_[np.random.default_rng(0).normal(0, 1, (40, 2)),
              np.random.default_rng(1).normal(8, 1, (40, 2))]
    Z = linkage(X, "ward")
    tree = dendrogram_data(Z, p=12, k=2)
    assert len(tree["leaves"]) == 12 and len(tree["dcoord"]) == 11
    assert Z[-2, 2] < tree["cut"] < Z[-1, 2]
    fig = matplotlib_figure("dendrogram", tree)
    heights = [max(ln.get_ydata()) for ln in fig.axes[0].lines[:-1]]
    assert max(heights) == pytest.approx(Z[-1, 2])


def test_certainty_histogram_counts_every_customer():
    rng = np.random.default_rng(0)
    prob = rng.uniform(0.4, 1.0, 500)
    labels = rng.integers(0, 3, 500)
    hist = certainty_histogram(prob, labels)
    assert sum(sum(c) for c in hist["counts"].values()) == 500
    assert hist["share_below_0_8"] == pytest.approx((prob < 0.8).mean())
    fig = plot_certainty(hist)
    top = fig.axes[0].patches[-1].get_data()
    np.testing.assert_array_equal(top.values, np.sum([hist["counts"][s] for s in (0, 1, 2)],
                                                     axis=0))


# -------------------------------------------------------------- validation
def test_silhouette_sorted_within_segments():
    frame = silhouette_frame([0.1, 0.8, 0.5, -0.2, 0.3], [0, 0, 0, 1, 1])
    assert frame["value"].tolist() == [0.8, 0.5, 0.1, 0.3, -0.2]
    fig = plot_silhouette(frame, mean=0.3)
    assert len(fig.axes[0].collections) == 2
    big = silhouette_frame(np.linspace(-1, 1, 10_000), np.repeat([0, 1], 5000),
                           max_points=1000)
    assert len(big) <= 1002 and big["value"].max() == 1.0


def test_stability_bars_and_contingency():
    fig = plot_stability_bars({0: 0.9, 1: 0.5}, {0: "A"})
    assert [round(float(p.get_width()), 2) for p in fig.axes[0].patches] == [0.9, 0.5]
    lines = sorted(float(ln.get_xdata()[0]) for ln in fig.axes[0].lines)
    assert lines == [0.6, 0.75]
    table = pd.DataFrame([[10, 2], [1, 7]], index=["Horeca", EVIL], columns=[0, 1])
    cfig = plot_contingency(table)
    np.testing.assert_array_equal(cfig.axes[0].images[0].get_array(), table.to_numpy())
    pfig = plotly_figure("contingency", {"rows": ["Horeca", EVIL], "columns": [0, 1],
                                         "counts": [[10, 2], [1, 7]], "label": EVIL})
    assert pfig.data[0].y[1].startswith("&lt;img")


# --------------------------------------------------------------- helpers
def test_labels_are_safe_for_each_renderer():
    assert web_text("<b>&") == "&lt;b&gt;&amp;"
    assert mpl_text("cost $ in $ units") == r"cost \$ in \$ units"
    fig = plot_snake(pd.DataFrame([[1.0, 2.0]], columns=["a $x$", "b"]))
    fig.savefig(__import__("io").BytesIO(), format="png")  # mathtext would fail on data


def test_unknown_figure_kind_is_a_config_error():
    with pytest.raises(ConfigError, match=r"unknown figure kind 'pie'.*Fix: use one of"):
        plotly_figure("pie", {})


# ------------------------------------------------------ plotly figures as dicts
@pytest.mark.parametrize(("rows", "cols", "h", "v"), [(1, 1, 0.08, 0.1), (4, 2, 0.08, 0.125),
                                                      (3, 3, 0.07, 0.16), (2, 3, 0.08, 0.14)])
def test_plotly_grid_lays_out_subplots_as_make_subplots(rows, cols, h, v):
    from plotly.subplots import make_subplots

    titles = [f"panel {i}" for i in range(rows * cols - 1)]  # the last cell has no title
    expected = json.loads(make_subplots(rows=rows, cols=cols, horizontal_spacing=h,
                                        vertical_spacing=v, subplot_titles=titles).to_json())
    expected["layout"].pop("template")
    layout, cells = plotly_grid(rows, cols, horizontal_spacing=h, vertical_spacing=v,
                                titles=titles)
    assert json.loads(json.dumps(layout)) == expected["layout"]
    assert len(cells) == rows * cols and cells[0] == {"xaxis": "x", "yaxis": "y"}


def test_plotly_dicts_of_selection_figures_need_no_validation(candidates):
    # gap error bars, a BIC column that is NaN for k-means, stability lines with labels
    spec = {"candidates": json.loads(candidates.to_json(orient="records")),
            "chosen": ["gmm", 4]}
    for kind in ("k_selection", "stability_k"):
        figure = plotly_dict(kind, spec)
        assert_plain(figure)
        assert report_json(figure) == validated_json(figure)
        assert traces(plotly_figure(kind, spec)) == expected_traces(kind, spec)
    gap = [t for t in plotly_dict("k_selection", spec)["data"] if "error_y" in t]
    assert len(gap) == 2 and gap[0]["error_y"]["array"] == [0.05] * 5

"""Figures of real (small, fast) runs: the drawn data equals what the stages computed."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from custseg.datasets import make_customers
from custseg.viz import figure_specs, matplotlib_figure, plotly_figure, save_figures
from custseg.viz.figures import plotly_dict
from custseg.workflow import run
from tests.viz.plotly_checks import (
    assert_plain,
    expected_traces,
    report_json,
    traces,
    validated_json,
)

# The module's two runs built once, on one worker.
pytestmark = pytest.mark.xdist_group("viz-real-runs")


@pytest.fixture(scope="module")
def gmm_result():
    return run(make_customers(1500, k=4, seed=0), k=(3, 5), algorithms=["gmm"],
               stability=False)


@pytest.fixture(scope="module")
def ward_result():
    return run(make_customers(1500, k=4, seed=0), k=4, algorithms=["ward"], stability=False)


def test_k_selection_curves_are_the_candidates(gmm_result):
    cands = gmm_result.segmenter.candidates_
    spec = figure_specs(gmm_result, ["k_selection"])["k_selection"]
    fig = matplotlib_figure("k_selection", spec)
    by_title = {ax.get_title().split(" (")[0]: ax for ax in fig.axes if ax.get_visible()}
    rows = cands[cands["algorithm"] == "gmm"].sort_values("k")
    for title, column in (("Silhouette", "silhouette"), ("Davies-Bouldin", "davies_bouldin"),
                          ("BIC", "bic")):
        line = next(ln for ln in by_title[title].lines if ln.get_label() == "gmm")
        np.testing.assert_allclose(line.get_xdata(), rows["k"])
        np.testing.assert_allclose(line.get_ydata(), rows[column].astype(float))
    pfig = plotly_figure("k_selection", spec)
    stars = [t for t in pfig.data if t.name == "chosen"]
    assert stars and all(t.x == (gmm_result.k,) for t in stars)


def test_mixture_certainty_counts_every_customer(gmm_result):
    spec = figure_specs(gmm_result, ["certainty"])["certainty"]
    total = sum(sum(c) for c in spec["counts"].values())
    assert total == len(gmm_result.labels)
    assert spec["share_below_0_8"] == pytest.approx(float((gmm_result.probability < 0.8).mean()))


def test_profile_heatmap_is_the_effect_matrix(gmm_result):
    effects = gmm_result.explanation.profiles.effect_matrix()
    spec = figure_specs(gmm_result, ["profile_heatmap"])["profile_heatmap"]
    fig = matplotlib_figure("profile_heatmap", spec)
    drawn = np.asarray(fig.axes[0].images[0].get_array(), dtype=float)
    np.testing.assert_allclose(drawn, effects[spec["features"]].to_numpy(dtype=float).T)


def test_dendrogram_uses_the_fitted_linkage(ward_result):
    Z = ward_result.segmenter.best_estimator_.linkage_matrix_
    spec = figure_specs(ward_result, ["dendrogram"])["dendrogram"]
    assert max(max(d) for d in spec["dcoord"]) == pytest.approx(float(Z[-1, 2]))
    assert Z[-4, 2] <= spec["cut"] <= Z[-3, 2]  # 4 groups


def test_save_figures_writes_pngs(ward_result, tmp_path):
    # Speed lives in bench/, not here: a CPU bound failed on a busy machine.
    paths = save_figures(ward_result, tmp_path / "figures")
    names = [p.name.split("_", 1)[1] for p in paths]
    assert {"k_selection.png", "profile_heatmap.png", "map_2d.png", "geo.png",
            "dendrogram.png", "silhouette.png"} <= set(names)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)


@pytest.fixture(scope="module")
def real_specs(gmm_result, ward_result) -> list[tuple[str, str, dict]]:
    """(run, kind, spec) of every figure of the two runs (certainty: gmm; dendrogram: ward)."""
    return [(name, kind, spec) for name, result in (("gmm", gmm_result), ("ward", ward_result))
            for kind, spec in figure_specs(result).items()]


def test_plotly_figures_draw_the_expected_traces(real_specs):
    kinds = {kind for _, kind, _ in real_specs}
    assert {"before_after", "k_selection", "sizes", "profile_heatmap", "snake", "distributions",
            "map_2d", "geo", "dendrogram", "certainty", "silhouette"} <= kinds
    for name, kind, spec in real_specs:
        fig = plotly_figure(kind, spec)
        assert isinstance(fig, go.Figure)
        expected = expected_traces(kind, spec)
        assert expected, (name, kind)
        assert traces(fig) == expected, (name, kind)


def test_plotly_dicts_are_the_validated_figures(real_specs):
    """The plain dict the report embeds is, key for key, what the validated go.Figure holds."""
    for name, kind, spec in real_specs:
        figure = plotly_dict(kind, spec)
        assert_plain(figure)
        assert figure["layout"]["template"] == "plotly_white"
        assert all("type" in trace for trace in figure["data"]), (name, kind)
        assert traces(go.Figure(figure)) == expected_traces(kind, spec), (name, kind)
        assert report_json(figure) == validated_json(figure), (name, kind)

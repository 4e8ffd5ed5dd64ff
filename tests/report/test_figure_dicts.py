"""The report's figures are plain dicts encoded as they are: the traces and JSON of plotly's."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go
import plotly.io as pio
import plotly.utils
import pytest

from custseg.viz.figures import plotly_dict, plotly_figure
from tests.viz.plotly_checks import (
    assert_plain,
    decoded,
    expected_traces,
    report_json,
    traces,
    validated_json,
)

pytestmark = pytest.mark.xdist_group("browser")  # the session's runs, as the browser tests

BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)


def _blocks(page: str) -> dict[str, object]:
    return {key: json.loads(text) for key, text in BLOCK.findall(page)}


@pytest.fixture(scope="module")
def both(main_report, evil_report):
    """Every figure kind the report draws: main run (stability) and the evil run (ward, label)."""
    return [main_report, evil_report]


def test_every_kind_draws_the_expected_traces_and_validates(both):
    kinds = set()
    for report in both:
        for kind, spec in report.data["figures"].items():
            kinds.add(kind)
            figure = plotly_dict(kind, spec)
            assert_plain(figure)
            assert traces(go.Figure(figure)) == expected_traces(kind, spec), kind
            assert traces(plotly_figure(kind, spec)) == expected_traces(kind, spec), kind
    assert {"before_after", "k_selection", "stability_k", "sizes", "profile_heatmap", "snake",
            "distributions", "map_2d", "geo", "silhouette", "stability_segments", "dendrogram",
            "contingency"} <= kinds


def test_page_embeds_each_figure_as_plotly_would_and_the_template_once(both):
    white = json.loads(json.dumps(pio.templates["plotly_white"].to_plotly_json(),
                                  cls=plotly.utils.PlotlyJSONEncoder))
    for report in both:
        blocks = _blocks(report.html)
        assert blocks["cs-template"] == white
        # the template's palette is written once, in its own block
        assert sum('"colorway"' in text for _, text in BLOCK.findall(report.html)) == 1
        figures = {key: value for key, value in blocks.items() if key.startswith("cs-fig-")}
        drawn = list(report.data["figures"])
        assert len(figures) >= len(drawn)
        for number, kind in enumerate(drawn, start=1):
            embedded = figures[f"cs-fig-{number}"]
            figure = plotly_dict(kind, report.data["figures"][kind])
            assert embedded == report_json(figure) == validated_json(figure), kind
            assert "template" not in embedded["layout"]
            assert decoded(embedded) == embedded  # plain lists, no base64 arrays

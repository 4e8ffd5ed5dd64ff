"""The report's data structure and HTML text (no browser): content, escaping, size, offline."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape
from plotly.offline import get_plotlyjs

from custseg.features import RFMSegmenter, build_customer_features
from custseg.report import build_report_data, render_report, script_json, write_report
from custseg.report.texts import HOW_TO_READ
from tests.report.cases import EVIL_COLUMN, EVIL_LABEL, EVIL_VALUE

pytestmark = pytest.mark.xdist_group("browser")  # shares the session's runs with the browser

SEGMENT_FIGURES = {"sizes", "profile_heatmap", "snake", "distributions", "map_2d", "geo"}


def test_main_report_has_every_section_and_figure(main_report, main_result):
    data = main_report.data
    json.dumps(data, allow_nan=False)  # plain JSON all the way down
    assert {"k_selection", "stability_k", "silhouette", "stability_segments",
            "before_after"} | SEGMENT_FIGURES <= set(data["figures"])
    assert "dendrogram" not in data["figures"] or main_result.algorithm in (
        "ward", "average", "complete")
    assert data["meta"]["k"] == main_result.k == len(data["segments"]["cards"])
    assert data["selection"]["algorithm"] == main_result.segmenter.selection_.algorithm
    assert data["selection"]["confidence_text"]
    assert len(data["selection"]["candidates"]["rows"]) == len(main_result.segmenter.candidates_)
    every_column = [c["name"] for c in data["overview"]["columns"]]
    assert every_column == [str(c) for c in main_result.frame.columns]
    kept = {d["column"] for d in data["preprocessing"]["decisions"] if d["kept"]}
    assert kept == set(main_result.preprocessor.features_used_)
    assert all(d["reason"] for d in data["preprocessing"]["decisions"])


def test_heatmap_data_is_the_effect_matrix(main_report, main_result):
    spec = main_report.data["figures"]["profile_heatmap"]
    effects = main_result.explanation.profiles.effect_matrix()
    expected = effects[spec["features"]].to_numpy(dtype=float)
    drawn = np.array(spec["values"], dtype=float)
    np.testing.assert_allclose(drawn, expected)


def test_html_embeds_plotly_once_and_asks_for_nothing(main_report):
    html = main_report.html
    assert html.count(get_plotlyjs()[:2000]) == 1
    own = html.replace(get_plotlyjs(), "")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", own)
    assert "@import" not in own and "url(http" not in own
    assert 'http-equiv="Content-Security-Policy"' in html
    assert escape("connect-src 'none'") in html
    assert len(html.encode("utf-8")) < 10_000_000


def test_every_figure_has_a_specific_how_to_read(main_report):
    for kind in main_report.data["figures"]:
        text = HOW_TO_READ[kind]
        assert len(text) > 150 and escape(text) in main_report.html


def test_hostile_strings_are_escaped_in_the_html(evil_report):
    html = evil_report.html
    for evil in (EVIL_COLUMN, EVIL_VALUE, EVIL_LABEL):
        assert evil not in html  # nowhere as raw markup (page text or figure JSON)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # in figure JSON, '<' is \u003c and plotly labels carry entities
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html or \
        "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "dendrogram" in evil_report.data["figures"]  # ward: the tree is drawn
    assert "contingency" in evil_report.data["figures"]  # a label was given


def test_script_json_cannot_break_out():
    text = str(script_json({"a": "</script><!-- \u2028\u2029 & >"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"a": "</script><!-- \u2028\u2029 & >"}


def test_render_from_a_small_plain_dict_skips_absent_sections(tmp_path):
    data = {"meta": {"title": "Spark run", "n_rows": 2_000_000, "k": 2, "algorithm": "kmeans"},
            "segments": {"cards": [{"id": 0, "name": "Big", "size": 1_200_000, "share": 0.6},
                                   {"id": 1, "name": "Small", "size": 800_000, "share": 0.4}]},
            "figures": {"sizes": {"sizes": {"0": 1_200_000, "1": 800_000}}}}
    html = render_report(data)
    assert 'id="segments"' in html and 'id="selection"' not in html
    assert 'id="overview"' not in html and "1,200,000 customers" in html
    assert html.count('class="plot"') == 1
    path = write_report(data, tmp_path / "out" / "report.html")
    assert path.read_text(encoding="utf-8") == html


def test_a_figure_with_bad_data_is_reported_not_fatal():
    html = render_report({"meta": {"title": "x", "n_rows": 1, "k": 1},
                          "segments": {"cards": [{"id": 0, "name": "a"}]},
                          "figures": {"snake": {"segments": [0], "features": ["a"],
                                                "values": "broken"}}})
    assert "Figures not drawn" in html and "Snake plot" in html


def test_report_without_model_selection(main_result):
    """A rule-based (RFM) segmenter has no candidates: the report says so and renders."""
    rng = np.random.default_rng(0)
    log = pd.DataFrame({"customer_id": rng.integers(1, 120, 900).astype(str),
                        "date": pd.Timestamp("2024-01-01")
                        + pd.to_timedelta(rng.integers(0, 300, 900), unit="D"),
                        "amount": np.round(rng.gamma(2.0, 30.0, 900), 2)})
    segmenter = RFMSegmenter().fit(build_customer_features(log).frame)
    result = dataclasses.replace(main_result, segmenter=segmenter)
    data = build_report_data(result)
    assert not {"k_selection", "stability_k"} & set(data["figures"])
    assert "no model selection" in data["selection"]["reason"]
    html = render_report(data)
    assert "Recommendation" in html and 'id="figure-sizes"' in html


def test_write_outputs_writes_report_and_figures(evil_result, tmp_path):
    from custseg.outputs import write_outputs

    out = write_outputs(evil_result, tmp_path / "out", figures=True)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "&lt;script&gt;alert(3)" in html
    pngs = sorted(p.name for p in (out / "figures").iterdir())
    assert "05_profile_heatmap.png" in pngs and any(p.endswith("dendrogram.png") for p in pngs)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["outputs"]["figures"] == pngs


def test_confidence_text_names_the_density_groups_when_the_check_fired():
    from custseg.report.data import _confidence_text

    fired = {"confidence": "medium", "structure_found": True,
             "evidence": {"density_check": {"fired": True, "groups": 2,
                                            "segment_groups": [[0, 2, 3], [1]]}}}
    quiet = {"confidence": "medium", "structure_found": True,
             "evidence": {"density_check": {"fired": False, "groups": 7}}}
    assert "inside 2 larger density-separated groups" in _confidence_text(fired)
    assert "group 1: segments 0, 2 and 3; group 2: segment 1" in _confidence_text(fired)
    assert "density" not in _confidence_text(quiet)
    assert "density" not in _confidence_text({"confidence": "high"})


def test_confidence_text_says_when_the_segments_are_pivot_table_cells():
    from custseg.report.data import _confidence_text

    fired = {"confidence": "low", "structure_found": True, "k": 2,
             "evidence": {"degenerate_check": {
                 "fired": True, "columns": ["Region"], "purity": 0.99, "min_purity": 0.98,
                 "cells": {"0": {"Region": "North"}, "1": {"Region": "South"}},
                 "ties": None}}}
    text = _confidence_text(fired)
    assert "These segments are the values of 'Region'" in text
    assert "A pivot table by that column gives the same groups" in text
    quiet = {"confidence": "low", "evidence": {"degenerate_check": {"fired": False}}}
    assert "pivot" not in _confidence_text(quiet)

"""The report's "Segments over time" section: figures from the summary section, escaped."""

from __future__ import annotations

import json
import re

import pandas as pd

from custseg.report import render_report
from custseg.tracking.migration import migrate
from custseg.tracking.report import heatmap_figure, report_data, sankey_figure

EVIL = "<script>alert(1)</script>"


class _Record:
    """What report_data reads from a run record: its sections and segment names."""

    def __init__(self, section, names):
        self.sections = {"tracking": section}
        self.names = names


def _section():
    prev = pd.DataFrame({"id": list("abcdef"), "segment": [0, 0, 0, 1, 1, 1]})
    cur = pd.DataFrame({"id": list("abcdeg"), "segment": [0, 0, 1, 1, 1, 2]})
    migration = migrate(prev, cur, "id", previous_names={0: EVIL, 1: "Lapsing"},
                        names={0: EVIL, 1: "Lapsing", 2: "Newcomers"}).to_dict()
    return {"notes": [], "migration": migration,
            "matching": {"space": "model", "new_segments": [2], "vanished": [],
                         "pairs": [{"segment": 0, "previous": 0, "ratio": 0.1,
                                    "quality": "good", "agreement": 0.9, "kept": True,
                                    "previous_name": EVIL}]},
            "drift": {"psi": 0.3, "psi_reading": "large", "verdict": "refit recommended",
                      "refit_recommended": True, "feature_shifts": {}}}


def test_sankey_and_heatmap_read_back():
    migration = _section()["migration"]
    sankey = sankey_figure(migration)["data"][0]
    # links: 0->0 (2), 0->1 (1), 1->1 (2), newcomer -> 2 (1), 1 -> left (1)
    links = sorted(zip(sankey["link"]["source"], sankey["link"]["target"],
                       sankey["link"]["value"], strict=True))
    labels = sankey["node"]["label"]
    named = [(labels[s], labels[t], v) for s, t, v in links]
    assert ("new customers", "2: Newcomers", 1) in named
    assert ("1: Lapsing", "left", 1) in named
    assert sum(v for *_, v in named) == 7
    heat = heatmap_figure(migration)["data"][0]
    assert heat["z"] == [[0.6667, 0.3333, 0.0], [0.0, 1.0, 0.0]]
    assert heat["text"][0][0] == "67% (2)"


def test_section_is_rendered_and_escaped():
    data = {"meta": {"title": "t", "n_rows": 6, "k": 3},
            "tracking": report_data(_Record(_section(), {0: EVIL, 1: "Lapsing",
                                                         2: "Newcomers"}))}
    html = render_report(data)
    assert 'id="tracking"' in html and "Segments over time" in html
    assert EVIL not in html  # neither in the page nor in the figure JSON
    blocks = re.findall(r'<script type="application/json" id="cs-fig-tracking-[a-z]+">'
                        r"(.*?)</script>", html, flags=re.S)
    assert len(blocks) == 2
    figure = json.loads(blocks[0])
    assert figure["data"][0]["type"] == "sankey"
    assert "How to read this" in html and "refit recommended" in html

"""The report's "Segments over time" section: plain data plus two Plotly figures.

The figures are stored as Plotly JSON (data and layout) and drawn by the
report's own script, like every other figure; segment names are HTML-escaped
once more because Plotly reads a small HTML subset in labels.

Example
-------
>>> from custseg.tracking.migration import migrate
>>> import pandas as pd
>>> m = migrate(pd.DataFrame({"id": ["a", "b"], "segment": [0, 1]}),
...             pd.DataFrame({"id": ["a", "b"], "segment": [0, 0]}), "id")
>>> fig = sankey_figure(m.to_dict())
>>> fig["data"][0]["type"], sorted(fig["data"][0]["link"]["value"])
('sankey', [1, 1])
"""

from __future__ import annotations

import html
import json
from typing import Any

HOW_SANKEY = (
    "Each band is a group of customers present in both runs. On the left, the segment they "
    "were in last time; on the right, the segment they are in now; the band's width is the "
    "number of customers. A band that runs straight across means customers stayed; a wide "
    "band that crosses over is a migration worth a look (for instance loyal customers "
    "drifting towards a lapsing segment). Customers seen only in one run appear as 'new "
    "customers' on the left or 'left' on the right.")
HOW_HEATMAP = (
    "Rows are last run's segments, columns this run's. Each cell is the share of the row's "
    "customers (present in both runs) now in the column's segment, with the count beside "
    "it; each row sums to 100%. A strong diagonal means segments kept their customers; a "
    "bright cell off the diagonal is a main flow. Segment ids are the stable ids: the same "
    "id means the same segment in both runs.")
HOW_MATCHING = (
    "Each new segment was matched one-to-one to a previous segment by the distance between "
    "their centres in the previous run's feature space (Hungarian algorithm). The ratio is "
    "that distance divided by half the distance from the previous segment to its nearest "
    "neighbour: up to 0.5 the match is good, up to 1 fair (id and name kept in both cases); "
    "above 1 it is poor and the segment counts as new. Agreement is the share of customers "
    "the previous model would put in the same segment (Jaccard, 1 = the same customers).")
HOW_DRIFT = (
    "The population stability index (PSI) compares segment shares between the two runs: "
    "below 0.1 the shares are stable, 0.1 to 0.25 they moved moderately, above 0.25 a lot. "
    "The feature shifts say how far each segment's median moved on its features, in robust "
    "standard deviations of that feature: 0.2 is small, 0.5 medium, 0.8 large.")


def _label(names: dict, sid: int, width: int | None = None) -> str:
    name = str(names.get(str(sid), f"segment {sid}"))
    if width and len(name) > width:  # axis labels: the full name is in the hover text
        name = name[: width - 1].rstrip() + "…"
    return html.escape(f"{sid}: {name}")


def _figure(data: list[dict], layout: dict[str, Any]) -> dict[str, Any]:
    import plotly.graph_objects as go

    fig = go.Figure(data=data, layout=layout)
    out = json.loads(fig.to_json())
    out.get("layout", {}).pop("template", None)
    return {"data": out.get("data", []), "layout": out.get("layout", {})}


def sankey_figure(migration: dict[str, Any]) -> dict[str, Any]:
    """Plotly Sankey of summary.json's ``tracking.migration`` (previous left, current right)."""
    prev_ids, new_ids = list(migration["from"]), list(migration["to"])
    counts = migration["counts"]
    labels = [_label(migration.get("previous_names") or {}, i) for i in prev_ids] + \
        [_label(migration.get("names") or {}, i) for i in new_ids]
    left = {sid: n for n, sid in enumerate(prev_ids)}
    right = {sid: len(prev_ids) + n for n, sid in enumerate(new_ids)}
    source, target, value = [], [], []
    for r, a in enumerate(prev_ids):
        for c, b in enumerate(new_ids):
            if counts[r][c]:
                source.append(left[a])
                target.append(right[b])
                value.append(int(counts[r][c]))
    for key, label in (("newcomers", "new customers"), ("leavers", "left")):
        flows = {int(k): int(v) for k, v in (migration.get(key) or {}).items()}
        if not flows:
            continue
        labels.append(label)
        node = len(labels) - 1
        for sid, count in sorted(flows.items()):
            if key == "newcomers" and sid in right:
                source.append(node)
                target.append(right[sid])
                value.append(count)
            elif key == "leavers" and sid in left:
                source.append(left[sid])
                target.append(node)
                value.append(count)
    sankey = {"type": "sankey", "arrangement": "snap",
              "node": {"label": labels, "pad": 14, "thickness": 16},
              "link": {"source": source, "target": target, "value": value}}
    return _figure([sankey], {"height": 460, "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
                              "title": {"text": "Previous segment → current segment"}})


def heatmap_figure(migration: dict[str, Any]) -> dict[str, Any]:
    """Transition matrix as a heatmap: row shares coloured, counts written in the cells."""
    shares, counts = migration["shares"], migration["counts"]
    y = [_label(migration.get("previous_names") or {}, i, 28) for i in migration["from"]]
    x = [_label(migration.get("names") or {}, i, 18) for i in migration["to"]]
    text = [[f"{shares[r][c]:.0%} ({int(counts[r][c]):,})" for c in range(len(x))]
            for r in range(len(y))]
    heat = {"type": "heatmap", "z": shares, "x": x, "y": y, "text": text,
            "texttemplate": "%{text}", "colorscale": "Blues", "zmin": 0, "zmax": 1,
            "colorbar": {"title": {"text": "share of row"}, "tickformat": ".0%"},
            "hovertemplate": "from %{y}<br>to %{x}<br>%{text}<extra></extra>"}
    return _figure([heat], {"height": 160 + 40 * len(y),
                            "xaxis": {"title": {"text": "this run"}, "automargin": True,
                                      "type": "category"},
                            "yaxis": {"title": {"text": "previous run"}, "autorange": "reversed",
                                      "automargin": True, "type": "category"},
                            "margin": {"l": 10, "r": 10, "t": 30, "b": 10}})


def report_data(record) -> dict[str, Any] | None:
    """The report's ``tracking`` data from a run record (its summary section), or None.

    Works from summary.json's ``tracking`` section alone, so both engines share it.
    """
    sections = getattr(record, "sections", None) or {}
    section = sections.get("tracking")
    if not section:
        return None
    names = {int(k): v for k, v in record.names.items()}
    out: dict[str, Any] = {"notes": section.get("notes", []),
                           "how": {"matching": HOW_MATCHING, "drift": HOW_DRIFT}}
    if "previous" in section:
        out["previous"] = section["previous"]
    matching = section.get("matching")
    if matching:
        prev_names = {int(p["previous"]): p.get("previous_name") or "" for p in
                      matching["pairs"]}
        prev_names.update({int(k): v for k, v in (matching.get("previous_names") or {}).items()})
        out["pairs"] = [{**p, "name": names.get(int(p["segment"]), "")}
                        for p in matching["pairs"]]
        out["new_segments"] = [{"id": s, "name": names.get(int(s), "")}
                               for s in matching["new_segments"]]
        out["vanished"] = [{"id": s, "name": prev_names.get(int(s), "")}
                           for s in matching["vanished"]]
    if section.get("drift"):
        out["drift"] = section["drift"]
    migration = section.get("migration")
    if migration:
        out["migration"] = {k: migration.get(k) for k in (
            "customers_in_both", "stayed", "moved", "flows", "value_column")}
        out["migration"]["n_newcomers"] = sum((migration.get("newcomers") or {}).values())
        out["migration"]["n_leavers"] = sum((migration.get("leavers") or {}).values())
        out["figures"] = {
            "sankey": {"id": "cs-fig-tracking-sankey", "title": "Migration between the runs",
                       "how": HOW_SANKEY, "figure": sankey_figure(migration)},
            "heatmap": {"id": "cs-fig-tracking-matrix", "title": "Transition matrix",
                        "how": HOW_HEATMAP, "figure": heatmap_figure(migration)}}
    if section.get("holdout"):
        hold = section["holdout"]
        out["holdout"] = {**{k: v for k, v in hold.items() if k != "per_segment"},
                          "rows": [{"id": int(s), "name": names.get(int(s), ""), **v}
                                   for s, v in hold["per_segment"].items()]}
    return out

"""Checks of the plotly figures of real figure specs, shared by tests/viz and tests/report.

``expected_traces`` says, from the spec alone, which traces (type, legend name)
each figure kind draws; it was written and run against the plotly-object
implementation before the figures became plain dicts, so it guards that rewrite.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.utils

from custseg.viz._common import segment_label, shorten, web_text
from custseg.viz.selection import index_columns


def _label(segment, names: dict | None) -> str:
    names = {int(k): v for k, v in (names or {}).items()}
    return web_text(shorten(segment_label(int(segment), names), 36))


def _finite(value) -> bool:
    return value is not None and np.isfinite(float(value))


def _chosen_finite(frame: pd.DataFrame, column: str, chosen) -> bool:
    if not chosen:
        return False
    row = frame[(frame["algorithm"].astype(str) == str(chosen[0]))
                & (frame["k"] == int(chosen[1]))]
    return len(row) > 0 and _finite(pd.to_numeric(row[column], errors="coerce").iloc[0])


def expected_traces(kind: str, spec: dict) -> list[tuple[str, str | None]]:
    """``(trace type, name)`` of every trace the figure of ``spec`` draws, in order."""
    names = spec.get("names")
    if kind == "before_after":
        return [("bar", None) for pair in spec["pairs"] for key in ("before", "after")
                if len(pair[key]["edges"]) >= 2]
    if kind == "k_selection":
        cands = pd.DataFrame(spec["candidates"])
        out = []
        for col in index_columns(cands):
            out += [("scatter", web_text(a)) for a in dict.fromkeys(cands["algorithm"])]
            if _chosen_finite(cands, col, spec.get("chosen")):
                out.append(("scatter", "chosen"))
        return out
    if kind == "stability_k":
        cands = pd.DataFrame(spec["candidates"])
        if "stability" not in cands:
            return []
        frame = cands[[_finite(v) for v in pd.to_numeric(cands["stability"],
                                                          errors="coerce")]]
        out = []
        for algorithm in dict.fromkeys(frame["algorithm"].astype(str)):
            out.append(("scatter", web_text(algorithm)))
            if "stability_min_jaccard" in frame:
                out.append(("scatter", web_text(f"{algorithm}: weakest segment (Jaccard)")))
        if len(frame) and _chosen_finite(frame, "stability", spec.get("chosen")):
            out.append(("scatter", "chosen"))
        return out
    if kind == "sizes":
        money = any(v is not None for v in (spec.get("value_shares") or {}).values())
        return [("bar", "share of customers")] + ([("bar", "share of value")] if money else [])
    if kind in ("profile_heatmap", "contingency"):
        return [("heatmap", None)]
    if kind == "stability_segments":
        return [("bar", None)]
    if kind == "snake":
        return [("scatter", _label(s, names)) for s in spec["segments"]]
    if kind == "distributions":
        rows = pd.DataFrame(spec["rows"])
        return [("box", web_text(shorten(segment_label(int(r["segment"]),
                                                       {int(k): v for k, v in
                                                        (names or {}).items()}), 30)))
                for feature in dict.fromkeys(rows["feature"])
                for r in rows[rows["feature"] == feature].to_dict("records")]
    if kind == "map_2d":
        return [("scatter", _label(s, names)) for s in sorted(set(spec["labels"]))]
    if kind == "geo":
        kept = {lab for lat, lon, lab in zip(spec["lat"], spec["lon"], spec["labels"],
                                              strict=True) if _finite(lat) and _finite(lon)}
        return [("scatter", _label(s, names)) for s in sorted(kept)]
    if kind == "dendrogram":
        return [("scatter", None)] * len(spec["icoord"])
    if kind == "certainty":
        return [("bar", _label(s, names)) for s in spec["counts"]]
    if kind == "silhouette":
        return [("bar", _label(s, names)) for s in sorted(set(spec["segments"]))]
    raise AssertionError(f"no expectation for {kind}")


def traces(fig) -> list[tuple[str, str | None]]:
    """``(type, name)`` of the traces of a ``go.Figure``."""
    return [(t.type, t.name) for t in fig.data]


def decoded(value):
    """Plotly JSON with its base64 typed arrays (``{"dtype", "bdata"}``) as plain lists."""
    if isinstance(value, dict):
        if {"dtype", "bdata"} <= set(value):
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                array = array.reshape([int(v) for v in str(value["shape"]).split(",")])
            return array.tolist()
        return {k: decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decoded(v) for v in value]
    return value


PLAIN = (dict, list, tuple, str, int, float, bool, type(None), np.ndarray, np.generic)


def assert_plain(value, path: str = "figure") -> None:
    """Only dicts, lists, text, numbers and numpy values: no plotly objects anywhere."""
    assert isinstance(value, PLAIN), f"{path} is a {type(value).__name__}"
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f"{path} has a key {key!r}"
            assert_plain(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            assert_plain(item, f"{path}[{i}]")


def report_json(figure: dict) -> dict:
    """What the report embeds for a figure dict: its JSON without the template name."""
    out = json.loads(json.dumps(figure, cls=plotly.utils.PlotlyJSONEncoder))
    out["layout"].pop("template", None)
    return out


def validated_json(figure: dict) -> dict:
    """The JSON of the validated ``go.Figure`` of a figure dict, without the template."""
    out = decoded(json.loads(go.Figure(figure).to_json()))
    out["layout"].pop("template", None)
    return out

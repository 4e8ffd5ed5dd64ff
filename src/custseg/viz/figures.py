"""Draw a plain figure spec (see :mod:`custseg.viz.extract`) with matplotlib or plotly.

Example
-------
>>> spec = {"values": {"0": 0.9, "1": 0.5}, "names": {"0": "Loyal"}}
>>> float(matplotlib_figure("stability_segments", spec).axes[0].patches[0].get_width())
0.9
>>> plotly_figure("stability_segments", spec).data[0].x
(0.9, 0.5)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from custseg.exceptions import ConfigError
from custseg.viz import maps, preprocess, segments, selection, structure, validation

#: Figure titles (used by the PNG file names and the report).
TITLES = {
    "before_after": "Before and after preprocessing",
    "k_selection": "Validity indices against k",
    "stability_k": "Stability against k",
    "sizes": "Segment sizes and value shares",
    "profile_heatmap": "Profile heatmap",
    "snake": "Snake plot",
    "distributions": "Distributions per segment",
    "map_2d": "Map of customers",
    "geo": "Geographic map",
    "dendrogram": "Dendrogram",
    "certainty": "Membership certainty",
    "silhouette": "Silhouette plot",
    "stability_segments": "Stability per segment",
    "contingency": "Known label against segments",
}


def _names(spec: dict) -> dict[int, str]:
    return {int(k): str(v) for k, v in (spec.get("names") or {}).items()}


def _int_keys(mapping: dict | None) -> dict[int, object]:
    return {int(k): v for k, v in (mapping or {}).items()}


def _chosen(spec: dict):
    value = spec.get("chosen")
    return (str(value[0]), int(value[1])) if value else None


def _matrix(spec: dict) -> pd.DataFrame:
    values = np.array([[np.nan if v is None else v for v in row] for row in spec["values"]],
                      dtype=float).reshape(len(spec["segments"]), len(spec["features"]))
    return pd.DataFrame(values, index=[int(s) for s in spec["segments"]],
                        columns=list(spec["features"]))


def _silhouette(spec: dict) -> pd.DataFrame:
    return pd.DataFrame({"segment": spec["segments"], "value": spec["values"],
                         "position": spec["positions"]})


def _contingency(spec: dict) -> pd.DataFrame:
    return pd.DataFrame(spec["counts"], index=spec["rows"], columns=spec["columns"])


def _array(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


MATPLOTLIB: dict[str, Callable] = {
    "before_after": lambda s: preprocess.plot_before_after(s["pairs"]),
    "k_selection": lambda s: selection.plot_k_selection(pd.DataFrame(s["candidates"]),
                                                        _chosen(s)),
    "stability_k": lambda s: selection.plot_stability_k(pd.DataFrame(s["candidates"]),
                                                        _chosen(s)),
    "sizes": lambda s: segments.plot_sizes(_int_keys(s["sizes"]),
                                           _int_keys(s.get("value_shares")), _names(s)),
    "profile_heatmap": lambda s: segments.plot_profile_heatmap(_matrix(s), _names(s)),
    "snake": lambda s: segments.plot_snake(_matrix(s), _names(s)),
    "distributions": lambda s: segments.plot_distributions(pd.DataFrame(s["rows"]), _names(s)),
    "map_2d": lambda s: maps.plot_map(np.column_stack([_array(s["x"]), _array(s["y"])]),
                                      s["labels"], _names(s), method=s.get("method", "PCA"),
                                      explained=s.get("explained"), note=s.get("note", "")),
    "geo": lambda s: maps.plot_geo(_array(s["lat"]), _array(s["lon"]), s["labels"], _names(s),
                                   note=s.get("note", "")),
    "dendrogram": lambda s: structure.plot_dendrogram(s, note=s.get("note", "")),
    "certainty": lambda s: structure.plot_certainty({**s, "counts": _int_keys(s["counts"])},
                                                    _names(s)),
    "silhouette": lambda s: validation.plot_silhouette(_silhouette(s), _names(s), s.get("mean"),
                                                       note=s.get("note", "")),
    "stability_segments": lambda s: validation.plot_stability_bars(_int_keys(s["values"]),
                                                                   _names(s)),
    "contingency": lambda s: validation.plot_contingency(_contingency(s), _names(s),
                                                         label=s.get("label", "label")),
}

PLOTLY: dict[str, Callable] = {
    "before_after": lambda s: preprocess.plotly_before_after(s["pairs"]),
    "k_selection": lambda s: selection.plotly_k_selection(pd.DataFrame(s["candidates"]),
                                                          _chosen(s)),
    "stability_k": lambda s: selection.plotly_stability_k(pd.DataFrame(s["candidates"]),
                                                          _chosen(s)),
    "sizes": lambda s: segments.plotly_sizes(_int_keys(s["sizes"]),
                                             _int_keys(s.get("value_shares")), _names(s)),
    "profile_heatmap": lambda s: segments.plotly_profile_heatmap(_matrix(s), _names(s)),
    "snake": lambda s: segments.plotly_snake(_matrix(s), _names(s)),
    "distributions": lambda s: segments.plotly_distributions(pd.DataFrame(s["rows"]),
                                                             _names(s)),
    "map_2d": lambda s: maps.plotly_map(np.column_stack([_array(s["x"]), _array(s["y"])]),
                                        s["labels"], _names(s), method=s.get("method", "PCA"),
                                        explained=s.get("explained")),
    "geo": lambda s: maps.plotly_geo(_array(s["lat"]), _array(s["lon"]), s["labels"],
                                     _names(s)),
    "dendrogram": lambda s: structure.plotly_dendrogram(s),
    "certainty": lambda s: structure.plotly_certainty({**s, "counts": _int_keys(s["counts"])},
                                                      _names(s)),
    "silhouette": lambda s: validation.plotly_silhouette(_silhouette(s), _names(s),
                                                         s.get("mean")),
    "stability_segments": lambda s: validation.plotly_stability_bars(_int_keys(s["values"]),
                                                                     _names(s)),
    "contingency": lambda s: validation.plotly_contingency(_contingency(s), _names(s),
                                                           label=s.get("label", "label")),
}


def _lookup(table: dict[str, Callable], kind: str) -> Callable:
    if kind not in table:
        raise ConfigError(f"unknown figure kind {kind!r}", where="custseg.viz",
                          fix=f"use one of: {', '.join(table)}")
    return table[kind]


def matplotlib_figure(kind: str, spec: dict):
    """A matplotlib Figure (Agg canvas) for a figure spec."""
    return _lookup(MATPLOTLIB, kind)(spec)


def plotly_figure(kind: str, spec: dict):
    """A plotly Figure for a figure spec."""
    return _lookup(PLOTLY, kind)(spec)

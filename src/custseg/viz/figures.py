"""Draw a plain figure spec (see :mod:`custseg.viz.extract`) with matplotlib or plotly.

Example
-------
>>> spec = {"values": {"0": 0.9, "1": 0.5}, "names": {"0": "Loyal"}}
>>> float(matplotlib_figure("stability_segments", spec).axes[0].patches[0].get_width())
0.9
>>> plotly_figure("stability_segments", spec).data[0].x
(0.9, 0.5)
>>> plotly_dict("stability_segments", spec)["data"][0]["x"]
[0.9, 0.5]
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

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


def _no_keywords(spec: dict) -> dict:
    return {}


#: kind -> (module, function name after ``plot_`` / ``plotly_``, the positional
#: arguments from the spec, the keyword arguments from the spec). Both libraries'
#: functions take the same arguments; only the matplotlib ones take ``note``.
FIGURES: dict[str, tuple[ModuleType, str, Callable[[dict], tuple], Callable[[dict], dict]]] = {
    "before_after": (preprocess, "before_after", lambda s: (s["pairs"],), _no_keywords),
    "k_selection": (selection, "k_selection",
                    lambda s: (pd.DataFrame(s["candidates"]), _chosen(s)), _no_keywords),
    "stability_k": (selection, "stability_k",
                    lambda s: (pd.DataFrame(s["candidates"]), _chosen(s)), _no_keywords),
    "sizes": (segments, "sizes", lambda s: (_int_keys(s["sizes"]),
                                            _int_keys(s.get("value_shares")), _names(s)),
              _no_keywords),
    "profile_heatmap": (segments, "profile_heatmap", lambda s: (_matrix(s), _names(s)),
                        _no_keywords),
    "snake": (segments, "snake", lambda s: (_matrix(s), _names(s)), _no_keywords),
    "distributions": (segments, "distributions",
                      lambda s: (pd.DataFrame(s["rows"]), _names(s)), _no_keywords),
    "map_2d": (maps, "map", lambda s: (np.column_stack([_array(s["x"]), _array(s["y"])]),
                                       s["labels"], _names(s)),
               lambda s: {"method": s.get("method", "PCA"), "explained": s.get("explained")}),
    "geo": (maps, "geo", lambda s: (_array(s["lat"]), _array(s["lon"]), s["labels"], _names(s)),
            _no_keywords),
    "dendrogram": (structure, "dendrogram", lambda s: (s,), _no_keywords),
    "certainty": (structure, "certainty",
                  lambda s: ({**s, "counts": _int_keys(s["counts"])}, _names(s)), _no_keywords),
    "silhouette": (validation, "silhouette",
                   lambda s: (_silhouette(s), _names(s), s.get("mean")), _no_keywords),
    "stability_segments": (validation, "stability_bars",
                           lambda s: (_int_keys(s["values"]), _names(s)), _no_keywords),
    "contingency": (validation, "contingency", lambda s: (_contingency(s), _names(s)),
                    lambda s: {"label": s.get("label", "label")}),
}
#: Kinds whose matplotlib figure prints the spec's note under the plot.
NOTED = frozenset({"map_2d", "geo", "dendrogram", "silhouette"})


def _call(prefix: str, kind: str, spec: dict, extra: dict, suffix: str = ""):
    if kind not in FIGURES:
        raise ConfigError(f"unknown figure kind {kind!r}", where="custseg.viz",
                          fix=f"use one of: {', '.join(FIGURES)}")
    module, name, args, keywords = FIGURES[kind]
    return getattr(module, f"{prefix}_{name}{suffix}")(*args(spec), **keywords(spec), **extra)


def matplotlib_figure(kind: str, spec: dict):
    """A matplotlib Figure (Agg canvas) for a figure spec."""
    note = {"note": spec.get("note", "")} if kind in NOTED else {}
    return _call("plot", kind, spec, note)


def plotly_figure(kind: str, spec: dict):
    """A plotly Figure (validated ``go.Figure``) for a figure spec.

    >>> plotly_figure("sizes", {"sizes": {"0": 3, "1": 1}}).data[0].x
    (0.75, 0.25)
    """
    return _call("plotly", kind, spec, {})


def plotly_dict(kind: str, spec: dict) -> dict:
    """The plotly figure of a spec as a plain dict ``{"data": [...], "layout": {...}}``.

    No plotly object is made: the report JSON-encodes the dict as it is
    (``plotly.utils.PlotlyJSONEncoder`` writes its numpy arrays as lists and
    NaN as ``null``), and :func:`plotly_figure` is ``go.Figure`` of it.
    ``layout["template"]`` names the template (``"plotly_white"``).

    >>> fig = plotly_dict("sizes", {"sizes": {"0": 3, "1": 1}})
    >>> fig["data"][0]["type"], fig["data"][0]["x"], fig["layout"]["template"]
    ('bar', [0.75, 0.25], 'plotly_white')
    """
    return _call("plotly", kind, spec, {}, suffix="_dict")

"""summary.json: the machine-readable account of a run.

The JSON Schema lives in ``custseg/schema/summary.schema.json`` and the test
suite validates every summary it produces against it. All values are plain
JSON (no NaN: missing numbers are ``null``).

Example
-------
>>> to_jsonable({"a": float("nan"), "b": (1, 2)})
{'a': None, 'b': [1, 2]}
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pandas as pd

from custseg._json import to_jsonable
from custseg.persist.model import versions

SCHEMA_VERSION = "1.0"


def build_summary(result) -> dict[str, Any]:
    """Assemble summary.json from a :class:`custseg.workflow.RunResult`."""
    segmenter = result.segmenter
    preprocess = _preprocess_dict(result.preprocessor)
    explanation = result.explanation.to_dict()
    selection = getattr(segmenter, "selection_", None)
    candidates = getattr(segmenter, "candidates_", None)
    summary: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "input": result.source,
        "n_rows": len(result.frame),
        "n_columns": len(result.frame.columns),
        "columns": result.schema.to_dict(),
        "algorithm": result.algorithm,
        "k": result.k,
        "n_unassigned": int((result.labels == -1).sum()),
        "seed": int(result.config.seed),
        "features_used": list(preprocess.get("features_used", [])),
        "features_dropped": dict(preprocess.get("features_dropped", {})),
        "preprocessing": preprocess.get("preprocessing", preprocess),
        "selection": selection.to_dict() if selection is not None else {
            "algorithm": result.algorithm, "k": result.k,
            "reason": "rule-based RFM groups (no model selection)"},
        "candidates": candidates.to_dict(orient="records") if isinstance(
            candidates, pd.DataFrame) else [],
        "sampling": dict(getattr(segmenter, "sampled_", {}) or {}),
        "metrics": explanation.get("metrics", {}),
        "validation": explanation.get("validation", {}),
        "segments": explanation.get("segments", []),
        # outcome columns (churn flag, response...) and their overall rate/mean; each
        # segment's own value is in segments[i].outcomes
        "outcomes": explanation.get("outcomes", []),
        "rules": explanation.get("rules", {}),
        "warnings": list(result.warnings),
        "decisions": list(result.decisions),
        "timings_s": {k: round(float(v), 3) for k, v in result.timings.items()},
        "versions": versions(),
        "config": result.config.to_dict(),
    }
    if result.transactions is not None:
        summary["transactions"] = result.transactions.to_dict()
    if result.rfm is not None:
        summary["rfm"] = _rfm_dict(result)
    return gather_timings(to_jsonable(summary))


def gather_timings(summary: dict[str, Any]) -> dict[str, Any]:
    """Move every duration into ``timings_s``, so the rest of two runs compares equal.

    Wall-clock times are the only part of a summary that differs between two
    identical runs. Keys ending in ``_seconds`` anywhere else (a candidate's
    ``fit_seconds``, ``final_fit_seconds`` ...) are removed there and added to
    ``timings_s`` as ``"<algorithm> k=<k> fit"`` or ``"final_fit"``.

    Example
    -------
    >>> s = gather_timings({"candidates": [{"algorithm": "kmeans", "k": 3,
    ...                                     "fit_seconds": 0.0123}],
    ...                     "timings_s": {"load": 0.5}})
    >>> s["candidates"], s["timings_s"]
    ([{'algorithm': 'kmeans', 'k': 3}], {'load': 0.5, 'kmeans k=3 fit': 0.012})
    """
    timings = dict(summary.get("timings_s") or {})

    def walk(node: Any, label: str) -> Any:
        if isinstance(node, dict):
            if "algorithm" in node and "k" in node:
                label = f"{node['algorithm']} k={node['k']} "
            out = {}
            for key, value in node.items():
                if isinstance(key, str) and key.endswith("_seconds") and (
                        value is None or isinstance(value, int | float)):
                    if value is not None:
                        timings.setdefault(label + key[: -len("_seconds")], round(value, 3))
                    continue
                out[key] = walk(value, label)
            return out
        if isinstance(node, list):
            return [walk(v, label) for v in node]
        return node

    out = {key: (value if key == "timings_s" else walk(value, "")) for key, value in
           summary.items()}
    out["timings_s"] = timings
    return out


def _preprocess_dict(preprocessor) -> dict[str, Any]:
    for attr in ("to_dict", "summary_"):
        method = getattr(preprocessor, attr, None)
        if callable(method):
            return dict(method())
    return {"features_used": list(getattr(preprocessor, "features_used_", [])),
            "features_dropped": dict(getattr(preprocessor, "features_dropped_", {}))}


def _rfm_dict(result) -> dict[str, Any]:
    rfm = result.rfm
    groups = rfm["rfm_group"].value_counts()
    table = pd.crosstab(pd.Series(result.labels, name="segment"),
                        pd.Series(rfm["rfm_group"].to_numpy(), name="rfm_group"))
    return {
        "groups": {str(k): int(v) for k, v in groups.items()},
        "segment_vs_rfm": {str(seg): {str(g): int(n) for g, n in row.items() if n}
                           for seg, row in table.iterrows()},
    }


def summary_schema() -> dict[str, Any]:
    """The JSON Schema of summary.json.

    Example
    -------
    >>> sorted(summary_schema()["required"])[:3]
    ['algorithm', 'candidates', 'columns']
    """
    text = (resources.files("custseg") / "schema" / "summary.schema.json").read_text("utf-8")
    return json.loads(text)

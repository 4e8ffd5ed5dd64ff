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
from custseg.record import (
    SCHEMA_VERSION,
    InputRecord,
    PreprocessRecord,
    RFMRecord,
    RunRecord,
    SegmentRecord,
    SelectionRecord,
)

__all__ = ["SCHEMA_VERSION", "build_summary", "gather_timings", "local_record", "summary_schema",
           "to_jsonable"]


def build_summary(result) -> dict[str, Any]:
    """Assemble summary.json from a run result of either engine (through its record)."""
    return result.record().to_summary()


def local_record(result) -> RunRecord:
    """The :class:`~custseg.record.RunRecord` of a :class:`custseg.workflow.RunResult`.

    Example
    -------
    >>> from custseg.datasets import make_customers
    >>> from custseg.workflow import run
    >>> rec = local_record(run(make_customers(200, k=3, seed=0), k=3, algorithms=["kmeans"],
    ...                        stability=False))
    >>> rec.engine, rec.k, [s.id for s in rec.segments]
    ('local', 3, [0, 1, 2])
    """
    segmenter = result.segmenter
    preprocess = _preprocess_dict(result.preprocessor)
    explanation = result.explanation.to_dict()
    selection = getattr(segmenter, "selection_", None)
    candidates = getattr(segmenter, "candidates_", None)
    has_table = isinstance(candidates, pd.DataFrame)
    pca = getattr(result.preprocessor, "pca_", None)
    return RunRecord(
        engine="local",
        input=InputRecord(
            source=result.source, n_rows=len(result.frame),
            n_columns=len(result.frame.columns), columns=result.schema.to_dict(),
            log=result.transactions.to_dict() if result.transactions is not None else None,
            log_overview=log_overview(result.transactions)),
        preprocessing=PreprocessRecord(
            features_used=list(preprocess.get("features_used", [])),
            features_dropped=dict(preprocess.get("features_dropped", {})),
            details=preprocess.get("preprocessing", preprocess),
            pca=pca if isinstance(pca, dict) else None),
        selection=SelectionRecord(
            algorithm=result.algorithm, k=result.k,
            details=selection.to_dict() if selection is not None else {
                "algorithm": result.algorithm, "k": result.k,
                "reason": "rule-based RFM groups (no model selection)"},
            candidates=candidates.to_dict(orient="records") if has_table else [],
            sampling=dict(getattr(segmenter, "sampled_", {}) or {}),
            rule_based=selection is None and not has_table,
            table=candidates_report_table(candidates) if has_table else None),
        segments=[SegmentRecord.from_dict(seg) for seg in explanation.get("segments", [])],
        seed=int(result.config.seed), config=result.config.to_dict(), versions=versions(),
        n_unassigned=int((result.labels == -1).sum()),
        metrics=explanation.get("metrics", {}), validation=explanation.get("validation", {}),
        outcomes=explanation.get("outcomes", []), rules=explanation.get("rules", {}),
        warnings=list(result.warnings), decisions=list(result.decisions),
        timings=dict(result.timings),
        rfm=_rfm_record(result) if result.rfm is not None else None)


def candidates_report_table(candidates: pd.DataFrame) -> dict[str, Any] | None:
    """The report's candidates table ``{columns, rows}`` (fit times left out)."""
    if not len(candidates):
        return None
    from custseg.viz.selection import candidates_table

    table = candidates_table(candidates.drop(columns=["fit_seconds"], errors="ignore"))
    return {"columns": [str(c) for c in table.columns], "rows": table.to_numpy().tolist()}


def log_overview(transactions) -> dict[str, Any] | None:
    """The report's view of a transaction log's features (quality, rules, notes)."""
    if transactions is None:
        return None
    from custseg.report.texts import rule_heading

    return {
        "quality": dict(getattr(transactions, "quality", {}) or {}),
        # headed by what each rule is about, never by its option name: "keep
        # duplicates" over "duplicate lines are dropped" read as the opposite
        "rules": {rule_heading(k): v for k, v in
                  (getattr(transactions, "rules", {}) or {}).items()},
        "notes": list(getattr(transactions, "notes", []) or []),
        "as_of": str(getattr(transactions, "as_of", "") or ""),
        "definitions": dict(getattr(transactions, "definitions", {}) or {}),
    }


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


def _rfm_record(result) -> RFMRecord:
    rfm = result.rfm
    groups = rfm["rfm_group"].value_counts()
    table = pd.crosstab(pd.Series(result.labels, name="segment"),
                        pd.Series(rfm["rfm_group"].to_numpy(), name="rfm_group"))
    return RFMRecord(groups={str(k): int(v) for k, v in groups.items()},
                     crosstab={int(seg): {str(g): int(n) for g, n in row.items()}
                               for seg, row in table.iterrows()})


def summary_schema() -> dict[str, Any]:
    """The JSON Schema of summary.json.

    Example
    -------
    >>> sorted(summary_schema()["required"])[:3]
    ['algorithm', 'candidates', 'columns']
    """
    text = (resources.files("custseg") / "schema" / "summary.schema.json").read_text("utf-8")
    return json.loads(text)

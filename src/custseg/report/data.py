"""The report as plain data: :func:`build_report_data` turns a run into a JSON-ready dict.

The dict is everything the templates show, and nothing else: personal-data
columns are reduced to their name, role and reason (never a value), identifiers
never appear, and figures are stored as plain figure data
(:mod:`custseg.viz.extract`), not as drawn figures. Another engine (Spark)
builds the same structure from aggregates and a sample; every section and
every key is optional and the renderer skips what is absent.

Structure (top-level keys)::

    meta           title, source, n_rows, k, algorithm, seed, versions
    highlights     [{label, value}] for the summary cards
    overview       n_rows, n_columns, source, columns, role_counts, missing,
                   quality, transactions, notes
    preprocessing  decisions, method, method_reason, pca, features_used
    selection      algorithm, k, confidence, structure_found, reason,
                   runners_up, candidates {columns, rows}, sampling
    segments       cards [{id, name, description, size, share, value_share,
                   top_features, outcomes, rules [{rule, precision, coverage,
                   n_covered}], n_rules, found}], outcomes {columns, overall, rows},
                   fidelity, notes, rfm
    validation     metrics, stability, external, warnings
    usage          files, commands
    figures        {kind: figure data}
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custseg.explain._common import fmt_vs_limit
from custseg.report.texts import rule_heading
from custseg.viz.extract import (
    explanation_dict,
    figure_specs,
    jsonable,
    segment_names,
)
from custseg.viz.selection import candidates_table

log = logging.getLogger(__name__)

#: Column keys of the decisions table and of the columns table.
DECISION_KEYS = ("column", "role", "kept", "treatment", "reason")
MAX_RULES_PER_SEGMENT = 3


def build_report_data(result, *, files: list[str] | None = None, title: str | None = None,
                      specs: dict | None = None) -> dict[str, Any]:
    """Plain, JSON-ready data of the report for a :class:`custseg.workflow.RunResult`.

    ``files`` lists the files written next to the report (shown in section 6);
    ``specs`` reuses figure data from :func:`custseg.viz.figure_specs` (the
    PNGs and the report can share one computation).

    Example
    -------
    >>> from custseg.datasets import make_customers
    >>> from custseg.workflow import run
    >>> result = run(make_customers(120, k=3, seed=0), k=3, algorithms=["kmeans"],
    ...              stability=False)
    >>> data = build_report_data(result)
    >>> data["meta"]["k"], "profile_heatmap" in data["figures"]
    (3, True)
    """
    pii = set(_pii_columns(result))
    explanation = explanation_dict(result)
    names = segment_names(result)
    data: dict[str, Any] = {
        "meta": _meta(result, title),
        "overview": _overview(result),
        "preprocessing": _preprocessing(result, pii),
        "selection": _selection(result),
        "segments": _segments(result, explanation, names),
        "validation": _validation(result, explanation),
        "usage": _usage(result, files),
        "figures": figure_specs(result) if specs is None else dict(specs),
    }
    data["highlights"] = _highlights(data)
    return jsonable(data)


# ------------------------------------------------------------------ parts
def _pii_columns(result) -> list[str]:
    schema = getattr(result, "schema", None)
    return list(schema.names("pii")) if schema is not None else []


def _meta(result, title: str | None) -> dict:
    source = getattr(result, "source", {}) or {}
    path = source.get("path")
    versions = {}
    try:
        from custseg.persist.model import versions as _versions

        versions = _versions()
    except Exception:  # a missing version never stops a report
        log.debug("versions unavailable", exc_info=True)
    name = Path(path).name if path else "data frame"
    return {"title": title or f"Customer segments: {name}", "source": name,
            "n_rows": len(result.frame), "k": int(result.k),
            "algorithm": str(getattr(result, "algorithm", "")),
            "seed": getattr(getattr(result, "config", None), "seed", None),
            "versions": versions, "timings_s": {k: round(float(v), 2) for k, v in
                                                (getattr(result, "timings", {}) or {}).items()}}


def _overview(result) -> dict:
    frame = result.frame
    schema = getattr(result, "schema", None)
    columns = []
    if schema is not None:
        for info in schema:
            columns.append({"name": info.name, "role": info.role, "reason": info.reason,
                            "dtype": info.dtype, "n_missing": int(info.n_missing),
                            "n_unique": None if info.role == "pii" else int(info.n_unique)})
    n = max(len(frame), 1)
    missing = [{"column": c["name"], "n_missing": c["n_missing"],
                "share": c["n_missing"] / n} for c in columns if c["n_missing"]]
    source = dict(getattr(result, "source", {}) or {})
    overview = {
        "n_rows": len(frame), "n_columns": len(frame.columns),
        "source": {k: v for k, v in source.items()
                   if k in ("kind", "format", "encoding", "delimiter", "sep", "decimal",
                            "rows", "columns", "log_rows", "customers", "sheet")},
        "columns": columns,
        "role_counts": dict(Counter(c["role"] for c in columns)),
        "missing": missing,
        "notes": [str(x) for x in source.get("notes", []) or []],
        "quality": _quality(source),
    }
    transactions = getattr(result, "transactions", None)
    if transactions is not None:
        overview["transactions"] = {
            "quality": dict(getattr(transactions, "quality", {}) or {}),
            # headed by what each rule is about, never by its option name: "keep
            # duplicates" over "duplicate lines are dropped" read as the opposite
            "rules": {rule_heading(k): v for k, v in
                      (getattr(transactions, "rules", {}) or {}).items()},
            "notes": list(getattr(transactions, "notes", []) or []),
            "as_of": str(getattr(transactions, "as_of", "") or ""),
            "definitions": dict(getattr(transactions, "definitions", {}) or {}),
        }
    return overview


def _quality(source: dict) -> list[dict]:
    """Data-quality counts the loader reported (missing/infinite values, renamed columns)."""
    rows = []
    for key, label in (("missing", "missing values"), ("infinite", "infinite values"),
                       ("n_missing", "missing values"), ("n_infinite", "infinite values"),
                       ("renamed", "renamed columns"), ("duplicates", "duplicate rows"),
                       ("n_duplicates", "duplicate rows")):
        value = source.get(key)
        if isinstance(value, dict):
            total = sum(v for v in value.values() if isinstance(v, int | float))
            if total:
                rows.append({"item": label, "count": total,
                             "detail": ", ".join(f"{k}: {v}" for k, v in value.items())})
        elif isinstance(value, int | float) and value:
            rows.append({"item": label, "count": value, "detail": ""})
    return rows


def _preprocessing(result, pii: set[str]) -> dict:
    prep = getattr(result, "preprocessor", None)
    if prep is None:
        return {}
    decisions = []
    for dec in getattr(prep, "decisions_", None) or []:
        row = {k: dec.get(k) for k in DECISION_KEYS}
        if row["column"] in pii:  # name and reason only; its statistics stay out
            row["treatment"] = "not used"
        decisions.append(row)
    out = {"decisions": decisions,
           "features_used": list(getattr(prep, "features_used_", []) or []),
           "method": getattr(prep, "method_", None),
           "method_reason": getattr(prep, "method_reason_", None)}
    pca = getattr(prep, "pca_", None)
    if isinstance(pca, dict):
        out["pca"] = {"n_components": pca.get("n_components"),
                      "explained": pca.get("explained_variance_total",
                                           float(np.sum(pca.get("explained_variance_ratio")
                                                        or [0]))),
                      "reason": pca.get("reason")}
    if not decisions:
        dropped = getattr(prep, "features_dropped_", {}) or {}
        out["decisions"] = [{"column": c, "role": None, "kept": True, "treatment": "",
                             "reason": ""} for c in out["features_used"]] + \
            [{"column": c, "role": None, "kept": False, "treatment": "not used",
              "reason": r} for c, r in dropped.items()]
    return out


def _selection(result) -> dict:
    segmenter = getattr(result, "segmenter", None)
    selection = getattr(segmenter, "selection_", None)
    candidates = getattr(segmenter, "candidates_", None)
    if selection is None and not isinstance(candidates, pd.DataFrame):
        return {"algorithm": str(getattr(result, "algorithm", "rfm")), "k": int(result.k),
                "reason": "rule-based RFM groups: no model selection was run", "rule_based":
                    True}
    out: dict[str, Any] = {}
    if selection is not None:
        try:
            out.update(selection.to_dict())
        except Exception:
            log.warning("selection_.to_dict() failed", exc_info=True)
        for key in ("algorithm", "k", "confidence", "structure_found", "reason"):
            out[key] = getattr(selection, key, out.get(key))
        out["runners_up"] = list(getattr(selection, "runners_up", out.get("runners_up")) or [])
        out.pop("candidates", None)
    if isinstance(candidates, pd.DataFrame) and len(candidates):
        table = candidates_table(candidates.drop(columns=["fit_seconds"], errors="ignore"))
        out["candidates"] = {"columns": [str(c) for c in table.columns],
                             "rows": table.to_numpy().tolist()}
    out["sampling"] = dict(getattr(segmenter, "sampled_", {}) or {})
    out["confidence_text"] = _confidence_text(out)
    return out


def _confidence_text(selection: dict) -> str:
    confidence = str(selection.get("confidence") or "").lower()
    found = selection.get("structure_found")
    text = {
        "high": "High confidence: the indices and the stability checks agree on this choice.",
        "medium": "Medium confidence: most evidence points to this choice, but a runner-up "
                  "is close; look at it too.",
        "low": "Low confidence: the evidence is mixed; treat the number of segments as a "
               "practical choice rather than a property of the data.",
    }.get(confidence, "")
    if found is False:
        text += (" No clear cluster structure was found: the segments are a useful partition "
                 "of a continuum, not natural groups.")
    density = (selection.get("evidence") or {}).get("density_check") or {}
    if density.get("fired"):
        from custseg.selection._density import group_list

        text += (f" The segments lie inside {density.get('groups')} larger density-separated "
                 f"groups (HDBSCAN; {group_list(density.get('segment_groups') or [])}): read "
                 "each group's segments together.")
    degenerate = (selection.get("evidence") or {}).get("degenerate_check") or {}
    if degenerate.get("fired"):
        from custseg.selection._degenerate import degenerate_sentence

        text += " " + degenerate_sentence(degenerate, int(selection.get("k") or 0))
    return text.strip()


def _segments(result, explanation: dict, names: dict[int, str]) -> dict:
    segments = explanation.get("segments") or []
    names_info = getattr(getattr(result, "explanation", None), "names", None) or {}
    rules = explanation.get("rules") or (explanation.get("validation") or {}).get("rules") or {}
    rule_segments = rules.get("segments") or {}
    cards = []
    for seg in segments:
        sid = int(seg.get("id"))
        info = names_info.get(sid) or names_info.get(str(sid)) or {}
        seg_rules = seg.get("rules") if isinstance(seg.get("rules"), dict) else \
            rule_segments.get(str(sid)) or rule_segments.get(sid) or {}
        top = seg.get("top_features") or (seg.get("profile") or {}).get("top_features") or []
        cards.append({
            "id": sid,
            "name": seg.get("name") or info.get("name") or names.get(sid) or f"segment {sid}",
            "description": seg.get("description") or info.get("description") or "",
            "size": seg.get("size"), "share": seg.get("share"),
            "value_share": seg.get("value_share"),
            "top_features": [t.get("text") for t in top if t.get("text")][:5],
            "stability": (seg.get("stability") or {}).get("verdict"),
            "outcomes": [{k: o.get(k) for k in ("column", "statistic", "level", "value",
                                                 "overall", "text")}
                         for o in seg.get("outcomes") or []],
            # each rule with its own precision and coverage: a segment-level number over
            # a rule that is right 11% of the time would misread as the rule's accuracy
            "rules": [{"rule": r.get("rule"), "precision": r.get("precision"),
                       "coverage": r.get("coverage"), "n_covered": r.get("n_covered")}
                      for r in (seg_rules.get("rules") or [])[:MAX_RULES_PER_SEGMENT]],
            "n_rules": len(seg_rules.get("rules") or []),
            # share of the segment that all its rules together find (the tree's recall)
            "found": seg_rules.get("fidelity"),
        })
    if not cards:  # no explanation: sizes only
        labels, counts = np.unique(np.asarray(result.labels), return_counts=True)
        total = counts.sum()
        cards = [{"id": int(s), "name": names.get(int(s), f"segment {s}"), "description": "",
                  "size": int(c), "share": float(c / total), "value_share": None,
                  "top_features": [], "outcomes": [], "rules": [], "n_rules": 0,
                  "found": None}
                 for s, c in zip(labels, counts, strict=True)]
    out = {"cards": cards, "fidelity": rules.get("fidelity"),
           "outcomes": _outcomes_table(explanation, cards)}
    rfm = getattr(result, "rfm", None)
    if isinstance(rfm, pd.DataFrame) and "rfm_group" in rfm:
        table = pd.crosstab(pd.Series(np.asarray(result.labels), name="segment"),
                            pd.Series(rfm["rfm_group"].to_numpy(), name="rfm_group"))
        out["rfm"] = {"groups": [str(g) for g in table.columns],
                      "rows": [{"segment": int(s), "counts": [int(v) for v in row]}
                               for s, row in table.iterrows()]}
    return out


def _jaccard(value) -> str:
    """A mean Jaccard shown so that it reads on the side of the verdict's limits."""
    value = float(value or 0)
    limit = min((0.6, 0.75), key=lambda t: abs(t - value))
    return fmt_vs_limit(value, limit)


def _outcomes_table(explanation: dict, cards: list[dict]) -> dict | None:
    """The "Outcomes by segment" table: one column per outcome, one row per segment.

    Cells keep the raw numbers (``value``, ``overall``) and the statistic, so the
    template formats a rate as a percentage and a mean as a number.
    """
    overview = [o for o in explanation.get("outcomes") or [] if isinstance(o, dict)]
    if not overview:
        return None
    columns = [{"column": o.get("column"), "label": o.get("label") or o.get("column"),
                "statistic": o.get("statistic"), "level": o.get("level"),
                "overall": o.get("overall")} for o in overview]
    rows = []
    for card in cards:
        by_column = {o["column"]: o for o in card.get("outcomes") or []}
        rows.append({"id": card["id"], "name": card["name"], "share": card.get("share"),
                     "cells": [{k: by_column.get(c["column"], {}).get(k)
                                for k in ("value", "overall", "level")} for c in columns]})
    return {"columns": columns, "rows": rows}


def _validation(result, explanation: dict) -> dict:
    validation = explanation.get("validation") or {}
    metrics = explanation.get("metrics") or validation.get("metrics") or {}
    out: dict[str, Any] = {"metrics": {k: v for k, v in metrics.items()
                                       if isinstance(v, int | float | str | None)},
                           "notes": [str(n) for n in validation.get("notes", []) or []]}
    sil = validation.get("silhouette")
    if isinstance(sil, dict):
        out["silhouette"] = {k: v for k, v in sil.items() if k not in ("samples", "sample")}
    stab = validation.get("stability")
    if isinstance(stab, dict):
        out["stability"] = {k: v for k, v in stab.items() if not isinstance(v, list | dict)}
        out["stability"]["verdicts"] = {
            str(r.get("segment")): f"{r.get('verdict')} (mean Jaccard "
                                   f"{_jaccard(r.get('mean_jaccard'))})"
            for r in stab.get("segments") or [] if isinstance(r, dict)}
    ext = validation.get("external")
    if isinstance(ext, dict) and ext:
        out["external"] = {k: v for k, v in (ext.get("scores") or ext).items()
                           if isinstance(v, int | float)}
    warnings = list(getattr(result, "warnings", []) or [])
    warnings += [w for w in validation.get("warnings", []) or [] if w not in warnings]
    out["warnings"] = warnings
    return out


def _usage(result, files: list[str] | None) -> dict:
    files = files or ["segments.csv", "summary.json", "report.html", "figures/",
                      "model.skops"]
    about = {
        "segments.csv": "one row per input customer, in input order: id, segment, "
                        "segment_name (and probability for mixture models)",
        "summary.json": "machine-readable account of the run: every decision, score and "
                        "segment profile",
        "report.html": "this report: one file that opens offline",
        "figures/": "the report's figures as PNG files, for slides",
        "model.skops": "the fitted preprocessing and model, to score new customers",
    }
    return {
        "files": [{"name": f, "about": about.get(f, "")} for f in files],
        "commands": [
            {"command": "custseg assign model.skops new.csv -o scored.csv",
             "about": "put new customers (same columns as this table) into these segments "
                      "without refitting"},
            {"command": f"custseg run INPUT --k {int(result.k)} --seed "
                        f"{getattr(result.config, 'seed', 0)}",
             "about": "rerun with the same number of segments and seed: same input, same "
                      "segments"},
        ],
    }


def _highlights(data: dict) -> list[dict]:
    meta, sel, val = data["meta"], data.get("selection", {}), data.get("validation", {})
    items = [{"label": "customers", "value": f"{meta['n_rows']:,}"},
             {"label": "segments", "value": str(meta["k"])},
             {"label": "algorithm", "value": meta["algorithm"]}]
    if sel.get("confidence"):
        items.append({"label": "confidence", "value": str(sel["confidence"])})
    sil = (val.get("metrics") or {}).get("silhouette")
    if isinstance(sil, int | float):
        items.append({"label": "silhouette", "value": f"{sil:.2f}"})
    return items

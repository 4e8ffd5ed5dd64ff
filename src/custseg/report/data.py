"""The report as plain data: :func:`build_report_data` turns a run into a JSON-ready dict.

The dict is everything the templates show, and nothing else: personal-data
columns are reduced to their name, role and reason (never a value), identifiers
never appear, and figures are stored as plain figure data
(:mod:`custseg.viz.extract`), not as drawn figures. Every section comes from
the run record (:class:`custseg.record.RunRecord`) that both engines fill, so
the Spark report is this report (without figure data, which needs the rows in
memory); every section and every key is optional and the renderer skips what
is absent. A new capability adds its section here in one line, reading the
record's ``sections`` (see ``tracking`` below).

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

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from custseg.explain._common import fmt_vs_limit
from custseg.record import RunRecord
from custseg.viz.extract import figure_specs, jsonable

#: Column keys of the decisions table and of the columns table.
DECISION_KEYS = ("column", "role", "kept", "treatment", "reason")
MAX_RULES_PER_SEGMENT = 3


def build_report_data(result, *, files: list[str] | None = None, title: str | None = None,
                      specs: dict | None = None) -> dict[str, Any]:
    """Plain, JSON-ready data of the report for a run of either engine.

    ``result`` is a :class:`custseg.record.RunRecord` or a run result with a
    ``record()`` method (:class:`custseg.workflow.RunResult`,
    :class:`custseg.spark.SparkRunResult`): every section comes from the record
    alone. ``files`` lists the files written next to the report (shown in
    section 6); ``specs`` is the figure data (:func:`custseg.viz.figure_specs`,
    computed here for a local result when not given; the PNGs and the report
    can share one computation).

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
    record = result if isinstance(result, RunRecord) else result.record()
    if specs is None:  # figures need the rows: only a local result has them in memory
        specs = figure_specs(result) if record.engine == "local" and \
            not isinstance(result, RunRecord) else {}
    pii = set(record.input.pii)
    data: dict[str, Any] = {
        "meta": _meta(record, title),
        "overview": _overview(record),
        "preprocessing": _preprocessing(record, pii),
        "selection": _selection(record),
        "segments": _segments(record),
        "validation": _validation(record),
        "usage": _usage(record, files),
        "figures": dict(specs),
    }
    from custseg.tracking.report import report_data  # "Segments over time" (--previous)

    if (tracking := report_data(record)) is not None:
        data["tracking"] = tracking
    from custseg.value.report import report_data as value_report  # "What each segment is worth"

    if (value := value_report(record)) is not None:
        data["value"] = value
    data["highlights"] = _highlights(data, record)
    return jsonable(data)


# ------------------------------------------------------------------ parts
def _meta(record: RunRecord, title: str | None) -> dict:
    path = record.input.source.get("path")
    name = Path(path).name if path else "data frame"
    return {"title": title or f"Customer segments: {name}", "source": name,
            "n_rows": record.n_rows, "k": int(record.k), "algorithm": str(record.algorithm),
            "seed": record.seed, "versions": dict(record.versions),
            "timings_s": {k: round(float(v), 2) for k, v in record.timings.items()}}


def _overview(record: RunRecord) -> dict:
    columns = [{"name": name, "role": info.get("role"), "reason": info.get("reason"),
                "dtype": info.get("dtype"), "n_missing": int(info.get("n_missing") or 0),
                "n_unique": None if info.get("role") == "pii" or info.get("n_unique") is None
                else int(info["n_unique"])}
               for name, info in record.input.columns.items()]
    n = max(record.n_rows, 1)
    missing = [{"column": c["name"], "n_missing": c["n_missing"],
                "share": c["n_missing"] / n} for c in columns if c["n_missing"]]
    source = dict(record.input.source)
    overview = {
        "n_rows": record.n_rows, "n_columns": record.input.n_columns,
        "source": {k: v for k, v in source.items()
                   if k in ("kind", "format", "encoding", "delimiter", "sep", "decimal",
                            "rows", "columns", "log_rows", "customers", "sheet")},
        "columns": columns,
        "role_counts": dict(Counter(c["role"] for c in columns)),
        "missing": missing,
        "notes": [str(x) for x in source.get("notes", []) or []],
        "quality": _quality(source),
    }
    if record.input.log_overview is not None:
        overview["transactions"] = dict(record.input.log_overview)
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


def _preprocessing(record: RunRecord, pii: set[str]) -> dict:
    prep = record.preprocessing
    details = prep.details or {}
    decisions = []
    for dec in details.get("decisions") or []:
        row = {k: dec.get(k) for k in DECISION_KEYS}
        if row["column"] in pii:  # name and reason only; its statistics stay out
            row["treatment"] = "not used"
        decisions.append(row)
    out = {"decisions": decisions, "features_used": list(prep.features_used),
           "method": details.get("method"), "method_reason": details.get("method_reason")}
    pca = prep.pca
    if isinstance(pca, dict):
        out["pca"] = {"n_components": pca.get("n_components"),
                      "explained": pca.get("explained_variance_total",
                                           float(np.sum(pca.get("explained_variance_ratio")
                                                        or [0]))),
                      "reason": pca.get("reason")}
    if not decisions:
        out["decisions"] = [{"column": c, "role": None, "kept": True, "treatment": "",
                             "reason": ""} for c in out["features_used"]] + \
            [{"column": c, "role": None, "kept": False, "treatment": "not used",
              "reason": r} for c, r in prep.features_dropped.items()]
    return out


def _selection(record: RunRecord) -> dict:
    sel = record.selection
    if sel.rule_based:
        return {"algorithm": str(sel.algorithm), "k": int(sel.k),
                "reason": "rule-based RFM groups: no model selection was run", "rule_based":
                    True}
    out: dict[str, Any] = dict(sel.details)
    for key in ("algorithm", "k", "confidence", "structure_found", "reason"):
        out[key] = out.get(key)
    out["runners_up"] = list(out.get("runners_up") or [])
    out.pop("candidates", None)
    if sel.table is not None:
        out["candidates"] = dict(sel.table)
    out["sampling"] = dict(sel.sampling)
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


def _segments(record: RunRecord) -> dict:
    rules = record.rules or record.validation.get("rules") or {}
    rule_segments = rules.get("segments") or {}
    cards = []
    for seg in record.segments:
        sid = seg.id
        seg_rules = seg.rules if isinstance(seg.rules, dict) else \
            rule_segments.get(str(sid)) or rule_segments.get(sid) or {}
        top = seg.profile.get("top_features") or []
        cards.append({
            "id": sid, "name": seg.name or f"segment {sid}",
            "description": seg.description or "",
            "size": seg.size, "share": seg.share, "value_share": seg.value_share,
            "top_features": [t.get("text") for t in top if t.get("text")][:5],
            "stability": (seg.stability or {}).get("verdict"),
            "outcomes": [{k: o.get(k) for k in ("column", "statistic", "level", "value",
                                                 "overall", "text")}
                         for o in seg.outcomes or []],
            # each rule with its own precision and coverage: a segment-level number over
            # a rule that is right 11% of the time would misread as the rule's accuracy
            "rules": [{"rule": r.get("rule"), "precision": r.get("precision"),
                       "coverage": r.get("coverage"), "n_covered": r.get("n_covered")}
                      for r in (seg_rules.get("rules") or [])[:MAX_RULES_PER_SEGMENT]],
            "n_rules": len(seg_rules.get("rules") or []),
            # share of the segment that all its rules together find (the tree's recall)
            "found": seg_rules.get("fidelity"),
        })
    out = {"cards": cards, "fidelity": rules.get("fidelity"),
           "outcomes": _outcomes_table(record.outcomes, cards)}
    if record.rfm is not None:
        groups = list(dict.fromkeys(g for row in record.rfm.crosstab.values() for g in row))
        out["rfm"] = {"groups": groups,
                      "rows": [{"segment": int(s), "counts": [int(row.get(g, 0))
                                                              for g in groups]}
                               for s, row in record.rfm.crosstab.items()]}
    return out


def _jaccard(value) -> str:
    """A mean Jaccard shown so that it reads on the side of the verdict's limits."""
    value = float(value or 0)
    limit = min((0.6, 0.75), key=lambda t: abs(t - value))
    return fmt_vs_limit(value, limit)


def _outcomes_table(outcomes: list[dict], cards: list[dict]) -> dict | None:
    """The "Outcomes by segment" table: one column per outcome, one row per segment.

    Cells keep the raw numbers (``value``, ``overall``) and the statistic, so the
    template formats a rate as a percentage and a mean as a number.
    """
    overview = [o for o in outcomes or [] if isinstance(o, dict)]
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


def _validation(record: RunRecord) -> dict:
    validation = record.validation or {}
    metrics = record.metrics or validation.get("metrics") or {}
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
    warnings = list(record.warnings)
    warnings += [w for w in validation.get("warnings", []) or [] if w not in warnings]
    out["warnings"] = warnings
    return out


def _usage(record: RunRecord, files: list[str] | None) -> dict:
    if record.engine == "spark":
        return _spark_usage(files)
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
            {"command": f"custseg run INPUT --k {int(record.k)} --seed "
                        f"{record.seed}",
             "about": "rerun with the same number of segments and seed: same input, same "
                      "segments"},
        ],
    }


def _spark_usage(files: list[str] | None) -> dict:
    about = {"segments.csv": "one row per customer: segment and name",
             "segments/": "one row per customer: segment and name (Parquet partitioned by "
                          "segment; read with spark.read.parquet)",
             "summary.json": "every number of this run", "report.html": "this report",
             "figures/": "the figures as PNG",
             "spark_model/": "Spark ML PipelineModel for scoring"}
    files = files or ["segments.csv", "summary.json", "report.html", "figures/",
                      "spark_model/"]
    return {"files": [{"name": f, "about": about.get(f, "")} for f in files],
            "commands": [{"command": "custseg assign spark_model NEW.csv -o scored.csv "
                                     "--engine spark",
                          "about": "score new customers on Spark"}]}


def _highlights(data: dict, record: RunRecord) -> list[dict]:
    meta, sel, val = data["meta"], data.get("selection", {}), data.get("validation", {})
    items = [{"label": "customers", "value": f"{meta['n_rows']:,}"},
             {"label": "segments", "value": str(meta["k"])},
             {"label": "algorithm", "value": meta["algorithm"]}]
    if record.engine != "local":
        items.append({"label": "engine", "value": "Apache Spark" if record.engine == "spark"
                      else record.engine})
    if sel.get("confidence"):
        items.append({"label": "confidence", "value": str(sel["confidence"])})
    sil = (val.get("metrics") or {}).get("silhouette")
    if isinstance(sil, int | float):
        items.append({"label": "silhouette", "value": f"{sil:.2f}"})
    return items

"""From a run's result to plain figure data (JSON-ready dicts), one entry per figure.

:func:`figure_specs` reads a :class:`custseg.workflow.RunResult` only through
the public attributes of each stage and returns ``{kind: spec}`` where each
spec is plain data (lists, numbers, strings). The same specs feed the PNGs
(:func:`custseg.viz.save_figures`) and the HTML report; an engine that has no
``RunResult`` (Spark) can build them itself from aggregates and a sample.
Every part is optional: a figure whose inputs are missing is left out.

Nothing here touches personal data: only feature columns, the segment labels
and coordinates appear, and PII columns are never features.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from custseg._json import to_jsonable as jsonable
from custseg.viz._common import sample_rows
from custseg.viz.maps import embed_2d
from custseg.viz.preprocess import before_after_data
from custseg.viz.segments import distribution_summary, heatmap_matrix, top_features
from custseg.viz.structure import certainty_histogram, dendrogram_data
from custseg.viz.validation import silhouette_frame

log = logging.getLogger(__name__)


def segment_names(result) -> dict[int, str]:
    """Segment id -> name from a result (empty when unnamed)."""
    names = getattr(result, "names", None)
    if callable(names):
        names = names()
    if not names:
        model = getattr(result, "model", None)
        names = getattr(model, "names", None) or {}
    out = {}
    for key, value in dict(names).items():
        if isinstance(value, dict):
            value = value.get("name")
        if value is not None:
            out[int(key)] = str(value)
    return out


def explanation_dict(result) -> dict:
    """``result.explanation.to_dict()``, or ``{}``."""
    explanation = getattr(result, "explanation", None)
    to_dict = getattr(explanation, "to_dict", None)
    if not callable(to_dict):
        return {}
    try:
        return dict(to_dict())
    except Exception:
        log.warning("explanation.to_dict() failed", exc_info=True)
        return {}


def chosen(result) -> tuple[str, int] | None:
    """The chosen ``(algorithm, k)``."""
    selection = getattr(getattr(result, "segmenter", None), "selection_", None)
    if selection is not None and getattr(selection, "k", None) is not None:
        return str(selection.algorithm), int(selection.k)
    k = getattr(result, "k", None)
    return (str(getattr(result, "algorithm", "")), int(k)) if k else None


def _candidates(result) -> pd.DataFrame | None:
    cands = getattr(getattr(result, "segmenter", None), "candidates_", None)
    return cands if isinstance(cands, pd.DataFrame) and len(cands) else None


def _profiles(result):
    return getattr(getattr(result, "explanation", None), "profiles", None)


def _names_json(names: dict[int, str]) -> dict[str, str]:
    return {str(k): v for k, v in names.items()}


# ------------------------------------------------------------- per figure
def _spec_k_selection(result, names):
    cands = _candidates(result)
    if cands is None:
        return None
    return {"candidates": jsonable(cands), "chosen": jsonable(chosen(result))}


def _spec_stability_k(result, names):
    cands = _candidates(result)
    if cands is None or "stability" not in cands or not cands["stability"].notna().any():
        return None
    cols = [c for c in ("algorithm", "k", "stability", "stability_min_jaccard") if c in cands]
    return {"candidates": jsonable(cands[cols]), "chosen": jsonable(chosen(result))}


def _spec_sizes(result, names):
    profiles = _profiles(result)
    sizes = getattr(profiles, "sizes", None)
    if not sizes:
        labels, counts = np.unique(np.asarray(result.labels), return_counts=True)
        sizes = dict(zip(labels.tolist(), counts.tolist(), strict=True))
    value_shares = getattr(profiles, "value_shares", None) or {}
    return {"sizes": jsonable(sizes), "value_shares": jsonable(value_shares),
            "names": _names_json(names)}


def _effects(result) -> pd.DataFrame | None:
    profiles = _profiles(result)
    method = getattr(profiles, "effect_matrix", None)
    if not callable(method):
        return None
    effects = method()
    return effects if isinstance(effects, pd.DataFrame) and effects.size else None


def _matrix_spec(matrix: pd.DataFrame, names) -> dict:
    return {"segments": [int(s) for s in matrix.index], "features": [str(c) for c in
                                                                     matrix.columns],
            "values": jsonable(matrix.to_numpy(dtype=float)), "names": _names_json(names)}


def _spec_heatmap(result, names):
    effects = _effects(result)
    if effects is None:
        return None
    # keep the strongest features only (the spec is what gets drawn)
    kept = heatmap_matrix(effects).index
    return _matrix_spec(effects[list(kept)], names)


def _spec_snake(result, names):
    profiles = _profiles(result)
    method = getattr(profiles, "snake_data", None)
    snake = method() if callable(method) else None
    if not isinstance(snake, pd.DataFrame) or snake.empty:
        return None
    if snake.shape[1] > 25:
        effects = _effects(result)
        keep = top_features(effects, list(snake.columns), 25) if effects is not None \
            else list(snake.columns[:25])
        snake = snake[[c for c in snake.columns if c in keep]]
    return _matrix_spec(snake, names)


def _spec_distributions(result, names):
    effects = _effects(result)
    profiles = _profiles(result)
    kinds = getattr(profiles, "kinds", {}) or {}
    numeric = [f for f, k in kinds.items() if k != "categorical" and f in result.frame]
    if effects is None or not numeric:
        return None
    feats = top_features(effects, numeric, n=6)
    summary = distribution_summary(result.frame, result.labels, feats)
    return {"rows": jsonable(summary), "names": _names_json(names)} if len(summary) else None


def _spec_map(result, names):
    X = getattr(result, "X", None)
    if X is None or len(X) == 0:
        return None
    emb = embed_2d(X, result.labels, random_state=int(getattr(result.config, "seed", 0) or 0))
    return {"x": jsonable(np.round(emb["coords"][:, 0], 4)),
            "y": jsonable(np.round(emb["coords"][:, 1], 4)),
            "labels": jsonable(emb["labels"]), "method": emb["method"],
            "explained": emb["explained"], "note": emb["note"], "n_total": emb["n_total"],
            "names": _names_json(names)}


def _spec_geo(result, names):
    schema = getattr(result, "schema", None)
    if schema is None:
        return None
    lat_cols, lon_cols = schema.names("latitude"), schema.names("longitude")
    if not lat_cols or not lon_cols:
        return None
    frame = result.frame
    lat = pd.to_numeric(frame[lat_cols[0]], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(frame[lon_cols[0]], errors="coerce").to_numpy(dtype=float)
    keep = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    rows = keep[sample_rows(len(keep), random_state=int(getattr(result.config, "seed", 0) or 0))]
    note = "" if len(rows) == len(keep) else \
        f"random sample of {len(rows):,} of {len(keep):,} customers"
    return {"lat": jsonable(np.round(lat[rows], 4)), "lon": jsonable(np.round(lon[rows], 4)),
            "labels": jsonable(np.asarray(result.labels)[rows]), "note": note,
            "columns": [str(lat_cols[0]), str(lon_cols[0])], "names": _names_json(names)}


def _spec_dendrogram(result, names):
    estimator = getattr(getattr(result, "segmenter", None), "best_estimator_", None)
    Z = getattr(estimator, "linkage_matrix_", None)
    if Z is None or len(Z) < 2:
        return None
    tree = dendrogram_data(Z, p=30, k=getattr(result, "k", None))
    n = tree["n"]
    total = len(result.labels)
    tree["note"] = "" if n >= total else \
        f"linkage of {n:,} representatives (pre-clusters or a sample) of {total:,} customers"
    return jsonable(tree)


def _spec_certainty(result, names):
    probability = getattr(result, "probability", None)
    if probability is None:
        return None
    hist = certainty_histogram(probability, result.labels)
    hist["names"] = _names_json(names)
    return jsonable(hist)


def _validation_object(result):
    return getattr(getattr(result, "explanation", None), "validation", None)


def silhouette_sample(result) -> tuple[np.ndarray, np.ndarray, float | None, str] | None:
    """Per-customer silhouette values of the validation sample: (values, labels, mean, note).

    Reads ``explanation.validation.silhouette_values`` (a table with
    ``segment`` and ``silhouette`` columns).
    """
    validation = _validation_object(result)
    table = getattr(validation, "silhouette_values", None)
    if not isinstance(table, pd.DataFrame) or table.empty or "silhouette" not in table:
        return None
    values = table["silhouette"].to_numpy(dtype=float)
    if "segment" in table:
        labels = table["segment"].to_numpy()
    elif "row" in table:
        labels = np.asarray(result.labels)[table["row"].to_numpy(dtype=int)]
    else:
        return None
    mean = getattr(validation, "silhouette", None)
    n, total = len(values), len(result.labels)
    note = f"seeded sample of {n:,} of {total:,} customers" if n < total else ""
    return values, labels, mean, note


def _spec_silhouette(result, names):
    found = silhouette_sample(result)
    if found is None:
        return None
    values, labels, mean, note = found
    frame = silhouette_frame(values, labels)
    if frame.empty:
        return None
    return {"segments": jsonable(frame["segment"]), "values": jsonable(frame["value"].round(4)),
            "positions": jsonable(frame["position"]), "mean": jsonable(mean), "note": note,
            "names": _names_json(names)}


def stability_per_segment(result) -> dict[int, float]:
    """Segment -> mean Jaccard over resamples (``explanation.validation.stability``)."""
    table = getattr(_validation_object(result), "stability", None)
    if not isinstance(table, pd.DataFrame) or table.empty:
        return {}
    key = "segment" if "segment" in table else "cluster"
    return {int(r[key]): float(r["mean_jaccard"]) for r in table.to_dict("records")
            if r.get("mean_jaccard") is not None and int(r[key]) != -1}


def _spec_stability_segments(result, names):
    per = stability_per_segment(result)
    return {"values": jsonable(per), "names": _names_json(names)} if per else None


def contingency(result) -> tuple[pd.DataFrame, str] | None:
    """(label x segment counts, label column) when a label was given."""
    label = getattr(getattr(result, "schema", None), "label_column", None)
    table = getattr(_validation_object(result), "contingency", None)
    if isinstance(table, pd.DataFrame) and not table.empty:
        return table, str(label or table.index.name or "label")
    if not label or label not in result.frame:
        return None
    table = pd.crosstab(result.frame[label].astype(str).to_numpy(),
                        np.asarray(result.labels))
    return table, str(label)


def _spec_contingency(result, names):
    found = contingency(result)
    if found is None:
        return None
    table, label = found
    return {"rows": [str(r) for r in table.index], "columns": [jsonable(c) for c in
                                                               table.columns],
            "counts": jsonable(table.to_numpy()), "label": label, "names": _names_json(names)}


def _spec_before_after(result, names):
    pairs = before_after_data(result.preprocessor, result.frame,
                              random_state=int(getattr(result.config, "seed", 0) or 0))
    return {"pairs": jsonable(pairs)} if pairs else None


#: Figure kinds in report order, with the function that builds each spec.
SPEC_BUILDERS: dict[str, Callable] = {
    "before_after": _spec_before_after,
    "k_selection": _spec_k_selection,
    "stability_k": _spec_stability_k,
    "sizes": _spec_sizes,
    "profile_heatmap": _spec_heatmap,
    "snake": _spec_snake,
    "distributions": _spec_distributions,
    "map_2d": _spec_map,
    "geo": _spec_geo,
    "dendrogram": _spec_dendrogram,
    "certainty": _spec_certainty,
    "silhouette": _spec_silhouette,
    "stability_segments": _spec_stability_segments,
    "contingency": _spec_contingency,
}


def figure_specs(result, kinds: list[str] | None = None) -> dict[str, dict]:
    """Plain data for every figure the result supports, ``{kind: spec}`` in report order.

    A figure whose inputs are absent (no candidates for RFM runs, no
    coordinates, no label...) is left out; one that fails is logged and left
    out, so a report still renders.
    """
    names = segment_names(result)
    specs = {}
    for kind, builder in SPEC_BUILDERS.items():
        if kinds is not None and kind not in kinds:
            continue
        try:
            spec = builder(result, names)
        except Exception:
            log.warning("figure %s could not be built", kind, exc_info=True)
            continue
        if spec:
            specs[kind] = spec
    return specs

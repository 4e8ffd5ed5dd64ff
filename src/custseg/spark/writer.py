"""Outputs of a Spark run, all or nothing: segments, summary.json, report, figures, model.

``segments.csv`` is written through pandas when the table is small enough
(< 2 million rows), otherwise ``segments/`` as Parquet partitioned by segment
(noted in summary.json). The model is a Spark ML PipelineModel in
``spark_model/pipeline`` with ``spark_model/custseg_model.json`` beside it.
"""

from __future__ import annotations

import html
import json
import platform
import time
from pathlib import Path
from typing import Any

from custseg.outputs import staged_output, write_summary
from custseg.persist.model import versions
from custseg.safe_csv import write_csv
from custseg.spark.reader import ROW
from custseg.summary import SCHEMA_VERSION, gather_timings, to_jsonable

#: Up to this many rows segments.csv is written; above, Parquet ``segments/``.
CSV_MAX_ROWS = 2_000_000
MODEL_DIR = "spark_model"
MODEL_META = "custseg_model.json"


def spark_versions() -> dict[str, str]:
    """Library versions plus pyspark and the JVM's Java version."""
    out = versions()
    try:
        import pyspark

        out["pyspark"] = pyspark.__version__
    except ImportError:
        out["pyspark"] = "not installed"
    out["python"] = platform.python_version()
    return out


def build_summary(result) -> dict[str, Any]:
    """summary.json of a :class:`~custseg.spark.engine.SparkRunResult`."""
    cfg = result.config
    summary = {
        "schema_version": SCHEMA_VERSION,
        "engine": "spark",
        "input": {"kind": result.source.get("kind", "table"), **result.source},
        "n_rows": int(result.n_rows),
        "n_columns": len(result.schema.columns),
        "columns": result.schema.to_dict(),
        "algorithm": result.algorithm,
        "k": int(result.k),
        "n_unassigned": 0,
        "seed": int(cfg.seed),
        "features_used": result.plan.features_used,
        "features_dropped": dict(result.plan.dropped),
        "preprocessing": {**result.plan.to_dict(), "vector": result.feature_names},
        "selection": result.selection,
        "candidates": [c.to_dict() for c in result.candidates],
        "sampling": dict(result.sampling),
        "approximations": [
            "silhouette: Spark's ClusteringEvaluator (squared Euclidean), not scikit-learn's",
            "Davies-Bouldin on root-mean-square scatter instead of mean distance",
            "medians: percentile_approx",
            "column roles, near-duplicates and the report's sample: a pandas sample",
        ],
        "metrics": result.metrics,
        "validation": {"stability": {"ari_mean": result.metrics.get("stability_ari"),
                                     "method": result.sampling.get("stability")}},
        "segments": result.segments,
        "warnings": list(result.warnings),
        "decisions": list(result.decisions),
        "timings_s": dict(result.timings),
        "versions": spark_versions(),
        "config": cfg.to_dict(),
    }
    if result.transactions is not None:
        summary["transactions"] = result.transactions.to_dict()
    return gather_timings(to_jsonable(summary))


def write_outputs(result, out_dir: str | Path, *, report: bool = True) -> Path:
    """Write everything into a staging folder, then swap it into ``out_dir``.

    The same checks, lock and marker as the local engine (:func:`staged_output`):
    only a folder custseg wrote is replaced, never one holding the input.
    """
    out_dir = Path(out_dir)
    source = getattr(result, "source", None) or {}
    with staged_output(out_dir, inputs=[source.get("path")]) as staging:
        clock = time.perf_counter()
        notes = _write_segments(result, staging)
        save_model(result, staging / MODEL_DIR)
        (staging / "figures").mkdir()
        figures = save_figures(result, staging / "figures")
        result.timings["write"] = round(time.perf_counter() - clock, 3)
        summary = build_summary(result)
        summary["outputs"] = {"figures": figures, "report": report, "model": MODEL_DIR,
                              **notes}
        if report:
            (staging / "report.html").write_text(render(summary, result), encoding="utf-8")
        write_summary(summary, staging / "summary.json")
    return out_dir


def _write_segments(result, staging: Path) -> dict[str, str]:
    if result.n_rows < CSV_MAX_ROWS:
        write_csv(result.segments_table(), staging / "segments.csv", float_format="%.4f")
        return {"segments": "segments.csv"}
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    names = F.create_map(*[x for s, nm in result.names.items() for x in (F.lit(s), F.lit(nm))])
    frame = result.assigned.withColumn("segment_name", names[F.col("segment")])
    if not result.id_column:
        frame = frame.withColumn("row", F.col(ROW) + 1)  # order key, not consecutive
    frame.write.mode("overwrite").partitionBy("segment").parquet(
        str(staging / "segments"))
    return {"segments": "segments/ (Parquet partitioned by segment)",
            "segments_note": f"{result.n_rows:,} rows: too many for a comfortable CSV "
                             f"(limit {CSV_MAX_ROWS:,}); read with spark.read.parquet"}


def save_model(result, folder: Path) -> Path:
    """Save the PipelineModel and the metadata ``assign_spark`` needs."""
    folder.mkdir(parents=True)
    result.pipeline.write().overwrite().save(str(folder / "pipeline"))
    tx = result.transactions
    meta = {"format": "custseg-spark-model", "version": 1, "algorithm": result.algorithm,
            "k": result.k, "id_column": result.id_column,
            "names": {str(k): v for k, v in result.names.items()},
            "label_map": {str(k): v for k, v in result.label_map.items()},
            "input_columns": result.plan.features_used,
            "probability": result.has_probability,
            "input_kind": "transactions" if tx is not None else "table",
            "log_columns": tx.columns.to_dict() if tx is not None else None,
            "seed": result.config.seed, "versions": spark_versions()}
    (folder / MODEL_META).write_text(json.dumps(to_jsonable(meta), indent=2) + "\n",
                                     encoding="utf-8")
    return folder


def save_figures(result, folder: Path) -> list[str]:
    """k-selection curves and segment sizes as PNG (matplotlib, no display needed)."""
    # a Figure without pyplot draws on the Agg canvas: no backend choice, no display
    from matplotlib.figure import Figure

    files = []
    metrics = [("silhouette_spark", "Silhouette (Spark, squared Euclidean)"),
               ("calinski_harabasz", "Calinski-Harabasz"), ("wss", "Within-segment SS"),
               ("bic", "BIC (mixtures)")]
    fig = Figure(figsize=(10, 7))
    axes = fig.subplots(2, 2)
    for ax, (key, title) in zip(axes.ravel(), metrics, strict=True):
        for algo in dict.fromkeys(c.algorithm for c in result.candidates):
            pts = [(c.k, c.scores.get(key)) for c in result.candidates
                   if c.algorithm == algo and c.scores.get(key) is not None]
            if pts:
                ax.plot(*zip(*pts, strict=True), marker="o", label=algo)
        ax.axvline(result.k, color="grey", linestyle=":")
        ax.set_title(title)
        ax.set_xlabel("k")
        if ax.has_data():
            ax.legend(fontsize=8)
    fig.suptitle(f"Choosing k: chosen {result.algorithm}, k={result.k}")
    fig.tight_layout()
    fig.savefig(folder / "k_selection.png", dpi=100)
    files.append("k_selection.png")
    fig = Figure(figsize=(8, 0.5 + 0.45 * len(result.segments)))
    ax = fig.subplots()
    labels = [f"{s['id']}: {s['name']}" for s in result.segments][::-1]
    ax.barh(labels, [s["share"] for s in result.segments][::-1], color="#4477aa")
    ax.set_xlabel("share of customers")
    fig.tight_layout()
    fig.savefig(folder / "segment_sizes.png", dpi=100)
    files.append("segment_sizes.png")
    return files


def report_data(summary: dict[str, Any], result) -> dict[str, Any]:
    """The report's plain dict (see :mod:`custseg.report.data`) from aggregates only."""
    segs = summary["segments"]
    return {
        "meta": {"title": "Customer segments (Spark engine)",
                 "source": summary["input"].get("path"), "n_rows": summary["n_rows"],
                 "k": summary["k"], "algorithm": summary["algorithm"],
                 "seed": summary["seed"], "versions": summary["versions"],
                 "timings_s": summary["timings_s"]},
        "highlights": [{"label": "Customers", "value": f"{summary['n_rows']:,}"},
                       {"label": "Segments", "value": str(summary["k"])},
                       {"label": "Algorithm", "value": summary["algorithm"]},
                       {"label": "Engine", "value": "Apache Spark"}],
        "overview": {"n_rows": summary["n_rows"], "n_columns": summary["n_columns"],
                     "source": {k: v for k, v in summary["input"].items()
                                if isinstance(v, str | int | float)},
                     "columns": [{"name": k, **{f: v.get(f) for f in (
                         "role", "reason", "dtype", "n_missing", "n_unique")}}
                         for k, v in summary["columns"].items()],
                     "transactions": summary.get("transactions"),
                     "notes": summary["decisions"][:20]},
        "preprocessing": {"features_used": summary["features_used"],
                          "decisions": [{"column": c, "role": "", "kept": c in
                                         summary["features_used"], "treatment": "dropped",
                                         "reason": r}
                                        for c, r in summary["features_dropped"].items()],
                          "method": "one-hot (block-weighted)", "pca": "off"},
        "selection": {"algorithm": summary["algorithm"], "k": summary["k"],
                      "reason": summary["selection"]["reason"],
                      "runners_up": summary["selection"].get("runners_up", []),
                      "structure_found": summary["selection"].get("structure_found"),
                      "sampling": summary["sampling"]},
        "segments": {"cards": [{"id": s["id"], "name": s["name"], "size": s["size"],
                                "share": s["share"],
                                "top_features": [
                                    {**t, "text": _describe(t)} for t in s["top_features"]]}
                               for s in segs]},
        "validation": {"metrics": summary["metrics"], "warnings": summary["warnings"]},
        "usage": {"files": [{"name": n, "about": a} for n, a in (
                      ("segments.csv", "one row per customer: segment and name"),
                      ("summary.json", "every number of this run"),
                      ("figures/", "the figures as PNG"),
                      (MODEL_DIR + "/", "Spark ML PipelineModel for scoring"))],
                  "commands": [{"command": f"custseg assign {MODEL_DIR} NEW.csv -o scored.csv "
                                           "--engine spark",
                                "about": "score new customers on Spark"}]},
    }


def _describe(t: dict[str, Any]) -> str:
    what = f"{t['feature']} = {t['level']}" if t.get("level") is not None else t["feature"]
    return f"{what}: {t['direction']} than overall (effect {t['effect_size']:+.2f})"


def render(summary: dict[str, Any], result) -> str:
    """report.html via :func:`custseg.report.render_report`, or a minimal escaped page."""
    try:
        from custseg.report import render_report
    except ImportError:
        render_report = None
    if render_report is not None:
        return render_report(to_jsonable(report_data(summary, result)))
    rows = "".join(f"<tr><td>{s['id']}</td><td>{html.escape(s['name'])}</td>"
                   f"<td>{s['size']:,}</td><td>{s['share']:.1%}</td></tr>"
                   for s in summary["segments"])
    return ("<!doctype html><meta charset='utf-8'><title>custseg (Spark)</title>"
            f"<h1>{summary['k']} segments ({html.escape(summary['algorithm'])})</h1>"
            f"<table><tr><th>id</th><th>name</th><th>size</th><th>share</th></tr>{rows}</table>")


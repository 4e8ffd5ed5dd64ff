"""Outputs of a Spark run, all or nothing: segments, summary.json, report, figures, model.

``segments.csv`` is written through pandas when the table is small enough
(< 2 million rows), otherwise ``segments/`` as Parquet partitioned by segment
(noted in summary.json). The model is a Spark ML PipelineModel in
``spark_model/pipeline`` with ``spark_model/custseg_model.json`` beside it.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

from custseg.outputs import staged_output, write_summary
from custseg.persist.model import versions
from custseg.safe_csv import write_csv
from custseg.spark.reader import ROW
from custseg.summary import to_jsonable

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
        record = result.record()
        record.add_section("outputs", {"figures": figures, "report": report,
                                       "model": MODEL_DIR, **notes})
        if report:
            files = [notes["segments"].split(" ")[0], "summary.json", "report.html",
                     "figures/", MODEL_DIR + "/"]
            (staging / "report.html").write_text(render(record, files), encoding="utf-8")
        from custseg.tracking import write_migration  # migration.csv with --previous

        write_migration(result, staging)
        write_summary(record.to_summary(), staging / "summary.json")
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
    metrics = [("silhouette", "Silhouette (sampled rows)"),
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


def render(record, files: list[str] | None = None) -> str:
    """report.html from the run record: the local engine's report, without figure data."""
    from custseg.report import build_report_data, render_report

    return render_report(build_report_data(record, files=files, specs={}))

"""Score new customers with a saved Spark model (``custseg assign --engine spark``)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from custseg.exceptions import InputError, ModelMismatchError
from custseg.persist.guard import inspect_spark_model
from custseg.safe_csv import write_csv
from custseg.spark.reader import ROW, read_input
from custseg.spark.writer import MODEL_DIR, MODEL_META


def model_folder(path: str | Path) -> Path:
    """The model folder: ``path`` itself, or ``path/spark_model`` (a run's output folder)."""
    path = Path(path)
    for candidate in (path, path / MODEL_DIR):
        if (candidate / MODEL_META).is_file() and (candidate / "pipeline").is_dir():
            return candidate
    raise InputError("not a custseg Spark model folder", where=str(path),
                     fix=f"pass the {MODEL_DIR}/ folder written by `custseg run --engine spark`")


def assign_frame(spark, model_path, data):
    """(scored rows: __cs_row, id or nothing, segment, segment_name[, probability]; meta)."""
    from pyspark.ml import PipelineModel
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    folder = model_folder(model_path)
    # pyspark imports the classes the folder names and runs its SQL: check them first
    inspect_spark_model(folder)
    meta = json.loads((folder / MODEL_META).read_text(encoding="utf-8"))
    pipeline = PipelineModel.load(str(folder / "pipeline"))
    raw, _ = read_input(spark, data)
    if meta.get("input_kind") == "transactions":
        from custseg.spark.features import build_features

        roles = {k: v for k, v in (meta.get("log_columns") or {}).items() if v}
        frame = build_features(spark, raw, columns=roles).frame
        frame = frame.withColumn(ROW, F.monotonically_increasing_id())
    else:
        frame = raw
    missing = [c for c in meta["input_columns"] if c not in frame.columns]
    if missing:
        raise ModelMismatchError(
            f"the input lacks {len(missing)} column(s) the model was trained on: "
            f"{', '.join(repr(c) for c in missing[:5])}", where="custseg assign --engine spark",
            fix=f"score a table with the training columns ({', '.join(meta['input_columns'][:8])})")
    scored = pipeline.transform(frame)
    names = F.create_map(*[x for s, n in meta["names"].items()
                           for x in (F.lit(int(s)), F.lit(n))])
    id_col = meta.get("id_column") if meta.get("id_column") in frame.columns else None
    cols = [F.col(ROW), *([F.col(f"`{id_col}`")] if id_col else []), F.col("segment"),
            F.coalesce(names[F.col("segment")], F.lit("Unassigned")).alias("segment_name")]
    if meta.get("probability"):
        cols.append(F.round(F.array_max(vector_to_array("probability")), 4)
                    .alias("probability"))
    return scored.select(*cols), meta


def assign_spark(model_path, input_path, out_path, spark=None) -> int:
    """Score ``input_path`` with the model at ``model_path``; write ``out_path``; return rows.

    ``out_path`` ending in ``.parquet`` gives a Parquet folder; otherwise a CSV in
    input order (id or 1-based ``row``, segment, segment_name[, probability]).
    The file appears only when complete.
    """
    if spark is None:
        from custseg.spark.session import get_session

        spark = get_session()
    table, meta = assign_frame(spark, model_path, input_path)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{time.time_ns()}")
    try:
        if out.suffix.lower() == ".parquet":
            table.write.parquet(str(tmp))
            n = spark.read.parquet(str(tmp)).count()
        else:
            frame = table.orderBy(ROW).toPandas()
            if not meta.get("id_column") or meta["id_column"] not in frame.columns:
                frame.insert(1, "row", range(1, len(frame) + 1))
            frame = frame.drop(columns=[ROW])
            write_csv(frame, tmp, index=False, float_format="%.4f", lineterminator="\n")
            n = len(frame)
        if out.is_dir():
            _check_only_spark_parts(out)
            shutil.rmtree(out)
        tmp.replace(out)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise
    return int(n)


def _check_only_spark_parts(folder: Path) -> None:
    """Refuse to replace a folder that holds anything but a Spark Parquet output.

    The command line checks ``-o`` before scoring; this guards API callers too, so a
    user's folder is never deleted.
    """
    foreign = [p.name for p in folder.iterdir()
               if not p.name.startswith(("part-", "_SUCCESS", ".part-", "._SUCCESS"))]
    if foreign:
        raise InputError(
            f"the output folder holds files custseg did not write ({', '.join(foreign[:3])})",
            where=str(folder), fix="choose a new output path, or empty that folder first")

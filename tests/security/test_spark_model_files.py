"""Spark model folders: pyspark imports the classes a folder names and runs its SQL.

``custseg assign --engine spark`` checks the folder first (docs/security.md):
every class is one custseg writes, stage ids are plain names, SQL statements
call only the functions custseg uses, and a newer custseg's model is refused.
The folder is made by a real ``run_spark``; the attack module writes a marker
file when imported, and the test shows pyspark itself would import it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from custseg.datasets import make_customers
from custseg.exceptions import InputError, UnsafeModelError
from custseg.persist.guard import inspect_spark_model
from tests.cli.helpers import invoke

pytest.importorskip("pyspark")
pytestmark = pytest.mark.xdist_group("spark")  # one of two Spark groups: tests/conftest.py


@pytest.fixture(scope="module")
def spark_run(spark, tmp_path_factory) -> tuple[Path, Path]:
    """(spark_model folder, customers.csv): real Spark ML stages of the kinds
    custseg's engine fits, saved in the layout of custseg/spark/writer.py.

    (A full run_spark takes minutes on a busy machine; tests/spark covers it, and
    its assign goes through the same check.)
    """
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.feature import SQLTransformer, VectorAssembler

    from custseg.persist.guard import installed_version

    root = tmp_path_factory.mktemp("spark")
    frame = make_customers(60, k=2, seed=2, pii=False)[["customer_id", "income", "age"]]
    data = root / "customers.csv"
    frame.to_csv(data, index=False)
    prep = SQLTransformer(statement=(
        "SELECT *, LEAST(GREATEST(log1p(GREATEST(CAST(`income` AS DOUBLE), 0D)), 0.0D), "
        "9.0D) AS __cs_n0, CAST(`age` AS DOUBLE) AS __cs_n1 FROM __THIS__"))
    fitted = Pipeline(stages=[prep, VectorAssembler(inputCols=["__cs_n0", "__cs_n1"],
                                                    outputCol="features"),
                              KMeans(k=2, seed=1, maxIter=5)]).fit(spark.createDataFrame(frame))
    mapper = SQLTransformer(statement="SELECT *, CAST(CASE prediction WHEN 0 THEN 0 WHEN 1 "
                                      "THEN 1 ELSE -1 END AS INT) AS segment FROM __THIS__")
    folder = root / "spark_model"
    folder.mkdir()
    PipelineModel(stages=[*fitted.stages, mapper]).write().save(str(folder / "pipeline"))
    (folder / "custseg_model.json").write_text(json.dumps({
        "format": "custseg-spark-model", "version": 1, "algorithm": "kmeans", "k": 2,
        "id_column": "customer_id", "names": {"0": "A", "1": "B"},
        "label_map": {"0": 0, "1": 1}, "input_columns": ["income", "age"],
        "probability": False, "input_kind": "table", "log_columns": None, "seed": 1,
        "versions": {"custseg": installed_version()}}))
    return folder, data


@pytest.fixture
def model(spark_run, tmp_path) -> Path:
    """A fresh copy of the real model folder, to tamper with."""
    copy = tmp_path / "spark_model"
    shutil.copytree(spark_run[0], copy)
    return copy


def _stage(model: Path, kind: str) -> Path:
    """The metadata file of the first stage whose folder name holds ``kind``."""
    folder = next(p for p in sorted((model / "pipeline" / "stages").iterdir()) if kind in p.name)
    return next(f for f in (folder / "metadata").iterdir()
                if f.is_file() and not f.name.startswith((".", "_")))


def _edit(path: Path, change) -> None:
    meta = json.loads(path.read_text().splitlines()[0])
    change(meta)
    path.write_text(json.dumps(meta) + "\n")
    for crc in path.parent.glob(".*.crc"):  # Hadoop would refuse the stale checksum
        crc.unlink()


def test_a_model_of_custsegs_kind_passes(spark_run):
    inspect_spark_model(spark_run[0])


def test_a_foreign_class_is_refused_before_pyspark_imports_it(spark, model, spark_run,
                                                              tmp_path, monkeypatch):
    from pyspark.ml import PipelineModel

    from custseg.spark import assign_spark

    marker = tmp_path / "PWNED"
    (tmp_path / "evil_stage.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\n"
        "class Evil:\n    @classmethod\n    def load(cls, path):\n        return None\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "evil_stage", raising=False)
    _edit(_stage(model, "VectorAssembler"), lambda m: m.update({"class": "evil_stage.Evil"}))
    with contextlib.suppress(Exception):  # the stage is bogus; the import already happened
        PipelineModel.load(str(model / "pipeline"))
    assert marker.exists(), "pyspark imports the class a metadata file names"
    marker.unlink()
    monkeypatch.delitem(sys.modules, "evil_stage", raising=False)
    with pytest.raises(UnsafeModelError, match=r"holds a class custseg never writes: "
                                               r"evil_stage\.Evil"):
        assign_spark(model, spark_run[1], tmp_path / "scored.csv", spark=spark)
    assert not marker.exists()
    assert not (tmp_path / "scored.csv").exists()


def test_a_sql_statement_calling_java_is_refused(model):
    def reflect(meta):
        meta["paramMap"]["statement"] = ("SELECT *, reflect('java.lang.System', "
                                         "'getProperty', 'user.name') AS x FROM __THIS__")
    _edit(_stage(model, "SQLTransformer"), reflect)
    with pytest.raises(UnsafeModelError, match="calls reflect, which custseg never uses"):
        inspect_spark_model(model)


@pytest.mark.parametrize("statement", [
    "SELECT *, \"'\", java_method('a', 'b'), \"'\" FROM __THIS__",  # quote games
    "SELECT *, /* ' */ java_method('a', 'b') /* ' */ FROM __THIS__",  # comment games
    "SELECT *, (SELECT value FROM text.`/etc/passwd`) AS x FROM __THIS__",  # reads a file
    "SELECT * FROM __THIS__; SELECT 1 FROM __THIS__",
])
def test_sql_tricks_are_refused(model, statement):
    _edit(_stage(model, "SQLTransformer"),
          lambda m: m["paramMap"].update({"statement": statement}))
    with pytest.raises(UnsafeModelError, match="a SQL statement in the Spark model"):
        inspect_spark_model(model)


def test_a_stage_id_with_a_path_is_refused(model):
    pipeline_meta = next(f for f in (model / "pipeline" / "metadata").iterdir()
                         if f.is_file() and not f.name.startswith((".", "_")))
    _edit(pipeline_meta, lambda m: m["paramMap"]["stageUids"].__setitem__(0, "x/../../../etc"))
    with pytest.raises(UnsafeModelError, match="not a plain Spark id"):
        inspect_spark_model(model)


def test_a_spark_model_from_a_newer_custseg_is_refused_by_the_cli(model, spark_run,
                                                                   tmp_path):
    meta_path = model / "custseg_model.json"
    meta = json.loads(meta_path.read_text())
    meta["versions"]["custseg"] = "99.0.0"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(InputError, match=r"written by custseg 99\.0\.0, newer than"):
        inspect_spark_model(model)
    code, _, err = invoke("assign", model, spark_run[1], "-o", tmp_path / "scored.csv",
                          "--engine", "spark")
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "newer than the installed" in err
    assert not (tmp_path / "scored.csv").exists()


def test_the_real_model_still_scores(spark, spark_run, tmp_path):
    from custseg.spark import assign_spark

    n = assign_spark(spark_run[0], spark_run[1], tmp_path / "scored.csv", spark=spark)
    assert n == 60
    assert len(pd.read_csv(tmp_path / "scored.csv")) == 60

"""The Spark engine never overwrites a user's column with its own output columns,
and never deletes a folder it did not write."""

from __future__ import annotations

import pandas as pd
import pytest

from custseg.exceptions import InputError

pytest.importorskip("pyspark")
pytestmark = pytest.mark.xdist_group("spark2")  # one of two Spark groups: tests/conftest.py


def test_input_columns_named_like_outputs_are_renamed(spark, tmp_path):
    from custseg.spark.reader import read_input

    path = tmp_path / "c.csv"
    pd.DataFrame({"segment": ["c1", "c2"], "Probability": [0.1, 0.2],
                  "spend": [1.0, 2.0]}).to_csv(path, index=False)
    frame, source = read_input(spark, path)
    assert {"id_segment", "id_Probability", "spend"} <= set(frame.columns)
    assert "segment" not in frame.columns
    assert source["renamed_columns"] == {"segment": "id_segment",
                                         "Probability": "id_Probability"}
    assert frame.select("id_segment").toPandas()["id_segment"].tolist() == ["c1", "c2"]


def test_spark_assign_never_replaces_a_users_folder(tmp_path):
    from custseg.spark.assign import _check_only_spark_parts

    parts = tmp_path / "scored.parquet"
    parts.mkdir()
    (parts / "part-00000.parquet").write_bytes(b"x")
    (parts / "_SUCCESS").write_bytes(b"")
    _check_only_spark_parts(parts)  # custseg's own Parquet output: may be replaced
    (parts / "thesis.docx").write_text("years of work")
    with pytest.raises(InputError, match=r"holds files custseg did not write \(thesis\.docx\)"):
        _check_only_spark_parts(parts)

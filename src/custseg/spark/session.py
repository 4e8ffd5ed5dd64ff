"""Getting a SparkSession: the caller's, or a local one configured for custseg."""

from __future__ import annotations

from typing import Any

from custseg.spark._java import check_java, check_pyspark

DEFAULT_MASTER = "local[*]"
#: Settings for a session custseg starts itself (a session passed in is used as is).
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "16",
    "spark.driver.memory": "4g",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.showConsoleProgress": "false",
}


def get_session(master: str | None = None, conf: dict[str, Any] | None = None):
    """Return a SparkSession for ``master`` (default ``local[*]``), after checking Java.

    An already running session is reused as it is (Spark allows one per process).
    """
    check_pyspark()
    check_java()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.master(master or DEFAULT_MASTER).appName("custseg")
    for key, value in {**DEFAULT_CONF, **(conf or {})}.items():
        builder = builder.config(key, str(value))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark

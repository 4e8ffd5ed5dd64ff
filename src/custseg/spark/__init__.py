"""The same ``custseg run`` on Apache Spark (MLlib): for tables beyond one machine.

Nothing here imports pyspark until a function is called; Java 17+ is checked
first and a missing one gives :class:`SparkUnavailableError` saying how to
install it.

Public API
----------
- :func:`run` -> :class:`SparkRunResult`; :func:`run_spark` (run + write, returns
  the summary dict, used by ``custseg run --engine spark``);
- :func:`assign_spark` (``custseg assign --engine spark``);
- :func:`get_session`, :func:`check_java`, :func:`build_features`.

Example
-------
>>> from custseg.spark import SparkUnavailableError, check_java
>>> issubclass(SparkUnavailableError, RuntimeError)
True
"""

from __future__ import annotations

from typing import Any

from custseg.spark._java import SparkUnavailableError, check_java

__all__ = ["SparkRunResult", "SparkUnavailableError", "assign_spark", "build_features",
           "check_java", "get_session", "run", "run_spark"]


def __getattr__(name: str) -> Any:
    # Lazy: importing custseg.spark must not start (or need) a JVM.
    if name in ("run", "run_spark", "SparkRunResult"):
        from custseg.spark import engine

        return getattr(engine, name)
    if name == "assign_spark":
        from custseg.spark.assign import assign_spark

        return assign_spark
    if name == "get_session":
        from custseg.spark.session import get_session

        return get_session
    if name == "build_features":
        from custseg.spark.features import build_features

        return build_features
    raise AttributeError(f"module 'custseg.spark' has no attribute {name!r}")

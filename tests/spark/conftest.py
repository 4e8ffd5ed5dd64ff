"""One local Spark session for the whole tests/spark folder (JVM start is the slow part)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark():
    """SparkSession local[2], UI off, 4 shuffle partitions; stopped at the end."""
    from custseg.spark import get_session

    session = get_session("local[2]", {"spark.sql.shuffle.partitions": "4",
                                       "spark.driver.memory": "1g"})
    yield session
    session.stop()

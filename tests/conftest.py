"""Shared fixtures: where the real datasets are, and a CLI runner that checks exit codes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
# scikit-learn's common checks include an array-API input check that only runs
# when SciPy's array-API mode is on; it must be set before SciPy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from tests.corpus import require_shared_datasets

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """Path of ../shared/datasets (the real public datasets); skips when absent."""
    return require_shared_datasets()


@pytest.fixture(scope="session")
def customer_tables(shared_datasets: Path) -> dict[str, Path]:
    """The customer tables among the shared datasets, by short name."""
    return {
        "mall": shared_datasets / "mall_customers" / "Mall_Customers.csv",
        "wholesale": shared_datasets / "wholesale_customers" / "Wholesale customers data.csv",
        "personality": shared_datasets / "customer_personality" / "marketing_campaign.csv",
        "cc_general": shared_datasets / "cc_general" / "CC GENERAL.csv",
        "online_shoppers": shared_datasets / "online_shoppers" / "online_shoppers_intention.csv",
    }


#: Settings of the tests' SparkSession, measured on 2 busy cores (a 1,200-row scan of
#: kmeans+gmm at k 2-5 plus a 500-row run: 262 s with local[2], 4 shuffle partitions
#: and the JVM's defaults; 92 s with these). The JIT stops at C1 and the GC is serial:
#: the test JVM lives minutes, C2 compilation and parallel GC threads only compete for
#: the two cores. Adaptive execution re-plans every small query (off: about -30 %).
#: One task thread, but two partitions for created frames and shuffles: code that is
#: wrong only across partitions still fails here. -Xss4m as Spark's own test JVMs.
SPARK_TEST_CONF = {
    "spark.default.parallelism": "2",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.memory": "1g",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss4m",
}


@pytest.fixture(scope="session")
def spark():
    """One SparkSession for every test that needs Spark (JVM start is the slow part):
    local[1] with the settings of ``SPARK_TEST_CONF``; stopped at the end of the session."""
    from custseg.spark import get_session

    session = get_session("local[1]", SPARK_TEST_CONF)
    yield session
    session.stop()

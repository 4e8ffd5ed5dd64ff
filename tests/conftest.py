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


@pytest.fixture(scope="session")
def spark():
    """One SparkSession local[2] for every test that needs Spark (JVM start is the slow
    part); UI off, 4 shuffle partitions; stopped at the end of the session."""
    from custseg.spark import get_session

    session = get_session("local[2]", {"spark.sql.shuffle.partitions": "4",
                                       "spark.driver.memory": "1g"})
    yield session
    session.stop()

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


def _xdist_groups(item: pytest.Item) -> list[str]:
    """The names of ``item``'s xdist_group marks, as pytest-xdist reads them."""
    return sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                   for mark in item.iter_markers("xdist_group")})


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make ``--dist loadgroup`` group again under pytest 9.2 (pytest-xdist#1386).

    pytest-xdist 3.8 (the latest) tells its scheduler an item's group by appending
    ``@group`` to the item's nodeid, through the ``_nodeid`` attribute; pytest 9.2 keeps
    the nodeid in a structured ``_id`` instead, so the suffix is lost, every test is its
    own work unit and the groups (one Spark JVM per group, runs shared inside a group)
    do nothing - measured: tests of one group ran on both workers. This writes the same
    suffix into the string form of ``_id`` (the approach of pytest-xdist PR #1382), only
    on xdist workers under loadgroup, and not twice once xdist does it itself.
    """
    if not getattr(config.option, "loadgroup", False) or not hasattr(config, "workerinput"):
        return
    for item in items:
        groups = _xdist_groups(item)
        node_id = getattr(item, "_id", None)
        if not groups or node_id is None:
            continue
        suffix = "@" + "_".join(groups)
        if not str(node_id).endswith(suffix):
            object.__setattr__(node_id, "_str_cache", f"{node_id}{suffix}")


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


#: The Spark tests carry one of two xdist groups, "spark" and "spark2" (make test runs
#: ``-n 2 --dist loadgroup``): one group in one worker's JVM was the suite's critical
#: path (about 14 min of Spark tests in a row while the other worker idled at the end).
#: Two groups let each worker start its own JVM (about 1 GB, 20 s) and run half of
#: them. Split by file, balanced by measured durations (serial run on 2 busy cores):
#: "spark" = test_engine 290 s + test_value_spark 57 + test_parity_preprocess 57 +
#: test_spark_model_files 7 (21 tests, about 410 s); "spark2" = test_parity_selection 243
#: + test_parity_run 159 + the small files (22 tests, about 435 s). loadgroup hands out
#: the groups with most tests first and gives a worker a new unit only when its current
#: one is nearly done, so the two Spark groups (among the biggest; only quick groups are
#: bigger) run on different workers. No fixture is shared across files (module scope at
#: most), so a file may move between groups; a new Spark file joins the shorter group.
@pytest.fixture(scope="session")
def spark():
    """One SparkSession for every test that needs Spark (JVM start is the slow part):
    local[1] with the settings of ``SPARK_TEST_CONF``; stopped at the end of the session."""
    from custseg.spark import get_session

    session = get_session("local[1]", SPARK_TEST_CONF)
    yield session
    session.stop()

"""The one place that sizes BLAS/OpenMP thread pools (custseg._threads)."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info

from custseg import _threads
from custseg._threads import ThreadPlan, busy_cores, plan_threads, thread_limits, usable_cores
from custseg.selection import Segmenter


def _pools() -> dict[str, int]:
    return {p["user_api"]: int(p["num_threads"]) for p in threadpool_info()}


def test_user_request_wins_for_both_pools():
    plan = plan_threads(2)
    assert (plan.openmp, plan.blas) == (2, 2)
    assert "--threads" in plan.reason


def test_auto_plan_gives_blas_one_thread_and_openmp_the_free_cores():
    _threads._cache.clear()
    plan = plan_threads()
    assert plan.blas == 1
    assert 1 <= plan.openmp <= usable_cores()
    assert plan.openmp == max(1, min(plan.usable, plan.usable - int(plan.busy + 0.4)))


def test_limits_are_applied_inside_the_block_and_restored_after():
    import sklearn.cluster  # noqa: F401  (loads the OpenMP runtime)

    before = _pools()
    with thread_limits(None) as plan:
        inside = _pools()
        assert inside.get("blas", 1) == 1
        if "openmp" in inside:
            assert inside["openmp"] == plan.openmp
    assert _pools() == before


def test_a_competing_process_is_seen_as_a_busy_core():
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        busy = busy_cores(window=0.3)
    finally:
        hog.kill()
        hog.wait()
    # the hog alone keeps one core busy; other load can only add to it
    assert busy >= 0.7


def test_a_busy_machine_leaves_openmp_fewer_threads(monkeypatch):
    _threads._cache.clear()
    monkeypatch.setattr(_threads, "usable_cores", lambda: 2)
    monkeypatch.setattr(_threads, "busy_cores", lambda window=0.1: 1.0)
    assert plan_threads().openmp == 1
    _threads._cache.clear()
    monkeypatch.setattr(_threads, "busy_cores", lambda window=0.1: 0.3)
    assert plan_threads().openmp == 2
    _threads._cache.clear()


def test_segmenter_records_the_openmp_threads_it_ran_with():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(0, 0.3, (150, 3)), rng.normal(3, 0.3, (150, 3))]
    seg = Segmenter(algorithms=("kmeans",), k=(2, 3), n_stability=0, n_gap_refs=0,
                    n_threads=1).fit(X)
    assert seg.threads_used_ == 1
    assert isinstance(plan_threads(), ThreadPlan)


def test_limits_reach_libraries_the_run_imports_later():
    # the CLI enters the block before the run imports scikit-learn: the OpenMP pool of
    # k-means must be limited all the same (a fresh interpreter, nothing loaded yet)
    code = (
        "from custseg._threads import thread_limits\n"
        "with thread_limits(1):\n"
        "    import sklearn.cluster\n"
        "    from threadpoolctl import threadpool_info\n"
        "    print(sorted({(p['user_api'], p['num_threads']) for p in threadpool_info()}))\n")
    env = {k: v for k, v in __import__("os").environ.items()
           if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert "('openmp', 1)" in out and "('blas', 1)" in out
    assert "('openmp', 2)" not in out and "('blas', 2)" not in out

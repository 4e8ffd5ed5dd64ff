"""One place that decides how many threads the numeric libraries may use.

Why: on a machine where another process holds a core, BLAS (OpenBLAS) and
OpenMP thread pools sized to every core oversubscribe it: their worker threads
spin at barriers while the competing process holds the core they wait for.
custseg's work is many small problems (20k-row candidates, 5k-row mixtures,
d x d covariances), which synchronise often and suffer most: a default run
slowed down 3.5x next to one busy process, a plain k-means script 1.3x
(issue 20). So:

- BLAS gets **one** thread everywhere: its matrices here are tall and thin
  (n x d with d of a few dozen) or a 5k x 5k silhouette product, where threads
  gain little even on a quiet machine and lose much on a busy one.
- OpenMP (scikit-learn's k-means and distance kernels) gets the cores that are
  actually free: usable cores (``os.sched_getaffinity``) minus the cores other
  processes keep busy, measured over a short window from ``/proc/stat`` (the
  1-minute load average, the fallback, lags a process that just started).
- ``--threads N`` (``RunConfig.threads``) overrides the measurement for both.

Nothing here runs work in parallel itself. Batches of independent small fits
may go partly to one helper process (:mod:`custseg._parallel`) when the plan
has two or more OpenMP threads; both sides then run single-threaded.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

from threadpoolctl import threadpool_limits

#: how long the idle-CPU window lasts (seconds); long enough to see a busy loop,
#: short next to a run (the quickest default run takes several seconds)
WINDOW_S = 0.1
#: a plan is reused for this long, so nested stages do not measure again and again
REUSE_S = 30.0

_cache: dict[str, tuple[float, ThreadPlan]] = {}
_active: list[ThreadPlan] = []  # plans of the thread_limits blocks now open


@dataclass(frozen=True)
class ThreadPlan:
    """Threads for OpenMP and BLAS, and why."""

    openmp: int
    blas: int
    usable: int
    busy: float
    reason: str

    @property
    def limits(self) -> dict[str, int]:
        """The ``threadpool_limits`` argument of this plan."""
        return {"openmp": self.openmp, "blas": self.blas}


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1.

    >>> usable_cores() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs from /proc/stat, or None."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    values = [int(v) for v in fields[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def busy_cores(window: float = WINDOW_S) -> float:
    """Cores kept busy by other processes right now (this one sleeps meanwhile).

    Measured as the busy share of all CPUs over ``window`` seconds; falls back to
    the 1-minute load average where /proc/stat does not exist.

    >>> busy_cores() >= 0
    True
    """
    first = _cpu_times()
    if first is not None:
        time.sleep(window)
        second = _cpu_times()
        if second is not None and second[1] > first[1]:
            share = (second[0] - first[0]) / (second[1] - first[1])
            return share * (os.cpu_count() or 1)
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):
        return 0.0


def plan_threads(requested: int | None = None) -> ThreadPlan:
    """How many OpenMP and BLAS threads to use now.

    ``requested`` (``--threads``) wins; otherwise OpenMP gets the free cores of
    this process's CPU set and BLAS one thread (see the module docstring).

    >>> plan_threads(3).limits
    {'openmp': 3, 'blas': 3}
    >>> plan = plan_threads()
    >>> 1 <= plan.openmp <= usable_cores() and plan.blas == 1
    True
    """
    usable = usable_cores()
    if requested is not None:
        n = max(1, int(requested))
        return ThreadPlan(n, n, usable, 0.0, f"{n} thread(s), set by the user (--threads)")
    cached = _cache.get("auto")
    if cached is not None and time.monotonic() - cached[0] < REUSE_S:
        return cached[1]
    busy = busy_cores()
    # a core counts as taken when another process keeps it at least ~60 % busy
    # (round half down at .6: a 0.5-core blip of a shell is no reason to halve)
    free = max(1, min(usable, usable - int(busy + 0.4)))
    reason = (f"{free} OpenMP thread(s) of {usable} usable core(s) "
              f"({busy:.1f} busy with other processes), BLAS 1 thread")
    plan = ThreadPlan(free, 1, usable, busy, reason)
    _cache["auto"] = (time.monotonic(), plan)
    return plan


@contextlib.contextmanager
def thread_limits(requested: int | None = None) -> Iterator[ThreadPlan]:
    """Apply :func:`plan_threads` to BLAS and OpenMP inside the block.

    Inside another such block, ``None`` keeps the outer plan (``--threads`` of the
    command line holds for every stage) instead of measuring again.

    >>> with thread_limits(1) as plan:
    ...     plan.openmp
    1
    >>> with thread_limits(1), thread_limits(None) as inner:
    ...     inner.openmp
    1
    """
    plan = _active[-1] if requested is None and _active else plan_threads(requested)
    _load_pools()
    _active.append(plan)
    try:
        with threadpool_limits(limits=plan.limits):
            yield plan
    finally:
        _active.pop()


def active_plan() -> ThreadPlan:
    """The plan of the innermost :func:`thread_limits` block, else :func:`plan_threads`.

    >>> with thread_limits(1):
    ...     active_plan().openmp
    1
    """
    return _active[-1] if _active else plan_threads()


def _load_pools() -> None:
    """Load the BLAS and OpenMP libraries now, so the limits reach them.

    threadpoolctl limits only the libraries already loaded when the block starts;
    the CLI enters it before the run imports scikit-learn, so without this the
    OpenMP pool of k-means (loaded later) ran with every core after all.
    """
    # scipy.special first (scikit-learn loads it anyway): saving a model imports skops,
    # which finds each of SciPy's ufuncs by searching the loaded modules in load order,
    # so an early scipy.special halves that search (0.8-1.0 s -> 0.4 s per command)
    importlib.import_module("scipy.special")
    import numpy  # noqa: F401  (numpy's OpenBLAS)
    import scipy.linalg  # noqa: F401  (scipy's OpenBLAS)

    with contextlib.suppress(ImportError):  # a scikit-learn build without OpenMP
        import sklearn.utils._openmp_helpers  # noqa: F401  (libgomp)

"""A helper process for batches of independent small fits, when a second core is free.

Why: a default run is a few hundred small fits (k-means and mixtures on the
selection sample, the relevance screen's provisional clusterings on 2,000 rows).
Each is too small for OpenMP threads to pay: they synchronise every iteration,
and much of the time is Python between iterations, which holds the GIL. So a
10k-row run kept one of this machine's two cores idle (its user time equalled
its wall time). A helper process runs part of each batch while this process
runs the rest, both single-threaded.

- One helper per process, forked once and reused (Linux only: fork is the one
  start method that does not re-import the program). The command line forks it
  before the numeric libraries are loaded, so no thread exists yet and the
  helper loads them on the idle core while this process does the same.
- Used only when the thread plan (:mod:`custseg._threads`) has at least two free
  cores (or ``--threads`` asks for two or more): next to a busy process the run
  stays on one core, as before.
- Results do not depend on where a fit ran: every fit has its own seed, and both
  sides run single-threaded.
- Warnings raised in the helper are raised again here, so the run's warning
  capture counts them; an error is raised here as it would be in a serial run.
- If the helper dies, the rest of the batch runs here; ``CUSTSEG_HELPER=0``
  turns it off.

Example
-------
>>> parallel_map(pow, [(2, 3), (3, 2)])
[8, 9]
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

#: environment switch: "0" keeps every fit in this process
ENV_SWITCH = "CUSTSEG_HELPER"

_helper: ProcessPoolExecutor | None = None
_helper_pid: int | None = None  # the process that owns _helper (not a fork of it)
_broken = False
_in_helper = False
_limited = False
_previous_excepthook = threading.excepthook


def helper_allowed(openmp_threads: int) -> bool:
    """Whether a helper may run beside this process, given the OpenMP threads planned.

    >>> helper_allowed(1)
    False
    """
    return (openmp_threads >= 2 and sys.platform.startswith("linux") and not _in_helper
            and not _broken and os.environ.get(ENV_SWITCH, "1") != "0")


def start_helper(openmp_threads: int | None = None) -> bool:
    """Fork the helper now if the plan allows one; returns whether one is running.

    Call it early (the command line does, before loading data): the helper then
    loads the numeric libraries while this process does.

    >>> start_helper(1)  # one free core: no helper
    False
    """
    global _helper, _helper_pid, _previous_excepthook
    if openmp_threads is None:
        from custseg._threads import active_plan

        openmp_threads = active_plan().openmp
    if not helper_allowed(openmp_threads):
        return False  # a running helper stays idle, for when a core is free again
    if _helper is not None and _helper_pid == os.getpid():
        return True
    import multiprocessing

    if multiprocessing.current_process().daemon:  # a daemonic process may not have children
        return False
    if threading.excepthook is not _quiet_pool_race:
        _previous_excepthook, threading.excepthook = threading.excepthook, _quiet_pool_race
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns on fork in a process with threads (a library's pools);
            # the helper only ever runs single-threaded fits, which that does not affect
            warnings.simplefilter("ignore", DeprecationWarning)
            _helper = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                          initializer=_init_helper, initargs=(os.getpid(),))
            _helper_pid = os.getpid()
            _helper.submit(_load_libraries)  # forks now; the libraries load meanwhile
    except Exception:  # no process can be started here (limits, sandbox): run serially
        _mark_broken()
        return False
    return True


def stop_helper() -> None:
    """Shut the helper down (it is started again on demand).

    >>> stop_helper()
    """
    global _helper, _helper_pid
    if _helper is not None and _helper_pid == os.getpid():
        _helper.shutdown(wait=True, cancel_futures=True)
    _helper, _helper_pid = None, None


def parallel_map(fn: Callable, items: Iterable[tuple], openmp_threads: int | None = None,
                 meanwhile: Callable[[], object] | None = None) -> list:
    """``[fn(*item) for item in items]``, part of it in the helper when one may run.

    ``fn`` must be a module-level function (it is sent to the helper by name)
    and each item a tuple of picklable arguments. This process takes items from
    the end of the list while the helper takes them from the front, so the
    split follows how long the fits really take. ``meanwhile`` (any callable)
    runs here first, while the helper has started on the items.

    >>> parallel_map(divmod, [(7, 2), (9, 4)], openmp_threads=1)
    [(3, 1), (2, 1)]
    """
    items = list(items)
    if (len(items) < (1 if meanwhile else 2) or not start_helper(openmp_threads)
            or not _picklable(fn, items[0])):
        if meanwhile is not None:
            meanwhile()
        return [fn(*item) for item in items]
    from threadpoolctl import threadpool_limits

    try:
        futures = [_helper.submit(_run_in_helper, fn, item) for item in items]
    except (BrokenProcessPool, RuntimeError):
        _mark_broken()
        return parallel_map(fn, items, 1, meanwhile)
    results: list = [None] * len(items)
    here: set[int] = set()
    try:
        with threadpool_limits(limits=1):  # the helper holds the other core
            if meanwhile is not None:
                meanwhile()
            for i in reversed(range(len(items))):
                if not futures[i].cancel():  # the helper has it already
                    break
                results[i] = fn(*items[i])
                here.add(i)
        for i, future in enumerate(futures):
            if i not in here:
                results[i] = _collect(future, fn, items[i])
    finally:
        for future in futures:
            future.cancel()
    return results


def run_beside(fn: Callable, *args, openmp_threads: int | None = None) -> Callable[[], object]:
    """Start ``fn(*args)`` in the helper and return a function that waits for its value.

    Without a helper ``fn`` runs now, here. Use it for one independent task that
    can overlap with this process's next steps (the model file while the report
    is written).

    >>> wait = run_beside(max, 3, 7, openmp_threads=1)
    >>> wait()
    7
    """
    future = None
    if start_helper(openmp_threads) and _picklable(fn, args):
        try:
            future = _helper.submit(_run_in_helper, fn, args)
        except (BrokenProcessPool, RuntimeError):
            _mark_broken()
    if future is None:
        value = fn(*args)
        return lambda: value

    return lambda: _collect(future, fn, args)


def _collect(future, fn: Callable, item: tuple):
    """The value of a helper's ``future``, its warnings raised again here; computed here
    instead if the helper died (killed, out of memory)."""
    try:
        value, caught = future.result()
    except BrokenProcessPool:
        _mark_broken()
        return fn(*item)
    for message, category in caught:
        warnings.warn(message, category, stacklevel=3)
    return value


def _quiet_pool_race(args) -> None:
    """threading.excepthook: drop the InvalidStateError that Python 3.11's pool manager
    raises when the helper dies while this process holds cancelled items (it sets an
    error on a future already cancelled); everything else goes to the previous hook."""
    from concurrent.futures import InvalidStateError
    from concurrent.futures.process import _ExecutorManagerThread

    if not (isinstance(args.thread, _ExecutorManagerThread)
            and issubclass(args.exc_type, InvalidStateError)):
        _previous_excepthook(args)


def _picklable(fn: Callable, item: tuple) -> bool:
    """Whether the work can be sent to the helper (a lambda in an estimator cannot)."""
    try:
        pickle.dumps((fn, item), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return False
    return True


def _mark_broken() -> None:
    global _broken
    _broken = True
    with contextlib.suppress(Exception):
        stop_helper()


# -- in the helper ------------------------------------------------------------
def _init_helper(parent: int) -> None:
    global _in_helper
    _in_helper = True
    # single-threaded libraries (those not loaded yet read these when they load)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    # the parent's SIGTERM handler raises SystemExit, which the pool's worker loop
    # swallows: the default action, so that the signal below really ends the helper
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # die with the parent, even when it is killed
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)
    # the parent's output locks are its own: a copy held here would outlive them
    outputs = sys.modules.get("custseg.outputs")
    for fd, _depth in getattr(outputs, "_HELD_LOCKS", {}).values():
        with contextlib.suppress(OSError):
            os.close(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which stops us


def _load_libraries() -> int:
    import scipy.special  # noqa: F401  (first: see custseg._threads._load_pools)
    import sklearn.cluster
    import sklearn.mixture  # noqa: F401

    from custseg.persist._skops import skops_io

    skops_io()  # the model file is written here too (custseg.outputs)
    return os.getpid()


def _run_in_helper(fn: Callable, item: tuple):
    global _limited
    if not _limited:  # libraries loaded before the fork keep their pools: cap them once
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)
        _limited = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*item)
    return result, [(str(w.message), w.category) for w in caught]

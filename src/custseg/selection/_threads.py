"""Thread limits for the numeric libraries (BLAS/OpenMP) via threadpoolctl.

The decision itself lives in :mod:`custseg._threads` (one place for the whole run).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from threadpoolctl import threadpool_info

from custseg._threads import thread_limits


@contextlib.contextmanager
def limit_threads(n_threads: int | None) -> Iterator[int]:
    """Cap BLAS and OpenMP threads inside the block; yields the OpenMP thread count.

    ``None`` sizes the pools to the cores that are free now (BLAS one thread,
    OpenMP the free cores: see :func:`custseg._threads.plan_threads`).

    >>> with limit_threads(1) as n:
    ...     n
    1
    """
    with thread_limits(n_threads) as plan:
        yield plan.openmp


def threads_in_use() -> int:
    """Largest thread count among the loaded BLAS/OpenMP pools (1 if none).

    >>> threads_in_use() >= 1
    True
    """
    counts = [int(p.get("num_threads", 1)) for p in threadpool_info()]
    return max(counts, default=1)

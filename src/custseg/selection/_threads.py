"""Thread limits for the numeric libraries (BLAS/OpenMP) via threadpoolctl."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from threadpoolctl import threadpool_info, threadpool_limits


@contextlib.contextmanager
def limit_threads(n_threads: int | None) -> Iterator[int]:
    """Cap BLAS and OpenMP threads inside the block; yields the effective limit.

    ``None`` leaves the libraries alone (yields the current maximum).

    >>> with limit_threads(1) as n:
    ...     n
    1
    """
    if n_threads is None:
        yield threads_in_use()
        return
    with threadpool_limits(limits=int(n_threads)):
        yield int(n_threads)


def threads_in_use() -> int:
    """Largest thread count among the loaded BLAS/OpenMP pools (1 if none).

    >>> threads_in_use() >= 1
    True
    """
    counts = [int(p.get("num_threads", 1)) for p in threadpool_info()]
    return max(counts, default=1)

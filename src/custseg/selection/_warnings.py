"""Library warnings (scikit-learn's ConvergenceWarning and the like), captured and counted.

A scan fits dozens of models; a few of them stopping at their iteration limit
or finding fewer distinct clusters than asked is normal and already handled
(the candidate is scored as it is, empty segments are not eligible). Printed
one by one they bury the terminal, so they are recorded instead and summarised
in one sentence per kind in the decisions.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections import Counter
from collections.abc import Iterator

#: message pattern -> plain sentence ({n} = how many times)
_KNOWN = (
    (re.compile(r"did not converge", re.I),
     "{n} mixture fit{s} did not converge within {iters} iterations (kept as they were: "
     "their labels still score like any other candidate)"),
    (re.compile(r"Number of distinct clusters \(\d+\) found smaller than n_clusters", re.I),
     "{n} k-means fit{s} found fewer distinct clusters than asked because of duplicate "
     "rows (such candidates have empty segments and are not eligible)"),
    (re.compile(r"ConvergenceWarning|max_iter|maximum number of iterations", re.I),
     "{n} fit{s} stopped at the iteration limit before converging"),
)


@contextlib.contextmanager
def capture_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Record every warning raised inside the block instead of printing it.

    Example
    -------
    >>> import warnings
    >>> with capture_warnings() as caught:
    ...     warnings.warn("Best performing initialization did not converge.")
    >>> summarize_warnings(caught, max_iter=100)
    ['1 mixture fit did not converge within 100 iterations (kept as they were: their labels \
still score like any other candidate)']
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def summarize_warnings(caught, max_iter: int | str = "the max_iter") -> list[str]:
    """One sentence per kind of warning, with its count."""
    counts: Counter[str] = Counter()
    for w in caught:
        text = str(w.message)
        for pattern, sentence in _KNOWN:
            if pattern.search(text) or pattern.search(w.category.__name__):
                counts[sentence] += 1
                break
        else:
            first = text.strip().splitlines()[0] if text.strip() else w.category.__name__
            counts[f"{{n}} x {w.category.__name__}: {first[:120]}"] += 1
    return [s.format(n=n, s="" if n == 1 else "s", iters=max_iter) for s, n in counts.items()]

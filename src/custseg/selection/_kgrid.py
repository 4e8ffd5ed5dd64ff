"""Parsing of the ``k`` argument of :class:`Segmenter`."""

from __future__ import annotations

from numbers import Integral

from custseg.exceptions import ConfigError, InputError

#: an automatic widening of the k range never goes past this many segments (the user can
#: ask for more with an explicit range). Before this cap, ordinary real tables ran away to
#: 17, 19 and 22 segments, most of them below 2% of the customers.
WIDEN_MAX = 12


def parse_k(k, n_rows: int) -> tuple[list[int], bool]:
    """Candidate numbers of segments and whether the range may be widened.

    ``k`` is an int (fixed), a ``(lo, hi)`` tuple (inclusive) or a range/list.
    Ranges are capped at ``n_rows - 1`` rows; a fixed k must be below n_rows.

    >>> parse_k((2, 5), 100)
    ([2, 3, 4, 5], True)
    >>> parse_k(4, 100)
    ([4], False)
    """
    fix = "pass an integer >= 2, a (low, high) tuple such as (2, 12), or a list of integers"
    if isinstance(k, bool):
        raise ConfigError(f"k must be an integer, a (low, high) tuple or a list, got {k!r}",
                          where="Segmenter(k)", fix=fix)
    widen = False
    if isinstance(k, Integral):
        ks = [int(k)]
    elif isinstance(k, tuple) and len(k) == 2 and all(
            isinstance(v, Integral) and not isinstance(v, bool) for v in k):
        lo, hi = int(k[0]), int(k[1])
        if lo > hi:
            raise ConfigError(f"k range ({lo}, {hi}) has low > high", where="Segmenter(k)",
                              fix="write the range as (low, high), e.g. (2, 12)")
        ks, widen = list(range(lo, hi + 1)), True
    elif isinstance(k, range | list | tuple):
        if not all(isinstance(v, Integral) and not isinstance(v, bool) for v in k) or not k:
            raise ConfigError(f"k list must hold integers, got {k!r}", where="Segmenter(k)",
                              fix=fix)
        ks = sorted({int(v) for v in k})
    else:
        raise ConfigError(f"k must be an integer, a (low, high) tuple or a list, got {k!r}",
                          where="Segmenter(k)", fix=fix)
    if min(ks) < 2:
        raise ConfigError(f"k must be at least 2, got {min(ks)}", where="Segmenter(k)",
                          fix="use k >= 2 (one segment is the whole customer base)")
    if min(ks) >= n_rows:
        raise InputError(f"k={min(ks)} is not smaller than the number of rows ({n_rows})",
                         where="Segmenter(k)", fix="ask for fewer segments or pass more rows")
    ks = [v for v in ks if v < n_rows]
    return ks, widen

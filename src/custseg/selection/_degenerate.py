"""Degenerate check: are the segments only the cells of a small cross-tab, or of tied rows?

When a table is left with a few discrete columns (region, number of products,
a yes/no flag), every clustering algorithm finds the same "segments": the
combinations of their values. The indices love them: rows with the same
values are at distance 0, so the silhouette approaches 1. But a pivot table
gives the same groups, and a marketer learns nothing a count would not tell.
Two symptoms are checked on a seeded sample of rows:

* **cross-tab cells**: for some set of one to three discrete columns, every
  segment has at least ``MIN_CELL_PURITY`` of its rows in one combination of
  their values, and different segments sit in different combinations;
* **tied rows**: most rows repeat another row exactly, and the silhouette
  computed once per distinct row is far below the silhouette over all rows
  (the score comes from the ties, not from separated groups).

Either one caps the confidence at low; the run then tries again with the
discrete columns down-weighted and keeps that solution when it is not
degenerate (see :func:`custseg.workflow.run`).

On make_customers tables and separated blobs it stays quiet: their discrete
columns (one-hot categories) spread over every segment, and no row repeats.
bench/real_datasets.py prints, per shared dataset, whether it fired.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from custseg.evaluate import silhouette_from_distances

#: rows of the sample the check reads (the cost is a few bincounts per column set)
SAMPLE_ROWS = 5000
#: a segment is a cell when at least this share of its rows hold one combination. 95%
#: leaves room for a few missing or odd values; the cross-tab partitions seen on the
#: shared tables were 99-100% pure, real segments on continuous behaviour 20-70%.
MIN_CELL_PURITY = 0.95
#: the weakest segment may fall to this purity when the overall purity is >= 95%
MIN_SEGMENT_PURITY = 0.9
#: columns with at most this many values count as discrete (plus every category)
MAX_LEVELS = 12
#: combinations of up to this many columns are tried
MAX_COLUMNS = 3
#: at most this many columns (the purest alone) enter the search, bounding 1-3-way sets
SEARCH_COLUMNS = 12
#: tied rows: at most this share of the sampled rows is distinct ...
MAX_DISTINCT_SHARE = 0.5
#: ... and the silhouette over distinct rows is at least this much lower
MIN_SILHOUETTE_DROP = 0.2


def discrete_columns(frame: pd.DataFrame, max_levels: int = MAX_LEVELS) -> list[str]:
    """Columns of ``frame`` that are categories or hold at most ``max_levels`` values.

    Example
    -------
    >>> frame = pd.DataFrame({"region": list("abcab") * 4, "products": [1, 2, 3, 1, 2] * 4,
    ...                       "spend": np.linspace(0, 1, 20)})
    >>> discrete_columns(frame)
    ['region', 'products']
    """
    out = []
    for col in frame.columns:
        series = frame[col]
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        if not numeric or series.nunique(dropna=True) <= max_levels:
            out.append(str(col))
    return out


def cell_check(discrete: pd.DataFrame, labels: np.ndarray, seed: int = 0) -> dict:
    """Find the smallest set of 1-3 discrete columns whose value combinations are the segments.

    ``discrete`` holds the discrete feature columns of the same rows as
    ``labels`` (noise, -1, is ignored). Returns ``fired``, and when it fired
    ``columns`` (the set), ``purity`` (share of rows in their segment's main
    combination), ``min_purity`` (worst segment) and ``cells`` (segment id ->
    its combination as {column: value}).

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"region": rng.integers(0, 3, 600), "card": rng.integers(0, 2, 600),
    ...                       "other": rng.integers(0, 4, 600)})
    >>> labels = frame["region"].to_numpy() * 2 + frame["card"].to_numpy()
    >>> out = cell_check(frame, labels)
    >>> out["fired"], out["columns"], out["purity"]
    (True, ['region', 'card'], 1.0)
    >>> cell_check(frame, rng.integers(0, 6, 600))["fired"]
    False
    """
    labels = np.asarray(labels)
    ok = labels >= 0
    rows = np.flatnonzero(ok)
    if len(rows) > SAMPLE_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, SAMPLE_ROWS, replace=False))
    seg = labels[rows]
    segments, seg_codes = np.unique(seg, return_inverse=True)
    out: dict = {"fired": False, "columns": [], "purity": None, "min_purity": None,
                 "cells": {}, "sample_rows": len(rows)}
    if len(segments) < 2 or discrete.shape[1] == 0:
        return out
    codes, uniques = {}, {}
    for col in discrete.columns:
        c, u = pd.factorize(discrete[col].iloc[rows], use_na_sentinel=False)
        codes[str(col)], uniques[str(col)] = c.astype(np.int64), u
    single = {c: _purity(codes[c], seg_codes, len(segments))[0] for c in codes}
    pool = sorted(codes, key=lambda c: -single[c])[:SEARCH_COLUMNS]
    for size in range(1, MAX_COLUMNS + 1):
        best = None
        for combo in combinations(pool, size):
            key = np.zeros(len(rows), dtype=np.int64)
            for c in combo:
                key = key * (int(codes[c].max()) + 1) + codes[c]
            _, key = np.unique(key, return_inverse=True)
            purity, worst, modes = _purity(key, seg_codes, len(segments))
            if purity >= MIN_CELL_PURITY and worst >= MIN_SEGMENT_PURITY and \
                    len(set(modes.tolist())) == len(segments) and \
                    (best is None or purity > best[1]):
                best = (combo, purity, worst, modes, key)
        if best is not None:
            combo, purity, worst, modes, key = best
            cells = {}
            for s, mode in zip(segments.tolist(), modes.tolist(), strict=True):
                row = int(np.flatnonzero(key == mode)[0])
                cells[int(s)] = {c: _plain(uniques[c][codes[c][row]]) for c in combo}
            out.update(fired=True, columns=list(combo), purity=round(float(purity), 4),
                       min_purity=round(float(worst), 4), cells=cells)
            return out
    return out


def _purity(key: np.ndarray, seg: np.ndarray, k: int) -> tuple[float, float, np.ndarray]:
    """(overall purity, worst segment purity, main combination of each segment)."""
    n_keys = int(key.max()) + 1
    table = np.bincount(seg * n_keys + key, minlength=k * n_keys).reshape(k, n_keys)
    sizes = table.sum(axis=1)
    top = table.max(axis=1)
    big = sizes >= 10  # a segment of a handful of sampled rows says little about purity
    worst = float((top[big] / sizes[big]).min()) if big.any() else 1.0
    return float(top.sum() / sizes.sum()), worst, table.argmax(axis=1)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def tie_check(D: np.ndarray, X: np.ndarray, labels: np.ndarray, silhouette: float) -> dict:
    """Does the silhouette come from tied rows? ``D`` is the distance matrix of ``X``'s rows.

    Example
    -------
    >>> X = np.repeat([[0.0, 0.0], [0.0, 1.0], [0.1, 0.5]], [200, 200, 2], axis=0)
    >>> labels = np.repeat([0, 1, 1], [200, 200, 2])
    >>> D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    >>> out = tie_check(D, X, labels, silhouette_from_distances(D, labels))
    >>> out["distinct_share"], out["fired"]
    (0.0075, True)
    """
    labels = np.asarray(labels)
    _, first = np.unique(X, axis=0, return_index=True)
    first = np.sort(first)
    share = len(first) / max(len(X), 1)
    out = {"distinct_rows": len(first), "distinct_share": round(float(share), 4),
           "silhouette": None if not np.isfinite(silhouette) else round(float(silhouette), 4),
           "silhouette_distinct": None, "fired": False}
    if share > MAX_DISTINCT_SHARE:
        return out
    sub = labels[first]
    ok = sub >= 0
    if len(np.unique(sub[ok])) >= 2 and ok.sum() > len(np.unique(sub[ok])):
        idx = first[ok]
        s_distinct = float(silhouette_from_distances(D[np.ix_(idx, idx)], sub[ok]))
    else:
        s_distinct = 0.0  # each segment is one point: no spread left to measure
    out["silhouette_distinct"] = round(s_distinct, 4)
    out["fired"] = bool(np.isfinite(silhouette) and silhouette - s_distinct >= MIN_SILHOUETTE_DROP)
    return out


def degenerate_sentence(check: dict, k: int) -> str:
    """Plain words for the reason (only when the check fired)."""
    parts = []
    cells = check.get("cells") or {}
    if cells:
        cols = check["columns"]
        names = _and([repr(c) for c in cols])
        what = "values" if len(cols) == 1 else "combinations"
        parts.append(
            f"These segments are the {what} of {names}: {check['purity']:.0%} of the customers "
            f"share their segment's {what[:-1]} ({_cells(cells)}). A pivot table "
            f"{'by that column' if len(cols) == 1 else 'of those columns'} gives the same "
            "groups, so they say nothing the raw columns do not.")
    ties = check.get("ties") or {}
    if ties.get("fired"):
        parts.append(
            f"Only {ties['distinct_share']:.0%} of the sampled customers have distinct feature "
            f"values; the silhouette {ties['silhouette']:.2f} comes from these ties and falls "
            f"to {ties['silhouette_distinct']:.2f} when each distinct row counts once.")
    parts.append("Confidence is therefore low.")
    return " ".join(parts)


def _cells(cells: dict) -> str:
    shown = list(cells.items())[:4]
    text = "; ".join(f"segment {s}: " + ", ".join(f"{c}={v}" for c, v in combo.items())
                     for s, combo in shown)
    return text + ("; ..." if len(cells) > 4 else "")


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]

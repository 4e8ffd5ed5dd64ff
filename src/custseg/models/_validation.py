"""Shared argument checks for the segmentation estimators."""

from __future__ import annotations

import numpy as np

from custseg.exceptions import InputError


def check_k_vs_rows(n_clusters: int, n_rows: int, where: str) -> None:
    """Raise a clear error when more clusters than rows are requested."""
    if n_clusters > n_rows:
        raise InputError(
            f"n_clusters={n_clusters} is larger than the number of rows ({n_rows})",
            where=where,
            fix="ask for fewer clusters or pass more rows",
        )


def sample_rows(n: int, max_rows: int | None, rng: np.random.RandomState) -> np.ndarray | None:
    """Sorted seeded row sample, or None when all rows are used."""
    if max_rows is None or n <= max_rows:
        return None
    return np.sort(rng.choice(n, size=int(max_rows), replace=False))

"""Shaped test data for the density check (shared by the selection tests)."""

from __future__ import annotations

import numpy as np


def rings(n: int = 900, seed: int = 0) -> np.ndarray:
    """Two concentric rings: two density groups no convex segment can follow."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = np.repeat([1.0, 3.0], [n // 2, n - n // 2]) + rng.normal(0, 0.1, n)
    return np.c_[np.cos(angle), np.sin(angle)] * radius[:, None]

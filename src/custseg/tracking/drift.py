"""Drift: have the customers moved away from what the segmentation describes?

Two measures. The population stability index (PSI) of segment shares,
``sum((a - e) * ln(a / e))`` over segments, with the usual reading: below 0.1
stable, 0.1 to 0.25 moderate, above 0.25 large. And, per matched segment, the
features whose centre moved most, in the previous run's standardised units.

Example
-------
>>> round(psi({0: 0.5, 1: 0.5}, {0: 0.6, 1: 0.4}), 4), psi_reading(0.04)
(0.0405, 'stable')
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: The usual PSI reading (credit-scoring practice, e.g. Siddiqi 2006).
PSI_STABLE, PSI_LARGE = 0.1, 0.25
#: Empty bins get this share so the logarithm stays finite (a common convention).
PSI_FLOOR = 1e-4
#: Features listed per segment.
TOP_SHIFTS = 3


def psi(expected: dict[Any, float], actual: dict[Any, float]) -> float:
    """Population stability index between two share tables (keys are the bins)."""
    keys = sorted(set(expected) | set(actual), key=str)
    e = np.array([max(float(expected.get(k, 0.0)), PSI_FLOOR) for k in keys])
    a = np.array([max(float(actual.get(k, 0.0)), PSI_FLOOR) for k in keys])
    e, a = e / e.sum(), a / a.sum()
    return float(np.sum((a - e) * np.log(a / e)))


def psi_reading(value: float) -> str:
    """``stable`` (< 0.1), ``moderate`` (0.1-0.25) or ``large`` (> 0.25)."""
    return "stable" if value < PSI_STABLE else "moderate" if value <= PSI_LARGE else "large"


def shares_of(labels: np.ndarray) -> dict[int, float]:
    """Share of each label (noise -1 included as its own bin)."""
    values, counts = np.unique(np.asarray(labels, dtype=int), return_counts=True)
    total = max(int(counts.sum()), 1)
    return {int(v): int(c) / total for v, c in zip(values, counts, strict=True)}


def feature_shifts(previous_segments: list[dict[str, Any]],
                   means: dict[int, dict[str, float]], spread: dict[str, float],
                   pairs: dict[int, int], n: int = TOP_SHIFTS) -> dict[str, list[dict[str, Any]]]:
    """Per kept segment, the ``n`` features whose median moved most since the previous run.

    ``means`` are this run's segment medians (raw units; medians because money
    columns are heavy-tailed and one large customer moves a mean), ``spread``
    each feature's robust standard deviation over this run's customers (IQR /
    1.349, the unit of the shift), ``pairs`` segment id -> previous segment id.
    Only numeric features profiled in both runs are compared.

    Example
    -------
    >>> prev = [{"id": 0, "profile": {"numeric": {"spend": {"median": 100.0}}}}]
    >>> feature_shifts(prev, {0: {"spend": 130.0}}, {"spend": 60.0}, {0: 0})["0"][0]["shift"]
    0.5
    """
    before = {int(s["id"]): (s.get("profile") or {}).get("numeric") or {}
              for s in previous_segments}
    out = {}
    for sid, pid in sorted(pairs.items()):
        rows = []
        for feature, mean in (means.get(sid) or {}).items():
            old = (before.get(pid, {}).get(feature) or {}).get("median")
            sd = spread.get(feature)
            if old is None or mean is None or not sd or not np.isfinite(mean):
                continue
            rows.append({"feature": feature, "previous_median": round(float(old), 4),
                         "median": round(float(mean), 4),
                         "shift": round(float((mean - old) / sd), 3)})
        rows.sort(key=lambda r: -abs(r["shift"]))
        out[str(sid)] = rows[:n]
    return out


def verdict(psi_value: float, n_poor: int, n_new: int, n_vanished: int,
            psi_model: float | None = None) -> tuple[str, bool]:
    """A plain sentence and whether a refit is recommended.

    Example
    -------
    >>> verdict(0.03, 0, 0, 0)[1], verdict(0.4, 0, 0, 0)[1]
    (False, True)
    """
    reasons = []
    used = psi_model if psi_model is not None else psi_value
    what = "the previous model's segment shares on the new customers" if psi_model is not None \
        else "segment shares between the runs"
    if used > PSI_LARGE:
        reasons.append(f"{what} moved a lot (PSI {used:.2f} > {PSI_LARGE})")
    if n_poor or n_new or n_vanished:
        parts = []
        if n_new:
            parts.append(f"{n_new} new segment{'s' if n_new != 1 else ''}")
        if n_vanished:
            parts.append(f"{n_vanished} vanished segment{'s' if n_vanished != 1 else ''}")
        reasons.append("the segments changed shape (" + ", ".join(parts) + ")")
    if reasons:
        return "refit recommended because " + " and ".join(reasons) + ".", True
    level = "stable" if psi_reading(used) == "stable" else "moderately shifted"
    return (f"the segmentation still describes these customers: every segment found its "
            f"match and {what} are {level} (PSI {used:.2f}).", False)

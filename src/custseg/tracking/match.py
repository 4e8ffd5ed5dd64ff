"""Match a new run's segments to a previous run's: stable ids across runs.

The match is one-to-one and optimal (Hungarian algorithm,
:func:`scipy.optimize.linear_sum_assignment`) on the distance between segment
centres in the **previous run's feature space**: the new customers are put
through the previous run's fitted preprocessing, so both sets of centres are
measured with the same ruler. Without a previous model (a Spark run, rule-based
groups) the segments' profiles in the two summaries are compared instead.

How good a match is: the distance from the new centre to its previous centre,
divided by half the distance from that previous centre to its nearest
previous neighbour (``ratio``). Below 1 the new centre is, by the triangle
inequality, nearer its match than any other previous centre, so the pair
cannot be confused: ``good`` up to 0.5, ``fair`` up to 1. Above 1 it is
``poor``: the new segment is reported as new and the previous one as vanished.

Example
-------
>>> prev = {0: np.array([0.0, 0.0]), 1: np.array([10.0, 0.0])}
>>> new = {"a": np.array([9.5, 0.2]), "b": np.array([0.3, -0.1])}
>>> m = match_centres(prev, new, {"a": 50, "b": 60})
>>> m.mapping, [p.quality for p in m.pairs]
({'a': 1, 'b': 0}, ['good', 'good'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from custseg.exceptions import InputError

#: ratio <= GOOD: the new centre lies within a quarter of the gap to the nearest other
#: previous centre; ratio <= FAIR (1): still nearer its match than any other previous
#: centre (triangle inequality), so the id is kept; above: new segment + vanished one.
#: Measured (kmeans, fixed k; previous run on a random half of each table): the same half
#: with another seed gives ratios 0.00-0.005 on Mall, Customer Personality and CC GENERAL
#: (Wholesale: 0.40-2.05, k-means found another local optimum there); the other half gives
#: at most 0.36 (Personality), 0.14 (CC GENERAL), 0.59 (Wholesale), while Mall's 100-row
#: halves at k=5 give 0.26-1.38 (3 of 5 segments not found again); one more segment (k+1)
#: is reported new on every table. Online Retail June -> December 2011: 0.13-0.92 for the
#: four kept segments, 1.98 for the one that vanished.
GOOD, FAIR = 0.5, 1.0


@dataclass
class Pair:
    """One matched pair: new segment (raw key) -> previous segment id."""

    new: Any
    previous: int
    distance: float
    ratio: float
    quality: str            # good | fair | poor
    agreement: float | None = None  # Jaccard: new segment vs previous model's segment

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"previous": self.previous, "distance": round(self.distance, 4),
                "ratio": round(self.ratio, 4), "quality": self.quality,
                "agreement": None if self.agreement is None else round(self.agreement, 4)}


@dataclass
class Matching:
    """The result: pairs, ids for every new segment, new and vanished segments."""

    pairs: list[Pair]
    mapping: dict[Any, int]            # new raw key -> segment id (kept or fresh)
    new_segments: list[Any]            # raw keys with no good-enough previous segment
    vanished: list[int]                # previous ids no new segment took
    space: str = "model"               # model | profile
    features: list[str] = field(default_factory=list)
    shifts: dict[int, dict[str, float]] = field(default_factory=dict)  # id -> feature shift

    @property
    def kept(self) -> list[Pair]:
        """Pairs whose id (and name) carry over."""
        return [p for p in self.pairs if p.quality != "poor"]

    def to_dict(self, previous_names: dict[int, str] | None = None) -> dict[str, Any]:
        """JSON-ready account (pairs keyed by the new segment id)."""
        names = previous_names or {}
        return {
            "space": self.space,
            "pairs": [{"segment": self.mapping[p.new], **p.to_dict(),
                       "previous_name": names.get(p.previous), "kept": p.quality != "poor"}
                      for p in self.pairs],
            "new_segments": sorted(self.mapping[k] for k in self.new_segments),
            "vanished": sorted(self.vanished),
            "thresholds": {"good": GOOD, "fair": FAIR},
            "previous_names": {str(k): v for k, v in sorted(names.items())},
        }


def match_centres(previous: dict[int, np.ndarray], new: dict[Any, np.ndarray],
                  new_sizes: dict[Any, int], space: str = "model") -> Matching:
    """Hungarian matching of ``new`` centres to ``previous`` ones (same coordinates).

    Matched pairs of quality good or fair keep the previous id; the other new
    segments get fresh ids after the largest previous id, largest first.
    """
    prev_ids, new_keys = sorted(previous), list(new)
    if not prev_ids:  # nothing to match against: every segment is new
        order = sorted(new_keys, key=lambda k: (-int(new_sizes.get(k, 0)), new_keys.index(k)))
        return Matching(pairs=[], mapping={k: i for i, k in enumerate(order)},
                        new_segments=order, vanished=[], space=space)
    P = np.vstack([previous[i] for i in prev_ids])
    N = np.vstack([new[k] for k in new_keys])
    cost = np.sqrt(((N[:, None, :] - P[None, :, :]) ** 2).sum(axis=2))
    gaps = np.sqrt(((P[:, None, :] - P[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(gaps, np.inf)
    half_gap = np.where(np.isfinite(gaps.min(axis=1)), gaps.min(axis=1) / 2, np.inf)
    rows, cols = linear_sum_assignment(cost)
    pairs = []
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        ratio = float(cost[r, c] / half_gap[c]) if half_gap[c] > 0 else float("inf")
        quality = "good" if ratio <= GOOD else "fair" if ratio <= FAIR else "poor"
        pairs.append(Pair(new=new_keys[r], previous=prev_ids[c], distance=float(cost[r, c]),
                          ratio=ratio, quality=quality))
    mapping = {p.new: p.previous for p in pairs if p.quality != "poor"}
    fresh = [k for k in new_keys if k not in mapping]
    fresh.sort(key=lambda k: (-int(new_sizes.get(k, 0)), new_keys.index(k)))
    start = max(prev_ids) + 1
    mapping.update({k: start + i for i, k in enumerate(fresh)})
    vanished = [i for i in prev_ids if i not in {p.previous for p in pairs
                                                 if p.quality != "poor"}]
    pairs.sort(key=lambda p: p.previous)
    return Matching(pairs=pairs, mapping=mapping, new_segments=fresh, vanished=vanished,
                    space=space)


def group_means(X: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    """Mean row per label (noise, -1, left out)."""
    out = {}
    for value in np.unique(labels):
        if int(value) >= 0:
            out[int(value)] = X[labels == value].mean(axis=0)
    return out


def match_in_model_space(previous_model, frame: pd.DataFrame, raw_labels: np.ndarray,
                         where: str = "--previous") -> tuple[Matching, np.ndarray]:
    """Match the new raw labels to the previous model's segments, in its feature space.

    Returns the matching and the previous model's segment for every new
    customer (the model applied to the new data, used for drift). The new
    table must hold the columns the previous model was trained on.
    """
    missing = [c for c in previous_model.input_columns if c not in frame.columns]
    if missing:
        shown = ", ".join(repr(c) for c in missing[:5])
        raise InputError(
            f"the previous run used features this input lacks ({shown}): its segments cannot "
            "be matched in its feature space", where=where,
            fix="give the same kind of input as the previous run (same columns, or a log with "
                "the same columns), or drop --previous to number segments afresh")
    try:
        X = np.asarray(previous_model.transform(frame), dtype=float)
    except InputError as err:
        raise InputError(f"the previous run's features are incompatible with this input: "
                         f"{err.what}", where=where,
                         fix="give the same kind of input as the previous run, or drop "
                             "--previous") from None
    X = np.nan_to_num(X)
    prev_pred = np.asarray(previous_model.predict(frame)) if not \
        previous_model.metadata.get("rule_based") else None
    prev_centres = _model_centres(previous_model, X.shape[1])
    if prev_centres is None:  # no centres kept (density models): the model's own groups
        prev_centres = group_means(X, prev_pred) if prev_pred is not None else {}
    prev_centres.pop(-1, None)
    new_centres = group_means(X, np.asarray(raw_labels))
    sizes = {int(v): int((raw_labels == v).sum()) for v in new_centres}
    matching = match_centres(prev_centres, new_centres, sizes, space="model")
    if prev_pred is not None:
        for pair in matching.pairs:
            a, b = np.asarray(raw_labels) == pair.new, prev_pred == pair.previous
            union = int((a | b).sum())
            pair.agreement = float((a & b).sum() / union) if union else None
    names = _space_names(previous_model, X.shape[1])
    matching.features = names
    matching.shifts = {matching.mapping[p.new]: dict(zip(
        names, (new_centres[p.new] - prev_centres[p.previous]).round(4).tolist(), strict=True))
        for p in matching.kept}
    return matching, prev_pred


def _model_centres(model, dim: int) -> dict[int, np.ndarray] | None:
    centres = getattr(model.estimator, "cluster_centers_", None)
    if centres is None:
        return None
    centres = np.asarray(centres, dtype=float)
    if centres.ndim != 2 or centres.shape[1] != dim:
        return None
    out = {}
    for raw, seg in model.label_map.items():
        if seg >= 0 and 0 <= raw < len(centres):
            out[int(seg)] = centres[raw]
    return out or None


def _space_names(model, dim: int) -> list[str]:
    try:
        names = [str(n) for n in model.preprocessor.get_feature_names_out()]
    except Exception:  # a preprocessor without names: dimensions are numbered
        names = []
    return names if len(names) == dim else [f"dimension {i + 1}" for i in range(dim)]


def profile_vectors(segments: list[dict[str, Any]], features: list[str]
                    ) -> dict[int, np.ndarray]:
    """Numeric profile means per segment (summary.json ``segments[i].profile.numeric``)."""
    out = {}
    for seg in segments:
        numeric = (seg.get("profile") or {}).get("numeric") or {}
        out[int(seg["id"])] = np.array([float((numeric.get(f) or {}).get("mean") or 0.0)
                                        for f in features])
    return out


def match_profiles(previous_segments: list[dict[str, Any]], new_segments: list[dict[str, Any]],
                   where: str = "--previous") -> Matching:
    """Match on the summaries' numeric profiles (no previous model to apply).

    Each feature is scaled by the spread of the previous segments' means
    around the previous overall mean (share-weighted), the ruler the previous
    run's segments were told apart with; features that did not separate them
    (zero spread) carry no matching information and are left out.
    """
    def numeric(segs):
        return set.intersection(*[set((s.get("profile") or {}).get("numeric") or {})
                                  for s in segs]) if segs else set()

    features = sorted(numeric(previous_segments) & numeric(new_segments))
    if not features:
        raise InputError("the previous run and this one share no numeric feature to match "
                         "segments on", where=where,
                         fix="give the same kind of input as the previous run, or drop "
                             "--previous")
    prev = profile_vectors(previous_segments, features)
    shares = np.array([float(s.get("share") or 0) for s in previous_segments])
    P = np.vstack([prev[int(s["id"])] for s in previous_segments])
    centre = (shares[:, None] * P).sum(axis=0) / max(shares.sum(), 1e-12)
    spread = np.sqrt((shares[:, None] * (P - centre) ** 2).sum(axis=0) / max(shares.sum(), 1e-12))
    keep = spread > 1e-12
    if not keep.any():
        raise InputError("the previous run's segments do not differ on any shared numeric "
                         "feature", where=where, fix="drop --previous")
    features = [f for f, k in zip(features, keep, strict=True) if k]
    scale = spread[keep]
    prev = {i: v[keep] / scale for i, v in prev.items()}
    new_raw = profile_vectors(new_segments, features)
    new = {i: v / scale for i, v in new_raw.items()}
    sizes = {int(s["id"]): int(s.get("size") or 0) for s in new_segments}
    matching = match_centres(prev, new, sizes, space="profile")
    matching.features = features
    matching.shifts = {matching.mapping[p.new]: dict(zip(
        features, (new[p.new] - prev[p.previous]).round(4).tolist(), strict=True))
        for p in matching.kept}
    return matching

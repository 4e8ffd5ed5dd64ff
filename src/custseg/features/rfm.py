"""RFM scores (quintiles 1..5) and the marketer's named RFM groups."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from custseg.exceptions import InputError

__all__ = [
    "RFM_SEGMENTS",
    "RFM_SEGMENT_RULES",
    "RFMRule",
    "rfm_scores",
    "rfm_segments",
]


@dataclass(frozen=True)
class RFMRule:
    """A named group: R score in ``r`` and FM score in ``fm`` (inclusive ranges)."""

    name: str
    r: tuple[int, int]
    fm: tuple[int, int]
    meaning: str


# FM = round-half-up of (F + M) / 2. The rectangles tile the 5 x 5 grid exactly once
# (tested), so the order only fixes the label codes. Keep docs/rfm.md in sync.
RFM_SEGMENT_RULES: tuple[RFMRule, ...] = (
    RFMRule("Champions", (5, 5), (4, 5), "bought recently, buy often and spend the most"),
    RFMRule("Loyal Customers", (3, 4), (4, 5), "buy often and spend a lot, fairly recently"),
    RFMRule("Potential Loyalists", (4, 5), (2, 3), "recent customers with average frequency "
                                                   "and spend"),
    RFMRule("New Customers", (5, 5), (1, 1), "bought very recently, for the first times"),
    RFMRule("Promising", (4, 4), (1, 1), "recent buyers who have not spent much yet"),
    RFMRule("Need Attention", (3, 3), (2, 3), "average recency, frequency and spend"),
    RFMRule("About To Sleep", (3, 3), (1, 1), "below-average recency, few and small orders"),
    RFMRule("At Risk", (1, 2), (3, 4), "used to buy often and spend well, long ago"),
    RFMRule("Can't Lose Them", (1, 2), (5, 5), "were among the best customers, long ago"),
    RFMRule("Hibernating", (2, 2), (1, 2), "last bought long ago, few and small orders"),
    RFMRule("Lost", (1, 1), (1, 2), "lowest recency, frequency and spend"),
)
RFM_SEGMENTS: tuple[str, ...] = tuple(rule.name for rule in RFM_SEGMENT_RULES)


def _quintile(values: pd.Series, higher_is_better: bool) -> np.ndarray:
    """Scores 1..5 by rank (ties broken by position, so tied data still gives 5 groups)."""
    x = pd.to_numeric(values, errors="coerce").astype("float64")
    worst = -np.inf if higher_is_better else np.inf
    x = x.fillna(worst)
    if not higher_is_better:
        x = -x
    ranks = x.rank(method="first").to_numpy()
    n = len(ranks)
    return np.ceil(ranks * 5 / n).astype("int64").clip(1, 5) if n else ranks.astype("int64")


def rfm_scores(
    frame: pd.DataFrame,
    recency: str = "recency_days",
    frequency: str = "frequency",
    monetary: str = "monetary",
) -> pd.DataFrame:
    """R, F and M scores 1..5 by rank-based quintiles (5 = best; R: most recent = 5).

    Ties are broken by row order ("first" ranks); missing values score 1. Also
    returns ``FM`` (round-half-up mean of F and M) and the ``RFM`` code, e.g. "545".

    >>> import pandas as pd
    >>> f = pd.DataFrame({"recency_days": [1, 10, 100, 5, 50],
    ...                   "frequency": [9, 2, 1, 3, 1], "monetary": [900, 50, 10, 80, 20]})
    >>> rfm_scores(f)[["R", "F", "M"]].to_numpy().tolist()
    [[5, 5, 5], [3, 3, 3], [1, 1, 1], [4, 4, 4], [2, 2, 2]]
    """
    missing = [c for c in (recency, frequency, monetary) if c not in frame.columns]
    if missing:
        raise InputError(
            f"RFM needs columns {missing}, not found; columns seen: {list(frame.columns)}",
            where="rfm_scores",
            fix="build features with build_customer_features first, or name the columns",
        )
    out = pd.DataFrame(index=frame.index)
    out["R"] = _quintile(frame[recency], higher_is_better=False)
    out["F"] = _quintile(frame[frequency], higher_is_better=True)
    out["M"] = _quintile(frame[monetary], higher_is_better=True)
    out["FM"] = (out["F"] + out["M"] + 1) // 2
    out["RFM"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    return out


def segment_codes(scores: pd.DataFrame) -> np.ndarray:
    for c in ("R", "F", "M"):
        if c not in scores.columns:
            raise InputError(f"scores need column {c!r}; columns seen: {list(scores.columns)}",
                             where="rfm_segments", fix="pass the output of rfm_scores")
    r = scores["R"].to_numpy()
    fm = (scores["F"].to_numpy() + scores["M"].to_numpy() + 1) // 2
    codes = np.full(len(scores), -1, dtype="int64")
    for k, rule in enumerate(RFM_SEGMENT_RULES):
        hit = (codes < 0) & (r >= rule.r[0]) & (r <= rule.r[1]) & (fm >= rule.fm[0]) & (
            fm <= rule.fm[1])
        codes[hit] = k
    return codes


def rfm_segments(scores: pd.DataFrame) -> pd.Series:
    """Named RFM group of each row of :func:`rfm_scores` output (see ``RFM_SEGMENT_RULES``).

    >>> import pandas as pd
    >>> rfm_segments(pd.DataFrame({"R": [5, 1, 3], "F": [5, 1, 2], "M": [4, 2, 3]})).tolist()
    ['Champions', 'Lost', 'Need Attention']
    """
    codes = segment_codes(scores)
    names = np.array(RFM_SEGMENTS, dtype=object)[codes]
    return pd.Series(pd.Categorical(names, categories=list(RFM_SEGMENTS)),
                     index=scores.index, name="rfm_segment")

"""RFM scores, the named-group table and the RFMSegmenter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custseg.exceptions import InputError
from custseg.features import (
    RFM_SEGMENT_RULES,
    RFM_SEGMENTS,
    RFMSegmenter,
    rfm_scores,
    rfm_segments,
)


def test_rule_table_tiles_the_grid_once():
    hits = np.zeros((6, 6), dtype=int)
    for rule in RFM_SEGMENT_RULES:
        for r in range(rule.r[0], rule.r[1] + 1):
            for fm in range(rule.fm[0], rule.fm[1] + 1):
                hits[r, fm] += 1
    assert (hits[1:, 1:] == 1).all()
    assert len(RFM_SEGMENTS) == 11 and "Can't Lose Them" in RFM_SEGMENTS


def test_every_cell_gets_the_documented_name():
    grid = pd.DataFrame([(r, f, m) for r in range(1, 6) for f in range(1, 6)
                         for m in range(1, 6)], columns=["R", "F", "M"])
    names = rfm_segments(grid)
    assert set(names) == set(RFM_SEGMENTS)
    one = lambda r, f, m: rfm_segments(pd.DataFrame({"R": [r], "F": [f], "M": [m]}))[0]  # noqa: E731
    assert one(5, 5, 5) == "Champions"
    assert one(5, 1, 1) == "New Customers"
    assert one(1, 5, 5) == "Can't Lose Them"
    assert one(1, 1, 1) == "Lost"
    assert one(2, 1, 2) == "Hibernating"
    assert one(2, 4, 3) == "At Risk"  # FM = round-half-up(3.5) = 4


def test_heavily_tied_frequency_still_gives_five_groups():
    rng = np.random.default_rng(0)
    n = 1000
    frame = pd.DataFrame({"recency_days": rng.integers(1, 400, n),
                          "frequency": np.where(rng.random(n) < 0.7, 1, 2),
                          "monetary": rng.gamma(2.0, 50.0, n)})
    s = rfm_scores(frame)
    for c in ("R", "F", "M"):
        assert sorted(s[c].unique()) == [1, 2, 3, 4, 5]
        assert s[c].value_counts().min() == 200  # exact quintiles with rank "first"
    # the most recent customer has R = 5, the least recent R = 1
    assert s.loc[frame["recency_days"].idxmin(), "R"] == 5
    assert s.loc[frame["recency_days"].idxmax(), "R"] == 1
    # higher frequency never scores lower
    assert s.loc[frame["frequency"] == 2, "F"].min() >= s.loc[frame["frequency"] == 1, "F"].max()


def test_missing_values_score_lowest_and_bad_columns():
    frame = pd.DataFrame({"recency_days": [np.nan, 1, 2, 3, 4],
                          "frequency": [1, 2, 3, 4, np.nan], "monetary": [1.0, 2, 3, 4, 5]})
    s = rfm_scores(frame)
    assert s.loc[0, "R"] == 1 and s.loc[4, "F"] == 1
    with pytest.raises(InputError, match=r"RFM needs columns \['monetary'\], not found"):
        rfm_scores(frame.drop(columns="monetary"))
    with pytest.raises(InputError, match=r"scores need column 'M'"):
        rfm_segments(pd.DataFrame({"R": [1], "F": [1]}))


def test_segmenter_labels_follow_the_table():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"recency_days": rng.integers(1, 400, 500),
                          "frequency": rng.integers(1, 20, 500),
                          "monetary": rng.gamma(2.0, 50.0, 500)})
    seg = RFMSegmenter().fit(frame)
    expected = rfm_segments(rfm_scores(frame))
    assert [seg.segment_names_[k] for k in seg.labels_] == list(expected)
    assert seg.labels_.min() >= 0 and seg.labels_.max() < len(RFM_SEGMENTS)
    arr = RFMSegmenter().fit_predict(frame.to_numpy())
    assert (arr == seg.labels_).all()
    with pytest.raises(InputError, match=r"array with 3 columns.*got shape \(500, 2\)"):
        RFMSegmenter().fit(frame.to_numpy()[:, :2])

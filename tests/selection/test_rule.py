"""The consensus rule itself, on hand-made candidate tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custseg.selection import INDEX_WEIGHTS, rank_candidates


def table(rows: list[dict]) -> pd.DataFrame:
    base = {"bic": np.nan, "icl": np.nan, "gap": np.nan}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_wb_breaks_a_two_two_split_towards_the_extra_segment():
    # silhouette and DB prefer merging a small close segment (k=4), CH and WB keep it (k=5):
    # the documented weights (WB 2) choose k=5; equal weights would tie and take the smaller k
    rows = [
        {"algorithm": "kmeans", "k": 4, "silhouette": 0.53, "calinski_harabasz": 2900.0,
         "davies_bouldin": 0.70, "wb_index": 1.37},
        {"algorithm": "kmeans", "k": 5, "silhouette": 0.52, "calinski_harabasz": 2950.0,
         "davies_bouldin": 0.75, "wb_index": 1.29},
    ]
    ranked = rank_candidates(table(rows))
    assert INDEX_WEIGHTS["wb_index"] == (-1, 2.0)
    assert int(ranked.loc[ranked["rank"] == 1, "k"].iloc[0]) == 5


def test_icl_votes_only_when_its_optimum_is_inside_the_range():
    ks = range(2, 9)
    geometric = [{"algorithm": "kmeans", "k": k, "silhouette": 0.5, "calinski_harabasz": 100.0,
                  "davies_bouldin": 1.0, "wb_index": 1.0} for k in ks]
    inside = [{"algorithm": "gmm", "k": k, "silhouette": 0.5, "calinski_harabasz": 100.0,
               "davies_bouldin": 1.0, "wb_index": 1.0, "icl": abs(k - 4) * 10.0} for k in ks]
    ranked = rank_candidates(table(geometric + inside))
    assert set(ranked.loc[ranked["rank"] <= 2, "k"]) == {4}  # ICL decides the tie
    at_edge = [{**r, "icl": -float(r["k"])} for r in inside]  # still improving at the top
    ranked = rank_candidates(table(geometric + at_edge))
    assert int(ranked.loc[ranked["rank"] == 1, "k"].iloc[0]) == 2  # no vote: smallest k on ties

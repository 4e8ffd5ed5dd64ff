"""Density check: are the chosen segments slices of a few larger, density-separated groups?

Centroid-based families (k-means, Ward, Gaussian mixtures) can only draw convex
segments. When the data hold a few non-convex groups (rings, curved bands) or a
few groups split by one binary-like feature, the indices still find a "best" k,
which then tiles each group with several segments. HDBSCAN needs no k and
follows density, so comparing the two tells the cases apart: if HDBSCAN finds
far fewer groups, with almost no noise, and every segment lies inside one of
them, the segments are slices of those groups. The check only reports; it never
changes the chosen k (on CDNOW it fires because one-time and repeat buyers form
two groups, and the value tiers inside each are still useful segments).

Measured with the default Segmenter: it fires on the fcps shape sets atom (2
groups for 24 segments), chainlink (2 for 18), lsun (3 for 6) and target (2
rings for 13), where the group count is the true one each time; on uci ecoli
and yeast (groups split by near-binary columns) and on CDNOW. It stays quiet on
all ten Fränti sets, fcps hepta/tetra, 30 make_customers tables and the other
customer tables in ../shared/datasets.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import HDBSCAN

#: rows HDBSCAN sees (its cost grows faster than linearly, and with the dimension:
#: 5,000 rows take about 0.3 s in 5 dimensions and 3 s in 60 on this 2-core machine)
DENSITY_SAMPLE = 5000
#: above this many columns the sample shrinks to SMALL_SAMPLE rows
WIDE_DIMENSIONS, SMALL_SAMPLE = 20, 2000
#: the check fires only when HDBSCAN leaves at most this share of rows as noise ...
MAX_NOISE = 0.05
#: ... each segment has at least this share of its rows in one HDBSCAN group ...
MIN_PURITY = 0.9
#: ... and there are at most this fraction as many groups as segments
MAX_GROUP_RATIO = 0.5


def density_check(X: np.ndarray, labels: np.ndarray, k: int, seed: int) -> dict:
    """Compare ``k`` segments with the groups HDBSCAN finds on a seeded sample.

    Returns a dict with ``groups`` (HDBSCAN groups found), ``noise_share``,
    ``min_purity`` (the worst segment's share of its non-noise sampled rows in
    its main group), ``segment_groups`` (the segment ids whose main group is
    the same, largest first), ``segments_per_group`` (their counts),
    ``noise_segments`` (segments whose sampled rows are all HDBSCAN noise, e.g.
    a few outliers), ``unsampled_segments`` (segments too small to appear in
    the sample) and ``fired``: at least two groups hold segments, at most
    half as many as there are segments, noise <= 5% and purity >= 90%.

    Example
    -------
    >>> import numpy as np
    >>> from sklearn.cluster import KMeans
    >>> rng = np.random.default_rng(0)
    >>> angle = rng.uniform(0, 2 * np.pi, 600)  # two rings around the same centre
    >>> radius = np.repeat([1.0, 3.0], 300) + rng.normal(0, 0.1, 600)
    >>> rings = np.c_[np.cos(angle), np.sin(angle)] * radius[:, None]
    >>> labels = KMeans(8, n_init=3, random_state=0).fit_predict(rings)
    >>> out = density_check(rings, labels, 8, seed=0)
    >>> out["groups"], out["segments_per_group"], out["fired"]
    (2, [6, 2], True)
    >>> sorted(s for ids in out["segment_groups"] for s in ids)  # each segment in one group
    [0, 1, 2, 3, 4, 5, 6, 7]
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    n, d = X.shape
    size = DENSITY_SAMPLE if d <= WIDE_DIMENSIONS else SMALL_SAMPLE
    rows = np.sort(rng.choice(n, size, replace=False)) if n > size else None
    S = X if rows is None else X[rows]
    seg = labels if rows is None else labels[rows]
    # same defaults as custseg's HDBSCAN model: a group holds about 1% of the rows
    mcs = max(5, int(0.01 * len(S)))
    groups = HDBSCAN(min_cluster_size=mcs, min_samples=min(mcs, 15), copy=True).fit(S).labels_
    found = sorted(set(groups.tolist()) - {-1})
    noise = float(np.mean(groups == -1))
    sampled = set(np.unique(seg[seg >= 0]).tolist())
    unsampled = sorted(set(np.unique(labels[labels >= 0]).tolist()) - sampled)
    purity, members, noise_segments = [], {}, 0
    for s in sorted(sampled):
        inside = groups[(seg == s) & (groups >= 0)]
        if len(inside) == 0:  # a segment of outliers only: counted in noise_share
            noise_segments += 1
            continue
        counts = np.bincount(inside)
        purity.append(float(counts.max() / len(inside)))
        members.setdefault(int(counts.argmax()), []).append(int(s))
    # segment ids per group, the group with most segments first
    segment_groups = sorted(members.values(), key=lambda ids: (-len(ids), ids[0]))
    min_purity = min(purity) if purity else 0.0
    # groups that are no segment's home do not count: they say nothing about the segments
    fired = (2 <= len(segment_groups) <= MAX_GROUP_RATIO * k and noise <= MAX_NOISE
             and min_purity >= MIN_PURITY)
    return {"groups": len(found), "noise_share": round(noise, 4),
            "min_purity": round(min_purity, 4), "segment_groups": segment_groups,
            "segments_per_group": [len(ids) for ids in segment_groups],
            "noise_segments": noise_segments, "unsampled_segments": unsampled,
            "sample_rows": len(S), "fired": bool(fired)}


def density_sentence(check: dict, k: int, *, confidence_capped: bool = False) -> str:
    """Plain-English sentences for the selection reason (only when the check fired)."""
    homes = check["segment_groups"]
    placed = sum(len(ids) for ids in homes)
    who = f"the {k} segments" if placed == k else f"{placed} of the {k} segments"
    extra = ""
    if check.get("noise_segments"):
        m = check["noise_segments"]
        extra += f"; {m} segment{'s hold' if m > 1 else ' holds'} only outliers"
    if check.get("unsampled_segments"):
        extra += (f"; segment{'s' if len(check['unsampled_segments']) > 1 else ''} "
                  f"{_and(check['unsampled_segments'])} did not appear in the sample")
    text = (f"Density check: HDBSCAN on {check['sample_rows']:,} sampled rows finds only "
            f"{len(homes)} density-separated groups holding segments "
            f"({check['noise_share']:.0%} noise), and {who} lie inside them "
            f"({group_list(homes)}){extra}. The segments may be slices of {len(homes)} larger "
            "shapes, or the groups may differ in one binary-like feature; read each group's "
            "segments together.")
    if confidence_capped:
        text += " Confidence is therefore medium, not high."
    return text + (" If the groups themselves are what matters, try the hdbscan algorithm "
                   "(--algorithms hdbscan).")


def group_list(segment_groups: list[list[int]]) -> str:
    """[[0, 2], [1]] -> 'group 1: segments 0 and 2; group 2: segment 1'."""
    return "; ".join(f"group {g}: segment{'s' if len(ids) > 1 else ''} {_and(ids)}"
                     for g, ids in enumerate(segment_groups, start=1))


def _and(ids: list[int]) -> str:
    """[0, 2, 4] -> '0, 2 and 4'."""
    words = [str(i) for i in ids]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]

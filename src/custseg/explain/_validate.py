"""Validate a segmentation: internal indices, stability, external labels, warnings.

* Internal: silhouette (overall, per segment and per customer) on a seeded
  sample of at most ``sample_size`` customers - silhouette costs O(n^2) -, and
  Calinski-Harabasz and Davies-Bouldin on every customer.
* Stability: per-segment mean Jaccard over bootstrap refits (Hennig's
  clusterboot) when a ``fit_predict`` is given. Reading: above 0.75 stable,
  below 0.6 doubtful, in between moderately stable.
* External: ARI, AMI, NMI, homogeneity, completeness and V-measure against a
  known grouping (the label column, never a feature) plus the contingency table.
* Warnings in plain sentences: tiny segments, one segment holding most
  customers, segments driven by a single feature, weak structure, unstable
  segments.

Unassigned customers (label -1) are left out of every index.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from custseg.exceptions import ConfigError, InputError
from custseg.explain._common import (
    UNASSIGNED,
    check_labels,
    fmt_share,
    fmt_share_vs_limit,
    fmt_vs_limit,
    json_ready,
)
from custseg.explain._profile import SegmentProfiles

DOMINANT_SHARE = 0.6
WEAK_SILHOUETTE = 0.25
#: rows of the per-segment stability refits, the size of the selection's own stability
#: sample. 5,000 made Ward's refits two-step (above 2,000 rows): 20 refits took 16.8 s of
#: segmentation_av's 33 s run; a segment of 2 % still has about 40 rows in each refit.
STABILITY_ROWS = 2000
DOUBTFUL_JACCARD = 0.6  # the "doubtful" verdict of evaluate.bootstrap_stability
SINGLE_FEATURE_MIN = 0.8    # the lone strong feature is at least a large effect...
SINGLE_FEATURE_RATIO = 3.0  # ...and at least 3x the next strongest one
STABILITY_READING = ("mean Jaccard of a segment with its best match over bootstrap refits: "
                     "above 0.75 stable, 0.6-0.75 moderately stable, below 0.6 doubtful "
                     "(Hennig's clusterboot)")


@dataclass
class Validation:
    """Result of :func:`validate`; all indices ignore unassigned (-1) customers.

    Attributes
    ----------
    n, n_assigned : customers, and those in a segment.
    sizes, shares : per segment (unassigned included under -1).
    silhouette : mean silhouette on the sample; ``silhouette_per_segment`` its
        mean per segment; ``silhouette_values`` (DataFrame: row, segment,
        silhouette) the per-customer values of the sample, for a silhouette plot.
    calinski_harabasz, davies_bouldin : on all assigned customers.
    stability : DataFrame (segment, size, mean_jaccard, dissolved, recovered,
        verdict) or None; ``stability_ari`` mean ARI of refits.
    external : dict of ARI, AMI, NMI, homogeneity, completeness, V-measure, or None;
        ``contingency``: reference labels x segments.
    warnings : plain sentences.
    """

    n: int
    n_assigned: int
    sizes: dict[int, int]
    shares: dict[int, float]
    sample_size: int
    silhouette: float | None
    silhouette_per_segment: dict[int, float | None]
    silhouette_values: pd.DataFrame
    calinski_harabasz: float | None
    davies_bouldin: float | None
    stability: pd.DataFrame | None = None
    stability_ari: float | None = None
    external: dict | None = None
    contingency: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def metrics(self) -> dict:
        """Overall indices, JSON-ready (for summary.json ``metrics``)."""
        return json_ready({"silhouette": self.silhouette,
                           "silhouette_sample_size": self.sample_size,
                           "calinski_harabasz": self.calinski_harabasz,
                           "davies_bouldin": self.davies_bouldin,
                           "stability_mean_ari": self.stability_ari})

    def stability_of(self, segment: int) -> dict | None:
        """``{"jaccard", "verdict", "dissolved", "recovered"}`` of one segment, or None."""
        if self.stability is None:
            return None
        row = self.stability[self.stability["segment"] == segment]
        if row.empty:
            return None
        rec = row.iloc[0]
        return json_ready({"jaccard": rec["mean_jaccard"], "verdict": rec["verdict"],
                           "dissolved": rec["dissolved"], "recovered": rec["recovered"]})

    def to_frame(self) -> pd.DataFrame:
        """One row per segment: size, share, silhouette, mean Jaccard, verdict."""
        ids = [s for s in self.sizes if s != UNASSIGNED]
        out = pd.DataFrame({"segment": ids, "size": [self.sizes[s] for s in ids],
                            "share": [self.shares[s] for s in ids],
                            "silhouette": [self.silhouette_per_segment.get(s) for s in ids]})
        out["silhouette"] = out["silhouette"].astype(float)
        if self.stability is not None:
            stab = self.stability.set_index("segment")
            out["mean_jaccard"] = out["segment"].map(stab["mean_jaccard"])
            out["verdict"] = out["segment"].map(stab["verdict"])
        return out

    def to_dict(self) -> dict:
        """JSON-ready: metrics, per-segment table, stability, external scores, warnings."""
        contingency = None
        if self.contingency is not None:
            contingency = {"reference": [str(v) for v in self.contingency.index],
                           "segments": [int(v) for v in self.contingency.columns],
                           "counts": self.contingency.to_numpy().tolist()}
        return json_ready({
            "n": self.n, "n_assigned": self.n_assigned, "metrics": self.metrics,
            "segments": self.to_frame().to_dict("records"),
            "stability": None if self.stability is None else {
                "reading": STABILITY_READING, "mean_ari": self.stability_ari,
                "segments": self.stability.to_dict("records")},
            "external": self.external, "contingency": contingency,
            "warnings": self.warnings, "notes": self.notes})


def validate(
    X,
    labels,
    *,
    fit_predict=None,
    label_true=None,
    sample_size: int = 5000,
    n_boot: int = 20,
    random_state=0,
    min_share: float = 0.02,
    profiles: SegmentProfiles | None = None,
    stability_size: int = STABILITY_ROWS,
) -> Validation:
    """Check how well separated, stable and meaningful the segments are.

    Parameters
    ----------
    X : the feature matrix the segments were built on (scaled, no missing values).
    labels : segment of each row (-1 = unassigned, left out).
    fit_predict : callable ``Z -> labels`` or an estimator with ``fit_predict``;
        when given, per-segment bootstrap stability is computed.
    label_true : known grouping of the rows (e.g. the ``--label`` column) for
        external scores; missing values are left out.
    sample_size : rows for the silhouette (seeded sample).
    n_boot : bootstrap refits for stability.
    stability_size : rows the stability refits use (seeded sample; see :data:`STABILITY_ROWS`).
    random_state : seed.
    min_share : segments below this share of customers get a warning.
    profiles : the segments' profiles, to warn about single-feature segments.

    Example
    -------
    >>> import numpy as np
    >>> X = np.r_[np.zeros((30, 2)), np.full((30, 2), 5.0)] + np.tile([[0.1], [-0.1]], (30, 2))
    >>> res = validate(X, np.repeat([0, 1], 30), label_true=np.repeat(["a", "b"], 30))
    >>> round(res.silhouette, 2), res.external["ari"], res.warnings
    (0.98, 1.0, [])
    """
    from custseg.evaluate import (
        bootstrap_stability,
        calinski_harabasz,
        contingency_table,
        davies_bouldin,
        external_scores,
        silhouette_samples_sampled,
    )

    where = "validate"
    X = _check_matrix(X, where)
    lab = check_labels(labels, X.shape[0], where)
    if not 0 <= min_share < 1:
        raise ConfigError(f"min_share must be in [0, 1), got {min_share!r}",
                          where="validate(min_share)", fix="use a share such as 0.02")
    if not isinstance(sample_size, (int, np.integer)) or sample_size < 2:
        raise ConfigError(f"sample_size must be a whole number >= 2, got {sample_size!r}",
                          where="validate(sample_size)", fix="use e.g. 5000")
    n = len(lab)
    ids, counts = np.unique(lab, return_counts=True)
    order = [i for i in range(len(ids)) if ids[i] != UNASSIGNED] + \
        [i for i in range(len(ids)) if ids[i] == UNASSIGNED]
    sizes = {int(ids[i]): int(counts[i]) for i in order}
    shares = {s: c / n for s, c in sizes.items()}
    assigned = lab != UNASSIGNED
    n_assigned = int(assigned.sum())
    segs = [s for s in sizes if s != UNASSIGNED]
    notes: list[str] = []

    rows, values = silhouette_samples_sampled(X, lab, sample_size, random_state)
    sil_frame = pd.DataFrame({"row": rows.astype(np.int64), "segment": lab[rows],
                              "silhouette": values})
    ok = np.isfinite(values)
    sil = float(values[ok].mean()) if ok.any() else None
    per_seg = {s: _mean_or_none(values[ok & (lab[rows] == s)]) for s in segs}
    if n_assigned > sample_size:
        notes.append(f"silhouette on a seeded sample of {len(rows):,} of {n_assigned:,} "
                     "assigned customers (its cost grows with n squared)")
    defined = 1 < len(segs) < n_assigned  # both indices need 2..n-1 segments
    ch = _finite(calinski_harabasz(X, lab)) if defined else None
    db = _finite(davies_bouldin(X, lab)) if defined else None

    result = Validation(n=n, n_assigned=n_assigned, sizes=sizes, shares=shares,
                        sample_size=len(rows), silhouette=sil, silhouette_per_segment=per_seg,
                        silhouette_values=sil_frame, calinski_harabasz=ch, davies_bouldin=db,
                        notes=notes)
    if fit_predict is not None and len(segs) > 1:
        res = bootstrap_stability(X[assigned], fit_predict, n_boot=n_boot,
                                  random_state=random_state, labels=lab[assigned],
                                  max_rows=stability_size)
        frame = res.to_frame().rename(columns={"cluster": "segment"})
        frame["segment"] = frame["segment"].astype(np.int64)
        result.stability, result.stability_ari = frame, res.mean_ari
        notes.append(f"stability: {n_boot} bootstrap refits on at most {stability_size:,} "
                     "customers; " + STABILITY_READING)
    if label_true is not None:
        result.external, result.contingency = _external(
            label_true, lab, n, external_scores, contingency_table, notes)
    result.warnings = _warnings(result, min_share, profiles)
    return result


def _check_matrix(X, where: str) -> np.ndarray:
    if isinstance(X, pd.DataFrame):
        X = X.to_numpy()
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise InputError("X must be a numeric matrix (the model's feature matrix)",
                         where=where, fix="pass the preprocessed, numeric features") from None
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise InputError(f"X must be a 2-D matrix with at least 2 rows, got shape {arr.shape}",
                         where=where, fix="pass the preprocessed feature matrix")
    if not np.isfinite(arr).all():
        raise InputError("X has missing or infinite values", where=where,
                         fix="validate on the preprocessed (imputed) feature matrix")
    return arr


def _external(label_true, lab, n, external_scores, contingency_table, notes):
    truth = pd.Series(np.asarray(label_true, dtype=object).ravel())
    if len(truth) != n:
        raise InputError(f"label_true has {len(truth)} entries but there are {n} rows",
                         where="validate(label_true)", fix="pass one known label per row")
    keep = truth.notna().to_numpy() & (lab != UNASSIGNED)
    if keep.sum() < 2:
        raise InputError("label_true has fewer than 2 usable values", where="validate",
                         fix="pass a label column with known groups")
    dropped = n - int(keep.sum())
    if dropped:
        notes.append(f"external scores on {int(keep.sum()):,} customers ({dropped:,} without "
                     "a known label or unassigned left out)")
    truth = truth[keep].astype(str).to_numpy()
    return external_scores(truth, lab[keep]), contingency_table(truth, lab[keep])


def _mean_or_none(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def _finite(x) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def _warnings(res: Validation, min_share: float, profiles: SegmentProfiles | None) -> list[str]:
    out = []
    segs = [s for s in res.sizes if s != UNASSIGNED]
    for s in segs:
        if res.shares[s] < min_share:
            out.append(f"Segment {s} holds only "
                       f"{fmt_share_vs_limit(res.shares[s], min_share)} of customers "
                       f"({res.sizes[s]:,} of {res.n:,}), below the {fmt_share(min_share)} "
                       "minimum: consider merging it or choosing fewer segments.")
    for s in segs:
        if res.shares[s] > DOMINANT_SHARE:
            out.append(f"Segment {s} holds {fmt_share_vs_limit(res.shares[s], DOMINANT_SHARE)} "
                       "of customers (more than "
                       f"{fmt_share(DOMINANT_SHARE)}): the segmentation mostly splits off small "
                       "groups from one large mass.")
    if profiles is not None:
        for s in segs:
            top = profiles.top_features(s, 2) if s in profiles.segment_ids else []
            if not top:
                continue
            first = abs(top[0]["effect_size"])
            second = abs(top[1]["effect_size"]) if len(top) > 1 else 0.0
            if first >= SINGLE_FEATURE_MIN and first >= SINGLE_FEATURE_RATIO * second:
                label = top[0]["feature"] + (f" = {top[0]['level']}" if top[0]["level"] else "")
                out.append(f"Segment {s} differs from the others almost only in {label} "
                           f"(effect {top[0]['effect_size']:+.2f}; next strongest "
                           f"{second:.2f}): it may be a slice of one variable rather than a "
                           "customer type.")
    if res.silhouette is not None and res.silhouette < WEAK_SILHOUETTE:
        out.append(f"Weak structure: mean silhouette "
                   f"{fmt_vs_limit(res.silhouette, WEAK_SILHOUETTE)} (below "
                   f"{WEAK_SILHOUETTE}): by this measure the segments overlap or are not "
                   "compact (it favours round groups; a genie choice follows gaps instead, see "
                   "the selection reason), so treat them as a useful partition rather than "
                   "natural groups.")
    if res.stability is not None:
        for rec in res.stability.to_dict("records"):
            if rec["verdict"] == "doubtful":
                out.append(f"Segment {rec['segment']} is unstable: mean Jaccard "
                           f"{fmt_vs_limit(rec['mean_jaccard'], DOUBTFUL_JACCARD)} over "
                           f"bootstrap refits (below {DOUBTFUL_JACCARD}): it "
                           "may not reappear on new data.")
    unassigned = res.sizes.get(UNASSIGNED, 0)
    if unassigned and unassigned / res.n > 0.05:
        out.append(f"{fmt_share(unassigned / res.n)} of customers ({unassigned:,}) are "
                   "unassigned (segment -1).")
    return out

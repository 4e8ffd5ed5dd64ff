"""Segment profiles: who is in each segment, in the units of the input table.

For every segment: size and share of customers, share of money spent (when a
monetary column exists), the mean and median of each numeric feature next to
the whole population, the lift of each category level and a standardised
difference (effect size) that ranks the features that set the segment apart.

Effect size
-----------
Cohen's d of the segment against everyone else: ``(segment mean - rest mean) /
pooled standard deviation``. Rules of thumb: 0.2 small, 0.5 medium, 0.8 large.
Money, counts and other skewed columns (absolute skewness above 1) are
compared on normal scores of their ranks (van der Waerden), so a handful of
extreme customers can neither inflate nor hide a difference; the column
``scale`` says which scale was used. A category level is scored as the d of
its 0/1 indicator, so levels and numbers rank on one scale. When both groups
have no spread the value is capped at +-10. Means and medians themselves are
always in original units.

Everything is computed with group sums (``np.bincount``) and one sort per
column, so the cost is O(n log n) in rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from custseg.data.schema import Schema
from custseg.exceptions import InputError
from custseg.explain._common import (
    UNASSIGNED,
    check_features,
    check_labels,
    fmt_number,
    fmt_share,
    json_ready,
)
from custseg.explain._features import FeatureTable, detect_monetary, feature_table

SKEW_LIMIT = 1.0
EFFECT_CAP = 10.0
TOP_N = 5


@dataclass
class SegmentProfiles:
    """Profiles of all segments; build with :func:`profile`.

    Attributes
    ----------
    n : number of customers.
    segment_ids : segment labels in order (``-1``, unassigned, last).
    sizes, shares, value_shares : per segment (value share is None without a
        monetary column).
    numeric : long table, one row per segment and numeric feature.
    categorical : long table, one row per segment, feature and level.
    standardised : segments x numeric features, mean of the standardised
        feature (on the effect-size scale) - the data of a snake plot.
    kinds, units, scales : per feature.
    monetary : the column(s) whose sum is the customer's value.
    names : optional segment names shown next to the ids.
    """

    n: int
    segment_ids: list[int]
    sizes: dict[int, int]
    shares: dict[int, float]
    value_shares: dict[int, float | None]
    numeric: pd.DataFrame
    categorical: pd.DataFrame
    standardised: pd.DataFrame
    kinds: dict[str, str]
    units: dict[str, str]
    scales: dict[str, str]
    monetary: list[str]
    names: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    # ------------------------------------------------------------ views
    def top_features(self, segment: int, n: int | None = TOP_N) -> list[dict]:
        """The features that set ``segment`` apart, strongest first.

        One entry per feature (for a categorical feature, its level with the
        largest |effect|), each with ``feature``, ``level``, ``kind``,
        ``effect_size``, ``direction`` (higher/lower), ``mean``,
        ``overall_mean``, ``lift`` and a readable ``text``.
        """
        rows = []
        num = self.numeric[self.numeric["segment"] == segment]
        for rec in num.to_dict("records"):
            if pd.notna(rec["effect_size"]):
                rows.append({"feature": rec["feature"], "level": None, "kind": rec["kind"],
                             "effect_size": rec["effect_size"], "mean": rec["mean"],
                             "median": rec["median"], "overall_mean": rec["overall_mean"],
                             "lift": None})
        cat = self.categorical[self.categorical["segment"] == segment]
        if len(cat):
            cat = cat.dropna(subset=["effect_size"])
            best = cat.loc[cat["effect_size"].abs().groupby(cat["feature"]).idxmax()]
            for rec in best.to_dict("records"):
                rows.append({"feature": rec["feature"], "level": rec["level"],
                             "kind": "categorical", "effect_size": rec["effect_size"],
                             "mean": rec["share"], "median": None,
                             "overall_mean": rec["overall_share"], "lift": rec["lift"]})
        rows.sort(key=lambda r: -abs(r["effect_size"]))
        for rec in rows:
            rec["direction"] = "higher" if rec["effect_size"] > 0 else "lower"
            rec["text"] = self._describe(rec)
        return rows if n is None else rows[:n]

    def _describe(self, rec: dict) -> str:
        d = f"effect {rec['effect_size']:+.2f}"
        if rec["kind"] == "categorical":
            return (f"{rec['feature']} = {rec['level']}: {fmt_share(rec['mean'])} vs "
                    f"{fmt_share(rec['overall_mean'])} overall (lift {rec['lift']:.2f}, {d})")
        if rec["kind"] == "binary":
            return (f"{rec['feature']}: {fmt_share(rec['mean'])} vs "
                    f"{fmt_share(rec['overall_mean'])} overall ({d})")
        unit = f" {self.units[rec['feature']]}" if rec["kind"] == "datetime" else ""
        return (f"{rec['feature']}: mean {fmt_number(rec['mean'])} vs "
                f"{fmt_number(rec['overall_mean'])} overall{unit} ({d})")

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per segment x feature (x level for categories).

        Columns: segment, name, feature, level, kind, mean, median,
        overall_mean, overall_median, effect_size, lift, scale. For a category
        level, mean and overall_mean are shares.
        """
        num = self.numeric.assign(level=None, lift=np.nan)
        cat = self.categorical.rename(columns={"share": "mean", "overall_share": "overall_mean"})
        cat = cat.assign(kind="categorical", median=np.nan, overall_median=np.nan,
                         scale="indicator")
        cols = ["segment", "feature", "level", "kind", "mean", "median", "overall_mean",
                "overall_median", "effect_size", "lift", "scale"]
        parts = [p[cols] for p in (num, cat) if len(p)]
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
        out.insert(1, "name", out["segment"].map(lambda s: self.names.get(int(s))))
        order = out["effect_size"].abs().fillna(-1)
        out = out.assign(_o=-order).sort_values(["segment", "_o"], kind="stable")
        return out.drop(columns="_o").reset_index(drop=True)

    def effect_matrix(self) -> pd.DataFrame:
        """Segments x features effect sizes (categories as ``feature = level``), for a heatmap."""
        parts = []
        if len(self.numeric):
            parts.append(self.numeric.pivot(index="segment", columns="feature",
                                            values="effect_size")[self._numeric_names()])
        if len(self.categorical):
            cat = self.categorical.assign(
                column=self.categorical["feature"] + " = " + self.categorical["level"])
            order = list(dict.fromkeys(cat["column"]))
            parts.append(cat.pivot(index="segment", columns="column",
                                   values="effect_size")[order])
        out = pd.concat(parts, axis=1).reindex(self.segment_ids)
        out.index.name, out.columns.name = "segment", "feature"
        return out

    def snake_data(self) -> pd.DataFrame:
        """Segments x numeric features: mean of each standardised feature (a snake plot)."""
        return self.standardised.copy()

    def _numeric_names(self) -> list[str]:
        return [f for f, k in self.kinds.items() if k != "categorical"]

    @property
    def segments(self) -> list[dict]:
        """One JSON-ready dict per segment: size, share, value share, top features, stats."""
        out = []
        for s in self.segment_ids:
            num = self.numeric[self.numeric["segment"] == s]
            numeric = {r["feature"]: {k: r[k] for k in ("mean", "median", "overall_mean",
                                                         "overall_median", "effect_size")}
                       for r in num.to_dict("records")}
            categorical = {}
            cat = self.categorical[self.categorical["segment"] == s]
            for feat, grp in cat.groupby("feature", sort=False):
                grp = grp[grp["count"] > 0].sort_values("lift", ascending=False).head(TOP_N)
                categorical[feat] = [{k: r[k] for k in ("level", "share", "overall_share",
                                                        "lift", "effect_size")}
                                     for r in grp.to_dict("records")]
            out.append(json_ready({
                "id": s, "name": self.names.get(s), "unassigned": s == UNASSIGNED,
                "size": self.sizes[s], "share": self.shares[s],
                "value_share": self.value_shares[s],
                "top_features": self.top_features(s),
                "numeric": numeric, "categorical": categorical}))
        return out

    def to_dict(self) -> dict:
        """JSON-ready: population, features (kind, unit, scale), segments, notes."""
        feats = [{"name": f, "kind": k, "unit": self.units.get(f), "scale": self.scales.get(f)}
                 for f, k in self.kinds.items()]
        return json_ready({"n": self.n, "monetary": self.monetary, "features": feats,
                           "segments": self.segments, "notes": self.notes})


def profile(
    frame: pd.DataFrame,
    labels,
    *,
    features,
    schema: Schema | None = None,
    monetary: str | list[str] | bool | None = None,
    names: dict[int, str] | None = None,
) -> SegmentProfiles:
    """Profile each segment in the original units of ``frame``.

    Parameters
    ----------
    frame : the original customer table (one row per customer).
    labels : segment of each row (0..k-1; -1 for unassigned).
    features : the columns the segments were built on.
    schema : roles from :func:`custseg.data.infer_schema` (guessed when None).
    monetary : column (or columns, summed) with the money a customer spends;
        None detects it by name (``annual_spend``, ``monetary``, ``Mnt*``...),
        False turns value shares off.
    names : optional ``{segment: name}`` shown in tables.

    Example
    -------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"age": [25, 27, 26, 60, 62, 61],
    ...                       "spend": [10.0, 12.0, 11.0, 50.0, 55.0, 45.0]})
    >>> prof = profile(frame, [0, 0, 0, 1, 1, 1], features=["age", "spend"])
    >>> prof.value_shares[1], prof.top_features(1)[0]["feature"]
    (0.8, 'age')
    >>> round(prof.numeric.query("segment == 0 and feature == 'age'")["mean"].item(), 1)
    26.0
    """
    where = "profile"
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"frame must be a pandas DataFrame, got {type(frame).__name__}",
                         where=where, fix="pass the original customer table")
    feats = check_features(frame, features, where)
    lab = check_labels(labels, len(frame), where)
    if len(frame) == 0:
        raise InputError("the table has no rows", where=where, fix="profile a non-empty table")
    frame = frame.reset_index(drop=True)
    table = feature_table(frame, feats, schema, where)
    ids = sorted(int(s) for s in np.unique(lab) if s != UNASSIGNED)
    if (lab == UNASSIGNED).any():
        ids.append(UNASSIGNED)
    pos = {s: i for i, s in enumerate(ids)}
    # positions 0..k-1 in `ids` order (unassigned last)
    seg_idx = pd.Series(lab).map(pos).to_numpy()
    counts = np.bincount(seg_idx, minlength=len(ids))
    n = len(lab)
    sizes = {s: int(counts[i]) for s, i in pos.items()}
    shares = {s: counts[i] / n for s, i in pos.items()}

    money_cols = _money_columns(frame, feats, monetary)
    value_shares = _value_shares(frame, money_cols, seg_idx, ids)
    numeric, standardised, scales = _numeric_stats(table, seg_idx, ids)
    categorical = _categorical_stats(table, seg_idx, ids)
    notes = list(table.notes)
    skewed = [f for f, s in scales.items() if s == "rank-normal"]
    if skewed:
        notes.append("effect sizes of skewed columns are computed on normal scores of ranks: "
                     + ", ".join(skewed))
    if money_cols:
        notes.append("value share = share of " + " + ".join(money_cols))
    return SegmentProfiles(
        n=n, segment_ids=ids, sizes=sizes, shares=shares, value_shares=value_shares,
        numeric=numeric, categorical=categorical, standardised=standardised,
        kinds=dict(table.kinds), units=dict(table.units), scales=scales, monetary=money_cols,
        names={int(k): str(v) for k, v in (names or {}).items()}, notes=notes)


def _money_columns(frame: pd.DataFrame, feats: list[str], monetary) -> list[str]:
    if monetary is False:
        return []
    if monetary is None or monetary is True:
        return detect_monetary(frame, feats)
    cols = [monetary] if isinstance(monetary, str) else list(monetary)
    for col in cols:
        if col not in frame.columns:
            raise InputError(f"monetary column {col!r} is not a column of the table",
                             where="profile(monetary=...)",
                             fix="name the column with the money spent, or pass None to detect")
        if not pd.api.types.is_numeric_dtype(frame[col]):
            raise InputError(f"monetary column {col!r} is not numeric "
                             f"(dtype {frame[col].dtype})", where="profile(monetary=...)",
                             fix="pass a numeric column with the money spent")
    return [str(c) for c in cols]


def _value_shares(frame, cols, seg_idx, ids) -> dict[int, float | None]:
    if not cols:
        return {s: None for s in ids}
    money = np.nansum(np.column_stack([frame[c].to_numpy(dtype=float, na_value=np.nan)
                                       for c in cols]), axis=1)
    total = money.sum()
    if not total > 0:
        return {s: None for s in ids}
    per = np.bincount(seg_idx, weights=money, minlength=len(ids))
    return {s: float(per[i] / total) for i, s in enumerate(ids)}


def _effect(n1, s1, q1, n, s, q) -> np.ndarray:
    """Cohen's d of each group against the rest from counts, sums and sums of squares."""
    n1, s1, q1 = (np.asarray(a, dtype=float) for a in (n1, s1, q1))
    n2, s2, q2 = n - n1, s - s1, q - q1
    with np.errstate(invalid="ignore", divide="ignore"):
        m1, m2 = s1 / n1, s2 / n2
        ss = np.maximum(q1 - n1 * m1 ** 2, 0) + np.maximum(q2 - n2 * m2 ** 2, 0)
        sd = np.sqrt(ss / (n - 2)) if n > 2 else np.full_like(m1, np.nan)
        diff = m1 - m2
        tiny = 1e-12 * max(1.0, float(np.sqrt(q / max(n, 1))))
        d = np.where(sd > tiny, diff / np.where(sd > tiny, sd, 1),
                     np.where(np.abs(diff) > tiny, np.sign(diff) * EFFECT_CAP, 0.0))
    d = np.clip(d, -EFFECT_CAP, EFFECT_CAP)
    d[(n1 < 1) | (n2 < 1)] = np.nan
    return d


def _scale(values: np.ndarray, kind: str) -> tuple[np.ndarray, str]:
    """Values on the effect-size scale: raw, or normal scores of ranks when skewed."""
    present = ~np.isnan(values)
    x = values[present]
    if kind == "binary" or x.size < 3 or np.ptp(x) == 0:
        return values, "raw"
    skew = float(stats.skew(x))
    if not np.isfinite(skew) or abs(skew) <= SKEW_LIMIT:
        return values, "raw"
    out = np.full(values.shape, np.nan)
    ranks = stats.rankdata(x)  # average ranks for ties
    out[present] = stats.norm.ppf((ranks - 0.5) / x.size)
    return out, "rank-normal"


def _numeric_stats(table: FeatureTable, seg_idx: np.ndarray, ids: list[int]):
    k = len(ids)
    rows, std_cols, scales = [], {}, {}
    names = [f for f in table.kinds if f in table.numeric]
    if names:
        medians = pd.DataFrame({f: table.numeric[f] for f in names}).groupby(seg_idx).median()
    for f in names:
        v = table.numeric[f]
        present = ~np.isnan(v)
        idx = seg_idx[present]
        cnt = np.bincount(idx, minlength=k)
        mean = np.bincount(idx, weights=v[present], minlength=k) / np.maximum(cnt, 1)
        overall_mean = float(v[present].mean()) if present.any() else np.nan
        overall_median = float(np.median(v[present])) if present.any() else np.nan
        t, scales[f] = _scale(v, table.kinds[f])
        tc = t[present] - np.mean(t[present]) if present.any() else t[present]
        s1 = np.bincount(idx, weights=tc, minlength=k)
        q1 = np.bincount(idx, weights=tc ** 2, minlength=k)
        d = _effect(cnt, s1, q1, float(cnt.sum()), float(s1.sum()), float(q1.sum()))
        sd = np.sqrt(q1.sum() / max(cnt.sum() - 1, 1))
        std_cols[f] = np.where(cnt > 0, s1 / np.maximum(cnt, 1) / (sd if sd > 0 else 1), np.nan)
        for i, s in enumerate(ids):
            rows.append({"segment": s, "feature": f, "kind": table.kinds[f], "n_present":
                         int(cnt[i]), "mean": mean[i] if cnt[i] else np.nan,
                         "median": medians[f].get(i, np.nan), "overall_mean": overall_mean,
                         "overall_median": overall_median, "effect_size": d[i],
                         "scale": scales[f]})
    cols = ["segment", "feature", "kind", "n_present", "mean", "median", "overall_mean",
            "overall_median", "effect_size", "scale"]
    numeric = pd.DataFrame(rows, columns=cols)
    standardised = pd.DataFrame(std_cols, index=pd.Index(ids, name="segment"))
    standardised.columns.name = "feature"
    return numeric, standardised, scales


def _categorical_stats(table: FeatureTable, seg_idx: np.ndarray, ids: list[int]):
    k = len(ids)
    n = len(seg_idx)
    sizes = np.bincount(seg_idx, minlength=k)
    rows = []
    for f, series in table.categorical.items():
        codes, levels = pd.factorize(series, sort=False)
        n_lev = len(levels)
        counts = np.bincount(seg_idx * n_lev + codes, minlength=k * n_lev).reshape(k, n_lev)
        totals = counts.sum(axis=0)
        for j in np.argsort(-totals, kind="stable"):
            level_counts = counts[:, j]
            d = _effect(sizes, level_counts, level_counts, float(n), float(totals[j]),
                        float(totals[j]))
            overall = totals[j] / n
            for i, s in enumerate(ids):
                share = level_counts[i] / sizes[i] if sizes[i] else np.nan
                rows.append({"segment": s, "feature": f, "level": str(levels[j]),
                             "count": int(level_counts[i]), "share": share,
                             "overall_share": overall, "lift": share / overall if overall
                             else np.nan, "effect_size": d[i]})
    cols = ["segment", "feature", "level", "count", "share", "overall_share", "lift",
            "effect_size"]
    return pd.DataFrame(rows, columns=cols)

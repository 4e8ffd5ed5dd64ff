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

import copy
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
    clean_text,
    fmt_number,
    fmt_share,
    json_ready,
    short_label,
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
    value_means : per segment, the mean value per customer (the sum of the
        monetary columns; None without one); ``value_overall`` the population's.
    outcomes : one dict per outcome column (churn flag, campaign response, model
        score...): ``column``, ``kind`` (binary/numeric/categorical),
        ``statistic`` (rate/mean/top_share), ``level``, ``overall``, ``label``
        and ``by_segment`` ``{segment: {"value", "n", "level"}}``; see
        :meth:`outcomes_of` and :meth:`outcome_table`.
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
    value_means: dict[int, float | None] = field(default_factory=dict)
    value_overall: float | None = None
    outcomes: list[dict] = field(default_factory=list)

    # ------------------------------------------------------------ outcomes
    def outcomes_of(self, segment: int) -> list[dict]:
        """Each outcome in ``segment`` next to the population: churn rate 23.4% vs 16.1%.

        One dict per outcome column: ``column``, ``kind``, ``statistic``,
        ``level`` (the counted level of a binary outcome; the segment's most
        common level of a categorical one), ``value``, ``overall`` (the same
        statistic over all customers), ``n`` (customers with a value) and ``text``.
        """
        out = []
        for rec in self.outcomes:
            seg = rec["by_segment"].get(segment)
            if seg is None:
                continue
            overall = rec["overall"] if rec["kind"] != "categorical" else \
                rec["level_shares"].get(seg["level"])
            row = {"column": rec["column"], "kind": rec["kind"], "statistic": rec["statistic"],
                   "level": seg.get("level", rec["level"]), "value": seg["value"],
                   "overall": overall, "n": seg["n"]}
            row["text"] = outcome_text(row)
            out.append(row)
        return out

    def outcome_table(self) -> pd.DataFrame:
        """One row per segment and outcome: segment, name, column, statistic, level,
        value, overall, n (the report's "Outcomes by segment" table)."""
        cols = ["segment", "name", "column", "statistic", "level", "value", "overall", "n"]
        rows = [{"segment": s, "name": self.names.get(s), **{k: r[k] for k in cols[2:]}}
                for s in self.segment_ids for r in self.outcomes_of(s)]
        return pd.DataFrame(rows, columns=cols)

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
                             "overall_median": rec["overall_median"], "lift": None})
        cat = self.categorical[self.categorical["segment"] == segment]
        if len(cat):
            cat = cat.dropna(subset=["effect_size"])
            best = cat.loc[cat["effect_size"].abs().groupby(cat["feature"]).idxmax()]
            for rec in best.to_dict("records"):
                rows.append({"feature": rec["feature"], "level": rec["level"],
                             "kind": "categorical", "effect_size": rec["effect_size"],
                             "mean": rec["share"], "median": None,
                             "overall_mean": rec["overall_share"], "overall_median": None,
                             "lift": rec["lift"]})
        rows.sort(key=lambda r: -abs(r["effect_size"]))
        for rec in rows:
            rec["direction"] = "higher" if rec["effect_size"] > 0 else "lower"
            rec["text"] = self._describe(rec)
        return rows if n is None else rows[:n]

    def _describe(self, rec: dict) -> str:
        d = f"effect {rec['effect_size']:+.2f}"
        name = short_label(rec["feature"], 60)  # a 100k-character column name stays short
        if rec["kind"] == "categorical":
            return (f"{name} = {clean_text(rec['level'], 40)}: {fmt_share(rec['mean'])} vs "
                    f"{fmt_share(rec['overall_mean'])} overall (lift {rec['lift']:.2f}, {d})")
        if rec["kind"] == "binary":
            return (f"{name}: {fmt_share(rec['mean'])} vs "
                    f"{fmt_share(rec['overall_mean'])} overall ({d})")
        unit = f" {self.units[rec['feature']]}" if rec["kind"] == "datetime" else ""
        return (f"{name}: mean {fmt_number(rec['mean'])} vs "
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
        """One JSON-ready dict per segment: size, share, value share, top features, stats.

        Built once per set of names (summary, report and record all read it; it
        took 0.2 s a time on a 9k-row table); each caller gets its own copy.
        """
        key = tuple(sorted(self.names.items()))
        cached = self.__dict__.get("_segments_cache")
        if cached is None or cached[0] != key:
            cached = (key, self._build_segments())
            self.__dict__["_segments_cache"] = cached
        return copy.deepcopy(cached[1])

    def _build_segments(self) -> list[dict]:
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
                "value_share": self.value_shares[s], "value_mean": self.value_means.get(s),
                "top_features": self.top_features(s),
                "numeric": numeric, "categorical": categorical,
                "outcomes": self.outcomes_of(s)}))
        return out

    def outcomes_overview(self) -> list[dict]:
        """JSON-ready: one entry per outcome column with its overall statistic."""
        return json_ready([{k: rec[k] for k in ("column", "kind", "statistic", "level",
                                                 "overall", "n_present", "n_missing", "label")}
                           for rec in self.outcomes])

    def to_dict(self) -> dict:
        """JSON-ready: population, features (kind, unit, scale), segments, notes."""
        feats = [{"name": f, "kind": k, "unit": self.units.get(f), "scale": self.scales.get(f)}
                 for f, k in self.kinds.items()]
        return json_ready({"n": self.n, "monetary": self.monetary,
                           "value_overall": self.value_overall, "features": feats,
                           "outcomes": self.outcomes_overview(),
                           "segments": self.segments, "notes": self.notes})


def profile(
    frame: pd.DataFrame,
    labels,
    *,
    features,
    schema: Schema | None = None,
    monetary: str | list[str] | bool | None = None,
    names: dict[int, str] | None = None,
    outcomes: str | list[str] | None = None,
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
    outcomes : outcome columns (churn flag, campaign response, model score) to
        profile per segment - never features; None takes the schema's
        ``outcome`` columns.

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
    value_means, value_overall = _value_means(frame, money_cols, seg_idx, ids)
    outcome_cols = _outcome_columns(frame, outcomes, schema)
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
        names={int(k): str(v) for k, v in (names or {}).items()}, notes=notes,
        value_means=value_means, value_overall=value_overall,
        outcomes=[_outcome(frame[c], str(c), seg_idx, ids) for c in outcome_cols])


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


def _value_means(frame, cols, seg_idx, ids) -> tuple[dict[int, float | None], float | None]:
    """Mean value per customer in each segment and overall (None without money columns)."""
    if not cols:
        return {s: None for s in ids}, None
    money = np.column_stack([frame[c].to_numpy(dtype=float, na_value=np.nan) for c in cols])
    present = ~np.isnan(money).all(axis=1)
    money = np.nansum(money, axis=1)
    if not present.any():
        return {s: None for s in ids}, None
    cnt = np.bincount(seg_idx[present], minlength=len(ids))
    per = np.bincount(seg_idx[present], weights=money[present], minlength=len(ids))
    return ({s: float(per[i] / cnt[i]) if cnt[i] else None for i, s in enumerate(ids)},
            float(money[present].mean()))


# ---------------------------------------------------------------- outcomes
_TRUE_WORDS = {"1", "yes", "y", "true", "t"}
_FALSE_WORDS = {"0", "no", "n", "false", "f"}


def _outcome_columns(frame: pd.DataFrame, outcomes, schema: Schema | None) -> list[str]:
    if outcomes is None:
        cols = list(schema.names("outcome")) if schema is not None else []
        return [c for c in cols if c in frame.columns]
    cols = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    for col in cols:
        if col not in frame.columns:
            raise InputError(f"outcome column {col!r} is not a column of the table",
                             where="profile(outcomes=...)",
                             fix="name columns of the table such as a churn flag or a "
                                 "campaign response")
    return [str(c) for c in dict.fromkeys(cols)]


def _outcome_kind(series: pd.Series) -> tuple[str, np.ndarray, object]:
    """``(kind, values, level)``: 0/1 indicators of the counted level of a two-valued
    outcome, numbers of a numeric one, or level codes of a categorical one."""
    present = series.dropna()
    uniques = pd.unique(present)
    if len(uniques) == 2:
        words = {str(v).strip().lower(): v for v in uniques}
        true = [v for w, v in words.items() if w in _TRUE_WORDS | {"1.0"}]
        false = [v for w, v in words.items() if w in _FALSE_WORDS | {"0.0"}]
        if len(true) == 1 and len(false) == 1:
            level = true[0]
        else:  # e.g. "Attrited Customer" / "Existing Customer": count the rarer one
            counts = present.value_counts()
            rarest = counts[counts == counts.min()].index
            level = sorted(rarest, key=str)[-1]
        values = np.where(series.isna(), np.nan, (series == level).to_numpy(dtype=float))
        return "binary", values, level
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return "numeric", series.to_numpy(dtype=float, na_value=np.nan), None
    codes, levels = pd.factorize(series.astype("string"), use_na_sentinel=True)
    return "categorical", codes, levels


def _outcome(series: pd.Series, column: str, seg_idx: np.ndarray, ids: list[int]) -> dict:
    """One outcome column profiled per segment (see :meth:`SegmentProfiles.outcomes_of`)."""
    k = len(ids)
    kind, values, level = _outcome_kind(series.reset_index(drop=True))
    rec: dict = {"column": column, "kind": kind, "level_shares": {}}
    if kind == "categorical":
        codes, levels = values, level
        present = codes >= 0
        counts = np.bincount(seg_idx[present] * len(levels) + codes[present],
                             minlength=k * len(levels)).reshape(k, len(levels))
        totals = counts.sum(axis=0)
        n_present = int(totals.sum())
        top = int(np.argmax(totals)) if len(levels) else 0
        rec.update(statistic="top_share", level=str(levels[top]) if len(levels) else None,
                   overall=float(totals[top] / n_present) if n_present else None,
                   level_shares={str(levels[j]): float(totals[j] / n_present)
                                 for j in range(len(levels))} if n_present else {},
                   n_present=n_present)
        by = {}
        for i, s in enumerate(ids):
            n_seg = int(counts[i].sum())
            if n_seg:
                j = int(np.argmax(counts[i]))
                by[s] = {"value": float(counts[i, j] / n_seg), "n": n_seg,
                         "level": str(levels[j])}
            else:
                by[s] = {"value": None, "n": 0, "level": None}
        rec["by_segment"] = by
    else:
        present = ~np.isnan(values)
        cnt = np.bincount(seg_idx[present], minlength=k)
        tot = np.bincount(seg_idx[present], weights=values[present], minlength=k)
        n_present = int(present.sum())
        rec.update(statistic="rate" if kind == "binary" else "mean",
                   level=None if level is None else _plain(level),
                   overall=float(values[present].mean()) if n_present else None,
                   n_present=n_present)
        rec["by_segment"] = {s: {"value": float(tot[i] / cnt[i]) if cnt[i] else None,
                                 "n": int(cnt[i])} for i, s in enumerate(ids)}
    rec["n_missing"] = int(len(series) - rec["n_present"])
    rec["label"] = outcome_label(rec)
    return rec


def _plain(value):
    """A level as plain JSON: 1.0 -> 1, numpy scalars -> Python, else text."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = float(value)
        return int(value) if value.is_integer() else value
    return str(value)


def outcome_label(rec: dict) -> str:
    """What the outcome statistic is, in words: 'share with Churn = 1'.

    >>> outcome_label({"column": "Churn", "statistic": "rate", "level": 1})
    'share with Churn = 1'
    >>> outcome_label({"column": "score", "statistic": "mean", "level": None})
    'mean score'
    """
    column = short_label(rec["column"], 60)
    if rec["statistic"] == "rate":
        return f"share with {column} = {clean_text(rec['level'], 40)}"
    if rec["statistic"] == "mean":
        return f"mean {column}"
    return f"most common {column}"


def outcome_text(row: dict) -> str:
    """One outcome of one segment against everyone, in words.

    >>> outcome_text({"column": "Churn", "statistic": "rate", "level": 1, "value": 0.234,
    ...               "overall": 0.161})
    'share with Churn = 1: 23.4% vs 16.1% overall'
    >>> outcome_text({"column": "Segmentation", "statistic": "top_share", "level": "A",
    ...               "value": 0.5, "overall": 0.25})
    'most common Segmentation: A (50% of the segment vs 25% overall)'
    """
    value, overall = row.get("value"), row.get("overall")
    if value is None:
        return f"{outcome_label(row)}: no values in this segment"
    if row["statistic"] == "rate":
        return f"{outcome_label(row)}: {fmt_share(value)} vs {fmt_share(overall)} overall"
    if row["statistic"] == "mean":
        return f"{outcome_label(row)}: {fmt_number(value)} vs {fmt_number(overall)} overall"
    return (f"{outcome_label(row)}: {clean_text(row['level'], 40)} ({fmt_share(value)} of the "
            f"segment vs {fmt_share(overall or 0)} overall)")


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

"""Segment profiles from Spark aggregations, in the local engine's structure.

:func:`profile` returns the :class:`custseg.explain.SegmentProfiles` that
:func:`custseg.explain.profile` builds locally - sizes, shares, value shares,
per-feature means, medians and effect sizes, level shares and lifts - from a
few aggregations, so :func:`custseg.explain.name_segments` names the segments
of both engines and summary.json holds the same profile keys.

How each statistic is computed on Spark:

* numeric features: counts, means and centred sums of squares per segment (one
  ``groupBy``); Cohen's d against the rest from those sums, as locally; medians
  with ``percentile_approx`` (accuracy 10,000);
* skewed columns (|skewness| > 1, as locally): normal scores of average ranks
  from the count of each distinct value per segment - exact while a column has
  at most :data:`EXACT_DISTINCT` distinct values, else from
  :data:`RANK_BUCKETS` quantile buckets (ranks within a bucket tied);
* two-valued and category columns: counts per segment and level (one job for
  all of them), pooled to the local engine's 20 levels;
* dates: days before the column's latest date, from the preprocessing plan's
  day counts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from custseg.explain._common import UNASSIGNED
from custseg.explain._features import (
    _FALSE,
    _TRUE,
    MAX_LEVELS,
    MISSING,
    OTHER,
    _binary,
    _roles,
    detect_monetary,
    feature_table,
)
from custseg.explain._profile import SKEW_LIMIT, SegmentProfiles, _effect
from custseg.spark.features import q

#: Up to this many distinct values a skewed column's ranks are exact (one row per
#: segment and value comes to the driver); above, quantile buckets.
EXACT_DISTINCT = 50_000
RANK_BUCKETS = 2_000
MEDIAN_ACCURACY = 10_000
_NUMERIC_KINDS = {"numeric": "numeric", "latitude": "latitude", "longitude": "longitude"}


def profile(frame, features: list[str], schema, sample: pd.DataFrame, plan=None,
            segment_col: str = "segment") -> SegmentProfiles:
    """Profile each segment of a scored Spark DataFrame (see the module docstring).

    ``sample`` is the pandas sample the schema was inferred on (it decides which
    two-valued columns are 0/1 flags and finds the money columns by name);
    ``plan`` the Spark preprocessing plan (its ``numeric`` SQL expressions give
    dates as day counts).

    Example (needs a Spark session, so not a doctest; tests/spark/test_parity_run.py runs it)::

        prof = profile(scored, ["age", "spend"], schema, sample)
        prof.top_features(0)[0]["feature"]   # 'age'
    """
    kinds = _kinds(sample, features, schema)
    numeric = [f for f, k in kinds.items() if k in ("numeric", "latitude", "longitude",
                                                     "datetime")]
    counted = [f for f, k in kinds.items() if k in ("binary", "categorical")]
    types = dict(frame.dtypes)
    exprs = {f: _value_expr(f, kinds[f], plan, types.get(f, "string")) for f in numeric}
    money = detect_monetary(sample, features)
    sizes_rows, num = _numeric_aggregates(frame, exprs, money, segment_col)
    ids = sorted(int(r[segment_col]) for r in sizes_rows if int(r[segment_col]) != UNASSIGNED)
    if any(int(r[segment_col]) == UNASSIGNED for r in sizes_rows):
        ids.append(UNASSIGNED)
    size_of = {int(r[segment_col]): int(r["__n"]) for r in sizes_rows}
    n = sum(size_of.values())
    sizes = {s: size_of[s] for s in ids}
    shares = {s: sizes[s] / n for s in ids}
    cells = _level_cells(frame, counted, types, segment_col)

    rows, std_cols, scales = [], {}, {}
    ranked = _rank_normal_sums(frame, {f: exprs[f] for f in exprs if _skewed(num, f)},
                               num, segment_col, ids)
    for f in kinds:
        if f in exprs:
            recs, std_cols[f], scales[f] = _numeric_feature(
                f, num, ids, ranked.get(f), is_date=kinds[f] == "datetime")
        elif kinds[f] == "binary":
            recs, std_cols[f], scales[f] = _binary_feature(f, cells.get(f, {}), ids)
        else:
            continue
        rows += recs
    cols = ["segment", "feature", "kind", "n_present", "mean", "median", "overall_mean",
            "overall_median", "effect_size", "scale"]
    numeric_table = pd.DataFrame(rows, columns=cols)
    numeric_table["kind"] = numeric_table["feature"].map(kinds)
    standardised = pd.DataFrame(std_cols, index=pd.Index(ids, name="segment"))
    standardised.columns.name = "feature"
    notes: list[str] = []
    categorical = _categorical_table(
        {f: cells.get(f, {}) for f in kinds if kinds[f] == "categorical"}, ids, sizes, n, notes)
    skewed = [f for f, s in scales.items() if s == "rank-normal"]
    if skewed:
        notes.append("effect sizes of skewed columns are computed on normal scores of ranks: "
                     + ", ".join(skewed))
    value_shares, value_means, value_overall = _value_stats(num, money, ids)
    if money:
        notes.append("value share = share of " + " + ".join(money))
    return SegmentProfiles(
        n=n, segment_ids=ids, sizes=sizes, shares=shares, value_shares=value_shares,
        numeric=numeric_table, categorical=categorical, standardised=standardised,
        kinds=kinds, units=_units(sample, kinds, schema), scales=scales, monetary=money,
        notes=notes, value_means=value_means, value_overall=value_overall)


# ------------------------------------------------------------------ kinds and values
def _kinds(sample: pd.DataFrame, features: list[str], schema) -> dict[str, str]:
    """Kind of each feature as :func:`custseg.explain._features.feature_table` decides."""
    kinds = {}
    for name, (role, _) in _roles(sample, features, schema, "profile").items():
        if role == "datetime":
            kinds[name] = "datetime"
        elif role == "binary" and _binary(sample[name]) is not None:
            kinds[name] = "binary"
        else:
            kinds[name] = _NUMERIC_KINDS.get(role, "categorical")
    return kinds


def _units(sample: pd.DataFrame, kinds: dict[str, str], schema) -> dict[str, str]:
    """Units as the local engine writes them (dates: from the sample's latest date)."""
    units = {f: "share (0-1)" for f, k in kinds.items() if k == "binary"}
    dates = [f for f, k in kinds.items() if k == "datetime"]
    if dates:
        units.update(feature_table(sample, dates, schema, "profile").units)
    return units


def _value_expr(feature: str, kind: str, plan, spark_type: str) -> str:
    planned = (getattr(plan, "numeric", None) or {}).get(feature)
    if planned:  # dates: days before as_of (shifted to the latest date below)
        return planned
    if kind == "datetime":
        return f"CAST(datediff(DATE'2100-01-01', to_date({q(feature)})) AS DOUBLE)"
    if spark_type == "string":
        return f"nanvl(try_cast({q(feature)} AS DOUBLE), CAST(NULL AS DOUBLE))"
    return f"nanvl(CAST({q(feature)} AS DOUBLE), CAST(NULL AS DOUBLE))"


def _level_text(feature: str, spark_type: str) -> str:
    """Category text as the local engine writes it (1.0 -> "1", True -> "True")."""
    col = q(feature)
    if spark_type == "boolean":
        return f"CASE WHEN {col} THEN 'True' ELSE 'False' END"
    if spark_type in ("double", "float") or spark_type.startswith("decimal"):
        return (f"CASE WHEN {col} = floor({col}) THEN CAST(CAST({col} AS BIGINT) AS STRING) "
                f"ELSE CAST({col} AS STRING) END")
    return f"CAST({col} AS STRING)"


# ------------------------------------------------------------------ aggregations
def _numeric_aggregates(frame, exprs: dict[str, str], money: list[str], segment_col: str):
    """Overall and per-segment sums of every numeric feature (two jobs)."""
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    overall_aggs = [F.count("*").alias("__n")]
    for i, e in enumerate(exprs.values()):
        x = F.expr(e)
        overall_aggs += [F.count(x).alias(f"c{i}"), F.mean(x).alias(f"m{i}"),
                         F.skewness(x).alias(f"k{i}"), F.min(x).alias(f"lo{i}"),
                         F.max(x).alias(f"hi{i}"), F.approx_count_distinct(x).alias(f"d{i}"),
                         F.percentile_approx(x, 0.5, MEDIAN_ACCURACY).alias(f"q{i}")]
    overall = frame.agg(*overall_aggs).first()
    seg_aggs = [F.count("*").alias("__n")]
    for i, e in enumerate(exprs.values()):
        x = F.expr(e)
        centred = x - F.lit(overall[f"m{i}"] if overall[f"m{i}"] is not None else 0.0)
        seg_aggs += [F.count(x).alias(f"c{i}"), F.mean(x).alias(f"m{i}"),
                     F.sum(centred).alias(f"s{i}"), F.sum(centred * centred).alias(f"ss{i}"),
                     F.percentile_approx(x, 0.5, MEDIAN_ACCURACY).alias(f"q{i}")]
    if money:
        cols = [F.col(q(c)).cast("double") for c in money]
        total = sum((F.coalesce(c, F.lit(0.0)) for c in cols), F.lit(0.0))
        present = F.greatest(*[c.isNotNull().cast("int") for c in cols]) if len(cols) > 1 \
            else cols[0].isNotNull().cast("int")
        seg_aggs += [F.sum(total).alias("__money"), F.sum(present).alias("__money_n")]
    rows = frame.groupBy(segment_col).agg(*seg_aggs).collect()
    index = {name: i for i, name in enumerate(exprs)}
    return rows, {"overall": overall, "segments": {int(r[segment_col]): r for r in rows},
                  "index": index}


def _level_cells(frame, features: list[str], types: dict[str, str], segment_col: str
                 ) -> dict[str, dict[str, dict[str, Any]]]:
    """``{feature: {level: {"counts": {segment: n}, "first": first row}}}`` in one job."""
    if not features:
        return {}
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    from custseg.spark.reader import ROW

    pairs = F.explode(F.array(*[
        F.struct(F.lit(f).alias("feature"),
                 F.expr(_level_text(f, types.get(f, "string"))).alias("level"))
        for f in features]))
    has_row = ROW in frame.columns
    body = frame.select(segment_col, *([ROW] if has_row else []), pairs.alias("p"))
    aggs = [F.count("*").alias("n")] + ([F.min(ROW).alias("first")] if has_row else [])
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for r in body.groupBy(segment_col, "p.feature", "p.level").agg(*aggs).collect():
        level = MISSING if r["level"] is None else str(r["level"])
        cell = out.setdefault(r["feature"], {}).setdefault(level, {"counts": {},
                                                                    "first": math.inf})
        cell["counts"][int(r[segment_col])] = cell["counts"].get(int(r[segment_col]), 0) + r["n"]
        if has_row:
            cell["first"] = min(cell["first"], r["first"])
    return out


# ------------------------------------------------------------------ statistics
def _skewed(num: dict, f: str) -> bool:
    """Skewed as the local profile decides: |skewness| > 1 over 3+ values with a spread."""
    i, overall = num["index"][f], num["overall"]
    lo, hi, skew = overall[f"lo{i}"], overall[f"hi{i}"], overall[f"k{i}"]
    return bool((overall[f"c{i}"] or 0) >= 3 and lo is not None and hi > lo
                and skew is not None and math.isfinite(skew) and abs(skew) > SKEW_LIMIT)


def _numeric_feature(f: str, num: dict, ids: list[int], ranked, is_date: bool = False):
    i = num["index"][f]
    overall = num["overall"]
    segs = num["segments"]
    shift = 0.0
    cnt = np.array([_get(segs, s, f"c{i}") or 0 for s in ids], dtype=float)
    overall_n = overall[f"c{i}"] or 0
    lo = overall[f"lo{i}"]
    if is_date and lo is not None:  # days before the latest date, as the local profile
        shift = float(lo)
    mean = [(_get(segs, s, f"m{i}") - shift) if cnt[j] else np.nan for j, s in enumerate(ids)]
    median = [(_get(segs, s, f"q{i}") - shift) if cnt[j] else np.nan
              for j, s in enumerate(ids)]
    overall_mean = overall[f"m{i}"] - shift if overall_n else np.nan
    overall_median = overall[f"q{i}"] - shift if overall_n else np.nan
    if ranked is not None:
        s1, q1, scale = ranked
    else:
        s1 = np.array([_get(segs, s, f"s{i}") or 0.0 for s in ids], dtype=float)
        q1 = np.array([_get(segs, s, f"ss{i}") or 0.0 for s in ids], dtype=float)
        scale = "raw"  # sums centred on the overall mean, as the local profile
    d = _effect(cnt, s1, q1, float(cnt.sum()), float(s1.sum()), float(q1.sum()))
    sd = np.sqrt(q1.sum() / max(cnt.sum() - 1, 1))
    std = np.where(cnt > 0, s1 / np.maximum(cnt, 1) / (sd if sd > 0 else 1), np.nan)
    rows = [{"segment": s, "feature": f, "kind": None, "n_present": int(cnt[j]),
             "mean": mean[j], "median": median[j], "overall_mean": overall_mean,
             "overall_median": overall_median, "effect_size": d[j], "scale": scale}
            for j, s in enumerate(ids)]
    return rows, std, scale


def _get(segs: dict, s: int, key: str):
    row = segs.get(s)
    return None if row is None else row[key]


def _rank_normal_sums(frame, exprs: dict[str, str], num: dict, segment_col: str,
                      ids: list[int]) -> dict[str, tuple[np.ndarray, np.ndarray, str]]:
    """Per skewed feature and segment: sums of the centred normal scores of ranks.

    Columns with at most :data:`EXACT_DISTINCT` distinct values are counted per
    segment and value in one job (exact average ranks); others per quantile bucket.
    """
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    if not exprs:
        return {}
    exact = [f for f in exprs
             if (num["overall"][f"d{num['index'][f]}"] or 0) <= EXACT_DISTINCT]
    cells: list[tuple[str, int, float, int]] = []
    if exact:
        pairs = F.explode(F.array(*[F.struct(F.lit(f).alias("f"), F.expr(exprs[f]).alias("v"))
                                    for f in exact]))
        body = frame.select(F.col(segment_col).alias("s"), pairs.alias("p"))
        cells += [(r["f"], int(r["s"]), float(r["v"]), int(r["count"])) for r in
                  body.where(F.col("p.v").isNotNull()).groupBy("s", "p.f", "p.v").count()
                  .collect()]
    for f in (f for f in exprs if f not in exact):  # quantile buckets: ties within a bucket
        from pyspark.ml.feature import Bucketizer

        body = frame.select(F.col(segment_col).alias("s"), F.expr(exprs[f]).alias("v")) \
            .where(F.col("v").isNotNull())
        probs = [i / RANK_BUCKETS for i in range(1, RANK_BUCKETS)]
        cuts = body.agg(F.percentile_approx("v", probs, MEDIAN_ACCURACY)).first()[0]
        splits = [-math.inf, *sorted({float(c) for c in cuts}), math.inf]
        body = Bucketizer(splits=splits, inputCol="v", outputCol="b").transform(body)
        cells += [(f, int(r["s"]), float(r["b"]), int(r["count"]))
                  for r in body.groupBy("s", "b").count().collect()]
    table = pd.DataFrame(cells, columns=["f", "s", "v", "n"])
    pos = {s: j for j, s in enumerate(ids)}
    out = {}
    for f, part in table.groupby("f", sort=False):
        per_value = part.groupby("v")["n"].sum().sort_index()
        total = float(per_value.sum())
        ranks = per_value.cumsum() - per_value + (per_value + 1) / 2  # average ranks of ties
        score = pd.Series(stats.norm.ppf((ranks - 0.5) / total), index=per_value.index)
        centre = float((score * per_value).sum() / total)
        t = part["v"].map(score).to_numpy() - centre
        seg = part["s"].map(pos).to_numpy()
        s1 = np.bincount(seg, weights=t * part["n"].to_numpy(), minlength=len(ids))
        q1 = np.bincount(seg, weights=t ** 2 * part["n"].to_numpy(), minlength=len(ids))
        out[str(f)] = (s1, q1, "rank-normal")
    return out


def _binary_feature(f: str, levels: dict[str, dict[str, Any]], ids: list[int]):
    """A 0/1 flag's statistics from its counts per segment (local: the flag's mean)."""
    ones = np.zeros(len(ids))
    zeros = np.zeros(len(ids))
    pos = {s: j for j, s in enumerate(ids)}
    for level, cell in levels.items():
        word = level.strip().lower()
        if level == MISSING or word not in _TRUE | _FALSE:
            continue
        target = ones if word in _TRUE else zeros
        for s, c in cell["counts"].items():
            target[pos[s]] += c
    cnt = ones + zeros
    m = ones.sum() / max(cnt.sum(), 1)
    s1 = ones - cnt * m
    q1 = ones * (1 - m) ** 2 + zeros * m ** 2
    d = _effect(cnt, s1, q1, float(cnt.sum()), float(s1.sum()), float(q1.sum()))
    sd = np.sqrt(q1.sum() / max(cnt.sum() - 1, 1))
    std = np.where(cnt > 0, s1 / np.maximum(cnt, 1) / (sd if sd > 0 else 1), np.nan)
    overall_median = _median01(ones.sum(), zeros.sum())
    rows = [{"segment": s, "feature": f, "kind": "binary", "n_present": int(cnt[j]),
             "mean": ones[j] / cnt[j] if cnt[j] else np.nan,
             "median": _median01(ones[j], zeros[j]), "overall_mean": m,
             "overall_median": overall_median, "effect_size": d[j], "scale": "raw"}
            for j, s in enumerate(ids)]
    return rows, std, "raw"


def _median01(ones: float, zeros: float) -> float:
    """Median of ``zeros`` 0s and ``ones`` 1s (0.5 when the middle pair is 0 and 1)."""
    n = ones + zeros
    if not n:
        return np.nan
    lo, hi = (n - 1) // 2, n // 2
    return ((lo >= zeros) + (hi >= zeros)) / 2


def _categorical_table(cells: dict[str, dict[str, dict[str, Any]]], ids: list[int],
                       sizes: dict[int, int], n: int, notes: list[str]) -> pd.DataFrame:
    """Level shares, lifts and effects, pooled and ordered as the local profile does."""
    rows = []
    size_arr = np.array([sizes[s] for s in ids], dtype=float)
    for f, levels in cells.items():
        # first appearance order, missing last (pandas' factorize, then the missing slot)
        order = sorted(levels, key=lambda lv: (lv == MISSING, levels[lv]["first"]))
        totals = {lv: sum(levels[lv]["counts"].values()) for lv in order}
        merged: dict[str, dict[int, int]] = {}
        first: dict[str, int] = {}
        if len(order) > MAX_LEVELS:
            keep = set(sorted(order, key=lambda lv: -totals[lv])[:MAX_LEVELS - 1])
            notes.append(f"{f}: {len(order) - len(keep)} rare levels pooled as {OTHER!r}")
        else:
            keep = set(order)
        for rank, lv in enumerate(sorted(order, key=lambda lv: levels[lv]["first"])):
            name = lv if lv in keep else OTHER
            first.setdefault(name, rank)
            into = merged.setdefault(name, {})
            for s, c in levels[lv]["counts"].items():
                into[s] = into.get(s, 0) + c
        names = sorted(merged, key=lambda nm: first[nm])
        for name in sorted(names, key=lambda nm: -sum(merged[nm].values())):
            counts = np.array([merged[name].get(s, 0) for s in ids], dtype=float)
            total = float(counts.sum())
            d = _effect(size_arr, counts, counts, float(n), total, total)
            overall = total / n
            for j, s in enumerate(ids):
                share = counts[j] / size_arr[j] if size_arr[j] else np.nan
                rows.append({"segment": s, "feature": f, "level": name,
                             "count": int(counts[j]), "share": share, "overall_share": overall,
                             "lift": share / overall if overall else np.nan,
                             "effect_size": d[j]})
    cols = ["segment", "feature", "level", "count", "share", "overall_share", "lift",
            "effect_size"]
    return pd.DataFrame(rows, columns=cols)


def _value_stats(num: dict, money: list[str], ids: list[int]):
    if not money:
        return {s: None for s in ids}, {s: None for s in ids}, None
    segs = num["segments"]
    per = {s: float(_get(segs, s, "__money") or 0.0) for s in ids}
    cnt = {s: int(_get(segs, s, "__money_n") or 0) for s in ids}
    total = sum(per.values())
    shares = {s: per[s] / total if total > 0 else None for s in ids}
    means = {s: per[s] / cnt[s] if cnt[s] else None for s in ids}
    n_present = sum(cnt.values())
    return shares, means, total / n_present if n_present else None

"""Segment profiles from Spark aggregations, and short names from the strongest differences.

Numeric features: per-segment mean and approximate median (``percentile_approx``)
against the overall mean, standard deviation and median; the effect size is
``(segment mean - overall mean) / overall sd``. Categorical features: level
shares per segment against overall, effect ``(p_s - p) / sqrt(p (1 - p))``.
Names join the (up to) two strongest differences with |effect| >= 0.5, e.g.
"high monetary, low recency_days" - a small version of
:func:`custseg.explain.name_segments`, which needs the full table in memory.

Example
-------
>>> name_segments({0: [("monetary", 1.2, None), ("age", -0.6, None)], 1: []})
{0: 'High monetary, low age', 1: 'Typical customers'}
"""

from __future__ import annotations

import math
from typing import Any

from custseg.spark.features import q

MEDIUM = 0.5


def profile(frame, plan, segment_col: str = "segment") -> dict[int, dict[str, Any]]:
    """Per segment: size, share, numeric and categorical profile, top differences."""
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    num = plan.numeric
    overall_aggs = [F.count("*").alias("__n")]
    seg_aggs = [F.count("*").alias("__n")]
    for i, expr in enumerate(num.values()):
        col = F.expr(expr)
        overall_aggs += [F.mean(col).alias(f"m{i}"), F.stddev_pop(col).alias(f"s{i}"),
                         F.percentile_approx(col, 0.5, 1000).alias(f"q{i}")]
        seg_aggs += [F.mean(col).alias(f"m{i}"), F.percentile_approx(col, 0.5, 1000)
                     .alias(f"q{i}")]
    overall = frame.agg(*overall_aggs).first()
    rows = frame.groupBy(segment_col).agg(*seg_aggs).collect()
    n = overall["__n"]
    out: dict[int, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r[segment_col]):
        seg = int(row[segment_col])
        numeric = {}
        for i, name in enumerate(num):
            sd = overall[f"s{i}"]
            mean = row[f"m{i}"]
            effect = (mean - overall[f"m{i}"]) / sd if sd and mean is not None else None
            numeric[name] = {"mean": mean, "median": row[f"q{i}"],
                             "overall_mean": overall[f"m{i}"], "overall_median": overall[f"q{i}"],
                             "effect_size": effect}
        out[seg] = {"size": int(row["__n"]), "share": row["__n"] / n, "numeric": numeric,
                    "categorical": {}}
    if plan.categorical:  # one job for every categorical column
        pairs = F.explode(F.array(*[
            F.struct(F.lit(name).alias("feature"),
                     F.coalesce(F.col(q(name)).cast("string"), F.lit("missing")).alias("level"))
            for name in plan.categorical]))
        cells = (frame.select(segment_col, pairs.alias("p"))
                 .groupBy(segment_col, "p.feature", "p.level").count().collect())
        total: dict[tuple[str, str], int] = {}
        for c in cells:
            key = (c["feature"], c["level"])
            total[key] = total.get(key, 0) + c["count"]
        for c in cells:
            seg = int(c[segment_col])
            p_all = total[(c["feature"], c["level"])] / n
            p_seg = c["count"] / out[seg]["size"]
            sd = math.sqrt(p_all * (1 - p_all))
            out[seg]["categorical"].setdefault(c["feature"], {})[c["level"]] = {
                "share": p_seg, "overall_share": p_all, "lift": p_seg / p_all if p_all else None,
                "effect_size": (p_seg - p_all) / sd if sd else None}
    for seg in out.values():
        seg["top_features"] = top_features(seg)
    return out


def top_features(seg: dict[str, Any], n: int = 5) -> list[dict[str, Any]]:
    """The strongest differences of one segment, largest |effect| first."""
    rows = [{"feature": k, "level": None, "effect_size": v["effect_size"], "mean": v["mean"],
             "overall_mean": v["overall_mean"]}
            for k, v in seg["numeric"].items() if v["effect_size"] is not None]
    for feat, levels in seg["categorical"].items():
        best = max(((lv, v) for lv, v in levels.items() if v["effect_size"] is not None),
                   key=lambda t: abs(t[1]["effect_size"]), default=None)
        if best:
            rows.append({"feature": feat, "level": best[0], "effect_size": best[1]["effect_size"],
                         "mean": best[1]["share"], "overall_mean": best[1]["overall_share"]})
    rows.sort(key=lambda r: -abs(r["effect_size"]))
    for r in rows:
        r["direction"] = "higher" if r["effect_size"] > 0 else "lower"
    return rows[:n]


def _phrase(feature: str, effect: float, level: str | None) -> str:
    if level is not None:
        return f"mostly {feature} {level}" if effect > 0 else f"few {feature} {level}"
    return f"{'high' if effect > 0 else 'low'} {feature}"


def name_segments(tops: dict[int, list[tuple[str, float, str | None]]]) -> dict[int, str]:
    """Unique names from ``{segment: [(feature, effect, level), ...]}`` (strongest first)."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    for seg, feats in tops.items():
        strong = [f for f in feats if abs(f[1]) >= MEDIUM]
        parts = [_phrase(*f) for f in strong[:2]]
        name = ", ".join(parts) if parts else "typical customers"
        extra = 2
        while name.capitalize() in taken and extra < len(strong):
            name = f"{name}, {_phrase(*strong[extra])}"
            extra += 1
        name = name.capitalize()
        base, i = name, 2
        while name in taken:
            name, i = f"{base} ({'ABCDEFGHIJ'[i - 2] if i < 12 else i})", i + 1
        taken.add(name)
        names[seg] = name
    return names

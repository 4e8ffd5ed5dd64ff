"""Preprocessing as a Spark ML pipeline: the local engine's rules, in Spark terms.

Per numeric column (numbers, binaries, coordinates, dates as "days before the
latest date"): dropped when mostly missing (> 60 %) or constant; a 0/1
``__missing`` column when at least 10 % is missing; ``log1p`` when
``|skewness| > 1`` and the values are non-negative amounts (a signed log when
they go below 0); clipped to its 0.5 % / 99.5 % quantiles; the median imputes
gaps (``Imputer``); ``StandardScaler`` gives unit variance. Per categorical
column: levels under 1 % of rows pooled into ``other``, missing as its own
level, ``StringIndexer`` + ``OneHotEncoder``, and the dummies weighted so the
column counts as one standardised column (the local engine's "block"
weighting). User weights (by column or feature group) scale a column's share
of the squared distance. Near-duplicates (|r| > 0.95 on a sample) are dropped.
Not done here (the local engine does them): relevance screening, PCA, FAMD and
k-prototypes for mixed data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from custseg.exceptions import InputError
from custseg.spark.features import lit, q
from custseg.spark.reader import spark_pattern

NUMERIC_ROLES = ("numeric", "binary", "latitude", "longitude", "datetime")
MAX_MISSING, INDICATOR_SHARE, SKEW, RARE, MAX_LEVELS, NEAR_CONSTANT, CORR = (
    0.6, 0.1, 1.0, 0.01, 30, 0.99, 0.95)
FEATURES = "features"


@dataclass
class Plan:
    """What preprocessing decided, column by column (for summary.json and the report)."""

    numeric: dict[str, str] = field(default_factory=dict)       # column -> base SQL
    categorical: dict[str, list[str]] = field(default_factory=dict)  # column -> kept levels
    transform: dict[str, str] = field(default_factory=dict)
    indicators: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, dict] = field(default_factory=dict)
    level_shares: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def features_used(self) -> list[str]:
        """Input columns that became features."""
        return [*self.numeric, *self.categorical]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready account, shaped like the local engine's ``preprocessing``."""
        return {"features_used": self.features_used, "features_dropped": dict(self.dropped),
                "columns": self.decisions, "missing_indicators": list(self.indicators),
                "weights": dict(self.weights), "mixed": "onehot (block-weighted dummies)",
                "pca": "off (not available on the Spark engine)",
                "engine": "spark"}


def _weight(column: str, group: str, weights: dict[str, float]) -> float:
    return float(weights.get(column, weights.get(group, 1.0)))


def make_plan(frame, schema, sample, weights: dict[str, float], keep: list[str]) -> Plan:
    """Decide every column's treatment from full-data aggregates and a pandas sample."""
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    plan = Plan()
    candidates = [c for c in schema if c.role in NUMERIC_ROLES or c.role == "categorical"]
    for info in schema:
        if info.role not in NUMERIC_ROLES and info.role != "categorical":
            plan.dropped[info.name] = f"role {info.role}: {info.reason}"
    base: dict[str, str] = {}
    latest = None
    for info in candidates:
        if info.role == "datetime":
            pattern = spark_pattern(info.date_format) if info.date_format else None
            parsed = (f"to_date(try_to_timestamp(CAST({q(info.name)} AS STRING), "
                      f"{lit(pattern)}))" if pattern else
                      f"to_date(try_cast(CAST({q(info.name)} AS STRING) AS TIMESTAMP))")
            if latest is None:
                latest = {}
            latest[info.name] = parsed
        elif info.role in NUMERIC_ROLES:
            base[info.name] = f"CAST({q(info.name)} AS DOUBLE)"
    if latest:
        maxes = frame.selectExpr(*[f"max({e})" for e in latest.values()]).first()
        for (name, expr), top in zip(latest.items(), maxes, strict=True):
            if top is None:
                plan.dropped[name] = "no readable date"
                continue
            base[name] = f"CAST(datediff(DATE'{top.isoformat()}', {expr}) AS DOUBLE)"
            plan.decisions[name] = {"treatment": f"days before {top.isoformat()}",
                                    "reason": "a date becomes a number of days"}
    n = frame.count()
    if base:
        aggs = []
        for expr in base.values():
            aggs += [f"count({expr})", f"min({expr})", f"max({expr})", f"stddev_pop({expr})",
                     f"skewness({expr})", f"percentile_approx({expr}, array(0.005, 0.995), 1000)"]
        row = frame.selectExpr(*aggs).first()
        for i, (name, expr) in enumerate(base.items()):
            count, lo, hi, sd, skew, qs = row[6 * i: 6 * i + 6]
            info = schema[name]
            w = _weight(name, info.group, weights)
            missing = 1 - count / n if n else 1.0
            if w == 0:
                plan.dropped[name] = "weight 0 given by the user"
            elif missing > MAX_MISSING and name not in keep:
                plan.dropped[name] = f"{missing:.0%} missing (over {MAX_MISSING:.0%})"
            elif not sd or sd == 0:
                plan.dropped[name] = "constant (a single value)"
            elif name not in keep and _near_constant(sample, name):
                plan.dropped[name] = f"near-constant: one value in >= {NEAR_CONSTANT:.0%} of rows"
            else:
                plan.numeric[name] = expr
                plan.weights[name] = w
                treat, why = "none", f"|skewness| {abs(skew or 0):.2f} <= {SKEW}"
                if skew is not None and abs(skew) > SKEW and info.role != "binary":
                    if lo >= 0 and hi > 1:
                        treat, why = "log1p", f"skewness {skew:.2f} > {SKEW}, values >= 0"
                    elif lo < 0 and max(abs(lo), abs(hi)) > 1:
                        treat, why = "signed log1p", f"skewness {skew:.2f}, values below 0"
                plan.transform[name] = treat
                clip = None if info.role == "binary" or not qs else (float(qs[0]), float(qs[1]))
                if missing >= INDICATOR_SHARE:
                    plan.indicators.append(name)
                plan.decisions[name] = {**plan.decisions.get(name, {}), "kind": "numeric",
                                        "transform": treat, "reason": why,
                                        "missing_share": round(missing, 4),
                                        "clip": list(clip) if clip else None, "weight": w}
    for info in candidates:
        if info.role != "categorical":
            continue
        w = _weight(info.name, info.group, weights)
        if w == 0:
            plan.dropped[info.name] = "weight 0 given by the user"
            continue
        counts = (frame.select(F.coalesce(F.col(q(info.name)).cast("string"),
                                          F.lit("missing")).alias("v"))
                  .groupBy("v").count().orderBy(F.desc("count"), "v").limit(10_000).collect())
        shares = {r["v"]: r["count"] / n for r in counts}
        rare = [v for v, s in shares.items() if s < RARE]
        kept = [v for v in shares if v not in rare] if len(rare) > 1 else list(shares)
        if len(kept) + (1 if len(rare) > 1 else 0) > MAX_LEVELS:
            plan.dropped[info.name] = (f"{len(kept)} frequent levels: too many for one-hot on "
                                       f"the Spark engine (max {MAX_LEVELS})")
            continue
        if len(kept) <= 1 and len(rare) <= 1:
            plan.dropped[info.name] = "constant (a single level)"
            continue
        plan.categorical[info.name] = kept
        plan.weights[info.name] = w
        pooled = {v: s for v, s in shares.items() if v in kept}
        if len(rare) > 1:
            pooled["other"] = sum(shares[v] for v in rare)
        plan.level_shares[info.name] = pooled
        plan.decisions[info.name] = {"kind": "categorical", "levels": len(pooled),
                                     "pooled": rare if len(rare) > 1 else [],
                                     "treatment": "one-hot, block-weighted", "weight": w}
    _drop_duplicates(plan, sample, keep)
    if not plan.features_used:
        raise InputError("every candidate feature was dropped during preprocessing",
                         where="input", fix="keep a column with --keep COL, or see "
                                            "features_dropped in summary.json")
    return plan


def _near_constant(sample, name: str) -> bool:
    if sample is None or name not in sample:
        return False
    values = sample[name].dropna()
    return len(values) > 0 and values.value_counts(normalize=True).iloc[0] >= NEAR_CONSTANT


def _drop_duplicates(plan: Plan, sample, keep: list[str]) -> None:
    names = [c for c in plan.numeric if sample is not None and c in sample
             and pd.api.types.is_numeric_dtype(sample[c])]
    if len(names) < 2:
        return
    corr = sample[names].astype(float).corr().abs().to_numpy()
    for j, name in enumerate(names):
        for i in range(j):
            if names[i] in plan.numeric and corr[i, j] > CORR and name not in keep:
                plan.dropped[name] = f"near-duplicate of {names[i]!r} (|r| = {corr[i, j]:.2f})"
                plan.numeric.pop(name)
                plan.decisions.pop(name, None)
                if name in plan.indicators:
                    plan.indicators.remove(name)
                break


def _numeric_sql(plan: Plan) -> dict[str, str]:
    out = {}
    for i, (name, expr) in enumerate(plan.numeric.items()):
        treat = plan.transform[name]
        value = {"log1p": f"log1p(GREATEST({expr}, 0D))",
                 "signed log1p": f"signum({expr}) * log1p(abs({expr}))"}.get(treat, expr)
        clip = plan.decisions[name].get("clip")
        if clip:
            lo, hi = (_apply(v, treat) for v in clip)
            value = f"LEAST(GREATEST({value}, {lo!r}D), {hi!r}D)"
        out[f"__cs_n{i}"] = value
    return out


def _apply(v: float, treat: str) -> float:
    if treat == "log1p":
        return math.log1p(max(v, 0.0))
    if treat == "signed log1p":
        return math.copysign(math.log1p(abs(v)), v)
    return float(v)


def fit_pipeline(frame, plan: Plan):
    """Fit the Spark ML PipelineModel that turns raw columns into the ``features`` vector."""
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.feature import (
        ElementwiseProduct,
        Imputer,
        OneHotEncoder,
        SQLTransformer,
        StandardScaler,
        StringIndexer,
        VectorAssembler,
    )
    from pyspark.ml.linalg import Vectors

    num = _numeric_sql(plan)
    exprs = [f"{e} AS {c}" for c, e in num.items()]
    exprs += [f"CAST({q(n)} IS NULL AS DOUBLE) AS __cs_m{i}"
              for i, n in enumerate(plan.indicators)]
    cats = {}
    for j, (name, kept) in enumerate(plan.categorical.items()):
        levels = ", ".join(lit(v) for v in kept)
        value = f"CAST({q(name)} AS STRING)"
        cats[f"__cs_c{j}"] = (f"CASE WHEN {value} IS NULL THEN 'missing' "
                              f"WHEN {value} IN ({levels}) THEN {value} ELSE 'other' END")
    exprs += [f"{e} AS {c}" for c, e in cats.items()]
    stages: list = [SQLTransformer(statement=f"SELECT *, {', '.join(exprs)} FROM __THIS__")]
    vector_parts = []
    if num:
        imputed = [f"{c}_i" for c in num]
        stages.append(Imputer(inputCols=list(num), outputCols=imputed, strategy="median"))
        stages += [VectorAssembler(inputCols=imputed, outputCol="__cs_nv",
                                   handleInvalid="keep"),
                   StandardScaler(inputCol="__cs_nv", outputCol="__cs_ns", withMean=True,
                                  withStd=True)]
        vector_parts.append("__cs_ns")
    if plan.indicators:
        vector_parts += [f"__cs_m{i}" for i in range(len(plan.indicators))]
    if cats:
        idx = [f"{c}_x" for c in cats]
        ohe = [f"{c}_o" for c in cats]
        stages += [StringIndexer(inputCols=list(cats), outputCols=idx, handleInvalid="keep",
                                 stringOrderType="frequencyDesc"),
                   OneHotEncoder(inputCols=idx, outputCols=ohe, dropLast=False,
                                 handleInvalid="keep")]
        vector_parts += ohe
    stages.append(VectorAssembler(inputCols=vector_parts, outputCol="__cs_raw"))
    fitted = Pipeline(stages=stages).fit(frame)
    scale = [math.sqrt(plan.weights[n]) for n in plan.numeric]
    scale += [1.0] * len(plan.indicators)
    if cats:
        sizes = _dummy_sizes(fitted, frame, list(cats))
        for name, size in zip(plan.categorical, sizes, strict=True):
            shares = plan.level_shares[name]
            total = sum(p * (1 - p) for p in shares.values())
            block = math.sqrt(plan.weights[name]) / math.sqrt(total) if total > 0 else 0.0
            scale += [block] * size  # includes the slot(s) for unseen levels
    weighting = ElementwiseProduct(scalingVec=Vectors.dense(scale), inputCol="__cs_raw",
                                   outputCol=FEATURES)
    return PipelineModel(stages=[*fitted.stages, weighting]), len(scale)


def _dummy_sizes(fitted, frame, cats: list[str]) -> list[int]:
    """Length of each one-hot vector (levels plus the slots for unseen values)."""
    row = fitted.transform(frame.limit(1)).select(*[f"{c}_o" for c in cats]).first()
    return [int(row[i].size) for i in range(len(cats))]


def feature_names(plan: Plan, model, size: int) -> list[str]:
    """Names of the entries of the ``features`` vector (numbers, indicators, dummies)."""
    names = list(plan.numeric) + [f"{n}__missing" for n in plan.indicators]
    indexer = [s for s in model.stages if type(s).__name__ == "StringIndexerModel"]
    if indexer:
        for name, labels in zip(plan.categorical, indexer[0].labelsArray, strict=True):
            names += [f"{name}={v}" for v in labels]
            names += [f"{name}=<unseen>"] * (size - len(names)) if name == list(
                plan.categorical)[-1] else [f"{name}=<unseen>"]
    return names[:size]

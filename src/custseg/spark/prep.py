"""Preprocessing on Spark: the local engine's plan and transformers, compiled to Spark SQL.

Three steps, each shared with the local engine:

1. **Statistics.** :func:`spark_stats` fills the same
   :class:`~custseg.preprocess.plan.ColumnStats` as the local engine, from one
   Spark aggregation over every row (row and missing counts, min, max, mean,
   sd, skewness, the latest date) plus the level statistics of the row sample
   the engine already draws (the local engine measures those on a 200,000-row
   sample too).
2. **Plan.** :func:`~custseg.preprocess.plan.plan_columns` decides each
   column's treatment and weight with its reason, with the thresholds of
   :class:`~custseg.preprocess.PreprocessOptions`.
3. **Fit and compile.** The local :class:`~custseg.preprocess.CustomerPreprocessor`
   fits the planned blocks on the sample (median, skew transform, clip bounds,
   scale, level shares, unit-sphere centre), and runs the near-duplicate,
   relevance and PCA decisions there, with the same functions; ``as_of``
   defaults to the latest date of the whole table. :func:`fit_pipeline` then
   writes every fitted step as a Spark SQL expression, so each row gets what
   the local transform would give it: date -> days, impute (median, 0/1 flag),
   log1p / Yeo-Johnson, clip, standardise, weighted one-hot, frequency,
   latitude/longitude on the unit sphere, weights and PCA.

The fitted parameters come from the sample (20,000 rows by default): on a
table up to that size, both engines give the same matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from custseg.data.schema import FEATURE_ROLES
from custseg.preprocess import PreprocessOptions, build_preprocessor
from custseg.preprocess._base import MISSING_LEVEL, OTHER_LEVEL
from custseg.preprocess.blocks import Block, DateBlock
from custseg.preprocess.plan import (
    ColumnPlan,
    ColumnStats,
    options_from_config,
    plan_columns,
    sample_stats,
)
from custseg.spark.features import lit, q
from custseg.spark.reader import spark_pattern

FEATURES = "features"
__all__ = ["FEATURES", "Plan", "compile_sql", "feature_names", "fit_pipeline", "make_plan",
           "options_from_config", "spark_stats"]
_NUMBER_TYPES = ("double", "float", "int", "bigint", "smallint", "tinyint")


@dataclass
class Plan:
    """What preprocessing decided and fitted, column by column.

    Attributes
    ----------
    columns : the planned treatment of every column.
    stats : the statistics the plan was made from.
    preprocessor : the local preprocessor fitted on the sample (its blocks are compiled).
    types : Spark type of every input column.
    numeric : kept numeric-valued column -> SQL expression of its value as a number
        (dates as days before ``as_of``), for the segment profiles.
    categorical : kept category column -> its levels (most common first).
    """

    columns: list[ColumnPlan] = field(default_factory=list)
    stats: list[ColumnStats] = field(default_factory=list)
    preprocessor: Any = None
    types: dict[str, str] = field(default_factory=dict)
    numeric: dict[str, str] = field(default_factory=dict)
    categorical: dict[str, list[str]] = field(default_factory=dict)

    @property
    def features_used(self) -> list[str]:
        """Input columns that became features, in table order."""
        return list(self.preprocessor.features_used_)

    @property
    def dropped(self) -> dict[str, str]:
        """Column -> why it is not a feature."""
        return dict(self.preprocessor.features_dropped_)

    @property
    def treatments(self) -> dict[str, str]:
        """Column -> planned kind (or "dropped"): the decisions both engines must share."""
        return {p.column: p.kind or "dropped" for p in self.columns}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready account, the local engine's ``preprocessing`` plus the engine name."""
        return {**self.preprocessor.to_dict()["preprocessing"], "engine": "spark"}


def spark_stats(frame, schema, sample, keep=()) -> list[ColumnStats]:
    """:class:`ColumnStats` of every schema column: one aggregation plus the sample.

    Example (needs a Spark session, so not a doctest; tests/spark/test_parity_preprocess.py
    runs it)::

        stats = spark_stats(frame, schema, sample)
        stats[0].n_rows == frame.count()   # True
    """
    types = dict(frame.dtypes)
    wanted = {c.name for c in schema if c.role in FEATURE_ROLES or c.name in keep}
    aggs, slots = ["count(*)"], {}
    for info in schema:
        slots[info.name] = len(aggs)
        aggs.append(f"count({q(info.name)})")
        if info.name in wanted and _is_number_type(types.get(info.name, "")):
            x = f"CAST({q(info.name)} AS DOUBLE)"
            aggs += [f"min({x})", f"max({x})", f"avg({x})", f"stddev_pop({x})",
                     f"skewness({x})"]
    row = frame.selectExpr(*aggs).first()
    n, out = int(row[0]), []
    for info in schema:
        pos = slots[info.name]
        stats = {"column": info.name, "role": info.role, "group": info.group,
                 "role_reason": info.reason, "dtype": _dtype(types.get(info.name, "string")),
                 "n_rows": n, "n_missing": n - int(row[pos])}
        if info.name in wanted:
            stats.update(sample_stats(sample[info.name].dropna()))
            if _is_number_type(types.get(info.name, "")) and row[pos + 1] is not None:
                lo, hi, mean, sd, skew = row[pos + 1:pos + 6]
                stats.update(minimum=float(lo), maximum=float(hi), mean=float(mean),
                             sd=float(sd or 0.0), skewness=float(skew or 0.0))
        out.append(ColumnStats(**stats))
    return out


def make_plan(frame, schema, sample, weights: dict[str, float] | None = None,
              keep: list[str] | None = None, *,
              options: PreprocessOptions | None = None) -> Plan:
    """Plan every column from Spark statistics and fit the blocks on the sample.

    ``options`` carries every preprocessing option (``as_of``, feature
    selection, exclusions...); without it, ``weights`` and ``keep`` make the
    default options.
    """
    if options is None:
        options = PreprocessOptions(weights=dict(weights or {}), keep=list(keep or []))
    types = dict(frame.dtypes)
    stats = spark_stats(frame, schema, sample, keep=options.keep)
    columns = plan_columns(stats, options)
    dates = [p.column for p in columns if p.kind == "date"]
    formats = {c.name: c.date_format for c in schema if c.date_format}
    date_as_of = {}
    if dates and options.as_of is None:  # the latest date of the whole table, as locally
        latest = frame.selectExpr(*[f"max({_date_expr(c, formats.get(c), types[c])})"
                                    for c in dates]).first()
        date_as_of = {c: d.isoformat() for c, d in zip(dates, latest, strict=True)
                      if d is not None}
    prep = build_preprocessor(schema, options)
    prep.set_params(date_as_of=date_as_of or None)
    prep.fit_planned(sample, columns)
    plan = Plan(columns=columns, stats=stats, preprocessor=prep, types=types)
    for block in prep.blocks():
        for c in block.columns:
            if block.is_categorical:
                plan.categorical[c] = [str(v) for v in _levels(block)]
            elif isinstance(block, DateBlock):
                plan.numeric[c] = _date_value(block, types)
            else:
                plan.numeric[c] = _number_expr(c, types[c])
    return plan


def _levels(block: Block) -> list:
    est = block.transformer
    est = est.named_steps["frequency"] if hasattr(est, "named_steps") else est
    return list(est.categories_[0])


# ---------------------------------------------------------------- compile to SQL
def compile_sql(plan: Plan) -> list[str]:
    """SQL expressions of the output columns before PCA (centred on the PCA mean when used)."""
    prep = plan.preprocessor
    exprs: list[str] = []
    for block in prep.blocks():
        exprs += _block_sql(block, plan.types)
    weights = prep._weights_vector()
    exprs = [e if w == 1.0 else f"(({e}) * {float(w)!r}D)" for e, w in zip(exprs, weights,
                                                                         strict=True)]
    model = prep.pca_model_
    if model is not None:  # the projection's centring, folded in (PCAModel does not centre)
        exprs = [f"(({e}) - {float(m)!r}D)" for e, m in zip(exprs, model.mean_, strict=True)]
    return exprs


def _pca_stage(spark, components: np.ndarray, input_col: str, output_col: str):
    """A Spark ``PCAModel`` holding the components fitted locally (rows = components)."""
    from pyspark.ml.common import _py2java
    from pyspark.ml.feature import PCAModel
    from pyspark.ml.linalg import DenseMatrix, DenseVector

    sc = spark.sparkContext
    k, p = components.shape
    pc = DenseMatrix(p, k, components.T.ravel(order="F").tolist())  # p x k, column-major
    java = sc._jvm.org.apache.spark.ml.feature.PCAModel(
        "custseg_pca", _py2java(sc, pc), _py2java(sc, DenseVector([0.0] * k)))
    java.set(java.k(), k)  # PCAModel is built by PCA.fit in Spark; set what fit would set
    model = PCAModel(java)
    model._transfer_params_from_java()
    return model.setInputCol(input_col).setOutputCol(output_col)


def _block_sql(block: Block, types: dict[str, str]) -> list[str]:
    kind, cols, est = block.kind, block.columns, block.transformer
    if kind == "numeric":
        return _numeric_steps(_number_expr(cols[0], types[cols[0]]), est)
    if isinstance(block, DateBlock):
        return _numeric_steps(_date_value(block, types), est)
    if kind == "category":
        return _onehot_sql(_level_expr(cols[0], types[cols[0]]), est)
    if kind == "frequency":
        enc, scaler = est.named_steps["frequency"], est.named_steps["scale"]
        keys = ", ".join(lit(str(v)) for v in enc.categories_[0])
        vals = ", ".join(f"{float(v)!r}D" for v in enc.frequencies_[0])
        level = _level_expr(cols[0], types[cols[0]], missing=MISSING_LEVEL)
        freq = (f"coalesce(try_element_at(map_from_arrays(array({keys}), array({vals})), "
                f"{level}), 0D)")
        return [_scale(freq, scaler, 0)]
    if kind == "geo":
        lat, lon = (f"radians({_number_expr(c, types[c])})" for c in cols)
        xyz = [f"cos({lat}) * cos({lon})", f"cos({lat}) * sin({lon})", f"sin({lat})"]
        return [f"coalesce((({e}) - {float(m)!r}D) * {float(s)!r}D, 0D)"
                for e, m, s in zip(xyz, est.means_, est.scales_, strict=True)]
    raise ValueError(f"a {kind!r} block cannot run on the Spark engine")


def _numeric_steps(value: str, est) -> list[str]:
    """impute -> skew -> clip -> scale, per output column (the value and its 0/1 flag)."""
    steps = est.named_steps
    imp, skew, clip, scaler = steps["impute"], steps["skew"], steps["clip"], steps["scale"]
    cols = [f"LEAST(GREATEST(coalesce({value}, {float(imp.statistics_[0])!r}D), -1E30D), 1E30D)"]
    cols += [f"CASE WHEN {value} IS NULL THEN 1D ELSE 0D END" for _ in imp.indicator_]
    out = []
    for j, v in enumerate(cols):
        method = skew.methods_[j]
        if method == "log1p":
            v = f"log1p(GREATEST({v}, 0D))"
        elif method == "yeo-johnson":
            v = _yeo_johnson_sql(f"(({v}) / {float(skew.scales_[j])!r}D)", skew.lambdas_[j])
        lo, hi = float(clip.lower_[j]), float(clip.upper_[j])
        if math.isfinite(lo) and math.isfinite(hi):
            v = f"LEAST(GREATEST({v}, {lo!r}D), {hi!r}D)"
        out.append(_scale(v, scaler, j))
    return out


def _yeo_johnson_sql(z: str, lam: float) -> str:
    lam = float(lam)
    pos = f"log1p({z})" if abs(lam) < 1e-8 else f"((power({z} + 1D, {lam!r}D) - 1D) / {lam!r}D)"
    neg = (f"(-log1p(-{z}))" if abs(lam - 2) < 1e-8 else
           f"(-(power(-{z} + 1D, {2 - lam!r}D) - 1D) / {2 - lam!r}D)")
    return f"(CASE WHEN {z} >= 0D THEN {pos} ELSE {neg} END)"


def _scale(value: str, scaler, j: int) -> str:
    mean = float(scaler.mean_[j]) if scaler.with_mean else 0.0
    scale = float(scaler.scale_[j]) if scaler.with_std else 1.0
    return f"((({value}) - {mean!r}D) / {scale!r}D)"


def _onehot_sql(level: str, enc) -> list[str]:
    cats = [str(v) for v in enc.categories_[0]]
    fallback = lit(OTHER_LEVEL) if OTHER_LEVEL in cats else "CAST(NULL AS STRING)"
    known = ", ".join(lit(c) for c in cats)
    mapped = f"(CASE WHEN {level} IN ({known}) THEN {level} ELSE {fallback} END)"
    start, stop = enc.slices_[0]
    out = []
    for j in range(stop - start):
        m, s = float(enc.means_[0][j]), float(enc.scales_[0][j])
        out.append(f"(CASE WHEN {mapped} IS NULL THEN 0D WHEN {mapped} = {lit(cats[j])} "
                   f"THEN {(1 - m) * s!r}D ELSE {(0 - m) * s!r}D END)")
    return out


# ------------------------------------------------------------ values as the local engine reads them
def _is_number_type(spark_type: str) -> bool:
    return spark_type in _NUMBER_TYPES or spark_type.startswith("decimal")


def _dtype(spark_type: str) -> str:
    if _is_number_type(spark_type):
        return "number"
    if spark_type == "boolean":
        return "bool"
    if spark_type in ("date", "timestamp", "timestamp_ntz"):
        return "datetime"
    return "text"


def _number_expr(column: str, spark_type: str) -> str:
    """The column as a double; text that is no number and NaN become NULL (as pd.to_numeric)."""
    cast = f"CAST({q(column)} AS DOUBLE)" if spark_type != "string" else \
        f"try_cast({q(column)} AS DOUBLE)"
    return f"nanvl({cast}, CAST(NULL AS DOUBLE))"


def _level_expr(column: str, spark_type: str, missing: str = MISSING_LEVEL) -> str:
    """The column as category text, as the local engine writes it (1.0 -> "1", True -> "True")."""
    col = q(column)
    if spark_type == "boolean":
        text = f"CASE WHEN {col} THEN 'True' ELSE 'False' END"
    elif spark_type in ("double", "float") or spark_type.startswith("decimal"):
        text = (f"CASE WHEN {col} = floor({col}) THEN CAST(CAST({col} AS BIGINT) AS STRING) "
                f"ELSE CAST({col} AS STRING) END")
    else:
        text = f"CAST({col} AS STRING)"
    return f"coalesce({text}, {lit(missing)})"


def _date_expr(column: str, date_format: str | None, spark_type: str) -> str:
    col = q(column)
    if spark_type in ("date", "timestamp", "timestamp_ntz"):
        return f"to_date({col})"
    pattern = spark_pattern(date_format) if date_format else None
    return (f"to_date(try_to_timestamp(CAST({col} AS STRING), {lit(pattern)}))" if pattern else
            f"to_date(try_cast(CAST({col} AS STRING) AS TIMESTAMP))")


def _date_value(block: DateBlock, types: dict[str, str]) -> str:
    """Days before the fitted reference date (``as_of``)."""
    column = block.column
    as_of = block.transformer.named_steps["days"].as_of_days_
    return f"({float(as_of)!r}D - {_days_expr(column, block.date_format, types[column])})"


def _days_expr(column: str, date_format: str | None, spark_type: str) -> str:
    """Days since 1970-01-01 (whole days: the local engine's value for dates without a time)."""
    return (f"CAST(datediff({_date_expr(column, date_format, spark_type)}, DATE'1970-01-01') "
            "AS DOUBLE)")


# ---------------------------------------------------------------- Spark ML pipeline
def fit_pipeline(frame, plan: Plan):
    """The Spark ML PipelineModel that turns raw columns into the ``features`` vector.

    Returns the model and the length of the vector.
    """
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.feature import SQLTransformer, VectorAssembler

    exprs = compile_sql(plan)
    stages = [SQLTransformer(statement="SELECT *, " + ", ".join(
        f"{e} AS __cs_z{i}" for i, e in enumerate(exprs)) + " FROM __THIS__")]
    names = [f"__cs_z{i}" for i in range(len(exprs))]
    model = plan.preprocessor.pca_model_
    out = "__cs_zv" if model is not None else FEATURES
    stages.append(VectorAssembler(inputCols=names, outputCol=out, handleInvalid="keep"))
    fitted = Pipeline(stages=stages).fit(frame.limit(0))
    if model is None:
        return fitted, len(names)
    # an ML stage, not SQL: written as expressions, Spark would inline every feature into
    # every component
    pca = _pca_stage(frame.sparkSession, model.components_, out, FEATURES)
    return PipelineModel(stages=[*fitted.stages, pca]), int(model.components_.shape[0])


def feature_names(plan: Plan, model=None, size: int | None = None) -> list[str]:
    """Names of the entries of the ``features`` vector (the local engine's names)."""
    return [str(n) for n in plan.preprocessor.get_feature_names_out()]


def transform_sample(plan: Plan, frame) -> np.ndarray:
    """The local transform of a pandas frame with the plan's fitted preprocessor."""
    return plan.preprocessor.transform(frame)

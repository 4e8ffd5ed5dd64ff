"""The ``custseg run`` stages on Spark: load -> features -> preprocess -> scan -> profile.

:func:`run` returns a :class:`SparkRunResult` (data stays in Spark; only
aggregates and small samples come to the driver); :func:`run_spark` also
writes the outputs and returns the summary (what ``custseg run --engine
spark`` calls).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from custseg.config import RunConfig
from custseg.data.schema import infer_schema
from custseg.exceptions import ConfigError, InputError
from custseg.spark.features import q
from custseg.spark.reader import ROW, read_input
from custseg.stages import RunContext, check_log_options, log_overrides, run_stages

#: Above this many rows the scan runs on a seeded sample and the winner is refitted on all.
SCAN_SAMPLE = 200_000
#: Rows brought to pandas for schema inference, correlations and the report.
SAMPLE_ROWS = 20_000
SPARK_OPTIONS = ("scan_sample", "sample_rows", "spark_conf")
#: What the Spark engine computes differently from the local one (summary.json).
APPROXIMATIONS = (
    "medians: percentile_approx (accuracy 10,000): a value of the data, not the mean of "
    "the middle two",
    "effect sizes of skewed columns: normal scores of exact ranks up to 50,000 distinct "
    "values, of 2,000 quantile buckets above",
    "column roles, near-duplicates and the dates' units: a pandas sample",
    "fitted preprocessing values (medians, clip bounds, scales, level shares, PCA): the "
    "20,000-row sample; which treatment each column gets: whole-table statistics",
    "no surrogate rules and no per-segment stability (they need every row in memory)",
)


@dataclass
class SparkRunResult:
    """What a Spark run produced: fitted pipeline, assignments (in Spark) and the account."""

    config: RunConfig
    source: dict[str, Any]
    schema: Any
    plan: Any
    pipeline: Any
    assigned: Any            # Spark DataFrame: __cs_row, id column, segment[, probability]
    n_rows: int
    algorithm: str
    k: int
    candidates: list
    selection: dict[str, Any]
    metrics: dict[str, Any]
    segments: list[dict[str, Any]]
    id_column: str | None
    names: dict[int, str]
    label_map: dict[int, int]
    timings: dict[str, float] = field(default_factory=dict)
    decisions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sampling: dict[str, str] = field(default_factory=dict)
    transactions: Any = None
    feature_names: list[str] = field(default_factory=list)
    sample: Any = None       # pandas sample of the customer table (schema, report)

    @property
    def has_probability(self) -> bool:
        """True when the model gives a membership probability (mixtures)."""
        return "probability" in self.assigned.columns

    def segments_table(self):
        """segments.csv as pandas, in input order (collects every row: keep n moderate)."""
        cols = [c for c in (self.id_column, "segment", "probability")
                if c and c in self.assigned.columns]
        frame = self.assigned.orderBy(ROW).select(*[q(c) for c in cols]).toPandas()
        if not self.id_column:
            frame.insert(0, "row", np.arange(1, len(frame) + 1))
        lookup = {**self.names, -1: "Unassigned"}
        frame.insert(frame.columns.get_loc("segment") + 1, "segment_name",
                     [lookup.get(int(s), f"Segment {int(s)}") for s in frame["segment"]])
        if "probability" in frame:
            frame["probability"] = frame["probability"].round(4)
        from custseg.tracking import with_control  # `control` column with --holdout
        from custseg.value.run import with_value  # `clv`, `p_alive` on a log (#18)

        return with_value(with_control(frame, self.config), self)

    def record(self):
        """The engine-neutral :class:`custseg.record.RunRecord` of this run."""
        import pandas as pd

        from custseg.record import (
            InputRecord,
            PreprocessRecord,
            RunRecord,
            SegmentRecord,
            SelectionRecord,
        )
        from custseg.spark.writer import spark_versions
        from custseg.summary import candidates_report_table, log_overview

        tx = self.transactions
        candidates = [c.to_dict() for c in self.candidates]
        record = RunRecord(
            engine="spark",
            input=InputRecord(
                source={"kind": self.source.get("kind", "table"), **self.source},
                n_rows=int(self.n_rows), n_columns=len(self.schema.columns),
                columns=self.schema.to_dict(), log=tx.to_dict() if tx is not None else None,
                log_overview=log_overview(tx)),
            preprocessing=PreprocessRecord(
                features_used=list(self.plan.features_used),
                features_dropped=dict(self.plan.dropped),
                details={**self.plan.to_dict(), "vector": self.feature_names}),
            selection=SelectionRecord(
                algorithm=self.algorithm, k=int(self.k), details=self.selection,
                candidates=candidates, sampling=dict(self.sampling),
                table=candidates_report_table(pd.DataFrame(candidates))),
            segments=[SegmentRecord.from_dict(s) for s in self.segments],
            seed=int(self.config.seed), config=self.config.to_dict(),
            versions=spark_versions(), metrics=self.metrics,
            validation={"stability": {"ari_mean": self.metrics.get("stability_ari"),
                                      "method": self.sampling.get("stability")}},
            warnings=list(self.warnings), decisions=list(self.decisions),
            timings=dict(self.timings), approximations=list(APPROXIMATIONS))
        from custseg.stages import add_optional_sections
        from custseg.tracking.track import spark_tracking_section  # --previous / --holdout

        return add_optional_sections(record, self, spark_tracking_section)

    def summary(self) -> dict[str, Any]:
        """summary.json content (valid against ``custseg/schema/summary.schema.json``)."""
        return self.record().to_summary()

    def write(self, out_dir: str | Path, *, report: bool | None = None) -> Path:
        """Write every output into ``out_dir``, all or nothing."""
        from custseg.spark.writer import write_outputs

        return write_outputs(self, out_dir, report=self.config.report if report is None
                             else report)


def run(data, config: RunConfig | None = None, spark=None, master: str | None = None,
        progress=None, **options: Any) -> SparkRunResult:
    """Segment customers on Spark: the same stages as :func:`custseg.run`.

    Parameters
    ----------
    data : path (file, folder or glob of CSV/Parquet), pandas or Spark DataFrame.
    config : a :class:`RunConfig`; ``options`` override its fields.
    spark : a SparkSession to use as is; otherwise one is started on ``master``
        (default ``config.spark_master`` or ``local[*]``) after checking Java.
    options : also ``scan_sample`` (rows the scan uses, default 200,000),
        ``sample_rows`` (pandas sample for schema inference, default 20,000) and
        ``spark_conf`` (settings for a session started here).
    """
    extra = {k: options.pop(k) for k in SPARK_OPTIONS if k in options}
    config = (config or RunConfig()).replace(**options)
    _refuse_unsupported(config)
    if spark is None:
        from custseg.spark.session import get_session

        spark = get_session(master or config.spark_master, extra.get("spark_conf"))
    return run_stages(SparkEngine(spark, extra), data, config, progress)


class SparkEngine:
    """The Spark engine's work in each stage of :func:`custseg.stages.run_stages`.

    Data stays in Spark; a row sample comes to pandas for the roles, the fitted
    preprocessing values and the report. The driver does the shared checks,
    decision lines and the numbering of segments by size.

    Example (needs a Spark session, so not a doctest)::

        engine = SparkEngine(spark, {"sample_rows": 20_000})
        result = run_stages(engine, "customers.parquet", RunConfig(k=4))
    """

    def __init__(self, spark: Any, extra: dict[str, Any] | None = None) -> None:
        self.spark = spark
        self.extra = dict(extra or {})
        self.customers: Any = None
        self.transactions: Any = None
        self.id_default: str | None = None
        self.sample: Any = None
        self.plan: Any = None
        self.prep_model: Any = None
        self.dim = 0
        self.data_vec: Any = None
        self.fit: _Fit | None = None
        self.out: _Explained | None = None

    def load(self, data: Any, run: RunContext) -> None:
        """The input as a cached Spark table of customers (a log's features built first)."""
        self.customers, run.source, self.transactions, self.id_default, run.config = _load(
            self.spark, data, run.config, run.decisions)
        run.n_rows = self.customers.count()

    def infer_schema(self, run: RunContext) -> Any:
        """The roles, inferred on a seeded row sample brought to pandas."""
        rows = int(self.extra.get("sample_rows", SAMPLE_ROWS))
        self.sample = _sample(self.customers, run.n_rows, rows, run.config.seed)
        return _schema(self.sample, run.config, run.source, self.id_default)

    def inspect(self, run: RunContext) -> None:
        """Nothing more: customer value was computed while loading (Spark SQL)."""

    def preprocess(self, run: RunContext) -> None:
        """The plan, compiled to Spark SQL stages; the feature vectors, cached."""
        self.plan, self.prep_model, self.dim, self.data_vec = _preprocess(
            self.customers, run.schema, self.sample, run.config)

    def segment(self, run: RunContext) -> dict[int, int]:
        """The scan and the winner on every row; customers per raw prediction."""
        self.fit = _segment(self.data_vec, self.dim, run.n_rows, run.config, self.extra,
                            run.decisions, run.progress)
        counts = self.fit.final_model.transform(self.data_vec).groupBy("prediction").count()
        return {int(r[0]): int(r[1]) for r in counts.collect()}

    def stable_ids(self, run: RunContext) -> tuple[dict[int, int], dict[int, str]]:
        """The previous run's numbers and names where its segments match (--previous)."""
        from custseg.tracking.track import spark_label_map

        scored = self._pipeline(run.label_map).transform(self.customers)
        return spark_label_map(run.config.previous, scored, run.label_map, run.decisions)

    def explain(self, run: RunContext) -> None:
        """Assignments (in Spark), profiles from Spark aggregations, names from explain."""
        self.out = _explain(self.customers, self.data_vec, self._pipeline(run.label_map),
                            self.fit, run.schema, self.sample, self.plan, run.config)

    def result(self, run: RunContext) -> SparkRunResult:
        """The :class:`SparkRunResult`."""
        from custseg.spark import prep

        fit, out, config = self.fit, self.out, run.config
        return SparkRunResult(
            config=config, source=run.source, schema=run.schema, plan=self.plan,
            pipeline=out.pipeline, assigned=out.assigned, n_rows=run.n_rows,
            algorithm=fit.chosen.algorithm, k=len(run.label_map), candidates=fit.cands,
            selection=fit.selection, metrics=_metrics(fit), segments=out.segments,
            id_column=run.schema.id_column, names=out.names, label_map=run.label_map,
            timings=run.stages.timings, decisions=run.decisions,
            warnings=_warnings(fit, out.segments, config),
            sampling=_sampling(fit, self.sample, run.n_rows, config),
            transactions=self.transactions,
            feature_names=prep.feature_names(self.plan, self.prep_model, self.dim),
            sample=self.sample)

    def _pipeline(self, label_map: dict[int, int]):
        """Preprocessing, the clusterer and the segment numbers as one PipelineModel."""
        return _full_pipeline(self.prep_model, self.fit.final_model, label_map,
                              self.fit.chosen.algorithm)


# ------------------------------------------------------------------ stages
def _refuse_unsupported(config: RunConfig) -> None:
    """Options the Spark engine does not offer: one clear error before a JVM starts."""
    if config.mixed in ("kprototypes", "famd"):
        # checked before a JVM starts: Spark prep one-hot encodes categories (docs/spark.md)
        raise ConfigError(f"--mixed {config.mixed} is not available on the Spark engine",
                          where="--mixed", fix="use --mixed onehot (or auto) with --engine "
                                               f"spark, or the local engine for {config.mixed}")
    if str(config.pca).isdigit():
        raise ConfigError(f"--pca {config.pca} is not available on the Spark engine (it "
                          "clusters the scaled features without a projection)", where="--pca",
                          fix="drop --pca with --engine spark, or use the local engine")


def _load(spark, data, config: RunConfig, decisions: list[str]):
    """The input as a cached Spark table of customers (a log's features built first)."""
    raw, source = read_input(spark, data)
    renamed = source.get("renamed_columns", {})
    if renamed:  # options naming a renamed column follow it
        decisions += [f"column {old!r} renamed {new!r}: segments.csv writes its own {old!r} "
                      "column" for old, new in renamed.items()]
        config = config.replace(
            id=[renamed.get(c, c) for c in config.id] or None,
            label=renamed.get(config.label, config.label),
            exclude=[renamed.get(c, c) for c in config.exclude] or None)
    customers, transactions, id_default = _customers(spark, raw, config, source, decisions)
    if transactions is not None:  # customer value (#18): Spark SQL summary, fit locally
        from custseg.value.run import value_for_run
        from custseg.value.spark import spark_value

        transactions.value = value_for_run(None, config, transactions, decisions,
                                           compute=spark_value(spark, raw, transactions))
    return customers.cache(), source, transactions, id_default, config


def _schema(sample, config: RunConfig, source: dict, id_default):
    return infer_schema(sample, id=list(config.id), label=config.label,
                        exclude=config.exclude, categorical=config.categorical,
                        numeric=config.numeric, roles=config.roles,
                        source=str(source.get("path") or "input"),
                        key=id_default or None)  # the log's key: not "set by the user"


def _preprocess(customers, schema, sample, config: RunConfig):
    from custseg.spark import prep

    plan = prep.make_plan(customers, schema, sample, options=prep.options_from_config(config))
    prep_model, dim = prep.fit_pipeline(customers, plan)
    data_vec = prep_model.transform(customers).select(ROW, "features").cache()
    data_vec.count()
    return plan, prep_model, dim, data_vec


@dataclass
class _Fit:
    """The segment stage's outcome: the choice and the model fitted on every row."""

    chosen: Any
    selection: dict[str, Any]
    cands: list
    final_model: Any
    final: dict[str, Any]
    sampled: bool
    limit: int


def _segment(data_vec, dim: int, n: int, config: RunConfig, extra: dict, decisions: list[str],
             progress) -> _Fit:
    from custseg.spark import scan

    fams, notes = scan.families(list(config.algorithms))
    decisions += notes
    ks = [k for k in config.k_range() if k < n]
    limit = int(extra.get("scan_sample", SCAN_SAMPLE))
    sampled = n > limit
    scan_data = data_vec.sample(fraction=min(1.0, limit / n), seed=config.seed).cache() \
        if sampled else data_vec
    # the local engine's rule (custseg.selection.decide) on Spark's candidates table
    chosen, chosen_result, cands = scan.select(
        scan_data, dim, fams, ks, config.seed, n_rows=n, min_share=config.min_segment_share,
        use_stability=config.stability, widen=config.k == RunConfig().k,
        fixed_k=len(ks) == 1, progress=progress)
    selection = chosen_result.to_dict()
    if sampled:
        t0 = time.perf_counter()
        final_model = scan.estimator(chosen.algorithm, chosen.k, config.seed).fit(data_vec)
        final = scan.score(final_model, chosen.algorithm, data_vec, dim,
                           time.perf_counter() - t0)
        scan_data.unpersist()
    else:
        final_model, final = chosen.model, dict(chosen.scores)
    return _Fit(chosen, selection, cands, final_model, final, sampled, limit)


@dataclass
class _Explained:
    """The explain stage's outcome: pipeline, assignments, names, segments."""

    pipeline: Any
    assigned: Any
    names: dict[int, str]
    segments: list[dict[str, Any]]


def _explain(customers, data_vec, pipeline, fit: _Fit, schema, sample, plan,
             config: RunConfig) -> _Explained:
    from custseg.explain import name_segments
    from custseg.record import segments_from_profiles
    from custseg.spark import profiles

    chosen = fit.chosen
    scored = pipeline.transform(customers)
    id_column = schema.id_column
    # the local engine's profile structure from Spark aggregations, named by explain
    segment_profiles = profiles.profile(scored, plan.features_used, schema, sample, plan)
    named = name_segments(segment_profiles, overrides=config.names or None)
    names = {s: v["name"] for s, v in named.items()}
    segment_profiles.names = names
    keep = [ROW, *([id_column] if id_column else []), "segment"]
    if chosen.algorithm == "gmm":
        from pyspark.ml.functions import vector_to_array
        from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

        scored = scored.withColumn("probability", F.array_max(vector_to_array("probability")))
        keep.append("probability")
    assigned = scored.select(*[q(c) for c in keep]).cache()
    assigned.count()
    data_vec.unpersist()
    segments = [seg.to_dict() for seg in segments_from_profiles(segment_profiles, named)]
    return _Explained(pipeline, assigned, names, segments)


# ------------------------------------------------------------------ the account
def _metrics(fit: _Fit) -> dict[str, Any]:
    final, chosen = fit.final, fit.chosen
    return {"silhouette": final.get("silhouette") or chosen.scores.get("silhouette"),
            "calinski_harabasz": final["calinski_harabasz"],
            "davies_bouldin": final["davies_bouldin"],
            "wss": final["wss"], "bss": final["bss"],
            "explained_variance": final["explained_variance"],
            "stability_ari": chosen.scores.get("stability_ari"),
            "bic": final.get("bic"), "n_iter": final["n_iter"],
            "converged": final["converged"]}


def _warnings(fit: _Fit, segments: list[dict[str, Any]], config: RunConfig) -> list[str]:
    warnings = []
    if fit.final["converged"] is False:
        warnings.append(f"{fit.chosen.algorithm} stopped at its iteration limit without "
                        "converging")
    small = [s["id"] for s in segments if s["share"] < config.min_segment_share]
    if small:
        warnings.append(f"segments {small} hold less than {config.min_segment_share:.0%} "
                        "of customers")
    return warnings


def _sampling(fit: _Fit, sample, n: int, config: RunConfig) -> dict[str, str]:
    from custseg.spark import scan

    return {
        "schema": f"column roles inferred on a sample of {len(sample):,} of {n:,} rows",
        "correlations": f"near-duplicate check on the same {len(sample):,}-row sample",
        "scan": (f"algorithms x k scanned on a seeded sample of about {fit.limit:,} rows; the "
                 "winner refitted on all rows" if fit.sampled else "scan on all rows"),
        "silhouette": f"scikit-learn's silhouette on a seeded sample of at most "
                      f"{scan.SILHOUETTE_SAMPLE:,} scan rows, as the local engine",
        "medians": "approximate (percentile_approx, accuracy 10000)",
        "stability": f"{scan.REFITS} refits on random halves of the scan data, ARI on those "
                     "rows" if config.stability else "off",
    }


def run_spark(input_path, cfg: RunConfig, out_dir, spark=None, **options: Any) -> dict:
    """Run on Spark and write the outputs into ``out_dir``; return the summary dict.

    This is what ``custseg run --engine spark`` calls.
    """
    import json

    result = run(input_path, cfg, spark=spark, **options)
    out = result.write(out_dir)
    return json.loads((Path(out) / "summary.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ helpers
def _customers(spark, raw, config: RunConfig, source: dict, decisions: list[str]):
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    from custseg.features import detect_log_columns, looks_like_transaction_log

    check_log_options(config)
    overrides = log_overrides(config) or None
    columns = [c for c in raw.columns if c != ROW]
    is_log = config.input_kind == "transactions"
    if config.input_kind == "auto":
        try:
            found = detect_log_columns(columns, overrides)
        except InputError:
            found = None
        if found is not None:
            row = raw.agg(F.count("*"), F.approx_count_distinct(q(found.customer))).first()
            is_log = looks_like_transaction_log(columns, n_rows=row[0],
                                                n_unique_customer=row[1])
    if not is_log:
        source["kind"] = "table"
        return raw, None, None
    from custseg.spark.features import build_features

    feats = build_features(spark, raw, columns=overrides, as_of=config.as_of)
    decisions.append("input recognised as a transaction log: customer features built first "
                     "(Spark SQL, same definitions as the DuckDB path)")
    decisions += feats.notes
    source.update(kind="transactions", log_rows=feats.quality["lines_total"],
                  customers=feats.quality["customers"])
    frame = feats.frame.withColumn(ROW, F.monotonically_increasing_id())
    return frame, feats, feats.columns.customer


def _sample(frame, n: int, rows: int, seed: int):
    fraction = min(1.0, 1.3 * rows / max(n, 1))
    part = frame.sample(fraction=fraction, seed=seed) if fraction < 1 else frame
    pdf = part.limit(rows).drop(ROW).toPandas()
    for c in pdf.columns:  # whole numbers read as double become integers, as locally
        s = pdf[c]
        if s.dtype.kind == "f" and s.notna().all() and len(s) and np.all(np.mod(s, 1) == 0):
            pdf[c] = s.astype("int64")
    return pdf


def _full_pipeline(prep_model, clusterer, label_map: dict[int, int], family: str):
    from pyspark.ml import PipelineModel
    from pyspark.ml.feature import SQLTransformer

    cases = " ".join(f"WHEN {r} THEN {s}" for r, s in label_map.items())
    mapper = SQLTransformer(statement=f"SELECT *, CAST(CASE prediction {cases} ELSE -1 END "
                                      "AS INT) AS segment FROM __THIS__")
    return PipelineModel(stages=[*prep_model.stages, clusterer, mapper])

"""The whole run, stage by stage: load -> features -> preprocess -> segment -> explain.

:func:`run` is what ``custseg run`` calls; each stage is a public function of
its own package, so a tutorial can run them one at a time instead.
:func:`write_outputs` then writes the files docs/architecture.md lists, all or
nothing.

Example
-------
>>> from custseg.datasets import make_customers
>>> result = run(make_customers(400, k=3, seed=0), k=3, algorithms=["kmeans"], report=False)
>>> result.k, len(result.labels)
(3, 400)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custseg.config import DEFAULT_K, RunConfig
from custseg.data.io import LoadedTable, extreme_to_missing, read_table
from custseg.data.schema import Schema, infer_schema
from custseg.exceptions import ConfigError, InputError
from custseg.persist.model import SegmentationModel, segments_frame, versions
from custseg.stages import (
    LOG_OPTIONS,
    STAGES,
    Progress,
    RunContext,
    check_log_options,
    log_overrides,
    run_stages,
)

__all__ = ["LOG_OPTIONS", "STAGES", "LocalEngine", "Progress", "RunResult", "load_for_model",
           "run"]


@dataclass
class RunResult:
    """Everything a run produced, in memory; :func:`write_outputs` saves it."""

    config: RunConfig
    source: dict[str, Any]
    frame: pd.DataFrame
    schema: Schema
    preprocessor: Any
    X: np.ndarray
    segmenter: Any
    labels: np.ndarray
    probability: np.ndarray | None
    explanation: Any
    model: SegmentationModel
    transactions: Any = None
    #: customer value (custseg.value, #18) on a log; None on a table or with --no-value
    value: Any = None
    rfm: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)
    decisions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def k(self) -> int:
        """Number of segments (without the unassigned group)."""
        return len(set(self.labels.tolist()) - {-1})

    @property
    def algorithm(self) -> str:
        """The chosen algorithm's name."""
        return str(getattr(self.segmenter, "algorithm_", "rfm"))

    @property
    def names(self) -> dict[int, str]:
        """Segment number -> name."""
        return dict(self.model.names)

    def segments_table(self) -> pd.DataFrame:
        """The segments.csv table (one row per input customer, in input order)."""
        from custseg.tracking import with_control  # `control` column with --holdout
        from custseg.value.run import with_value  # `clv`, `p_alive` on a log (#18)

        return with_value(with_control(segments_frame(
            self.frame, self.labels, self.names, self.schema.id_column, self.probability),
            self.config), self)

    def record(self):
        """The engine-neutral :class:`custseg.record.RunRecord` of this run."""
        from custseg.stages import add_optional_sections
        from custseg.summary import local_record
        from custseg.tracking import tracking_section  # --previous / --holdout

        return add_optional_sections(local_record(self), self, tracking_section)

    def summary(self) -> dict[str, Any]:
        """The summary.json content (see ``custseg/schema/summary.schema.json``)."""
        return self.record().to_summary()


def run(data: str | Path | pd.DataFrame, config: RunConfig | None = None, *,
        progress: Progress | None = None, **options: Any) -> RunResult:
    """Segment a customer table or a transaction log.

    Parameters
    ----------
    data : path of a customer table or transaction log, or a DataFrame.
    config : a :class:`RunConfig`; keyword ``options`` override its fields
        (``k=5``, ``algorithms=["kmeans"]``, ``seed=1`` ...).
    progress : optional callback ``progress(stage, done, total)``.

    Example
    -------
    >>> from custseg.datasets import bundled_path
    >>> result = run(bundled_path("wholesale"), k=3, algorithms=["kmeans"], label="Channel")
    >>> result.k, result.schema["Channel"].role
    (3, 'label')
    """
    config = (config or RunConfig()).replace(**options)
    return run_stages(LocalEngine(), data, config, progress)


class LocalEngine:
    """The local engine's work in each stage of :func:`custseg.stages.run_stages`.

    pandas, DuckDB (a log's features) and scikit-learn; the driver does the
    shared checks, decision lines and the numbering of segments by size. One
    object per run: it keeps the stages' intermediate results.

    Example
    -------
    >>> from custseg.stages import Engine
    >>> isinstance(LocalEngine(), Engine)
    True
    """

    def __init__(self) -> None:
        self.data: Any = None
        self.frame: pd.DataFrame | None = None
        self.transactions: Any = None
        self.input_warnings: list[str] = []
        self.rfm: pd.DataFrame | None = None
        self.value: Any = None
        self.preprocessor: Any = None
        self.X: np.ndarray | None = None
        self.segmenter: Any = None
        self.raw_labels: np.ndarray | None = None
        self.probability: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.explanation: Any = None
        self.names: dict[int, str] = {}

    def load(self, data: Any, run: RunContext) -> None:
        """Read a file or DataFrame; a transaction log becomes a customer table (DuckDB)."""
        self.data = data
        self.frame, run.source, self.transactions = _load_input(data, run.config,
                                                                run.decisions)
        run.n_rows = len(self.frame)

    def infer_schema(self, run: RunContext) -> Schema:
        """The roles of the customer table's columns."""
        return _schema(self.frame, run.config, self.transactions, run.source)

    def inspect(self, run: RunContext) -> None:
        """Duplicate ids and log warnings, the RFM table and customer value (#18)."""
        from custseg.value.run import value_for_run  # fits, or says why not

        self.input_warnings = (_duplicate_id_warnings(self.frame, run.schema)
                               + _log_warnings(self.transactions, run.config))
        self.rfm = _rfm_table(self.frame, self.transactions, run.decisions)
        self.value = value_for_run(self.data, run.config, self.transactions, run.decisions,
                                   self.frame)

    def preprocess(self, run: RunContext) -> None:
        """The fitted preprocessor and the matrix it makes."""
        from custseg.selection import capture_warnings, summarize_warnings

        with capture_warnings() as caught:  # counted in the decisions, never printed
            self.preprocessor, self.X = _preprocess(self.frame, run.schema, run.config,
                                                    run.source)
        run.decisions.extend(f"library warnings while preprocessing: {w}" for w in
                             summarize_warnings(caught))

    def segment(self, run: RunContext) -> dict[int, int]:
        """The scan, the chosen model and its labels; customers per raw label."""
        from custseg.selection import capture_warnings, summarize_warnings

        config = run.config
        with capture_warnings() as caught:  # counted in the decisions, never printed
            self.segmenter, self.raw_labels, self.probability, self.preprocessor, self.X = \
                _segment(self.X, self.frame, self.preprocessor, config, self.rfm,
                         run.progress)
        run.decisions.extend(_selection_decisions(self.segmenter, summarize_warnings(caught)))
        if getattr(self.preprocessor, "categorical_indices_", None) and \
                config.algorithms != ["kprototypes"]:
            run.decisions.append(
                "algorithms: kprototypes only, because --mixed kprototypes keeps categories "
                "as codes that kmeans, hierarchical and gmm cannot cluster")
        # Segments are numbered from the saved estimator's own labels, so scoring the
        # training table with model.skops reproduces segments.csv exactly.
        raw = np.where(self.raw_labels < 0, -1, self.raw_labels)
        values, counts = np.unique(raw, return_counts=True)
        return dict(zip(values.tolist(), counts.tolist(), strict=True))

    def stable_ids(self, run: RunContext) -> tuple[dict[int, int], dict[int, str]]:
        """The previous run's numbers and names where its segments match (--previous)."""
        from custseg.tracking import stable_label_map

        return stable_label_map(run.config.previous, self.frame, self.raw_labels,
                                run.label_map, run.decisions)

    def explain(self, run: RunContext) -> None:
        """Every customer's segment number, the profiles and the names."""
        from custseg.selection import capture_warnings, summarize_warnings

        label_map = run.label_map
        self.labels = np.array([label_map[int(v)] for v in self.raw_labels], dtype=int)
        if _rule_based(run.config):  # the classic RFM group names are the segment names
            rfm_names = {label_map[int(code)]: self.segmenter.segment_names_[int(code)]
                         for code in np.unique(self.raw_labels)}
            run.config = run.config.replace(names={**rfm_names, **run.config.names})
        with capture_warnings() as caught:
            self.explanation = _explain(self.frame, self.labels, self.X, self.preprocessor,
                                        run.schema, run.config, self.segmenter, label_map)
        run.decisions.extend(f"library warnings while explaining: {w}" for w in
                             summarize_warnings(caught))
        self.names = {int(seg["id"]): seg["name"]
                      for seg in self.explanation.to_dict()["segments"]}

    def result(self, run: RunContext) -> RunResult:
        """The :class:`RunResult`, with the model that scores new customers."""
        return RunResult(
            config=run.config, source=run.source, frame=self.frame, schema=run.schema,
            preprocessor=self.preprocessor, X=self.X, segmenter=self.segmenter,
            labels=self.labels, probability=self.probability, explanation=self.explanation,
            model=self._model(run), transactions=self.transactions, rfm=self.rfm,
            timings=run.stages.timings, decisions=run.decisions, value=self.value,
            warnings=self.input_warnings + list(
                self.explanation.to_dict().get("warnings", [])))

    def _model(self, run: RunContext) -> SegmentationModel:
        segmenter, config = self.segmenter, run.config
        return SegmentationModel(
            # Only the final fitted estimator is saved: the scan's tables stay in summary.json.
            preprocessor=self.preprocessor,
            estimator=getattr(segmenter, "best_estimator_", None) or _unfitted(segmenter),
            input_columns={c: str(self.frame[c].dtype)
                           for c in _needed_columns(self.preprocessor)},
            id_column=run.schema.id_column, label_map=run.label_map, names=self.names,
            metadata={"algorithm": str(getattr(segmenter, "algorithm_", "rfm")),
                      "k": len(set(self.labels.tolist()) - {-1}), "seed": config.seed,
                      "versions": versions(), "source": run.source.get("path"),
                      "rule_based": _rule_based(config),
                      **_log_metadata(self.transactions, config)})


def _rule_based(config: RunConfig) -> bool:
    """RFM groups, not a fitted clusterer."""
    return config.algorithms == ["rfm"]


# ------------------------------------------------------------------- stages
def _load_input(data, config: RunConfig, decisions: list[str]):
    implied = _implied_log(config, decisions)
    if isinstance(data, pd.DataFrame):
        if data.empty:
            raise InputError("the table has no rows", where="DataFrame",
                             fix="pass a table with at least a few customers")
        source = {"path": None, "kind": "table", "format": "DataFrame", "rows": len(data),
                  "columns": len(data.columns), "notes": []}
        if config.input_kind == "transactions" or implied:
            return _from_log(data, config, source, decisions)
        if config.input_kind == "auto":
            detection = _detect_log(data, config, decisions)
            if detection.is_log:
                return _from_log(data, config, source, decisions, detection.columns())
        frame = data.reset_index(drop=True)  # a new frame: the caller's stays untouched
        extreme_to_missing(frame, source["notes"])  # 1e308 would overflow, as from a file
        return frame, source, None
    path = Path(data)
    if config.input_kind == "transactions" or implied:
        return _from_log(path, config, {"path": str(path), "format": path.suffix.lstrip(".")},
                         decisions)
    table: LoadedTable = read_table(path, sep=config.sep, encoding=config.encoding,
                                    decimal=config.decimal, sheet=config.sheet,
                                    header=getattr(config, "header", None))
    source = {**table.to_dict(), "kind": "table"}
    # how the file was read (sheet, encoding, compression, stray values...) is a decision too
    decisions += [f"input: {note}" for note in table.notes]
    if config.input_kind == "auto":
        detection = _detect_log(table.frame, config, decisions, headerless=not table.header)
        if detection.is_log:
            # the table as loaded (its encoding, delimiter and column names) is the log
            return _from_log(table.frame, config, source, decisions, detection.columns())
    return table.frame, source, None


_log_overrides = log_overrides


def _implied_log(config: RunConfig, decisions: list[str]) -> bool:
    """Any log column option (--customer, --date, --amount ...) means the input is a log."""
    given = _log_overrides(config)
    if not given or config.input_kind != "auto":
        check_log_options(config)
        return False
    decisions.append("input read as a transaction log because log option(s) "
                     + ", ".join(f"--{k} {v}" for k, v in given.items()) + " were given")
    return True


def _detect_log(frame: pd.DataFrame, config: RunConfig, decisions: list[str],
                headerless: bool = False):
    """Log or table, decided from the structure (see custseg.features.detect_log)."""
    from custseg.features import detect_log

    detection = detect_log(frame, headerless=headerless)
    if detection.is_log:
        decisions.append(f"input recognised as a transaction log: {detection.why}; customer "
                         "features built first")
    elif detection.roles.get("customer") and detection.roles.get("date"):
        decisions.append(f"input read as a customer table, not a log: {detection.why}")
    return detection


def _is_log(frame: pd.DataFrame, config: RunConfig) -> bool:
    """Kept for callers of the old name: :func:`_detect_log` without the decision."""
    from custseg.features import detect_log

    return detect_log(frame, _log_overrides(config) or None).is_log


def _from_log(data, config: RunConfig, source: dict, decisions: list[str], columns=None):
    from custseg.features import build_customer_features

    label = [config.label] if config.label else []
    features = build_customer_features(
        data, columns=columns if columns is not None else (_log_overrides(config) or None),
        as_of=config.as_of, memory_limit=config.memory_limit, attributes=label,
        date_format=getattr(config, "date_format", None))
    source = {**source, "kind": "transactions", "log_rows": int(
        features.quality.get("lines_total", 0)), "customers": len(features.frame)}
    decisions += list(features.notes)
    _check_log_customers(features, config, source)
    features.source_data = data  # custseg.value reads the same lines (#18)
    return features.frame, source, features


def _check_log_customers(features, config: RunConfig, source: dict) -> None:
    """A log with too few customers gets its own message (it is not a short table)."""
    n = len(features.frame)
    lo = config.k_range()[0]
    need = max(3, lo + 1)
    if n >= need:
        return
    lines = features.quality.get("lines_total", 0)
    raise InputError(
        f"the transaction log holds {n} customer{'s' if n != 1 else ''} ({lines:,} lines): "
        f"segmentation needs at least {need} customers, because it groups customers by how "
        f"they differ and the smallest number of segments tried ({lo}) is scored only with "
        "more customers than segments",
        where=str(source.get("path") or "input"),
        fix="segment a log with more customers (check the --customer column), or use "
            "`custseg features LOG` to get the customers' features without segmenting")


def _log_warnings(transactions, config: RunConfig) -> list[str]:
    """Warnings from building a log's features, and from --label on a log."""
    if transactions is None:
        return []
    out = list(getattr(transactions, "warnings", []) or [])
    for col, info in (getattr(transactions, "attributes", {}) or {}).items():
        if info.get("customers_varying"):
            out.append(
                f"--label {col!r} varies within customers: {info['customers_varying']:,} of "
                f"{info['customers_with_value']:,} customers ({info['share_varying']:.1%}) have "
                "more than one value on their lines; each customer gets their most frequent "
                "value (ties: alphabetical)")
    return out


def _log_metadata(transactions, config: RunConfig) -> dict[str, Any]:
    """What `custseg assign` needs to build the same features from a new log."""
    if transactions is None:
        return {"input_kind": "table"}
    cancel = getattr(transactions, "cancellation", {}) or {}
    prefixes = list(cancel.get("prefixes") or [])
    explicit = cancel.get("explicit")
    fmt = str(getattr(transactions, "date_format", "") or "") or None
    return {"input_kind": "transactions", "log": {
        "columns": {k: v for k, v in transactions.columns.to_dict().items() if v is not None},
        "cancel_prefix": explicit or (prefixes[0] if len(prefixes) == 1 else None),
        "date_format": fmt if fmt and "%" in fmt else None,
        "categories": list(getattr(transactions, "share_values", {}).get("category", [])),
        "channels": list(getattr(transactions, "share_values", {}).get("channel", [])),
        "trained_as_of": transactions.as_of.isoformat(),
        "label": config.label,
    }}


def _schema(frame: pd.DataFrame, config: RunConfig, transactions, source) -> Schema:
    # the log's customer column keys the table, but the user did not say so (--id)
    key = transactions.columns.customer if transactions is not None else None
    return infer_schema(frame, id=list(config.id), label=config.label, exclude=config.exclude,
                        categorical=config.categorical, numeric=config.numeric,
                        roles=config.roles, source=str(source.get("path") or "input"),
                        date_format=None if transactions is not None else config.date_format,
                        key=key, headerless=transactions is None and source.get("header") is False)


def _duplicate_id_warnings(frame: pd.DataFrame, schema: Schema) -> list[str]:
    column = schema.id_column
    if column is None:
        return []
    n_dup = int(frame[column].duplicated(keep=False).sum())
    if not n_dup:
        return []
    example = frame.loc[frame[column].duplicated(), column].iloc[0]
    return [f"{n_dup} rows share an id in {column!r} (e.g. {example!r}): every row is kept and "
            "segmented separately; de-duplicate the export if each id should be one customer"]


def _rfm_table(frame: pd.DataFrame, transactions,
               decisions: list[str] | None = None) -> pd.DataFrame | None:
    if transactions is None:
        return None
    if "monetary" not in frame.columns:
        if decisions is not None:
            decisions.append("no RFM groups: the log has no money column, so there is no "
                             "monetary score")
        return None
    from custseg.features import rfm_scores, rfm_segments

    scores = rfm_scores(frame)
    scores["rfm_group"] = rfm_segments(scores).to_numpy()
    return scores


def _preprocess(frame: pd.DataFrame, schema: Schema, config: RunConfig, source):
    from custseg.preprocess import PreprocessOptions, build_preprocessor

    options = PreprocessOptions(weights=dict(config.weights), pca=config.pca,
                                keep=list(config.keep), exclude=list(config.exclude),
                                as_of=config.as_of, mixed=config.mixed,
                                select_features=config.select_features,
                                random_state=config.seed)
    preprocessor = build_preprocessor(schema, options)
    X = preprocessor.fit_transform(frame)
    if X.shape[1] == 0:
        raise InputError("every candidate feature was dropped during preprocessing",
                         where=str(source.get("path") or "input"),
                         fix="keep a column with --keep COL, or see features_dropped")
    return preprocessor, np.asarray(X, dtype=float)


def _segment(X: np.ndarray, frame: pd.DataFrame, preprocessor, config: RunConfig, rfm,
             progress):
    if config.algorithms == ["rfm"]:
        if rfm is None:
            raise InputError("--algorithms rfm needs a transaction log", where="--algorithms",
                             fix="run it on an order log, or use kmeans/hierarchical/gmm")
        from custseg.features import RFMSegmenter

        segmenter = RFMSegmenter().fit(frame)
        return segmenter, np.asarray(segmenter.labels_), None, preprocessor, X
    from custseg.selection import Segmenter

    algorithms = [a for a in config.algorithms if a != "rfm"]
    categorical = list(getattr(preprocessor, "categorical_indices_", []) or [])
    if categorical:
        # category codes can only be clustered by k-prototypes: the default families are
        # replaced (the preprocessing decision says why), an explicit mix is refused
        others = [a for a in algorithms if a != "kprototypes"]
        if "kprototypes" in algorithms and others:
            raise ConfigError(
                f"--mixed kprototypes keeps categories as codes, which {', '.join(others)} "
                "cannot cluster", where="--algorithms",
                fix="use --algorithms kprototypes, or --mixed onehot or famd to compare "
                    f"{', '.join(others)}")
        if others and config.algorithms != RunConfig().algorithms:
            raise ConfigError(
                f"--algorithms {','.join(others)} cannot cluster the category codes that "
                "--mixed kprototypes produces", where="--algorithms",
                fix="use --algorithms kprototypes, or --mixed onehot or famd")
        algorithms = ["kprototypes"]
    params: dict[str, Any] = {}
    if categorical:
        params["categorical_features"] = categorical
    # A range the user chose is respected; only the default range widens at its edge.
    widen = config.k == DEFAULT_K
    segmenter = Segmenter(algorithms=tuple(algorithms), k=config.k, random_state=config.seed,
                          silhouette_sample=config.silhouette_sample, progress=progress,
                          widen=widen, min_segment_share=config.min_segment_share, **params)
    discrete = _discrete_features(frame, preprocessor)
    segmenter.fit(X, discrete=discrete)
    segmenter, preprocessor, X = _prefer_continuous(segmenter, preprocessor, X, frame,
                                                    discrete)
    estimator = segmenter.best_estimator_
    probability = None
    if hasattr(estimator, "predict_proba"):
        try:
            probability = np.asarray(estimator.predict_proba(X)).max(axis=1)
        except (AttributeError, NotImplementedError):
            probability = None
    return segmenter, np.asarray(estimator.predict(X)), probability, preprocessor, X


def _discrete_features(frame: pd.DataFrame, preprocessor) -> pd.DataFrame | None:
    """The used features that are categories or have a few values (degenerate check)."""
    from custseg.selection import discrete_columns

    used = [c for c in preprocessor.features_used_ if c in frame.columns]
    cols = discrete_columns(frame[used]) if used else []
    return frame[cols].reset_index(drop=True) if cols else None


#: weight factor of the discrete columns when the segments were their cross-tab cells.
#: 0.1 shrinks their coordinates to about a third: tied values stop dominating the
#: distances while the columns still describe the segments
DISCRETE_DOWNWEIGHT = 0.1


def _prefer_continuous(segmenter, preprocessor, X, frame, discrete):
    """Segments that are only cross-tab cells: try again with those columns down-weighted."""
    check = segmenter.selection_.evidence.get("degenerate_check") or {}
    if not check.get("cells_fired") or discrete is None:
        return segmenter, preprocessor, X
    cols = list(check["columns"])
    continuous = [c for c in preprocessor.features_used_ if c not in discrete.columns]
    first = (f"The first choice ({segmenter.algorithm_} with k={segmenter.n_clusters_}) gave "
             f"the value combinations of {', '.join(map(repr, cols))}")
    if not continuous:
        segmenter.selection_.evidence["notes"].append(
            f"{first}; every feature is discrete, so there is no continuous behaviour to "
            "segment on instead.")
        segmenter.selection_.refresh()
        return segmenter, preprocessor, X
    why = "the first segments were only the value combinations of these columns"
    prep2 = preprocessor.reweighted(frame, dict.fromkeys(cols, DISCRETE_DOWNWEIGHT), why)
    X2 = np.asarray(prep2.transform(frame), dtype=float)
    second = clone_segmenter(segmenter).fit(X2, discrete=discrete)
    again = second.selection_.evidence.get("degenerate_check") or {}
    if again.get("fired"):
        segmenter.selection_.evidence["notes"].append(
            f"{first}. Tried again with them weighted {DISCRETE_DOWNWEIGHT:g}: still "
            "degenerate, so the first choice is kept.")
        segmenter.selection_.refresh()
        return segmenter, preprocessor, X
    second.selection_.evidence["notes"].append(
        f"{first}, a pivot table. Tried again with those columns weighted "
        f"{DISCRETE_DOWNWEIGHT:g} so the segments follow the continuous behaviour "
        f"({', '.join(map(repr, continuous[:6]))}{', ...' if len(continuous) > 6 else ''}); "
        "that solution is not degenerate and is the one written.")
    second.selection_.evidence["rerun"] = {"first_algorithm": segmenter.algorithm_,
                                           "first_k": int(segmenter.n_clusters_),
                                           "downweighted": cols,
                                           "factor": DISCRETE_DOWNWEIGHT}
    second.selection_.refresh()
    return second, prep2, X2


def clone_segmenter(segmenter):
    """An unfitted copy with the same parameters."""
    from sklearn.base import clone

    return clone(segmenter)


def _selection_decisions(segmenter, outer: list[str]) -> list[str]:
    """Decision lines for the captured library warnings (scan and final fit)."""
    selection = getattr(segmenter, "selection_", None)
    inner = list(selection.evidence.get("library_warnings", [])) if selection else []
    return [f"library warnings during segmentation: {w}" for w in inner + outer]


def _explain(frame, labels, X, preprocessor, schema, config, segmenter, label_map):
    from custseg.explain import explain

    label_true = frame[config.label].to_numpy() if config.label else None
    categorical = list(getattr(preprocessor, "categorical_indices_", []) or [])
    decode = None
    if categorical and hasattr(segmenter, "best_estimator_"):
        # category codes: validation measures distances where a mismatch costs gamma, as
        # in k-prototypes and in the selection scores; refits get the codes back
        from custseg.models.mixed import embedding_inverse, mismatch_embedding

        gamma = getattr(segmenter.best_estimator_, "gamma_", None)
        decode = embedding_inverse(X, categorical)
        X = mismatch_embedding(X, categorical, gamma)
    fit_predict = None
    if config.stability and hasattr(segmenter, "best_estimator_"):
        # the estimator itself when it can refit on X: its refits can go to a helper process
        fit_predict = segmenter.best_estimator_
        if decode is not None:
            from sklearn.base import clone

            def fit_predict(sample: np.ndarray) -> np.ndarray:
                return clone(segmenter.best_estimator_).fit_predict(decode(sample))

    return explain(frame, labels, X, features=list(preprocessor.features_used_), schema=schema,
                   fit_predict=fit_predict, label_true=label_true, names=config.names or None,
                   random_state=config.seed, min_share=config.min_segment_share)


def _needed_columns(preprocessor) -> list[str]:
    """Raw columns a saved model needs to score new customers."""
    return list(getattr(preprocessor, "input_columns_", None) or preprocessor.features_used_)


def _unfitted(estimator):
    """Parameters only: rule-based groups (RFM) keep no fitted state worth saving."""
    from sklearn.base import clone

    return clone(estimator)


def load_for_model(model: SegmentationModel, path: str | Path, *, as_of: str | None = None,
                   memory_limit: str | None = None) -> pd.DataFrame:
    """The table a saved model scores: a customer table as is, or a new log's features.

    A model trained on a transaction log builds the new log's customer features with
    the settings it saved (column roles, cancellation prefix, date format, share
    columns); as-of is the new log's last date plus one day unless ``as_of`` is given.
    A table that already holds the model's columns (``custseg features`` output) is
    scored as it is.

    Example
    -------
    >>> import pandas as pd, tempfile, pathlib
    >>> from custseg.datasets import make_customers
    >>> m = run(make_customers(300, k=3, seed=0), k=3, algorithms=["kmeans"], report=False,
    ...         stability=False).model
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "new.csv"
    >>> make_customers(20, k=3, seed=1).to_csv(p, index=False)
    >>> len(load_for_model(m, p))
    20
    """
    from custseg.data import load

    if model.metadata.get("input_kind") != "transactions":
        if as_of is not None:
            raise ConfigError("--as-of applies only to a model trained on a transaction log; "
                              "this model was trained on a customer table", where="--as-of",
                              fix="drop --as-of")
        return load(path)
    from custseg.features import LogColumns, QualityRules, build_customer_features

    log = dict(model.metadata.get("log") or {})
    shares = {k: list(log[v]) for k, v in (("category", "categories"), ("channel", "channels"))
              if log.get(v)}
    try:
        features = build_customer_features(
            path, columns=LogColumns(**log["columns"]), as_of=as_of,
            rules=QualityRules(cancel_prefix=log.get("cancel_prefix")),
            date_format=log.get("date_format"), memory_limit=memory_limit,
            share_values=shares)
    except InputError as err:
        # `custseg features` output (one row per customer) is scored as it is
        table = _readable_table(path)
        if table is not None and all(c in table.columns for c in model.input_columns):
            return table
        raise InputError(
            f"the model was trained on a transaction log with columns "
            f"{', '.join(repr(c) for c in log['columns'].values())}, and this input cannot "
            f"be read the same way: {err.what}",
            where=str(path),
            fix="score a log with the same columns as the training log, or the customer "
                "table `custseg features` writes from it") from None
    return features.frame


def _readable_table(path) -> pd.DataFrame | None:
    from custseg.data import load
    from custseg.exceptions import CustsegError

    try:
        return load(path)
    except (CustsegError, OSError, ValueError):
        return None

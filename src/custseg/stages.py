"""The run skeleton both engines share: one driver, an engine protocol, the shared checks.

:func:`run_stages` walks the stages of every run in order -

1. **load** the input (a transaction log's customer features built first);
2. **features**: the column roles, their decision lines and the row checks;
3. **preprocess**: the planned columns turned into the clustering matrix;
4. **segment**: the scan and the chosen model, then the segments numbered by
   size, largest first (:func:`custseg.record.order_by_size`), or kept stable
   against ``--previous``;
5. **explain**: profiles and names; then the engine's result object.

What happens inside a stage differs by engine and lives in the engine: an
:class:`Engine` (``custseg.workflow.LocalEngine``: pandas, scikit-learn;
``custseg.spark.engine.SparkEngine``: Spark SQL, MLlib) implements one method
per stage. The checks and decision lines that do not depend on the engine -
schema lines, row checks, the numbering by size, the names kept from a previous
run - happen here, once. :class:`RunContext` carries what the stages hand on.

Example
-------
>>> stages = RunStages()
>>> stages.start("load")
>>> stages.lap("load") >= 0
True
>>> list(stages.timings)
['load']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from custseg.exceptions import ConfigError, InputError

Progress = Callable[[str, int, int], None]
STAGES = ("load", "features", "preprocess", "segment", "explain", "report")
#: Options naming the columns of a transaction log (--customer, --date ...).
LOG_OPTIONS = ("customer", "date", "amount", "quantity", "price", "invoice", "category",
               "channel", "country")


class RunStages:
    """Progress, wall-clock timings and the decisions list of one run."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.notify: Progress = progress or (lambda stage, done, total: None)
        self.timings: dict[str, float] = {}
        self.decisions: list[str] = []
        self._clock = time.perf_counter()

    def start(self, stage: str) -> None:
        """Report that ``stage`` begins (its position among :data:`STAGES`)."""
        self.notify(stage, STAGES.index(stage), len(STAGES))

    def lap(self, name: str) -> float:
        """Record the time since the last lap under ``name``; restart the clock."""
        now = time.perf_counter()
        self.timings[name] = now - self._clock
        self._clock = now
        return self.timings[name]

    def reset_clock(self) -> None:
        """Start timing the next lap now (work before it is not counted)."""
        self._clock = time.perf_counter()


@dataclass
class RunContext:
    """What one run hands from stage to stage, whichever engine does the work.

    An engine reads and sets these fields; its own intermediate results (a
    DataFrame, a fitted pipeline...) stay on the engine object.

    Attributes
    ----------
    config : the run's options; an engine may replace it (columns renamed on
        reading, segment names kept from a previous run or given by RFM).
    stages : progress, timings and the decisions list.
    progress : the caller's progress callback (the scan reports through it).
    source : what was read (path, kind, format, rows...), set by ``load``.
    n_rows : customers to segment, set by ``load``.
    schema : the column roles, set by the driver from ``infer_schema``.
    label_map : raw cluster label -> segment number, set by the driver.
    """

    config: Any
    stages: RunStages
    progress: Progress | None = None
    source: dict[str, Any] = field(default_factory=dict)
    n_rows: int = 0
    schema: Any = None
    label_map: dict[int, int] = field(default_factory=dict)

    @property
    def decisions(self) -> list[str]:
        """The run's decision lines, in the order they were taken."""
        return self.stages.decisions


ResultT = TypeVar("ResultT", covariant=True)


@runtime_checkable
class Engine(Protocol[ResultT]):
    """One method per stage: what an engine computes; :func:`run_stages` does the rest.

    Methods are called in this order, once each (``stable_ids`` only with
    ``--previous``); the driver laps the clock and reports progress around them.
    """

    def load(self, data: Any, run: RunContext) -> None:
        """Read the input; set ``run.source`` and ``run.n_rows`` (may replace ``run.config``)."""

    def infer_schema(self, run: RunContext) -> Any:
        """The column roles of the customer table (a :class:`custseg.data.Schema`)."""

    def inspect(self, run: RunContext) -> None:
        """Work that needs the roles and passed row checks (input warnings, RFM, value)."""

    def preprocess(self, run: RunContext) -> None:
        """Plan the columns and build the clustering matrix."""

    def segment(self, run: RunContext) -> Mapping[int, int]:
        """Scan, choose and fit; return the customers per raw cluster label."""

    def stable_ids(self, run: RunContext) -> tuple[dict[int, int], dict[int, str]]:
        """With ``--previous``: the label map keeping its numbers, and the names kept."""

    def explain(self, run: RunContext) -> None:
        """Label every customer with ``run.label_map``; profile and name the segments."""

    def result(self, run: RunContext) -> ResultT:
        """The engine's result object (``RunResult``, ``SparkRunResult``)."""


def run_stages(engine: Engine[ResultT], data: Any, config: Any,
               progress: Progress | None = None) -> ResultT:
    """Walk the stages of a run with ``engine`` doing the engine-specific work.

    Example (a whole run, so not a doctest)::

        from custseg.workflow import LocalEngine
        result = run_stages(LocalEngine(), "customers.csv", RunConfig(k=4))
    """
    from custseg.record import order_by_size

    run = RunContext(config=config, stages=RunStages(progress), progress=progress)
    stages = run.stages

    stages.start("load")
    engine.load(data, run)
    stages.lap("load")

    stages.start("features")
    run.schema = engine.infer_schema(run)
    run.decisions.extend(schema_decisions(run.schema))
    check_rows(run.n_rows, run.config, run.source, run.schema)
    engine.inspect(run)
    stages.lap("schema")

    stages.start("preprocess")
    engine.preprocess(run)
    stages.lap("preprocess")

    stages.start("segment")
    run.label_map = order_by_size(engine.segment(run))
    if run.config.previous:  # stable ids: the previous run's numbers and names where they match
        run.label_map, kept = engine.stable_ids(run)
        run.config = run.config.replace(names={**kept, **run.config.names})
    stages.lap("segment")

    stages.start("explain")
    engine.explain(run)
    stages.lap("explain")
    return engine.result(run)


def log_overrides(config) -> dict[str, str]:
    """The log column options the user gave: ``{"customer": "cust_id", ...}``.

    >>> from custseg.config import RunConfig
    >>> log_overrides(RunConfig(customer="cid"))
    {'customer': 'cid'}
    """
    return {k: getattr(config, k) for k in LOG_OPTIONS if getattr(config, k)}


def check_log_options(config) -> None:
    """Log column options contradict ``--input-kind table``: one clear error."""
    given = log_overrides(config)
    if given and config.input_kind == "table":
        raise ConfigError(
            "log column options (" + ", ".join(f"--{k}" for k in given) + ") were given "
            "with --input-kind table", where="--input-kind",
            fix="drop --input-kind table to read the input as a transaction log, or drop "
                "the log options")


def schema_decisions(schema) -> list[str]:
    """One decision line per column whose role is not plain numeric."""
    return [f"column {c.name!r}: {c.role} — {c.reason}" for c in schema
            if c.role not in ("numeric",)]


def check_rows(n: int, config, source: dict[str, Any], schema=None) -> None:
    """Enough rows for the k range, and (with a schema) at least one usable feature."""
    where = str(source.get("path") or "input")
    if schema is not None:
        features = [c for c in schema.feature_columns() if c not in config.exclude]
        if not features:
            roles = ", ".join(f"{c.name}={c.role}" for c in list(schema)[:8])
            raise InputError(
                f"no column can be used as a feature (roles: {roles})", where=where,
                fix="segmentation needs numeric or categorical columns such as spend or age; "
                    "override a role with --numeric COL or --categorical COL")
    lo = config.k_range()[0]
    if n < 3 or n <= lo:
        raise InputError(f"only {n} usable rows: too few to form {lo} segments", where=where,
                         fix="segment a larger table (at least a few rows per segment)")
    hi = config.k_range()[-1]
    if hi >= n:
        raise InputError(f"--k {hi} is larger than the {n} rows allow", where="--k",
                         fix=f"use a k below {n}, e.g. --k 2-{max(2, min(12, n // 3))}")


def add_optional_sections(record, result, tracking: Callable[[Any], Any]):
    """Add the sections of the optional capabilities to an engine's run record.

    ``tracking`` is the engine's own way to build the "segments over time"
    section (``--previous`` / ``--holdout``); customer value (#18) is engine-neutral.
    A new capability adds its section here, once for both engines.

    Example (inside an engine's ``record()``; a whole run, so not a doctest)::

        from custseg.tracking import tracking_section
        record = add_optional_sections(local_record(result), result, tracking_section)
    """
    from custseg.value.run import value_summary

    if (section := tracking(result)) is not None:
        record.add_section("tracking", section)
    if (value := value_summary(result)) is not None:
        record.add_section("value", value)
    return record

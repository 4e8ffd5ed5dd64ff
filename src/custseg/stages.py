"""The run skeleton both engines share: stages, clock, row checks, log options, schema lines.

:func:`custseg.workflow.run` (pandas, scikit-learn) and
:func:`custseg.spark.run` (Spark) walk the same stages - load, features,
preprocess, segment, explain - through one :class:`RunStages`; the checks and
decision lines that do not depend on the engine live here once, and segments
are numbered by :func:`custseg.record.order_by_size` in both. What each engine
does inside a stage (read a file or a Spark table, fit scikit-learn or Spark
ML) stays in its own module.

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
from collections.abc import Callable
from typing import Any

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

"""A run against its previous run: stable ids, migration, drift and the control group.

Two entry points, both functions of a run's outputs:

* :func:`stable_label_map` runs before the segments are explained: it matches
  the new clusters to the previous run's segments and returns the numbering
  (and names) to use, so every later stage already sees the stable ids;
* :func:`tracking_section` runs on the finished run and returns the
  ``tracking`` section of summary.json (cached on the result, so summary,
  report and migration.csv share one computation).

Example
-------
>>> import tempfile, pathlib
>>> from custseg.datasets import make_customers
>>> from custseg.outputs import write_outputs
>>> from custseg.workflow import run
>>> data = make_customers(400, k=3, seed=0)
>>> old = write_outputs(run(data, k=3, algorithms=["kmeans"], stability=False),
...                     pathlib.Path(tempfile.mkdtemp()) / "old", report=False)
>>> new = run(data, k=3, algorithms=["kmeans"], stability=False, seed=5, previous=str(old))
>>> section = tracking_section(new)
>>> [p["quality"] for p in section["matching"]["pairs"]], section["migration"]["moved"]
(['good', 'good', 'good'], 0)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custseg.tracking import drift as _drift
from custseg.tracking.holdout import DEFAULT_SALT, control_flags, holdout_summary
from custseg.tracking.match import Matching, match_in_model_space, match_profiles
from custseg.tracking.migration import Migration, migrate
from custseg.tracking.previous import PreviousRun, read_previous

_CACHE = "_custseg_tracking"
_MIGRATION = "_custseg_migration"  # Spark runs: the Migration behind the section, for the CSV


# ------------------------------------------------------------------ before explain
def stable_label_map(previous: str | Path | PreviousRun, frame: pd.DataFrame,
                     raw_labels: np.ndarray, label_map: dict[int, int],
                     decisions: list[str] | None = None
                     ) -> tuple[dict[int, int], dict[int, str]]:
    """Raw cluster label -> segment id, keeping the previous run's ids where they match.

    Returns the new label map and the previous names of the kept segments
    (user-given names still win). ``label_map`` (ids by size) is the fallback
    when the previous run cannot be matched at all (it never is silently:
    an incompatible previous run raises).
    """
    prev = previous if isinstance(previous, PreviousRun) else read_previous(previous)
    matching = _match_local(prev, frame, np.asarray(raw_labels))
    mapping = {int(raw): int(matching.mapping.get(int(raw), -1)) for raw in label_map}
    if -1 in label_map:
        mapping[-1] = -1
    names = {matching.mapping[p.new]: prev.names.get(p.previous, f"Segment {p.previous}")
             for p in matching.kept}
    if decisions is not None:
        decisions.extend(_decisions(matching, prev))
    return mapping, names


def _match_local(prev: PreviousRun, frame: pd.DataFrame, raw_labels: np.ndarray) -> Matching:
    if prev.model is not None and not prev.model.metadata.get("rule_based"):
        return match_in_model_space(prev.model, frame, raw_labels)[0]
    return match_profiles(prev.summary["segments"], _profiles_of(frame, raw_labels))


def _profiles_of(frame: pd.DataFrame, raw_labels: np.ndarray) -> list[dict[str, Any]]:
    """Numeric means per raw label, shaped like summary.json segments (profile matching)."""
    numeric = frame.select_dtypes("number")
    out = []
    for raw in sorted(int(v) for v in np.unique(raw_labels) if v >= 0):
        rows = numeric[raw_labels == raw]
        out.append({"id": raw, "size": len(rows), "share": len(rows) / max(len(frame), 1),
                    "profile": {"numeric": {c: {"mean": float(rows[c].mean())}
                                            for c in numeric.columns}}})
    return out


def _decisions(matching: Matching, prev: PreviousRun) -> list[str]:
    where = f"previous run {prev.folder.name!r}"
    out = [f"segment ids matched to the {where} ({len(matching.kept)} of "
           f"{len(matching.pairs)} matched, Hungarian algorithm on segment centres in the "
           f"previous run's {'feature space' if matching.space == 'model' else 'profiles'}); "
           "a match keeps its id and name when the new centre is nearer its previous "
           "segment than half the distance to the next previous segment"]
    for p in matching.pairs:
        sid = matching.mapping[p.new]
        if p.quality == "poor":
            out.append(f"segment {sid} is new: its nearest previous segment {p.previous} is "
                       f"{p.ratio:.2f} half-gaps away (more than 1)")
    for sid in matching.vanished:
        out.append(f"previous segment {sid} ({prev.names.get(sid, sid)!r}) vanished: no new "
                   "segment matches it")
    return out


# ------------------------------------------------------------------ after the run
class Tracking:
    """Everything ``tracking`` holds for one run: matching, migration, drift, holdout."""

    def __init__(self, previous: PreviousRun | None, matching: Matching | None,
                 migration: Migration | None, drift: dict[str, Any] | None,
                 holdout: dict[str, Any] | None, notes: list[str]):
        self.previous = previous
        self.matching = matching
        self.migration = migration
        self.drift = drift
        self.holdout = holdout
        self.notes = notes

    def to_dict(self) -> dict[str, Any]:
        """The ``tracking`` section of summary.json."""
        out: dict[str, Any] = {"notes": list(self.notes)}
        if self.previous is not None:
            out["previous"] = self.previous.describe()
        if self.matching is not None:
            out["matching"] = self.matching.to_dict(self.previous.names if self.previous
                                                    else None)
        if self.migration is not None:
            out["migration"] = self.migration.to_dict()
        if self.drift is not None:
            out["drift"] = self.drift
        if self.holdout is not None:
            out["holdout"] = self.holdout
        return out


def _asked(config) -> bool:
    """Whether the run asked for tracking (--previous or --holdout)."""
    return bool(getattr(config, "previous", None) or getattr(config, "holdout", None))


def tracking_for(result) -> Tracking | None:
    """The run's :class:`Tracking` (None without --previous and --holdout); computed once."""
    if _CACHE in result.__dict__ or not _asked(result.config):
        return result.__dict__.get(_CACHE)  # computed once; None when not asked for
    config = result.config
    notes: list[str] = []
    previous = matching = migration = drift = None
    labels = np.asarray(result.labels, dtype=int)
    if getattr(config, "previous", None):
        previous = read_previous(config.previous)
        label_map = {int(k): int(v) for k, v in result.model.label_map.items()}
        inverse = {v: k for k, v in label_map.items() if v >= 0}
        raw = np.array([inverse.get(int(s), -1) for s in labels])
        matching = _by_id(_match_local(previous, result.frame, raw), label_map)
        migration = _migration(result, previous, notes)
        prev_pred = None
        if previous.model is not None and matching.space == "model":
            prev_pred = match_in_model_space(previous.model, result.frame, raw)[1]
        drift = drift_section(previous.shares, labels, matching, prev_pred)
        drift["feature_shifts"] = _shifts(result, previous, matching, labels)
    holdout = None
    if getattr(config, "holdout", None):
        holdout = holdout_summary(pd.Series(labels), control_column(result), config.holdout,
                                  getattr(config, "holdout_salt", DEFAULT_SALT),
                                  result.schema.id_column)
    tracking = Tracking(previous, matching, migration, drift, holdout, notes)
    result.__dict__[_CACHE] = tracking
    return tracking


def _by_id(matching: Matching, label_map: dict[int, int]) -> Matching:
    """Key the matching by segment id instead of raw cluster label."""
    for p in matching.pairs:
        p.new = label_map.get(p.new, p.new)
    matching.new_segments = [label_map.get(k, k) for k in matching.new_segments]
    matching.mapping = {label_map.get(raw, raw): sid for raw, sid in matching.mapping.items()}
    return matching


def _shifts(result, previous: PreviousRun, matching: Matching, labels: np.ndarray
            ) -> dict[str, list[dict[str, Any]]]:
    numeric = result.frame.select_dtypes("number")
    spread = _robust_spread(numeric)
    grouped = numeric.groupby(labels).median()
    means = {int(s): {str(c): float(v) for c, v in row.items()} for s, row in grouped.iterrows()}
    pairs = {matching.mapping[p.new]: p.previous for p in matching.kept}
    return _drift.feature_shifts(previous.summary["segments"], means, spread, pairs)


def tracking_section(result) -> dict[str, Any] | None:
    """The ``tracking`` section of summary.json for a local run (None when not asked)."""
    tracking = tracking_for(result)
    return None if tracking is None else _jsonable(tracking.to_dict())


def _jsonable(value):
    from custseg._json import to_jsonable

    return to_jsonable(value)


def _migration(result, previous: PreviousRun, notes: list[str]) -> Migration | None:
    id_column = result.schema.id_column
    if not id_column or previous.id_column is None:
        notes.append("no migration table: it needs a customer id column in both runs "
                     "(segments.csv starts with 'row' when there is none)")
        return None
    table = result.segments_table()
    current_id = str(table.columns[0])
    value, value_column = _value(result)
    return migrate(previous.segments, table, current_id, previous_id=previous.id_column,
                   value=value, previous_names=previous.names, names=result.names,
                   value_column=value_column)


def _value(result) -> tuple[np.ndarray | None, str | None]:
    profiles = getattr(getattr(result, "explanation", None), "profiles", None)
    columns = [c for c in (getattr(profiles, "monetary", None) or []) if c in result.frame]
    if not columns:
        return None, None
    values = np.nansum(np.column_stack([result.frame[c].to_numpy(dtype=float, na_value=np.nan)
                                        for c in columns]), axis=1)
    return values, " + ".join(columns)


def drift_section(previous_shares: dict[int, float], labels: np.ndarray, matching: Matching,
                  previous_model_labels: np.ndarray | None = None) -> dict[str, Any]:
    """PSI of segment shares (between runs, and of the previous model on the new data),
    the features that moved most per matched segment, and the verdict."""
    current = _drift.shares_of(labels)
    value = _drift.psi(previous_shares, current)
    out: dict[str, Any] = {"psi": round(value, 4), "psi_reading": _drift.psi_reading(value),
                           "psi_thresholds": {"stable_below": _drift.PSI_STABLE,
                                              "large_above": _drift.PSI_LARGE},
                           "previous_shares": {str(k): round(v, 4) for k, v in
                                               sorted(previous_shares.items())},
                           "shares": {str(k): round(v, 4) for k, v in sorted(current.items())}}
    model_psi = None
    if previous_model_labels is not None:
        model_psi = _drift.psi(previous_shares, _drift.shares_of(previous_model_labels))
        out["psi_previous_model"] = round(model_psi, 4)
        out["psi_previous_model_reading"] = _drift.psi_reading(model_psi)
    out["feature_shifts"] = {}
    out["feature_shift_units"] = ("change of the segment's median since the previous run, "
                                  "in robust standard deviations (IQR / 1.349) of the feature "
                                  "over this run's customers")
    n_poor = sum(p.quality == "poor" for p in matching.pairs)
    text, refit = _drift.verdict(value, n_poor, len(matching.new_segments),
                                 len(matching.vanished), model_psi)
    out["verdict"] = text
    out["refit_recommended"] = refit
    return out


# ------------------------------------------------------------------ holdout and files
def control_column(result) -> np.ndarray:
    """The control flag of every row of the run (by customer id, else row number)."""
    config = result.config
    id_column = result.schema.id_column
    keys = result.frame[id_column].to_numpy() if id_column and id_column in result.frame \
        else np.arange(1, len(result.frame) + 1)
    return control_flags(keys, float(config.holdout),
                         getattr(config, "holdout_salt", DEFAULT_SALT))


def with_control(table: pd.DataFrame, config, keys: np.ndarray | None = None) -> pd.DataFrame:
    """segments.csv with a ``control`` column (0/1) when --holdout was given.

    ``keys`` default to the table's first column (the id, or ``row``).
    """
    if not getattr(config, "holdout", None):
        return table
    keys = table.iloc[:, 0].to_numpy() if keys is None else keys
    out = table.copy()
    out.attrs = dict(table.attrs)
    out["control"] = control_flags(keys, float(config.holdout),
                                   getattr(config, "holdout_salt", DEFAULT_SALT)).astype(int)
    return out


def write_migration(result, folder: str | Path) -> Path | None:
    """Write migration.csv into ``folder`` (a staging folder) when there is a migration."""
    if _MIGRATION in result.__dict__:  # a Spark run (spark_tracking_section ran)
        migration = result.__dict__[_MIGRATION]
    else:
        tracking = tracking_for(result)
        migration = tracking.migration if tracking is not None else None
    if migration is None:
        return None
    from custseg.safe_csv import write_csv

    path = Path(folder) / "migration.csv"
    write_csv(migration.to_frame(), path)
    return path


# ------------------------------------------------------------------ Spark engine
def spark_label_map(previous: str | Path, scored, label_map: dict[int, int],
                    decisions: list[str] | None = None
                    ) -> tuple[dict[int, int], dict[int, str]]:
    """Spark engine: raw cluster label -> stable id, and the kept previous names.

    ``scored`` is the Spark DataFrame of customers with the clusterer's
    ``prediction``; the numeric columns the previous summary profiled are
    averaged per cluster on Spark (one small aggregation) and matched on
    profiles, since a previous model is not applied on Spark.
    """
    prev = read_previous(previous)
    profiled = set.union(*[set((seg.get("profile") or {}).get("numeric") or {})
                           for seg in prev.summary["segments"]])
    numeric_types = ("int", "bigint", "smallint", "tinyint", "double", "float", "decimal")
    columns = [c for c, t in scored.dtypes if c in profiled and t.startswith(numeric_types)]
    if not columns:
        raise _no_shared_features()
    rows = scored.groupBy("prediction").agg(
        {"*": "count", **{c: "avg" for c in columns}}).collect()
    total = max(sum(int(r["count(1)"]) for r in rows), 1)
    segments = [{"id": int(r["prediction"]), "size": int(r["count(1)"]),
                 "share": int(r["count(1)"]) / total,
                 "profile": {"numeric": {c: {"mean": r[f"avg({c})"]} for c in columns}}}
                for r in rows if int(r["prediction"]) in label_map]
    matching = match_profiles(prev.summary["segments"], segments)
    if decisions is not None:
        decisions.extend(_decisions(matching, prev))
    mapping = {int(raw): int(matching.mapping.get(int(raw), -1)) for raw in label_map}
    names = {matching.mapping[p.new]: prev.names.get(p.previous, f"Segment {p.previous}")
             for p in matching.kept}
    return mapping, names


def _no_shared_features():
    from custseg.exceptions import InputError

    return InputError("the previous run and this one share no numeric feature to match "
                      "segments on", where="--previous",
                      fix="give the same kind of input as the previous run, or drop "
                          "--previous")


def spark_tracking_section(result) -> dict[str, Any] | None:
    """The ``tracking`` section for a :class:`custseg.spark.SparkRunResult` (collected tables).

    Matching on the summaries' profiles, migration on the collected segments
    table (id and segment: a small table once segments exist), PSI of shares,
    feature shifts of the segments' medians and the control group.
    """
    if _CACHE in result.__dict__ or not _asked(result.config):
        return result.__dict__.get(_CACHE)  # computed once; None when not asked for
    result.__dict__[_MIGRATION] = None  # set below when there is a migration
    config = result.config
    table = result.segments_table()
    labels = table["segment"].to_numpy(dtype=int)
    out: dict[str, Any] = {"notes": ["Spark engine: segments matched on their profiles in "
                                     "the two summaries (the previous model is not applied)"]}
    if getattr(config, "previous", None):
        prev = read_previous(config.previous)
        segments = [{"id": s["id"], "size": s["size"], "share": s["share"],
                     "profile": s.get("profile") or {}} for s in result.segments]
        matching = match_profiles(prev.summary["segments"], segments)
        out["previous"] = prev.describe()
        out["matching"] = matching.to_dict(prev.names)
        if result.id_column and prev.id_column:
            migration = migrate(prev.segments, table, str(table.columns[0]),
                                previous_id=prev.id_column, previous_names=prev.names,
                                names=dict(result.names))
            out["migration"] = migration.to_dict()
            result.__dict__[_MIGRATION] = migration
        else:
            out["notes"].append("no migration table: it needs a customer id column in both "
                                "runs")
        drift = drift_section(prev.shares, labels, matching)
        medians = {int(s["id"]): {f: v.get("median") for f, v in
                                  ((s.get("profile") or {}).get("numeric") or {}).items()}
                   for s in result.segments}
        pairs = {matching.mapping[p.new]: p.previous for p in matching.kept}
        drift["feature_shifts"] = _drift.feature_shifts(prev.summary["segments"], medians,
                                                        _spark_spread(result), pairs)
        drift["feature_shift_units"] = ("change of the segment's median since the previous "
                                        "run, in robust standard deviations (IQR / 1.349) of "
                                        "the feature over a sample of this run's customers")
        out["drift"] = drift
    if getattr(config, "holdout", None):
        out["holdout"] = holdout_summary(pd.Series(labels), table["control"].to_numpy(bool),
                                         config.holdout, getattr(config, "holdout_salt",
                                                                 DEFAULT_SALT),
                                         result.id_column)
    out = _jsonable(out)
    result.__dict__[_CACHE] = out
    return out


def _spark_spread(result) -> dict[str, float]:
    """Each numeric feature's robust standard deviation (IQR / 1.349) on the run's sample.

    The Spark engine keeps a seeded pandas sample of the customer table (schema
    inference, report); its quartiles are close enough to measure shifts in.
    """
    sample = getattr(result, "sample", None)
    if not isinstance(sample, pd.DataFrame) or sample.empty:
        return {}
    return _robust_spread(sample.select_dtypes("number"))


def _robust_spread(numeric: pd.DataFrame) -> dict[str, float]:
    quartiles = numeric.quantile([0.25, 0.75])
    spread = {}
    for c in numeric.columns:  # robust sd: IQR / 1.349 (= sd for a normal), else the sd
        iqr = float(quartiles.loc[0.75, c] - quartiles.loc[0.25, c])
        spread[str(c)] = iqr / 1.349 if iqr > 0 else float(numeric[c].std())
    return spread

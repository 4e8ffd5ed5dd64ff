"""One preprocessing plan for both engines: column statistics in, a treatment per column out.

Each engine gathers the same :class:`ColumnStats` for every column (pandas
locally with :func:`stats_from_pandas`; one Spark aggregation plus the row
sample Spark draws anyway, in :mod:`custseg.spark.prep`). The pure function
:func:`plan_columns` then decides, column by column, whether it is dropped
(and why) or which kind of block it becomes: ``numeric``, ``date`` (days
before ``as_of``), ``category`` (one-hot), ``frequency`` (many levels),
``geo`` (a latitude/longitude pair on the unit sphere). The thresholds are the
fields of :class:`~custseg.preprocess.PreprocessOptions`, defined once there.

Example
-------
>>> import pandas as pd
>>> frame = pd.DataFrame({"spend": [1.0, 2.5, 30.0, 4.0] * 10,
...                       "smoker": ["Yes", "No"] * 20, "note": [None] * 40})
>>> roles = {"spend": "numeric", "smoker": "binary", "note": "numeric"}
>>> stats = stats_from_pandas(frame, roles)
>>> [(p.column, p.kind or "dropped") for p in plan_columns(stats, PreprocessOptions())]
[('spend', 'numeric'), ('smoker', 'category'), ('note', 'dropped')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from custseg.data.schema import FEATURE_ROLES, feature_group
from custseg.exceptions import ConfigError
from custseg.preprocess._base import stride_sample
from custseg.preprocess.explain import role_drop_reason
from custseg.preprocess.options import PreprocessOptions

#: rows the level statistics (distinct values, most common share) are measured on: the
#: share of the most common value and the count of levels above 1 % are exact to well
#: under a percentage point at 200,000 rows, and value_counts stays under a second there.
LEVEL_ROWS = 200_000
#: level shares kept per column: at most 1 / rare_level_share (100) levels can be frequent,
#: so 1,000 is ample for every decision and keeps the statistics small.
TOP_LEVELS = 1000

KINDS = ("numeric", "date", "category", "frequency", "geo")


@dataclass(frozen=True)
class ColumnStats:
    """What the planner needs to know about one column, the same for both engines.

    Attributes
    ----------
    column, role, group, role_reason : from the schema.
    dtype : "number", "bool", "datetime" or "text" (the stored values).
    n_rows, n_missing : over the whole table.
    sample_rows : present values in the level sample (up to ``LEVEL_ROWS``).
    n_distinct, top_value, level_shares : distinct values in that sample, the most
        common one, and the shares of the most common ``TOP_LEVELS`` (descending).
    whole_numbers, increasing, span : numbers only: every sampled value whole; the
        sampled values strictly increasing in table order; max - min + 1.
    minimum, maximum, mean, sd, skewness : numbers only, over the whole table.
    """

    column: str
    role: str
    group: str
    role_reason: str | None = None
    dtype: str = "number"
    n_rows: int = 0
    n_missing: int = 0
    sample_rows: int = 0
    n_distinct: int = 0
    top_value: object = None
    level_shares: tuple[float, ...] = ()
    whole_numbers: bool = False
    increasing: bool = False
    span: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    sd: float | None = None
    skewness: float | None = None

    @property
    def missing_share(self) -> float:
        """Share of missing values (1.0 for an empty table)."""
        return self.n_missing / self.n_rows if self.n_rows else 1.0

    @property
    def top_share(self) -> float:
        """Share of the most common present value in the level sample."""
        return self.level_shares[0] if self.level_shares else 0.0


@dataclass
class ColumnPlan:
    """The treatment of one column: a block kind, or the reason it is dropped.

    Attributes
    ----------
    column, role, group : as in the statistics.
    kind : one of ``KINDS``, or None when the column is dropped.
    reason : why it is dropped (empty when kept; the fitted block explains kept ones).
    weight : the user's weight for the column (column name wins over its group).
    partner : the other coordinate of a ``geo`` block.
    stats : the JSON-ready numbers shown with the decision.
    """

    column: str
    role: str
    group: str
    kind: str | None = None
    reason: str = ""
    weight: float = 1.0
    partner: str | None = None
    stats: dict = field(default_factory=dict)

    @property
    def kept(self) -> bool:
        """True when the column becomes (part of) a feature block."""
        return self.kind is not None


def column_weight(column: str, group: str, weights: Mapping[str, float]) -> float:
    """The user's weight of a column: its own, else its group's, else 1.

    Example
    -------
    >>> column_weight("lat", "geography", {"geography": 0.5})
    0.5
    """
    if column in weights:
        return float(weights[column])
    return float(weights.get(group, 1.0))


def stats_from_pandas(frame: pd.DataFrame, roles: Mapping[str, str],
                      groups: Mapping[str, str] | None = None,
                      role_reasons: Mapping[str, str | None] | None = None,
                      columns: Iterable[str] | None = None) -> list[ColumnStats]:
    """:class:`ColumnStats` of every column of a pandas table (the local engine's way).

    ``columns`` limits the level and number statistics to these columns (the
    others get counts only); None measures every column.

    Example
    -------
    >>> import pandas as pd
    >>> s = stats_from_pandas(pd.DataFrame({"a": [1, 2, None, 4]}), {"a": "numeric"})[0]
    >>> s.n_missing, s.n_distinct, s.whole_numbers, s.dtype
    (1, 3, True, 'number')
    """
    groups, role_reasons = groups or {}, role_reasons or {}
    wanted = None if columns is None else set(columns)
    out = []
    for col in frame.columns:
        name = str(col)
        series = frame[col]
        role = roles.get(name, "ignored")
        base = {"column": name, "role": role, "group": groups.get(name) or feature_group(name),
                "role_reason": role_reasons.get(name), "dtype": _dtype(series),
                "n_rows": len(series), "n_missing": int(series.isna().sum())}
        if wanted is not None and name not in wanted:
            out.append(ColumnStats(**base))
            continue
        sample = series.iloc[stride_sample(len(series), LEVEL_ROWS)].dropna()
        out.append(ColumnStats(**base, **sample_stats(sample), **_moments(series)))
    return out


def sample_stats(sample: pd.Series) -> dict:
    """Level and sequence statistics of the present values of a column sample.

    Used by both engines (Spark passes its row sample), so the decisions that
    rest on them are computed by the same code.

    Example
    -------
    >>> sample_stats(pd.Series(["b", "a", "b", "b"]))["level_shares"]
    (0.75, 0.25)
    """
    counts = sample.value_counts()
    n = len(sample)
    shares = tuple(float(v) for v in counts.to_numpy()[:TOP_LEVELS] / max(n, 1))
    out = {"sample_rows": n, "n_distinct": len(counts),
           "top_value": _plain(counts.index[0]) if len(counts) else None,
           "level_shares": shares, "whole_numbers": False, "increasing": False, "span": None}
    if _is_number(sample) and n:
        values = sample.to_numpy(dtype=np.float64)
        out["whole_numbers"] = bool(np.all(np.mod(values, 1) == 0))
        out["increasing"] = bool(np.all(np.diff(values) > 0))
        out["span"] = float(values.max() - values.min() + 1)
    return out


def _moments(series: pd.Series) -> dict:
    if not _is_number(series):
        return {}
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    values = values[np.isfinite(values)]
    if not values.size:
        return {}
    from custseg.preprocess._base import skewness

    return {"minimum": float(values.min()), "maximum": float(values.max()),
            "mean": float(values.mean()), "sd": float(values.std()),
            "skewness": skewness(values)}


def plan_columns(stats: Iterable[ColumnStats], options: PreprocessOptions) -> list[ColumnPlan]:
    """Decide each column's treatment from its statistics (pure: no data is read).

    Drops, in this order: ``--exclude``; non-feature roles (identifiers,
    personal data...); weight 0; all missing; mostly missing (over
    ``max_missing_share``); constant or near-constant (``near_constant_share``);
    whole numbers in a running sequence (identifiers); text with nearly one
    value per row. ``--keep`` overrides the data-driven drops. Kept columns get
    a kind: numbers ``numeric``, dates ``date``, categories and two-valued
    columns ``category``, categories with more than ``max_levels`` frequent
    levels ``frequency``, and a latitude with a longitude ``geo`` (an unpaired
    coordinate is a plain number).

    Example
    -------
    >>> s = ColumnStats("tier", "categorical", "other", n_rows=10, sample_rows=10,
    ...                 n_distinct=2, level_shares=(0.6, 0.4), dtype="text")
    >>> plan_columns([s], PreprocessOptions())[0].kind
    'category'
    """
    keep, exclude = set(options.keep), set(options.exclude)
    plans = [_plan_one(s, options, keep, exclude) for s in stats]
    lat = [p for p in plans if p.kind == "latitude"]
    lon = [p for p in plans if p.kind == "longitude"]
    for p in lat[len(lon):] + lon[len(lat):]:  # unpaired coordinates are plain numbers
        p.kind = "numeric"
    for a, b in zip(lat, lon, strict=False):
        a.kind = b.kind = "geo"
        a.partner, b.partner = b.column, a.column
    return plans


def _plan_one(s: ColumnStats, opts: PreprocessOptions, keep: set, exclude: set) -> ColumnPlan:
    plan = ColumnPlan(s.column, s.role, s.group,
                      weight=column_weight(s.column, s.group, opts.weights),
                      stats={"missing_share": round(s.missing_share if s.n_rows else 0.0, 4)})
    plan.kind, plan.reason = None, _drop_reason(s, opts, keep, exclude, plan)
    if plan.reason:
        return plan
    forced = s.column in keep
    kind = {"numeric": "numeric", "datetime": "date", "binary": "category",
            "categorical": "category", "latitude": "latitude",
            "longitude": "longitude"}.get(s.role, "numeric" if s.dtype == "number" else "category")
    if kind == "numeric" and not forced and _integer_identifier(s):
        plan.reason = ("near-unique whole numbers in a running sequence: an identifier, "
                       "not a quantity")
        return plan
    if kind == "category" and s.n_distinct > opts.max_levels:
        if not forced and s.n_distinct / s.sample_rows > 0.9:
            plan.reason = (f"{s.n_distinct} distinct values for {s.sample_rows} rows: nearly "
                           "every row has its own value, like an identifier")
            return plan
        # the shares are of the sampled present values; levels past TOP_LEVELS are rare
        frequent = sum(1 for v in s.level_shares if v >= opts.rare_level_share)
        if frequent + 1 > opts.max_levels:
            kind = "frequency"
    plan.kind = kind
    return plan


def _drop_reason(s: ColumnStats, opts: PreprocessOptions, keep: set, exclude: set,
                 plan: ColumnPlan) -> str:
    if s.column in exclude:
        return "excluded by the user (--exclude)"
    if s.role == "pii" and s.column in keep:
        raise ConfigError(f"column {s.column!r} holds personal data and cannot be a feature",
                          where="--keep", fix="remove it from --keep, or override its "
                                              "role if it is not personal data")
    forced = s.column in keep
    if s.role not in FEATURE_ROLES and not forced:
        return role_drop_reason(s.role, s.role_reason)
    if plan.weight == 0:
        return "weight 0 given by the user (--weight): not used"
    if s.n_missing == s.n_rows:
        return "every value is missing"
    share = s.missing_share
    if not forced and share > opts.max_missing_share:
        return (f"mostly empty: {share:.0%} of values missing (more than "
                f"{opts.max_missing_share:.0%})")
    plan.stats["n_unique"] = s.n_distinct
    if not forced and (s.n_distinct <= 1 or s.top_share >= opts.near_constant_share):
        return (f"constant: the single value {_short(s.top_value)} in every row"
                if s.n_distinct <= 1 else
                f"near-constant: {s.top_share:.1%} of rows hold the same value "
                f"({_short(s.top_value)})")
    return ""


def _integer_identifier(s: ColumnStats) -> bool:
    """Near-unique whole numbers in a running sequence (1, 2, 3... or sorted codes)."""
    if s.dtype != "number" or s.sample_rows < 20 or not s.whole_numbers:
        return False
    # 0.95: an identifier repeats no value; a count or an amount repeats many
    if s.n_distinct < 0.95 * s.sample_rows:
        return False
    n_present = s.n_rows - s.n_missing
    return bool((s.span or 0) <= 1.5 * n_present or s.increasing)


def _dtype(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    return "text"


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:17] + "..."


def options_from_config(config) -> PreprocessOptions:
    """The preprocessing options of a run configuration (both engines use this).

    Example
    -------
    >>> from custseg.config import RunConfig
    >>> options_from_config(RunConfig(select_features=False)).select_features
    False
    """
    return PreprocessOptions(weights=dict(config.weights), pca=config.pca,
                             keep=list(config.keep), exclude=list(config.exclude),
                             as_of=config.as_of, mixed=config.mixed,
                             select_features=config.select_features, random_state=config.seed)

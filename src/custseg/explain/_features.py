"""Original feature columns as numbers a person reads: kinds, units, monetary value.

Profiles and rules describe segments in the units of the input table, not in
the scaled space the model saw. Each feature gets a kind:

* ``numeric`` (also ``latitude``/``longitude``): as is;
* ``binary``: 0/1 (``yes``/``true``/``t``/``y`` count as 1), so its mean is a share;
* ``datetime``: days before the latest date of the column (``days since``);
* ``categorical``: text levels (the 20 most frequent, the rest pooled as
  ``(other)``; missing values are the level ``(missing)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from custseg.data.schema import Schema, infer_schema, parse_dates
from custseg.exceptions import InputError
from custseg.explain._common import snake

MAX_LEVELS = 20
OTHER = "(other)"
MISSING = "(missing)"
_TRUE = {"1", "yes", "y", "true", "t"}
_FALSE = {"0", "no", "n", "false", "f"}
_NUMERIC_ROLES = {"numeric": "numeric", "latitude": "latitude", "longitude": "longitude"}

# Monetary columns by name, most specific first; "mnt" columns are summed.
_MONETARY = (
    r"^(monetary|monetary_value|total_monetary)$",
    r"^(total_|annual_|yearly_)?(spend|spending|spent)$|^(annual|total)_spend",
    r"(^|_)spend(ing)?(_|$)",
    r"^(total_)?(revenue|sales)$|(^|_)(revenue|sales)(_|$)",
    r"^(total_)?purchases$",
    r"^(total_)?amount$|(^|_)amount(_|$)",
    r"(^|_)(amt|customer_value|clv|ltv|lifetime_value)(_|$)",
)
# Columns that match a money word but hold a rate, a count or a change, not money.
_NOT_MONEY = re.compile(r"(freq|frequency|count|number|num|trx|share|rate|pct|prc|ratio|chng|"
                        r"change|score_?rank|(^|_)ct(_|$)|page)")
_MNT = re.compile(r"^mnt_")


@dataclass
class FeatureTable:
    """Features in original units, ready for profiles and rules."""

    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    categorical: dict[str, pd.Series] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    ref_dates: dict[str, pd.Timestamp] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return list(self.kinds)


def feature_table(frame: pd.DataFrame, features: list[str], schema: Schema | None,
                  where: str) -> FeatureTable:
    """Convert the feature columns of ``frame`` (see the module docstring)."""
    roles = _roles(frame, features, schema, where)
    table = FeatureTable()
    for name in features:
        series = frame[name]
        role, date_format = roles[name]
        if role == "datetime":
            dates = parse_dates(series, date_format)
            if getattr(dates.dt, "tz", None) is not None:
                dates = dates.dt.tz_localize(None)
            ref = dates.max()
            if pd.isna(ref):
                raise InputError(f"date column {name!r} has no value that parses as a date",
                                 where=where, fix="drop it from the features or fix its format")
            days = (ref - dates).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
            table.numeric[name] = days / 86400.0
            table.kinds[name] = "datetime"
            table.ref_dates[name] = pd.Timestamp(ref)
            table.units[name] = f"days before {pd.Timestamp(ref).date()} (latest date)"
            continue
        if role == "binary":
            coded = _binary(series)
            if coded is not None:
                table.numeric[name] = coded
                table.kinds[name] = "binary"
                table.units[name] = "share (0-1)"
                continue
            role = "categorical"
        if role in _NUMERIC_ROLES:
            table.numeric[name] = pd.to_numeric(series, errors="coerce").to_numpy(
                dtype=float, na_value=np.nan)
            table.kinds[name] = _NUMERIC_ROLES[role]
            continue
        table.categorical[name], pooled = _levels(series)
        table.kinds[name] = "categorical"
        if pooled:
            table.notes.append(f"{name}: {pooled} rare levels pooled as {OTHER!r}")
    return table


def _roles(frame: pd.DataFrame, features: list[str], schema: Schema | None,
           where: str) -> dict[str, tuple[str, str | None]]:
    """Role and date format of each feature: the schema's, else guessed."""
    if schema is not None and schema.label_column in features:
        raise InputError(f"the label column {schema.label_column!r} is listed as a feature",
                         where=where, fix="remove it from the features: labels only validate")
    known = {} if schema is None else {c: schema[c] for c in features if c in schema.columns}
    todo = [c for c in features if c not in known]
    if todo:
        guessed = infer_schema(frame[todo])
        known.update({c: guessed[c] for c in todo})
    roles = {}
    for name in features:
        info = known[name]
        if info.role in ("numeric", "binary", "categorical", "datetime", "latitude",
                         "longitude"):
            roles[name] = (info.role, info.date_format)
            continue
        # the caller chose it as a feature anyway (an "id" of unique dates, say): by dtype
        series = frame[name]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            roles[name] = ("numeric", None)
            continue
        as_date = infer_schema(frame[[name]], roles={name: "datetime"})[name].date_format
        roles[name] = ("datetime", as_date) if as_date else ("categorical", None)
    return roles


def _binary(series: pd.Series) -> np.ndarray | None:
    """0/1 codes of a two-valued column (yes/true/t/y/1 are 1), or None if not binary."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    words = [_code(v).strip().lower() if not isinstance(v, (bool, np.bool_))
             else str(int(v)) for v in uniques]
    if not words or not set(words) <= (_TRUE | _FALSE):
        return None
    values = np.array([1.0 if w in _TRUE else 0.0 for w in words] + [np.nan])
    return values[codes]  # code -1 (missing) picks the trailing NaN


def _code(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _levels(series: pd.Series) -> tuple[pd.Series, int]:
    """Text levels (vectorised through the distinct values), rare ones pooled."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    names = np.array([_code(u) for u in uniques] + [MISSING], dtype=object)
    counts = np.bincount(codes + 1, minlength=len(uniques) + 1)  # slot 0: missing
    counts = np.r_[counts[1:], counts[0]]
    present = np.flatnonzero(counts)
    if len(present) > MAX_LEVELS:
        keep = present[np.argsort(-counts[present], kind="stable")[:MAX_LEVELS - 1]]
        names = np.where(np.isin(np.arange(len(names)), keep), names, OTHER).astype(object)
        pooled = len(present) - len(keep)
    else:
        pooled = 0
    return pd.Series(names[codes], dtype=object), pooled


def detect_monetary(frame: pd.DataFrame, features: list[str]) -> list[str]:
    """Columns that hold money spent, by name (features first); empty if none.

    A single total (``annual_spend``, ``monetary``, ``PURCHASES``, ``revenue``,
    ``amount``...) is preferred; otherwise every ``Mnt*`` column is summed.

    >>> frame = pd.DataFrame({"age": [30], "MntWines": [5.0], "MntMeat": [2.0]})
    >>> detect_monetary(frame, ["age"])
    ['MntWines', 'MntMeat']
    >>> detect_monetary(pd.DataFrame({"PURCHASES": [1.0], "PURCHASES_FREQUENCY": [0.5]}), [])
    ['PURCHASES']
    """
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])]
    ordered = [c for c in features if c in numeric] + [c for c in numeric if c not in features]
    keys = {c: snake(c) for c in ordered}
    # a constant column (Z_Revenue in marketing_campaign.csv) says nothing about value
    varies = {c: len(frame) < 2 or frame[c].nunique(dropna=True) > 1 for c in ordered
              if any(re.search(p, keys[c]) for p in _MONETARY) or _MNT.search(keys[c])}
    for pattern in _MONETARY:
        hits = [c for c in ordered if varies.get(c) and re.search(pattern, keys[c])
                and not _NOT_MONEY.search(keys[c])]
        if hits:
            return [str(hits[0])]
    mnt = [str(c) for c in ordered if varies.get(c) and _MNT.search(keys[c])]
    return sorted(mnt, key=list(frame.columns).index)

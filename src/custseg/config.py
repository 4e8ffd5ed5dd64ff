"""Every option of a run in one validated object, loadable from TOML.

A config file groups options in sections; every key can also be given flat.

.. code-block:: toml

    [run]
    algorithms = ["kmeans", "gmm"]
    k = "2-8"
    seed = 7

    [columns]
    id = "CUST_ID"
    label = "Channel"
    exclude = ["TENURE"]

    [weights]
    geography = 0.5

    [names]
    2 = "Weekend bargain hunters"

Example
-------
>>> config = RunConfig(k=parse_k("3-6"), algorithms=["kmeans"])
>>> config.k, config.k_range()
((3, 6), [3, 4, 5, 6])
>>> RunConfig(seed=1).replace(seed=2).seed
2
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custseg.constants import (
    DEFAULT_ALGORITHMS,
    DEFAULT_K,
    KNOWN_ALGORITHMS,
    MAX_K,
    MIXED_METHODS,
)
from custseg.exceptions import ConfigError, InputFileNotFoundError


@dataclass
class RunConfig:
    """Options of one ``custseg run``; see ``custseg run --help`` for each."""

    # what the input is and how to read it
    input_kind: str = "auto"            # auto | table | transactions
    sep: str | None = None
    header: bool | None = None          # text files: None detects, False = line 1 is data
    encoding: str | None = None
    decimal: str | None = None
    sheet: str | None = None
    # column roles
    id: list[str] = field(default_factory=list)
    label: str | None = None
    exclude: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    numeric: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    # transaction logs
    customer: str | None = None
    date: str | None = None
    amount: str | None = None
    quantity: str | None = None
    price: str | None = None
    invoice: str | None = None
    category: str | None = None
    channel: str | None = None
    country: str | None = None
    as_of: str | None = None
    memory_limit: str | None = None  # DuckDB memory_limit for log features, e.g. "2GB"
    date_format: str | None = None   # strptime format of date columns, e.g. "%d/%m/%y"
    # preprocessing
    weights: dict[str, float] = field(default_factory=dict)
    pca: str = "auto"
    mixed: str = "auto"
    select_features: bool = True
    # segmentation
    algorithms: list[str] = field(default_factory=lambda: list(DEFAULT_ALGORITHMS))
    k: int | tuple[int, int] = DEFAULT_K
    seed: int = 0
    stability: bool = True
    silhouette_sample: int = 5000
    threads: int | None = None
    # explanation and outputs
    names: dict[int, str] = field(default_factory=dict)
    #: candidates with a segment below this share of customers are not chosen (unless none
    #: qualifies): a segment of 7 customers is not a marketing segment
    min_segment_share: float = 0.02
    report: bool = True
    engine: str = "local"
    spark_master: str | None = None
    # segments over time (custseg.tracking): an earlier run's output folder to match and
    # migrate from, and the share of customers flagged as a stable control group
    previous: str | None = None
    holdout: float | None = None
    holdout_salt: str = "custseg-control"
    # customer value on logs (custseg.value): None = on when the data suffices; months of
    # the CLV horizon; yearly discount rate; holdout days (None = the last third of the span)
    value: bool | None = None
    horizon: int = 12
    discount_rate: float = 0.10
    holdout_days: int | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every value; raise :class:`ConfigError` naming the option."""
        _choice("input_kind", self.input_kind, ("auto", "table", "transactions"))
        _choice("engine", self.engine, ("local", "spark"))
        _choice("mixed", self.mixed, MIXED_METHODS)
        if not (self.pca in ("auto", "off") or str(self.pca).isdigit()):
            raise ConfigError(f"pca must be auto, off or a number of components, got "
                              f"{self.pca!r}", where="--pca", fix="e.g. --pca 5")
        for name in self.algorithms:
            if name not in KNOWN_ALGORITHMS:
                raise ConfigError(f"unknown algorithm {name!r}", where="--algorithms",
                                  fix="use a comma-separated list of: "
                                      + ", ".join(KNOWN_ALGORITHMS))
        if not self.algorithms:
            raise ConfigError("no algorithm given", where="--algorithms",
                              fix="e.g. --algorithms kmeans,gmm")
        lo, hi = self.k if isinstance(self.k, tuple) else (self.k, self.k)
        if not (isinstance(lo, int) and isinstance(hi, int)) or lo < 2 or hi < lo or hi > MAX_K:
            raise ConfigError(f"k must be a number or a range within 2..{MAX_K}, got {self.k!r}",
                              where="--k", fix="e.g. --k 5 or --k 2-12")
        for key, weight in self.weights.items():
            if not isinstance(weight, int | float) or weight < 0:
                raise ConfigError(f"weight of {key!r} must be a number >= 0, got {weight!r}",
                                  where="--weight", fix="e.g. --weight geography=0.5")
        if self.date_format is not None and not (
                isinstance(self.date_format, str) and re.search(r"%[dmyYbBjU]", self.date_format)):
            raise ConfigError(f"date format {self.date_format!r} is not a strptime format",
                              where="--date-format", fix="use strptime codes, e.g. "
                              "--date-format '%d/%m/%Y' or '%m/%d/%y %H:%M'")
        if self.seed is None or int(self.seed) < 0:
            raise ConfigError(f"seed must be a whole number >= 0, got {self.seed!r}",
                              where="--seed", fix="e.g. --seed 42")
        if self.holdout is not None:  # "10%", 0.1 or 10 -> 0.1
            from custseg.tracking.holdout import parse_holdout

            self.holdout = parse_holdout(self.holdout)
        if self.previous is not None:  # checked before any computation
            from custseg.tracking.previous import check_previous_folder

            self.previous = str(check_previous_folder(self.previous))
        from custseg.value.run import settings_from_config

        settings_from_config(self)  # --horizon, --discount-rate, --holdout-days checked
        if not 0 <= self.min_segment_share < 0.5:
            raise ConfigError(f"min_segment_share must be in [0, 0.5), got "
                              f"{self.min_segment_share}", where="min_segment_share",
                              fix="e.g. 0.02")

    def k_range(self) -> list[int]:
        """The candidate numbers of segments."""
        lo, hi = self.k if isinstance(self.k, tuple) else (self.k, self.k)
        return list(range(lo, hi + 1))

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with some options changed (None values are ignored)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(f"unknown option {sorted(unknown)[0]!r}", where="RunConfig",
                              fix="use one of: "
                                  + ", ".join(f.name for f in dataclasses.fields(self)))
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every option."""
        data = dataclasses.asdict(self)
        data["k"] = list(self.k) if isinstance(self.k, tuple) else self.k
        data["names"] = {str(k): v for k, v in self.names.items()}
        return data

    @classmethod
    def from_toml(cls, path: str | Path, **overrides: Any) -> RunConfig:
        """Read a TOML config file; ``overrides`` (e.g. from the CLI) win.

        Example
        -------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "custseg.toml"
        >>> _ = p.write_text('[run]\\nk = "3-5"\\n[names]\\n0 = "Loyal"\\n')
        >>> cfg = RunConfig.from_toml(p)
        >>> cfg.k, cfg.names
        ((3, 5), {0: 'Loyal'})
        """
        path = Path(path)
        if not path.is_file():
            raise InputFileNotFoundError("config file not found", where=str(path),
                                         fix="check the --config path")
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"the config is not valid TOML: {err}", where=str(path),
                              fix="check the syntax (key = value, [sections])") from None
        values = _flatten(raw, path)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**_coerce(values, str(path)))


def parse_k(text: str | int) -> int | tuple[int, int]:
    """Parse ``--k``: ``"5"`` -> 5, ``"2-12"`` or ``"2..12"`` -> (2, 12).

    Example
    -------
    >>> parse_k("2-12"), parse_k("4"), parse_k("3..9")
    ((2, 12), 4, (3, 9))
    """
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*(\d+)\s*(?:(?:-|\.\.|:)\s*(\d+))?\s*", str(text))
    if not match:
        raise ConfigError(f"cannot read k {text!r}", where="--k",
                          fix="give a number (--k 5) or a range (--k 2-12)")
    lo, hi = match.groups()
    return int(lo) if hi is None else (int(lo), int(hi))


_SECTIONS = {"run", "columns", "input", "transactions", "preprocess", "preprocessing",
             "segmentation", "output", "report"}


def _flatten(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("weights", "names", "roles"):
            values[key] = value
        elif key in _SECTIONS and isinstance(value, dict):
            for sub, sub_value in value.items():
                if sub not in fields:
                    raise ConfigError(f"unknown option {sub!r} in [{key}]", where=str(path),
                                      fix=f"known options: {', '.join(sorted(fields))}")
                values[sub] = sub_value
        elif key in fields:
            values[key] = value
        else:
            raise ConfigError(f"unknown option or section {key!r}", where=str(path),
                              fix=f"known options: {', '.join(sorted(fields))}")
    return values


def _coerce(values: dict[str, Any], where: str) -> dict[str, Any]:
    for key in ("id", "exclude", "keep", "categorical", "numeric", "algorithms"):
        if isinstance(values.get(key), str):
            values[key] = [v.strip() for v in values[key].split(",") if v.strip()]
    if "k" in values:
        values["k"] = parse_k(values["k"]) if not isinstance(values["k"], list) \
            else tuple(values["k"])
    if "names" in values:
        try:
            values["names"] = {int(k): str(v) for k, v in values["names"].items()}
        except ValueError:
            raise ConfigError("segment numbers in [names] must be whole numbers", where=where,
                              fix='e.g. [names] then 2 = "Weekend bargain hunters"') from None
    if "pca" in values:
        values["pca"] = str(values["pca"])
    return values


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}",
                          where=f"--{name.replace('_', '-')}",
                          fix=f"use one of: {', '.join(allowed)}")

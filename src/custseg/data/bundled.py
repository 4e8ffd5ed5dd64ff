"""Datasets that ship with custseg, and where the shared research data live.

Example
-------
>>> sorted(BUNDLED)
['demo', 'wholesale']
>>> bundled_path("wholesale").name
'wholesale_customers.csv'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from custseg.exceptions import InputError


@dataclass(frozen=True)
class BundledDataset:
    """A dataset custseg can produce without any download."""

    name: str
    description: str
    rows: int
    licence: str
    file: str | None = None  # shipped file; None for generated data


BUNDLED = {
    "demo": BundledDataset(
        "demo",
        "synthetic customers with 5 known segments: demographics, purchase history, geography "
        "(latitude/longitude, city) and online behaviour, plus ids, PII, gaps and noise columns "
        "(custseg.datasets.make_customers(3000, k=5, seed=42))",
        3000, "generated (public domain)"),
    "wholesale": BundledDataset(
        "wholesale",
        "UCI Wholesale customers: annual spend per product group of 440 clients of a "
        "Portuguese distributor; Channel (Horeca/Retail) and Region as known groupings",
        440, "CC BY 4.0, Cardoso (2014), UCI #292", "wholesale_customers.csv"),
}


def bundled_path(name: str) -> Path:
    """Path of a shipped dataset file.

    Example
    -------
    >>> bundled_path("wholesale").exists()
    True
    """
    info = _get(name)
    if info.file is None:
        raise InputError(f"dataset {name!r} is generated, not a file",
                         where="custseg.datasets.bundled_path",
                         fix="use custseg.datasets.load_dataset(name) instead")
    return Path(str(resources.files("custseg.data") / "files" / info.file))


def load_dataset(name: str) -> pd.DataFrame:
    """Load a bundled dataset as a DataFrame.

    Example
    -------
    >>> load_dataset("demo").shape[0]
    3000
    """
    info = _get(name)
    if info.file is None:
        from custseg.data.synthetic import make_customers

        return make_customers(3000, k=5, seed=42)
    from custseg.data.io import load

    return load(bundled_path(name))


def list_datasets() -> pd.DataFrame:
    """The bundled datasets as a table (name, rows, licence, description).

    Example
    -------
    >>> list_datasets().index.tolist()
    ['demo', 'wholesale']
    """
    return pd.DataFrame([vars(d) for d in BUNDLED.values()]).set_index("name")


def shared_datasets_dir() -> Path | None:
    """The shared research datasets folder, if present.

    Looks at ``$CUSTSEG_SHARED_DATASETS``, then ``../shared/datasets`` from the
    current folder and from the source checkout.
    """
    candidates = []
    if os.environ.get("CUSTSEG_SHARED_DATASETS"):
        candidates.append(Path(os.environ["CUSTSEG_SHARED_DATASETS"]))
    candidates.append(Path.cwd().parent / "shared" / "datasets")
    candidates.append(Path(__file__).resolve().parents[4] / "shared" / "datasets")
    for path in candidates:
        if path.is_dir():
            return path
    return None


def _get(name: str) -> BundledDataset:
    if name not in BUNDLED:
        raise InputError(f"no bundled dataset named {name!r}", where="custseg datasets",
                         fix=f"use one of: {', '.join(BUNDLED)}")
    return BUNDLED[name]

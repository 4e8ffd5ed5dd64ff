"""Dataset loaders shared by the benchmarks (not part of the package)."""

from __future__ import annotations

import gzip
import os
import resource
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import make_blobs

FRANTI = ("s1", "s2", "s3", "s4", "a1", "a2", "a3", "unbalance", "r15", "d31")


#: The shared customer tables, relative to the shared datasets folder.
SHARED_TABLES = {
    "mall": "mall_customers/Mall_Customers.csv",
    "wholesale": "wholesale_customers/Wholesale customers data.csv",
    "personality": "customer_personality/marketing_campaign.csv",
    "cc_general": "cc_general/CC GENERAL.csv",
    "online_shoppers": "online_shoppers/online_shoppers_intention.csv",
}


def shared_dir() -> Path:
    """Path of the shared datasets folder (env CUSTSEG_SHARED or ../shared/datasets)."""
    env = os.environ.get("CUSTSEG_SHARED_DATASETS")
    candidates = [Path(env)] if env else []
    root = Path(__file__).resolve().parents[1]
    candidates += [root.parent / "shared" / "datasets", Path("/work/shared/datasets")]
    for c in candidates:
        if c.is_dir():
            return c
    sys.exit("shared datasets not found; set CUSTSEG_SHARED_DATASETS")


def _read_matrix(path: Path) -> np.ndarray:
    with gzip.open(path, "rt") as fh:
        return np.loadtxt(fh, ndmin=2)


def load_benchmark(battery: str, name: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """Data matrix and every reference labelling (labels0, labels1, ...)."""
    folder = shared_dir() / "clustering-benchmarks" / battery
    X = _read_matrix(folder / f"{name}.data.gz")
    labels = []
    j = 0
    while (folder / f"{name}.labels{j}.gz").exists():
        labels.append(_read_matrix(folder / f"{name}.labels{j}.gz").ravel().astype(int))
        j += 1
    return X, labels


def battery_names(battery: str) -> list[str]:
    folder = shared_dir() / "clustering-benchmarks" / battery
    return sorted(p.name[: -len(".data.gz")] for p in folder.glob("*.data.gz"))


def standardize(X: np.ndarray) -> np.ndarray:
    """Zero mean; a single common scale keeps the geometry of the 2-D sets intact."""
    Xc = X - X.mean(axis=0)
    return Xc / Xc.std()


def make_customer_like(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs of mixed sizes in 5-15 dims plus 1-3 pure-noise columns, scaled."""
    rng = np.random.RandomState(seed)
    d = int(rng.randint(5, 16))
    weights = rng.dirichlet(np.full(k, 2.0))
    weights = 0.3 / k + 0.7 * weights  # no segment below ~30% of its fair share
    sizes = np.maximum(rng.multinomial(n, weights), 10)
    centers = rng.uniform(-10, 10, size=(k, d))
    stds = rng.uniform(0.8, 1.6, size=k)
    X, y = make_blobs(n_samples=sizes, centers=centers, cluster_std=stds, random_state=seed)
    noise = rng.normal(0, 1, size=(X.shape[0], int(rng.randint(1, 4))))
    X = np.hstack([X, noise * X.std()])
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

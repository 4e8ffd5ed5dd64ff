"""Speed and memory of CustomerPreprocessor.fit_transform on a million customers.

Table: make_customers(n, k=6, pii=False) plus two extra columns (a Poisson
count and a 5-level tier) -> 21 columns (1 id, 20 candidate features: numbers,
categories, a date, latitude/longitude, noise).

Prints the time of schema inference, fit, transform and fit_transform, and
the peak resident memory of the process (it includes the table itself, which
is reported separately).

Run:  .venv/bin/python bench/speed_preprocessing.py [--quick] [--n 1000000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from custseg.data import infer_schema
from custseg.datasets import make_customers
from custseg.preprocess import build_preprocessor


def rss_mb() -> float:
    """Current resident memory (MiB) from /proc, peak otherwise."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_mb()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    n = 100_000 if args.quick else args.n

    t0 = time.perf_counter()
    frame = make_customers(n, k=6, seed=0, pii=False)
    rng = np.random.default_rng(0)
    frame["store_visits"] = rng.poisson(3, n)
    frame["loyalty_tier"] = rng.choice(["none", "bronze", "silver", "gold", "platinum"], n)
    print(f"table: {frame.shape[0]:,} rows x {frame.shape[1]} columns, built in "
          f"{time.perf_counter() - t0:.1f} s; RSS {rss_mb():,.0f} MiB")

    t0 = time.perf_counter()
    schema = infer_schema(frame)
    t_schema = time.perf_counter() - t0
    base = rss_mb()

    prep = build_preprocessor(schema)
    t0 = time.perf_counter()
    X = prep.fit_transform(frame)
    t_fit_transform = time.perf_counter() - t0

    t0 = time.perf_counter()
    X2 = prep.transform(frame)
    t_transform = time.perf_counter() - t0
    assert np.array_equal(X, X2)

    print(f"infer_schema       {t_schema:6.1f} s")
    print(f"fit_transform      {t_fit_transform:6.1f} s  -> {X.shape[0]:,} x {X.shape[1]} "
          f"({X.nbytes / 2**20:,.0f} MiB), method {prep.method_}, "
          f"PCA {prep.pca_['n_components'] if prep.pca_ else 'off'}")
    print(f"transform again    {t_transform:6.1f} s")
    print(f"peak RSS           {peak_mb():6.0f} MiB (table + schema: {base:,.0f} MiB)")
    print(f"features used ({len(prep.features_used_)}): {', '.join(prep.features_used_)}")


if __name__ == "__main__":
    main()

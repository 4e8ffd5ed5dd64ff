"""k-prototypes speed: one fit, and whole `--mixed kprototypes` runs on make_customers.

One fit of ``KPrototypesClusterer`` (8 numbers, 2 category-code columns, no
structure, n_init=4) at growing n, then ``custseg.run(mixed="kprototypes")``
with the default k range on synthetic customer tables, with the chosen k and
ARI against the true segments. The pure-Python kmodes package this replaced
took 15 s for one fit of 2,000 rows and 86 s for 8,000 on this machine.

    .venv/bin/python bench/speed_kprototypes.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from custseg.datasets import make_customers
from custseg.models.mixed import KPrototypesClusterer
from custseg.workflow import run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    args = ap.parse_args()
    fit_sizes = (2_000, 8_000) if args.quick else (2_000, 8_000, 20_000, 100_000)
    runs = ((1_500, 4),) if args.quick else ((1_500, 4), (3_000, 7), (20_000, 5))
    rng = np.random.default_rng(0)
    print("one KPrototypesClusterer fit (8 numbers + 2 code columns, n_init=4, 1 thread)")
    with threadpool_limits(1):
        for n in fit_sizes:
            X = np.c_[rng.normal(size=(n, 8)), rng.integers(0, 4, n), rng.integers(0, 12, n)]
            for k in (3, 8):
                start = time.perf_counter()
                model = KPrototypesClusterer(k, categorical=[8, 9], random_state=0).fit(X)
                print(f"  n={n:>7,d} k={k}  {time.perf_counter() - start:6.2f} s  "
                      f"(fitted on {model.fit_rows_:,} rows, {model.n_iter_} iterations)",
                      flush=True)
        print("custseg.run(mixed='kprototypes'), default k range, no stability, 1 thread")
        for n, k in runs:
            frame, truth = make_customers(n, k=k, seed=0, return_labels=True)
            start = time.perf_counter()
            result = run(frame, mixed="kprototypes", stability=False)
            print(f"  n={n:>7,d} true k={k}  chosen {result.algorithm}:{result.k}  "
                  f"ARI {adjusted_rand_score(truth, result.labels):.3f}  "
                  f"{time.perf_counter() - start:6.1f} s", flush=True)


if __name__ == "__main__":
    main()

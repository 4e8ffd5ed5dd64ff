"""End to end on make_customers: does the whole automatic run find the true segments?

For k = 3..12 and several seeds, runs `custseg.run` (automatic preprocessing and
feature selection, then the Segmenter with its default algorithms and range) on
`make_customers(n, k, seed)` and prints whether the chosen k is exact and the ARI
against the generator's labels.

    .venv/bin/python bench/quality_customers.py [--quick] [--seeds 5] [--n 3000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from custseg.datasets import make_customers
from custseg.workflow import run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="k in 3, 6, 9, 12 with one seed")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--n", type=int, default=3000)
    args = ap.parse_args()
    ks = [3, 6, 9, 12] if args.quick else list(range(3, 13))
    seeds = [0] if args.quick else list(range(args.seeds))
    hits, aris = 0, []
    print(f"custseg.run on make_customers(n={args.n}), default algorithms and k range, "
          "1 thread")
    with threadpool_limits(1):
        for seed in seeds:
            for k in ks:
                frame, truth = make_customers(args.n, k=k, seed=seed, return_labels=True)
                start = time.perf_counter()
                result = run(frame, seed=seed, stability=False)
                ari = adjusted_rand_score(truth, result.labels)
                hit = result.k == k
                hits += hit
                aris.append(ari)
                print(f"k={k:<3d} seed={seed}  chosen={result.algorithm}:{result.k:<3d} "
                      f"hit={'Y' if hit else '-'}  ARI={ari:.3f}  "
                      f"{time.perf_counter() - start:5.1f}s", flush=True)
    total = len(ks) * len(seeds)
    print(f"-> exact k on {hits}/{total} ({hits / total:.0%}); median ARI "
          f"{statistics.median(aris):.3f}, mean ARI {statistics.mean(aris):.3f}")


if __name__ == "__main__":
    main()

"""Time and peak memory of the full automatic run (kmeans, hierarchical, gmm; k 2..12).

Each size runs in a fresh subprocess so its peak RSS is its own.

    .venv/bin/python bench/speed_engine.py --quick      # 10k, 100k
    .venv/bin/python bench/speed_engine.py              # 10k, 100k, 1M
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def make_data(n: int, seed: int = 0) -> np.ndarray:
    """n x 12: six gaussian segments of mixed sizes in 10 dims plus 2 noise columns."""
    rng = np.random.RandomState(seed)
    k, d = 6, 10
    centers = rng.uniform(-6, 6, size=(k, d))
    sizes = rng.multinomial(n, rng.dirichlet(np.full(k, 3.0)))
    parts = [rng.normal(c, 1.0, size=(s, d)) for c, s in zip(centers, sizes, strict=True)]
    X = np.vstack(parts)
    X = np.hstack([X, rng.normal(size=(n, 2))])
    X = (X - X.mean(0)) / X.std(0)
    return X[rng.permutation(n)]


def one(n: int, threads: int | None) -> dict:
    sys.path.insert(0, str(HERE))
    from _common import peak_rss_mb

    from custseg.selection import Segmenter

    X = make_data(n)
    base = peak_rss_mb()
    t0 = time.perf_counter()
    seg = Segmenter(n_threads=threads, random_state=0).fit(X)
    secs = time.perf_counter() - t0
    return {"n": n, "seconds": round(secs, 1), "peak_rss_mb": round(peak_rss_mb(), 0),
            "data_mb": round(X.nbytes / 2**20, 0), "rss_before_fit_mb": round(base, 0),
            "chosen": f"{seg.algorithm_} k={seg.n_clusters_}",
            "confidence": seg.selection_.confidence, "threads": seg.threads_used_}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=None, help="cap BLAS/OpenMP threads")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.threads)))
        return
    sizes = (10_000, 100_000) if args.quick else (10_000, 100_000, 1_000_000)
    print(f"{'rows':>9} {'seconds':>8} {'peak RSS MB':>12} {'data MB':>8} {'threads':>7}  chosen")
    for n in sizes:
        cmd = [sys.executable, __file__, "--one", str(n)]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['n']:>9,} {r['seconds']:>8} {r['peak_rss_mb']:>12,.0f} {r['data_mb']:>8,.0f} "
              f"{r['threads']:>7}  {r['chosen']} ({r['confidence']})", flush=True)


if __name__ == "__main__":
    main()

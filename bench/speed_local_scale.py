"""How the LOCAL engine's automatic run scales: 1M and 5M customers x 12 features.

Runs what ``custseg run`` does with every default (all default algorithm
families, the default k range, stability, report): ``custseg.workflow.run``
then ``custseg.outputs.write_outputs``. Prints the time per stage
(``result.timings``), the total and the peak resident memory of this process.

Targets: 1M < 90 s and < 4 GB; 5M < 8 min and < 16 GB.

    .venv/bin/python bench/speed_local_scale.py --quick     # 200k customers
    .venv/bin/python bench/speed_local_scale.py             # 1M
    .venv/bin/python bench/speed_local_scale.py --n 5000000
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

TARGETS = {1_000_000: (90, 4.0), 5_000_000: (480, 16.0)}
DROP = ["latitude", "longitude", "signup_date"]  # keep 12 features besides the id


def peak_rss_gb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200k customers")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n = args.n or (200_000 if args.quick else 1_000_000)

    from custseg.datasets import make_customers
    from custseg.outputs import write_outputs
    from custseg.workflow import run

    clock = time.perf_counter()
    frame = make_customers(n, k=6, seed=args.seed, noise_columns=0, pii=False).drop(columns=DROP)
    made = time.perf_counter() - clock
    print(f"n={n:,} customers x {frame.shape[1] - 1} features (+ id); data made in {made:.1f} s, "
          f"RSS so far {peak_rss_gb():.2f} GB")
    out = Path(tempfile.mkdtemp(prefix="custseg-bench-")) / "out"
    try:
        clock = time.perf_counter()
        result = run(frame)
        ran = time.perf_counter() - clock
        clock = time.perf_counter()
        write_outputs(result, out)
        wrote = time.perf_counter() - clock
        print("stage timings (s):")
        for stage, seconds in result.timings.items():
            print(f"  {stage:<12} {seconds:8.1f}")
        total = ran + wrote
        peak = peak_rss_gb()
        print(f"run {ran:.1f} s + write_outputs {wrote:.1f} s = {total:.1f} s; "
              f"chosen {result.algorithm} k={result.k}; peak RSS {peak:.2f} GB")
        summary = result.summary()
        print("sampling:", summary.get("sampling"))
        if n in TARGETS:
            t, m = TARGETS[n]
            print(f"target: < {t} s and < {m} GB -> time {'OK' if total < t else 'MISSED'}, "
                  f"memory {'OK' if peak < m else 'MISSED'}")
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


if __name__ == "__main__":
    main()

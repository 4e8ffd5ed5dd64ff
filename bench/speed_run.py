"""Wall time of the whole `custseg run` (defaults, report included) on every shared table.

Prints one line per dataset: rows, chosen algorithm and k, seconds per stage and total,
and peak memory of the run (each run in its own subprocess so peaks do not mix).

    .venv/bin/python bench/speed_run.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from custseg.datasets import make_customers, shared_datasets_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_TABLES

TABLES = {
    **SHARED_TABLES,
    "online_retail (log)": "online_retail/online_retail.parquet",
    "cdnow (log)": "cdnow/CDNOW_master.txt",
}


def run_one(name: str, path: Path, out: Path) -> None:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "custseg", "run", str(path), "-o", str(out),
                           "--quiet"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode:
        print(f"{name:22s} FAILED: {proc.stderr.strip()[:200]}")
        return
    summary = json.loads((out / "summary.json").read_text())
    stages = " ".join(f"{k}={v:.1f}" for k, v in summary["timings_s"].items())
    print(f"{name:22s} rows={summary['n_rows']:>8,} {summary['algorithm']:>16s} "
          f"k={summary['k']:<3d} total={seconds:6.1f}s  peak<={peak_mb:,.0f} MB  [{stages}]",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="skip the 100k synthetic table")
    args = ap.parse_args()
    shared = shared_datasets_dir()
    tmp = Path(tempfile.mkdtemp(prefix="custseg-speed-"))
    print("custseg run, default options, one process each (peak = max over runs so far)")
    for name, rel in TABLES.items():
        if shared is not None and (shared / rel).exists():
            run_one(name, shared / rel, tmp / name.split()[0])
    if not args.quick:
        path = tmp / "synthetic_100k.csv"
        make_customers(100_000, k=6, seed=1).to_csv(path, index=False)
        run_one("make_customers(100k)", path, tmp / "synthetic")


if __name__ == "__main__":
    main()

"""Whole default runs on every real table and log in ../shared/datasets.

For each file, runs ``custseg.run(path, report=False)`` with every other option
at its default (stability included) and prints one line: rows, chosen
algorithm and k, confidence, smallest segment share, features used/dropped,
whether the degenerate check and the density check fired, how many library
warnings leaked out of the run, and the time. A file that fails prints its
error and the bench goes on.

    nice -n 10 .venv/bin/python bench/real_datasets.py [--only cc_general,bank] [--datasets DIR]

``--cli`` times the whole default command instead, as a user types it
(``custseg run FILE -o TMP``: report and model written, a fresh process, so
imports count), and prints where the wall time went: start-up (imports and
checks before the first stage) and each stage of ``timings_s``.

Run it against another checkout with ``PYTHONPATH=/that/checkout/src``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np

#: (short name, path under the datasets folder); tables and logs, as a user would pass them
FILES = [
    ("mall", "mall_customers/Mall_Customers.csv"),
    ("wholesale", "wholesale_customers/Wholesale customers data.csv"),
    ("personality", "customer_personality/marketing_campaign.csv"),
    ("cc_general", "cc_general/CC GENERAL.csv"),
    ("shoppers", "online_shoppers/online_shoppers_intention.csv"),
    ("bank_churners", "bank_churners/BankChurners.csv"),
    ("segmentation_av", "customer_segmentation_av/Train.csv"),
    ("iranian_churn", "iranian_churn/Customer Churn.csv"),
    ("german_credit", "german_credit/german.data"),
    ("retail_response", "retail_transactions/Retail_Data_Response.csv"),
    ("cdnow_master", "cdnow/CDNOW_master.txt"),
    ("cdnow_sample", "cdnow/CDNOW_sample.txt"),
    ("groceries", "groceries/Groceries_dataset.csv"),
    ("retail_log", "retail_transactions/Retail_Data_Transactions.csv"),
    ("sample_sales", "sample_sales/sales_data_sample.csv"),
    ("online_retail", "online_retail/online_retail.parquet"),
]


def _default_root() -> Path:
    here = Path(__file__).resolve().parents[1]
    for root in (here / ".." / "shared" / "datasets", Path("/work/shared/datasets")):
        if root.is_dir():
            return root.resolve()
    return Path("/work/shared/datasets")


def one(path: Path) -> dict:
    """Run custseg on one file with defaults; return the numbers of the line."""
    from custseg import run

    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run(path, report=False)
    seconds = time.perf_counter() - start
    summary = result.summary()
    labels = np.asarray(result.labels)
    sizes = np.bincount(labels[labels >= 0])
    sizes = sizes[sizes > 0]
    selection = summary.get("selection", {})
    evidence = selection.get("evidence", {}) or {}
    degenerate = evidence.get("degenerate_check")
    density = evidence.get("density_check")
    return {
        "rows": len(labels), "algorithm": result.algorithm, "k": result.k,
        "k_stated": selection.get("k"), "confidence": selection.get("confidence", "-"),
        "min_share": float(sizes.min() / len(labels)) if len(sizes) else float("nan"),
        "used": len(summary.get("features_used", [])),
        "dropped": len(summary.get("features_dropped", {})),
        "degenerate": "n/a" if degenerate is None else ("FIRED" if degenerate.get("fired")
                                                        else "no"),
        "density": "-" if density is None else ("FIRED" if density.get("fired") else "no"),
        "leaked": len(caught), "seconds": seconds,
        "timings": summary.get("timings_s", {}),
    }


def whole_command(path: Path) -> dict:
    """Time ``custseg run PATH`` in a fresh process; return wall time and its parts."""
    import json
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "custseg", "run", str(path), "-o", str(out),
                               "--quiet"], capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            return {"error": (done.stderr.strip().splitlines() or ["?"])[-1][:150]}
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    stages = {k: v for k, v in summary.get("timings_s", {}).items()
              if k in ("load", "schema", "preprocess", "segment", "explain", "write")}
    selection = summary.get("selection", {})
    return {"wall": wall, "startup": wall - sum(stages.values()), **stages,
            "k": selection.get("k"), "algorithm": selection.get("algorithm", "?"),
            "shape": (summary.get("data", {}) or {}).get("n_rows")}


def main_cli(args) -> None:
    """One line per file: wall time of the whole command and where it went."""
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    print(f"whole default command per file; load {os.getloadavg()[0]:.1f}")
    parts = ("startup", "load", "schema", "preprocess", "segment", "explain", "write")
    print(f"{'dataset':16s} {'wall':>6s} " + " ".join(f"{p:>10s}" for p in parts))
    for name, rel in FILES:
        if only and name not in only:
            continue
        r = whole_command(args.datasets / rel)
        if "error" in r:
            print(f"{name:16s} ERROR {r['error']}", flush=True)
            continue
        print(f"{name:16s} {r['wall']:5.1f}s " + " ".join(f"{r.get(p, 0.0):9.1f}s" for p in parts),
              flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated short names (default: all)")
    ap.add_argument("--datasets", type=Path, default=_default_root())
    ap.add_argument("--timings", action="store_true", help="print per-stage timings too")
    ap.add_argument("--cli", action="store_true",
                    help="time the whole default command (report, model) in a fresh process")
    args = ap.parse_args()
    if args.cli:
        main_cli(args)
        return
    import custseg

    only = {s.strip() for s in args.only.split(",") if s.strip()}
    print(f"custseg from {Path(custseg.__file__).parent}; datasets {args.datasets}; "
          f"load {os.getloadavg()[0]:.1f}")
    head = (f"{'dataset':16s} {'rows':>7s} {'algorithm':>12s} {'k':>3s} {'stated':>6s} "
            f"{'conf':>6s} {'min seg':>7s} {'used':>4s} {'drop':>4s} {'degen':>5s} "
            f"{'dens':>5s} {'warn':>4s} {'time':>7s}")
    print(head)
    print("-" * len(head))
    for name, rel in FILES:
        if only and name not in only:
            continue
        path = args.datasets / rel
        try:
            r = one(path)
        except Exception as err:  # report and go on: other helpers change the loader now
            print(f"{name:16s} ERROR {type(err).__name__}: {str(err)[:150]}", flush=True)
            continue
        print(f"{name:16s} {r['rows']:7d} {r['algorithm']:>12s} {r['k']:3d} "
              f"{r['k_stated']!s:>6s} {r['confidence']:>6s} {r['min_share']:7.1%} "
              f"{r['used']:4d} {r['dropped']:4d} {r['degenerate']:>5s} {r['density']:>5s} "
              f"{r['leaked']:4d} {r['seconds']:6.1f}s", flush=True)
        if args.timings:
            print("    " + ", ".join(f"{k} {v:.1f}s" for k, v in r["timings"].items()))


if __name__ == "__main__":
    main()

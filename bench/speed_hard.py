"""custseg run vs a typical analyst script on overlapping customers, quiet and busy.

The tables come from this file's own generator (not ``custseg.datasets.make_customers``,
whose segments are well separated): 6 true segments of unequal size (35 % .. 5 %),
10 behavioural numbers (two log-normal money columns, counts, shares, recency, tenure),
a meaningless loyalty number, a region text column and a customer id. Some segment
pairs overlap heavily, others little (``--overlap`` scales all the distances).

For each size it runs, one after the other, each in its own process:
  (a) the typical script: StandardScaler, KMeans k=2..10, silhouette on a 10k sample,
      best k by silhouette;
  (b) ``custseg run table.parquet -o ... --quiet`` with defaults;
first on the machine as it is, then (``--busy``) with one competing CPU-bound process
(``python -c 'while True: pass'``). It prints wall times, the ratio custseg/script,
both ARIs against the true segments, the load average before each pair and custseg's
``timings_s``.

    .venv/bin/python bench/speed_hard.py --sizes 10000 --busy
    .venv/bin/python bench/speed_hard.py --sizes 10000,100000,1000000 --busy --repeat 3

Thread variables (OMP_NUM_THREADS, ...) are removed from the children's environment
unless ``--keep-thread-env``: an analyst's shell does not set them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

#: true segment shares: unequal, the smallest 5 %
WEIGHTS = np.array([0.35, 0.22, 0.16, 0.12, 0.10, 0.05])

SCRIPT = r"""
import sys, time, json
t0 = time.perf_counter()
import numpy as np, pandas as pd
from sklearn.preprocessing import StandardScaler
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
df = pd.read_parquet(sys.argv[1])
num = df.select_dtypes("number")  # a typical script keeps every number
X = StandardScaler().fit_transform(num.fillna(num.median()))
best = None
for k in range(2, 11):
    lab = KMeans(k, random_state=0).fit_predict(X)
    s = silhouette_score(X, lab, sample_size=min(10000, len(X)), random_state=0)
    if best is None or s > best[0]:
        best = (s, k, lab)
pd.DataFrame({"customer_id": df["customer_id"], "segment": best[2]}).to_csv(sys.argv[2],
                                                                           index=False)
print(json.dumps({"k": best[1], "silhouette": float(best[0]),
                  "seconds": time.perf_counter() - t0}))
"""


def make_overlapping_customers(n: int, seed: int = 0, overlap: float = 1.0
                               ) -> tuple[pd.DataFrame, np.ndarray]:
    """Customer table and true segment of each row (see the module docstring).

    The 6 segment centres live in a 10-d latent space; segments 0/1 and 3/4 are close
    (about 1.6 latent sd apart at ``overlap=1``), the rest 3-4 sd. Each segment has its own
    spread. Latent coordinates are then mapped to customer-like columns.
    """
    rng = np.random.RandomState(seed)
    d = 10
    base = rng.normal(0, 1, size=(6, d))
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    centers = base * 3.5
    centers[1] = centers[0] + 2.2 * _unit(rng, d)
    centers[4] = centers[3] + 2.2 * _unit(rng, d)
    centers /= overlap
    spreads = rng.uniform(0.7, 1.3, size=(6, d))
    y = rng.choice(6, size=n, p=WEIGHTS)
    z = centers[y] + rng.normal(0, 1, size=(n, d)) * spreads[y]
    sig = 1 / (1 + np.exp(-z))
    df = pd.DataFrame({
        "customer_id": [f"C{i:08d}" for i in range(n)],
        "recency_days": np.clip(np.round(90 + 45 * z[:, 0]), 0, 730).astype(int),
        "frequency": rng.poisson(np.exp(1.6 + 0.45 * z[:, 1])),
        "total_spend": np.round(np.exp(5.5 + 0.8 * z[:, 2]), 2),       # log-normal money
        "avg_order_value": np.round(np.exp(3.6 + 0.5 * z[:, 3]), 2),   # log-normal money
        "tenure_months": np.clip(np.round(36 + 14 * z[:, 4]), 1, 180).astype(int),
        "web_share": np.round(sig[:, 5], 3),
        "discount_share": np.round(1 / (1 + np.exp(-(z[:, 6] - 1))), 3),
        "return_rate": np.round(1 / (1 + np.exp(-(z[:, 7] - 2))), 3),
        "support_calls": rng.poisson(np.exp(0.2 + 0.5 * z[:, 8])),
        "categories_bought": np.clip(np.round(5 + 2 * z[:, 9]), 1, 20).astype(int),
        # meaningless: a card number that tells nothing about behaviour
        "loyalty_number": rng.randint(100_000, 1_000_000, size=n),
        "region": rng.choice(["North", "South", "East", "West", "Central"], size=n,
                             p=[0.3, 0.25, 0.2, 0.15, 0.1]),
    })
    return df, y


def _unit(rng: np.random.RandomState, d: int) -> np.ndarray:
    v = rng.normal(0, 1, d)
    return v / np.linalg.norm(v)


def _env(keep: bool) -> dict:
    env = dict(os.environ)
    if not keep:
        for var in THREAD_VARS:
            env.pop(var, None)
    return env


def _ari(truth: pd.Series, found: pd.DataFrame, id_col: str) -> float:
    from sklearn.metrics import adjusted_rand_score

    found = found.set_index(id_col)["segment"]
    return float(adjusted_rand_score(truth.loc[found.index].to_numpy(), found.to_numpy()))


def run_pair(table: Path, truth: pd.Series, work: Path, env: dict, tag: str) -> dict:
    """The script then custseg on ``table``; times, ARIs and custseg's timings."""
    load = os.getloadavg()[0]
    script = work / "script.py"
    script.write_text(SCRIPT)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, str(script), str(table), str(work / "script.csv")],
                         capture_output=True, text=True, env=env)
    t_script = time.perf_counter() - t0
    if out.returncode:
        sys.exit(f"script failed: {out.stderr[-2000:]}")
    s_info = json.loads(out.stdout.strip().splitlines()[-1])
    s_ari = _ari(truth, pd.read_csv(work / "script.csv"), "customer_id")
    out_dir = work / f"custseg-{tag}"
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "custseg", "run", str(table), "-o", str(out_dir),
                          "--quiet"], capture_output=True, text=True, env=env)
    t_custseg = time.perf_counter() - t0
    if run.returncode:
        sys.exit(f"custseg failed: {run.stderr[-2000:]}")
    summary = json.loads((out_dir / "summary.json").read_text())
    segs = pd.read_csv(out_dir / "segments.csv")
    id_col = "customer_id" if "customer_id" in segs.columns else None
    if id_col is None:  # no id recognised: rows are in input order
        c_ari = float(__import__("sklearn.metrics").metrics.adjusted_rand_score(
            truth.to_numpy(), segs["segment"].to_numpy()))
    else:
        c_ari = _ari(truth, segs, id_col)
    return {"load": load, "t_script": t_script, "t_custseg": t_custseg, "script_k": s_info["k"],
            "script_ari": s_ari, "custseg_k": summary.get("k"),
            "custseg_algo": summary.get("algorithm"), "custseg_ari": c_ari,
            "confidence": (summary.get("selection") or {}).get("confidence",
                                                               summary.get("confidence")),
            "timings": summary.get("timings_s", {}),
            "threads": (summary.get("sampling") or {}).get("threads")}


def _print(size: int, cond: str, r: dict) -> None:
    ratio = r["t_custseg"] / r["t_script"]
    stages = " ".join(f"{k}={v:.1f}" for k, v in r["timings"].items())
    print(f"{size:>9,} {cond:5s} load1={r['load']:4.2f} script {r['t_script']:6.1f}s "
          f"(k={r['script_k']}, ARI {r['script_ari']:.3f})  custseg {r['t_custseg']:6.1f}s "
          f"({r['custseg_algo']} k={r['custseg_k']}, ARI {r['custseg_ari']:.3f}, "
          f"conf {r['confidence']}, {r['threads']} thread(s))  ratio {ratio:.2f}\n"
          f"{'':16s}custseg timings_s: {stages}",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000",
                    help="comma-separated row counts (default 10000,100000,1000000)")
    ap.add_argument("--busy", action="store_true",
                    help="also run with one competing CPU-bound process")
    ap.add_argument("--no-quiet", action="store_true", help="skip the quiet-machine runs")
    ap.add_argument("--repeat", type=int, default=1, help="runs per condition")
    ap.add_argument("--overlap", type=float, default=1.0,
                    help="scales segment distances down (>1 = more overlap)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep-thread-env", action="store_true",
                    help="pass OMP_NUM_THREADS etc. through to the runs")
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    env = _env(args.keep_thread_env)
    work = Path(tempfile.mkdtemp(prefix="custseg-speed-hard-"))
    print(f"cores: {os.cpu_count()} (usable {len(os.sched_getaffinity(0))}); "
          f"thread env kept: {args.keep_thread_env}; work dir {work}", flush=True)
    conds = ([] if args.no_quiet else ["quiet"]) + (["busy"] if args.busy else [])
    for size in sizes:
        df, y = make_overlapping_customers(size, seed=args.seed, overlap=args.overlap)
        table = work / f"customers_{size}.parquet"
        df.to_parquet(table, index=False)
        truth = pd.Series(y, index=df["customer_id"])
        for cond in conds:
            hog = None
            if cond == "busy":
                hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
                time.sleep(1.0)
            try:
                for rep in range(args.repeat):
                    _print(size, cond, run_pair(table, truth, work, env, f"{size}-{cond}-{rep}"))
            finally:
                if hog is not None:
                    hog.kill()
                    hog.wait()


if __name__ == "__main__":
    main()

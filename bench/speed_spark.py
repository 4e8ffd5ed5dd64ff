"""Spark engine cost at 100k, 1M and 5M customers x 12 features (local[2]) vs the local engine.

For each size: JVM start, reading Parquet, the preprocessing pipeline, one fit
of each MLlib family at k=6 (KMeans with maxIter=100/tol=1e-4 and with Spark's
default 20 iterations, BisectingKMeans, GaussianMixture), Spark's silhouette,
and the whole ``custseg.spark.run`` (kmeans, k=6, stability off); then the
local engine (``custseg.workflow.run``, kmeans, k=6, stability off) on the same
table. Peak memory: the JVM's VmHWM from /proc and this process's ru_maxrss.

    .venv/bin/python bench/speed_spark.py --quick          # 100k only
    .venv/bin/python bench/speed_spark.py                  # 100k, 1M, 5M
    .venv/bin/python bench/speed_spark.py --sizes 5000000 --families kmeans
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

K = 6
N_FEATURES = 12


def make_table(n: int, seed: int = 0) -> pd.DataFrame:
    """n customers x 12 numeric features from 6 groups; money-like columns are skewed."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, size=(K, N_FEATURES))
    labels = rng.integers(0, K, size=n)
    X = centres[labels] + rng.normal(0, 1.0, size=(n, N_FEATURES))
    X[:, :4] = np.exp(X[:, :4] / 2)  # spend-like: positive, right-skewed
    frame = pd.DataFrame(X, columns=[f"f{i:02d}" for i in range(N_FEATURES)])
    frame.insert(0, "customer_id", np.arange(1, n + 1))
    return frame


def jvm_peak_gb(spark) -> float | None:
    """VmHWM (peak RSS) of the JVM behind ``spark``, from /proc."""
    proc = getattr(spark.sparkContext._gateway, "proc", None)
    pids = [proc.pid] if proc is not None else []
    peak = 0
    for pid in pids + _children(pids):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024 ** 2 if peak else None


def _children(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        out += [int(k) for k in kids] + _children([int(k) for k in kids])
    return out


def timed(label: str, fn, results: dict):
    clock = time.perf_counter()
    value = fn()
    results[label] = time.perf_counter() - clock
    print(f"  {label:<34} {results[label]:8.1f} s", flush=True)
    return value


def bench_size(spark, n: int, folder: Path, families: set[str]) -> dict:
    from pyspark.ml.clustering import BisectingKMeans, GaussianMixture, KMeans

    from custseg.spark import run as spark_run
    from custseg.spark import scan

    frame = make_table(n)
    path = folder / f"customers_{n}.parquet"
    frame.to_parquet(path, index=False)
    print(f"\nn = {n:,} customers x {N_FEATURES} features", flush=True)
    res: dict[str, float] = {}
    from custseg.data.schema import infer_schema
    from custseg.spark import prep
    from custseg.spark.reader import read_input

    def read():
        table = read_input(spark, str(path))[0].cache()
        table.count()
        return table

    raw = timed("read parquet + count", read, res)
    sample = frame.sample(min(n, 20_000), random_state=0)
    schema = infer_schema(sample, id="customer_id")
    plan = timed("preprocessing plan (aggregates)",
                 lambda: prep.make_plan(raw, schema, sample, {}, []), res)
    model, dim = timed("pipeline fit (impute/log/scale)", lambda: prep.fit_pipeline(raw, plan),
                       res)
    data = model.transform(raw).select("features").cache()
    timed("transform + cache features", data.count, res)
    km = timed("KMeans k=6 maxIter=100 tol=1e-4", lambda: scan.estimator("kmeans", K, 0)
               .fit(data), res)
    print(f"    iterations: {km.summary.numIter} (converged: {km.summary.numIter < 100})")
    km20 = timed("KMeans k=6 Spark defaults (20 it.)", lambda: KMeans(k=K, seed=0).fit(data),
                 res)
    print(f"    iterations: {km20.summary.numIter}")
    if "bisecting" in families:
        timed("BisectingKMeans k=6", lambda: BisectingKMeans(k=K, seed=0, maxIter=50)
              .fit(data), res)
    if "gmm" in families:
        timed("GaussianMixture k=6", lambda: GaussianMixture(k=K, seed=0, maxIter=100,
                                                             tol=1e-3).fit(data), res)
    pred = km.transform(data)
    timed("silhouette (scikit-learn, 5,000-row sample, as the scan)", lambda: scan
          .SilhouetteSample(data, scan.SILHOUETTE_SAMPLE, 0).silhouette(km), res)
    timed("WSS/BSS/CH/WB + Davies-Bouldin (two aggregations)",
          lambda: scan.cluster_stats(pred, dim), res)
    data.unpersist()
    raw.unpersist()
    timed("custseg.spark.run kmeans k=6 (all)", lambda: spark_run(
        str(path), spark=spark, k=K, algorithms=["kmeans"], stability=False).assigned.count(),
        res)
    jvm = jvm_peak_gb(spark)
    print(f"  JVM peak RSS so far: {jvm:.2f} GB" if jvm else "  JVM peak RSS: n/a")

    from custseg.workflow import run as local_run

    result = timed("LOCAL custseg.workflow.run k=6", lambda: local_run(
        frame, k=K, algorithms=["kmeans"], stability=False, report=False), res)
    print("    local stages:", {k: round(v, 1) for k, v in result.timings.items()})
    res["jvm_peak_gb"] = jvm or float("nan")
    res["python_peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    print(f"  peak RSS: JVM {res['jvm_peak_gb']:.2f} GB, Python {res['python_peak_gb']:.2f} GB",
          flush=True)
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k only")
    parser.add_argument("--sizes", default=None, help="comma-separated, e.g. 100000,1000000")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--families", default="kmeans,bisecting,gmm",
                        help="MLlib fits to time one by one (KMeans always runs); e.g. "
                             "--families kmeans at 5M, where BisectingKMeans alone takes ~20 min")
    args = parser.parse_args()
    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes else
             [100_000] if args.quick else [100_000, 1_000_000, 5_000_000])
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from custseg.spark import get_session

    clock = time.perf_counter()
    spark = get_session(args.master, {"spark.driver.memory": args.driver_memory,
                                      "spark.sql.shuffle.partitions": "8"})
    start = time.perf_counter() - clock
    print(f"JVM + SparkSession start ({args.master}): {start:.1f} s")
    folder = Path(tempfile.mkdtemp(prefix="custseg-spark-bench-"))
    table = {}
    try:
        for n in sizes:
            table[n] = bench_size(spark, n, folder, set(args.families.split(",")))
    finally:
        spark.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print("\nsummary (seconds; growth factor vs previous size in brackets)")
    keys = list(dict.fromkeys(k for res in table.values() for k in res))
    prev = None
    for n, res in table.items():
        cells = []
        for key in keys:
            if key not in res:
                continue
            grow = f" (x{res[key] / prev[key]:.1f})" if prev and prev.get(key) else ""
            cells.append(f"{key}={res[key]:.1f}{grow}")
        print(f"n={n:,}: " + "; ".join(cells))
        prev = res


if __name__ == "__main__":
    main()

"""Which BLAS MLlib uses, and one GaussianMixture and one KMeans fit (k=6) at 1M x 12.

Run it once as is (Java BLAS) and once after installing a native BLAS (Debian:
``apt-get install libopenblas0``, which provides libblas.so.3) to compare; see
docs/spark.md for the numbers measured on this project's machine.

    .venv/bin/python bench/spark_blas.py [n]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed_spark import make_table


def main() -> None:
    from pyspark.ml.clustering import GaussianMixture, KMeans
    from pyspark.ml.feature import VectorAssembler

    from custseg.spark import get_session

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    spark = get_session("local[2]", {"spark.driver.memory": "8g",
                                     "spark.sql.shuffle.partitions": "8"})
    try:
        blas = spark._jvm.dev.ludovic.netlib.blas.BLAS.getInstance().getClass().getName()
        print("MLlib BLAS:", blas, flush=True)
        frame = make_table(n)
        path = Path(tempfile.mkdtemp(prefix="custseg-blas-")) / "table.parquet"
        frame.to_parquet(path, index=False)
        columns = [c for c in frame.columns if c != "customer_id"]
        data = VectorAssembler(inputCols=columns, outputCol="features").transform(
            spark.read.parquet(str(path))).select("features").cache()
        data.count()
        start = time.perf_counter()
        gm = GaussianMixture(k=6, seed=0, maxIter=100, tol=1e-3).fit(data)
        t_gm = time.perf_counter() - start
        start = time.perf_counter()
        km = KMeans(k=6, seed=0, maxIter=100, tol=1e-4).fit(data)
        t_km = time.perf_counter() - start
        print(f"n={n:,}: GaussianMixture {t_gm:.1f} s ({gm.summary.numIter} iterations); "
              f"KMeans {t_km:.1f} s ({km.summary.numIter} iterations)")
    finally:
        spark.stop()


if __name__ == "__main__":
    main()

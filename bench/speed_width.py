"""Wide tables: time loading, schema inference and preprocessing against the column count.

Issue 19 measured 300 rows x 2,000 columns at 188 s and x 10,000 columns as not
finishing in 400 s. Loading and role inference must be linear in the number
of columns; this prints the seconds per stage for each width so the slope
(seconds per 1,000 columns) can be read off.

Usage::

    python bench/speed_width.py                 # 300 rows x 2,000 and 10,000 columns
    python bench/speed_width.py --cols 500 1000 --rows 300 --stages load schema

Stages: ``load`` (CSV -> DataFrame with custseg.data.load), ``schema``
(infer_schema), ``preprocess`` (CustomerPreprocessor.fit_transform without
feature selection) and ``run`` (custseg.run, k=2, kmeans, no report, no
stability: includes feature selection).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def wide_frame(n_rows: int, n_cols: int, seed: int = 0) -> pd.DataFrame:
    """A random table: a quarter each of floats, counts, 3-level text and skewed amounts."""
    rng = np.random.default_rng(seed)
    columns = {"customer_id": [f"C{i:06d}" for i in range(n_rows)]}
    for j in range(n_cols - 1):
        kind = j % 4
        if kind == 0:
            columns[f"x{j}"] = rng.normal(size=n_rows)
        elif kind == 1:
            columns[f"n{j}"] = rng.integers(0, 50, n_rows)
        elif kind == 2:
            columns[f"c{j}"] = rng.choice(["a", "b", "c"], n_rows)
        else:
            columns[f"f{j}"] = rng.lognormal(size=n_rows)
    return pd.DataFrame(columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--cols", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--stages", nargs="+", default=["load", "schema", "preprocess"],
                        choices=["load", "schema", "preprocess", "run"])
    args = parser.parse_args()

    from custseg.data import infer_schema, load
    from custseg.preprocess import PreprocessOptions, build_preprocessor

    for n_cols in args.cols:
        frame = wide_frame(args.rows, n_cols)
        times: dict[str, float] = {}
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "wide.csv"
            frame.to_csv(path, index=False)
            if "load" in args.stages:
                start = time.perf_counter()
                frame = load(path)
                times["load"] = time.perf_counter() - start
            if "schema" in args.stages or "preprocess" in args.stages:
                start = time.perf_counter()
                schema = infer_schema(frame)
                times["schema"] = time.perf_counter() - start
                roles = pd.Series([c.role for c in schema]).value_counts().to_dict()
            if "preprocess" in args.stages:
                start = time.perf_counter()
                prep = build_preprocessor(schema, PreprocessOptions(select_features=False))
                prep.fit_transform(frame)
                times["preprocess"] = time.perf_counter() - start
            if "run" in args.stages:
                import custseg

                start = time.perf_counter()
                custseg.run(frame, k=2, algorithms=["kmeans"], report=False, stability=False)
                times["run"] = time.perf_counter() - start
        text = ", ".join(f"{k} {v:.1f} s ({1000 * v / n_cols:.2f} s per 1,000 columns)"
                         for k, v in times.items())
        print(f"{args.rows} rows x {n_cols:,} columns: {text}; roles {roles}", flush=True)


if __name__ == "__main__":
    main()

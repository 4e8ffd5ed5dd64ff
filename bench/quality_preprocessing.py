"""Quality of the automatic preprocessing: ARI on make_customers, auto vs naive.

Both pipelines feed the same k-means, with k chosen by the silhouette score on
a 2000-row sample over k = 2..10 (a stand-in for the real Segmenter):

* auto  : custseg.preprocess.build_preprocessor(schema) (feature selection on)
* naive : every non-id feature column as it is: numbers (latitude/longitude
          included) median-imputed and standard-scaled; everything else
          (categories, binaries, dates as text) one-hot encoded and
          standard-scaled (unit-variance dummies).

Run:  .venv/bin/python bench/quality_preprocessing.py [--quick] [--seeds 12]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from custseg.data import infer_schema
from custseg.datasets import make_customers
from custseg.preprocess import PreprocessOptions, build_preprocessor


def choose_k_and_cluster(X: np.ndarray, seed: int, ks=range(2, 11)) -> tuple[int, np.ndarray]:
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(X), size=min(2000, len(X)), replace=False)
    best = (-2.0, 2, None)
    for k in ks:
        model = KMeans(k, n_init=4, random_state=seed).fit(X)
        score = silhouette_score(X[sample], model.labels_[sample])
        if score > best[0]:
            best = (score, k, model.labels_)
    return best[1], best[2]


def naive_matrix(frame, schema) -> np.ndarray:
    numeric = schema.names("numeric", "latitude", "longitude")
    other = schema.names("categorical", "binary", "datetime")
    table = frame[numeric + other].copy()
    for col in other:
        table[col] = table[col].astype(str)
    ct = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", make_pipeline(OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                              StandardScaler()), other),
    ])
    return ct.fit_transform(table)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="4 seeds instead of 12")
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    n_seeds = 4 if args.quick else args.seeds
    rows = []
    print(f"{'seed':>4} {'k':>2} | {'auto k':>6} {'auto ARI':>8} | {'naive k':>7} "
          f"{'naive ARI':>9} | {'fit s':>5} | dropped as irrelevant")
    for seed in range(n_seeds):
        k = 3 + seed % 6
        frame, truth = make_customers(args.n, k=k, seed=seed, return_labels=True)
        schema = infer_schema(frame)
        t0 = time.perf_counter()
        prep = build_preprocessor(schema, PreprocessOptions(random_state=seed))
        X = prep.fit_transform(frame)
        fit_s = time.perf_counter() - t0
        with threadpool_limits(limits=1):
            k_auto, lab_auto = choose_k_and_cluster(X, seed)
            k_naive, lab_naive = choose_k_and_cluster(naive_matrix(frame, schema), seed)
        ari_auto = adjusted_rand_score(truth, lab_auto)
        ari_naive = adjusted_rand_score(truth, lab_naive)
        irrelevant = [c for c, r in prep.features_dropped_.items() if r.startswith("no segment")]
        rows.append((ari_auto, ari_naive))
        print(f"{seed:>4} {k:>2} | {k_auto:>6} {ari_auto:>8.3f} | {k_naive:>7} {ari_naive:>9.3f}"
              f" | {fit_s:>5.1f} | {', '.join(irrelevant)}")
    arr = np.asarray(rows)
    print(f"median ARI  auto {np.median(arr[:, 0]):.3f}   naive {np.median(arr[:, 1]):.3f}   "
          f"(mean auto {arr[:, 0].mean():.3f}, naive {arr[:, 1].mean():.3f}; {n_seeds} seeds, "
          f"n={args.n})")


if __name__ == "__main__":
    main()

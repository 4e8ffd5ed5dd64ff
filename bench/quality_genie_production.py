"""The Genie switch on the production path (issue #21): the real Segmenter on every set.

``bench/quality_k.py --genie`` measures switch rules by replay over cached scans;
this script checks the wired product instead: the default :class:`Segmenter`
(stability refits off, as in quality_k's scans) on the Gagolewski batteries (and,
with ``--only shapes,gauss``, quality_k's generated 2-D/3-D sets), scored as
quality_k scores them (best ARI over the reference labellings, noise ignored),
next to K-means given the true k. One line per set, then the means per family
and split.

    nice .venv/bin/python bench/quality_genie_production.py [--only battery,shapes,gauss,franti]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality_k as qk  # the bench's data, sampling and scoring


def sets(parts: set[str]):
    if "battery" in parts:
        names = [("fcps", b) for b in qk.battery_names("fcps")] + \
                [("uci", b) for b in qk.battery_names("uci")] + \
                [("sipu", b) for b in qk.SIPU_SHAPED]
        for bat, name in names:
            yield "battery", name, lambda bat=bat, name=name: qk._bench(bat, name, qk._zscore)
    if "shapes" in parts:
        for name in qk.SHAPES:
            yield "shapes", name, lambda name=name: qk._shape(name)
    if "gauss" in parts:
        for name in qk.GAUSS:
            yield "gauss", name, lambda name=name: qk._gauss(name)
    if "franti" in parts:  # as quality_k scans them: k 2..30, no marketing floor
        for name in qk.FRANTI:
            yield "franti", name, lambda name=name: qk._bench("sipu", name, qk.standardize)


#: Segmenter options per family (the Fränti sets are benchmarks with up to 50
#: clusters, some of 1.5 %: measured as quality_k measures them)
OPTIONS = {"franti": {"k": list(range(2, 31)), "min_segment_share": 0.0,
                      "min_segment_customers": 0}}


def main() -> None:
    from sklearn.cluster import KMeans

    from custseg.selection import Segmenter

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="battery")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    rows = []
    for family, name, load in sets({s.strip() for s in args.only.split(",")}):
        X, refs = qk._sample(*load())
        t0 = time.perf_counter()
        seg = Segmenter(random_state=0, n_threads=1, n_stability=0,
                        **OPTIONS.get(family, {})).fit(X)
        seconds = time.perf_counter() - t0
        ari = qk.best_ari(refs, seg.labels_)
        km = max(qk.best_ari([r], KMeans(len(np.unique(r[r != 0])), n_init=10,
                                          random_state=0).fit_predict(X)) for r in refs)
        rows.append((family, qk.split_of(name), name, seg.algorithm_, seg.n_clusters_, ari, km))
        print(f"{family:8s} {qk.split_of(name):9s} {name:18s} {seg.algorithm_:9s} "
              f"k={seg.n_clusters_:2d} ARI {ari:.3f}  km@true {km:.3f}  {seconds:5.1f}s",
              flush=True)
    for family in dict.fromkeys(r[0] for r in rows):
        for split in ("tune", "held-out", "all"):
            sub = [r for r in rows if r[0] == family and (split == "all" or r[1] == split)]
            if sub:
                print(f"{family:8s} {split:9s} n={len(sub):2d}  mean ARI "
                      f"{np.mean([r[5] for r in sub]):.3f}  km@true "
                      f"{np.mean([r[6] for r in sub]):.3f}  genie chosen "
                      f"{sum(r[3] == 'genie' for r in sub)}")


if __name__ == "__main__":
    main()

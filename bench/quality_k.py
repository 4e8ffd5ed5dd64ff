"""How often does automatic selection find the true number of segments?

Runs the Segmenter on the ten Franti sets (k scanned 2..60), the fcps and uci
batteries (k 2..12) and synthetic customer-like tables (k 3..12, several
seeds), and prints exact-k hits and ARI next to single-index baselines
computed in the same run on plain scikit-learn fits, as common tools do:
silhouette-max, CH-max, gap (Tibshirani 1-SE), elbow (kneedle on inertia)
with KMeans(n_init="auto"), and BIC-min with GaussianMixture(full).

    .venv/bin/python bench/quality_k.py --quick
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score
from sklearn.mixture import GaussianMixture

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    FRANTI,
    battery_names,
    load_benchmark,
    make_customer_like,
    standardize,
)

from custseg.evaluate import gap_statistic, silhouette
from custseg.selection import Segmenter, threads_in_use


def best_ari(labels_list: list[np.ndarray], pred: np.ndarray) -> float:
    """ARI against each reference labelling (noise 0 rows excluded); keep the best."""
    out = []
    for ref in labels_list:
        keep = ref != 0
        out.append(adjusted_rand_score(ref[keep], pred[keep]))
    return max(out)


def true_ks(labels_list: list[np.ndarray]) -> set[int]:
    return {len(np.unique(lab[lab != 0])) for lab in labels_list}


def kneedle(ks: np.ndarray, inertia: np.ndarray) -> int:
    """Knee of a decreasing convex curve: max distance below the chord (Satopaa et al.)."""
    x = (ks - ks.min()) / (ks.max() - ks.min())
    y = (inertia - inertia.min()) / (inertia.max() - inertia.min())
    return int(ks[np.argmax((1 - x) - y)])


def baselines(X: np.ndarray, ks: list[int], seed: int, with_gmm: bool, with_gap: bool) -> dict:
    """k chosen by single indices on plain library fits (what common tools do)."""
    sil, ch, inert, bic, gaps = [], [], [], [], []
    for k in ks:
        km = KMeans(k, n_init="auto", random_state=seed).fit(X)
        sil.append(silhouette(X, km.labels_, sample_size=3000, random_state=seed))
        ch.append(calinski_harabasz_score(X, km.labels_))
        inert.append(km.inertia_)
        if with_gap:
            gaps.append(gap_statistic(X, km.labels_, k, n_refs=5, random_state=seed,
                                      sample_size=2000))
        if with_gmm:
            bic.append(GaussianMixture(k, random_state=seed).fit(X).bic(X))
    ka = np.array(ks)
    out = {"sil_max": int(ka[np.nanargmax(sil)]), "ch_max": int(ka[np.argmax(ch)]),
           "elbow": kneedle(ka, np.array(inert))}
    if with_gap:
        g = np.array([v[0] for v in gaps])
        s = np.array([v[1] for v in gaps])
        gap1 = gap_statistic(X, np.zeros(len(X)), 1, n_refs=5, random_state=seed,
                             sample_size=2000)[0]
        full_g = np.r_[gap1, g]
        full_s = np.r_[0, s]
        full_k = np.r_[1, ka]
        pick = full_k[-1]
        for i in range(len(full_k) - 1):
            if full_g[i] >= full_g[i + 1] - full_s[i + 1]:
                pick = full_k[i]
                break
        out["gap"] = int(pick)
    if with_gmm:
        out["bic_min"] = int(ka[np.argmin(bic)])
    return out


def run_set(name, X, refs, k_range, args, with_gmm_baseline: bool) -> dict:
    t0 = time.perf_counter()
    seg = Segmenter(algorithms=args.algorithms, k=k_range, random_state=0,
                    n_threads=args.threads).fit(X)
    secs = time.perf_counter() - t0
    tk = true_ks(refs)
    res = {"name": name, "true": sorted(tk), "k": seg.n_clusters_, "algo": seg.algorithm_,
           "hit": seg.n_clusters_ in tk, "ari": best_ari(refs, seg.labels_),
           "structure": seg.selection_.structure_found, "conf": seg.selection_.confidence,
           "density": seg.selection_.evidence.get("density_check"),
           "secs": secs, "table": seg.candidates_}
    print("  done:", line(res), flush=True)  # progress; baselines follow in the report
    if not args.no_baselines:
        ks = list(range(k_range[0], k_range[1] + 1))
        res["base"] = baselines(X, ks, 0, with_gmm_baseline, with_gap=not args.quick)
    return res


def line(r: dict) -> str:
    base = " ".join(f"{k}={v}" for k, v in r.get("base", {}).items())
    d = r.get("density")
    dens = "-" if d is None else f"{d['groups']}{'!' if d['fired'] else ''}"
    return (f"{r['name']:22s} true={r['true']!s:10s} chosen={r['algo']}:{r['k']:<3d} "
            f"hit={'Y' if r['hit'] else '-'} ARI={r['ari']:.3f} conf={r['conf']:6s} "
            f"structure={r['structure']!s:5s} density={dens:4s} {r['secs']:6.1f}s | {base}")


def report(title: str, results: list[dict]) -> None:
    print(f"\n== {title} ==")
    for r in results:
        print(line(r))
    hits = sum(r["hit"] for r in results)
    aris = [r["ari"] for r in results]
    fired = sum(bool(r.get("density") and r["density"]["fired"]) for r in results)
    print(f"-> custseg exact k: {hits}/{len(results)}, median ARI {np.median(aris):.3f}, "
          f"mean ARI {np.mean(aris):.3f}; density check fired on {fired} "
          "(density=HDBSCAN groups, ! = fired)")
    if results and "base" in results[0]:
        for b in results[0]["base"]:
            bh = sum(r["base"][b] in r["true"] for r in results)
            print(f"   baseline {b:8s} exact k: {bh}/{len(results)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer sets, no gap/GMM baselines")
    ap.add_argument("--algorithms", default="kmeans,hierarchical,gmm")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", default="franti,fcps,uci,synthetic")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--all-franti", action="store_true", help="all ten Franti sets in --quick")
    args = ap.parse_args()
    args.algorithms = tuple(args.algorithms.split(","))
    parts = args.only.split(",")
    print(f"threads={args.threads} (library default would be {threads_in_use()}), "
          f"algorithms={args.algorithms}")
    if "franti" in parts:
        quick_sets = ("s1", "s4", "a3", "unbalance", "r15")
        sets = quick_sets if args.quick and not args.all_franti else FRANTI
        out = []
        for name in sets:
            X, refs = load_benchmark("sipu", name)
            out.append(run_set(name, standardize(X), refs, (2, 60), args,
                               with_gmm_baseline=not args.quick))
        report("Franti sets, k in 2..60", out)
    for battery in ("fcps", "uci"):
        if battery in parts and not args.quick:
            out = []
            for name in battery_names(battery):
                X, refs = load_benchmark(battery, name)
                X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1)
                out.append(run_set(name, X, refs, (2, 12), args, with_gmm_baseline=True))
            report(f"{battery} battery, k in 2..12", out)
    if "synthetic" in parts:
        seeds = (0,) if args.quick else (0, 1, 2)
        out = []
        for seed in seeds:
            for k in range(3, 13):
                X, y = make_customer_like(3000, k, seed)
                out.append(run_set(f"blobs k={k} seed={seed}", X, [y + 1], (2, 12), args,
                                   with_gmm_baseline=not args.quick))
        report("synthetic customer-like tables (3000 rows)", out)


if __name__ == "__main__":
    main()

"""Does "high / medium / low" confidence mean something? (issue #15)

Runs custseg with its defaults on a mix of synthetic and real data and prints,
for each confidence level, how many runs got it and how often the result was
*useful*. "Useful" is fixed here, before looking at any number:

* with truth labels (synthetic tables, benchmark batteries): the adjusted Rand
  index against the truth is at least 0.5 (best over the reference labellings,
  noise points ignored, as the Gagolewski suite scores);
* without truth (the real shared tables): all three of
  - not degenerate (the degenerate check did not fire),
  - the smallest segment holds at least the minimum segment share (2 %),
  - stable: the chosen segmentation's mean ARI over bootstrap refits (the
    Segmenter's stability step, or a 5-refit bootstrap here when it was not
    measured) is at least 0.75.

Datasets: the overlap-controlled customer generator of ``bench/quality_k.py``
(well / moderate / touching), ``make_customers``, a subset of the fcps / uci /
shaped sipu batteries (Segmenter on standardised data, default options), and
the real tables of ``bench/real_datasets.py`` that are customer tables. Tables
are sampled to at most 5,000 rows (seeded), stability refits on.

Each run's selection record (``SelectionResult``) is pickled in /tmp, so the
confidence rule can be replayed after a change of ``confidence_of`` without
re-running the scans: the table shows the confidence recorded at scan time and
the confidence the current code derives from the same record.

    nice .venv/bin/python bench/calibration.py --scan   # build the cache (slow)
    .venv/bin/python bench/calibration.py               # table from the cache
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_benchmark, shared_dir
from quality_k import (
    LEVELS,
    MAX_ROWS,
    _zscore,
    best_ari,
    make_overlap_customers,
)

CACHE = Path("/tmp/custseg_calibration")
USEFUL_ARI = 0.5
MIN_SHARE = 0.02
STABLE = 0.75
BATTERY = [("fcps", "hepta"), ("fcps", "lsun"), ("fcps", "target"), ("fcps", "engytime"),
           ("uci", "wine"), ("uci", "glass"), ("uci", "yeast"), ("sipu", "aggregation"),
           ("sipu", "spiral"), ("sipu", "unbalance")]
REAL = {
    "mall": "mall_customers/Mall_Customers.csv",
    "wholesale": "wholesale_customers/Wholesale customers data.csv",
    "personality": "customer_personality/marketing_campaign.csv",
    "bank_churners": "bank_churners/BankChurners.csv",
    "iranian_churn": "iranian_churn/Customer Churn.csv",
    "german_credit": "german_credit/german.data",
}


def _sample_frame(frame, truth=None):
    if len(frame) <= MAX_ROWS:
        return frame, truth
    keep = np.sort(np.random.RandomState(0).choice(len(frame), MAX_ROWS, replace=False))
    return frame.iloc[keep].reset_index(drop=True), None if truth is None else truth[keep]


def _stability_of(selection, X, labels) -> float:
    """The Segmenter's measured stability of the choice, else a 5-refit bootstrap."""
    stab = selection.evidence.get("stability")
    if stab is not None and np.isfinite(stab):
        return float(stab)
    from sklearn.cluster import KMeans

    from custseg.evaluate import bootstrap_stability

    k = len(np.unique(labels[labels >= 0]))
    return float(bootstrap_stability(X, KMeans(k, n_init=3, random_state=0), n_boot=5,
                                     random_state=0, labels=labels, max_rows=2000).mean_ari)


def run_table(name: str, frame, truth, family: str) -> dict:
    from custseg.workflow import run

    frame, truth = _sample_frame(frame, truth)
    result = run(frame, seed=0, stability=False, report=False)
    sel = result.segmenter.selection_
    labels = np.asarray(result.labels)
    out = {"name": name, "family": family, "selection": sel, "k": int(result.k),
           "min_share": _min_share(labels)}
    if truth is not None:
        out["ari"] = best_ari([np.asarray(truth) + 1], labels)
    else:
        out["degenerate"] = bool((sel.evidence.get("degenerate_check") or {}).get("fired"))
        out["stability"] = _stability_of(sel, np.asarray(result.X), labels)
    return out


def run_matrix(name: str, battery: str, family: str) -> dict:
    from custseg.selection import Segmenter

    X, refs = load_benchmark(battery, name)
    if len(X) > MAX_ROWS:
        rows = np.sort(np.random.RandomState(0).choice(len(X), MAX_ROWS, replace=False))
        X, refs = X[rows], [r[rows] for r in refs]
    seg = Segmenter(random_state=0, n_threads=1).fit(_zscore(X))
    labels = seg.labels_
    return {"name": name, "family": family, "selection": seg.selection_,
            "k": int(seg.n_clusters_), "min_share": _min_share(labels),
            "ari": best_ari(refs, labels)}


def _min_share(labels: np.ndarray) -> float:
    sizes = np.bincount(labels[labels >= 0])
    sizes = sizes[sizes > 0]
    return float(sizes.min() / len(labels)) if len(sizes) else 0.0


def useful(r: dict) -> bool:
    """The definition in the module docstring."""
    if "ari" in r:
        return r["ari"] >= USEFUL_ARI
    return (not r["degenerate"]) and r["min_share"] >= MIN_SHARE - 1e-12 and \
        r["stability"] >= STABLE


def jobs(seeds: int) -> list[tuple[str, Callable[[], dict]]]:
    from custseg.data import load
    from custseg.datasets import make_customers

    out = []
    for level, sep in LEVELS.items():
        for k in (4, 6):
            for seed in range(seeds):
                name = f"overlap_{level}_k{k}_s{seed + 10}"
                out.append((name, lambda name=name, k=k, sep=sep, seed=seed: run_table(
                    name, *make_overlap_customers(2000, k, sep, seed + 10), "overlap")))
    for k in (4, 8):
        for seed in range(seeds):
            name = f"make_customers_k{k}_s{seed + 10}"
            out.append((name, lambda name=name, k=k, seed=seed: run_table(
                name, *make_customers(2000, k=k, seed=seed + 10, return_labels=True),
                "custgen")))
    for battery, name in BATTERY:
        out.append((f"{battery}_{name}", lambda battery=battery, name=name:
                    run_matrix(name, battery, "battery")))
    for name, rel in REAL.items():
        out.append((f"real_{name}", lambda name=name, rel=rel: run_table(
            name, load(shared_dir() / rel), None, "real")))
    return out


def table(results: list[dict], which: str) -> None:
    print(f"\nconfidence {which}: runs and share useful (useful = ARI >= {USEFUL_ARI} with "
          f"truth; not degenerate, smallest segment >= {MIN_SHARE:.0%} and refit ARI >= "
          f"{STABLE} without)")
    print(f"{'level':8s} {'runs':>5s} {'useful':>7s} {'share':>6s} | by family (useful/runs)")
    for level in ("high", "medium", "low"):
        rs = [r for r in results if r[which] == level]
        ok = sum(useful(r) for r in rs)
        fams = {}
        for r in rs:
            u, t = fams.get(r["family"], (0, 0))
            fams[r["family"]] = (u + useful(r), t + 1)
        share = f"{ok / len(rs):.0%}" if rs else "-"
        print(f"{level:8s} {len(rs):5d} {ok:7d} {share:>6s} | "
              + ", ".join(f"{f} {u}/{t}" for f, (u, t) in sorted(fams.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scan", action="store_true", help="run the datasets missing from the cache")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--match", default="", help="only datasets whose key contains this")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    results = []
    for key, job in jobs(args.seeds):
        if args.match not in key:
            continue
        path = CACHE / f"{key}.pkl"
        if args.scan and not path.exists():
            t0 = time.perf_counter()
            try:
                rec = job()
            except Exception as err:  # report and go on
                print(f"  {key}: ERROR {type(err).__name__}: {str(err)[:160]}", flush=True)
                continue
            path.write_bytes(pickle.dumps(rec))
            print(f"  ran {key} in {time.perf_counter() - t0:.0f}s", flush=True)
        if not path.exists():
            continue
        rec = pickle.loads(path.read_bytes())
        sel = rec["selection"]
        rec["at_scan"] = sel.confidence
        rec["replayed"] = sel.refresh().confidence
        results.append(rec)
        if args.verbose:
            what = (f"ARI={rec['ari']:.3f}" if "ari" in rec else
                    f"degenerate={rec['degenerate']} stability={rec['stability']:.2f}")
            print(f"{key:32s} k={rec['k']:<3d} min seg={rec['min_share']:5.1%} {what:32s} "
                  f"useful={'Y' if useful(rec) else '-'} conf {rec['at_scan']} -> "
                  f"{rec['replayed']}  capped by {sel.evidence.get('confidence_capped_by')}")
    print(f"{len(results)} runs")
    table(results, "at_scan")
    table(results, "replayed")


if __name__ == "__main__":
    main()

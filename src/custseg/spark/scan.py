"""The scan over algorithms x k with MLlib, its indices, stability and the choice.

Indices are computed without any O(n^2) step: per-segment means and variances
come from one ``Summarizer`` aggregation, giving the within (WSS) and between
(BSS) sums of squares, Calinski-Harabasz ``(BSS/(k-1)) / (WSS/(n-k))`` and a
Davies-Bouldin index on root-mean-square scatter. The silhouette is Spark's
``ClusteringEvaluator`` with squared Euclidean distance: exact for that
distance but *not* comparable with scikit-learn's (Euclidean) silhouette.
Mixtures also get BIC from their log-likelihood. Stability: the candidate is
refitted on random halves and compared with its own labels on those rows by
the adjusted Rand index, from a contingency table aggregated in Spark.

Selection rule (simpler than the local engine's): among candidates whose
smallest segment holds at least ``min_share`` of the customers, rank by
silhouette (ties: smaller k); with stability on, the best-ranked of the top
three whose mean ARI is >= 0.8 wins, else the most stable of them.

Example
-------
>>> round(ari_from_table(np.array([[5, 0], [0, 5]])), 3)
1.0
>>> round(ari_from_table(np.array([[3, 2], [2, 3]])), 3)
-0.08
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from custseg.exceptions import ConfigError

#: custseg algorithm name -> MLlib family used for it.
SPARK_ALGORITHMS = {"kmeans": "kmeans", "minibatch_kmeans": "kmeans",
                    "bisecting_kmeans": "bisecting_kmeans", "hierarchical": "bisecting_kmeans",
                    "ward": "bisecting_kmeans", "gmm": "gmm"}
KMEANS_MAX_ITER, KMEANS_TOL = 100, 1e-4
BISECT_MAX_ITER = 50
GMM_MAX_ITER, GMM_TOL = 100, 1e-3
STABLE_ARI, TOP_FOR_STABILITY, REFITS = 0.8, 3, 2


def ari_from_table(table: np.ndarray) -> float:
    """Adjusted Rand index from a contingency table (rows: labels A, columns: labels B)."""
    table = np.asarray(table, dtype=float)
    n = table.sum()

    def pairs(x):
        return float((x * (x - 1) / 2).sum())

    index = pairs(table)
    a, b = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = a * b / (n * (n - 1) / 2) if n > 1 else 0.0
    best = (a + b) / 2
    return 1.0 if best == expected else float((index - expected) / (best - expected))


def families(algorithms: list[str]) -> tuple[list[str], list[str]]:
    """(MLlib families to scan, in order, without repeats; decisions about the mapping)."""
    out, notes = [], []
    for name in algorithms:
        family = SPARK_ALGORITHMS.get(name)
        if family is None:
            notes.append(f"algorithm {name!r} has no Spark version: skipped")
        else:
            if family != name:
                notes.append(f"algorithm {name!r} runs as MLlib {family} on Spark")
            if family not in out:
                out.append(family)
    if not out:
        raise ConfigError(f"none of the algorithms {algorithms} runs on Spark",
                          where="--algorithms",
                          fix="use kmeans, bisecting_kmeans/hierarchical or gmm with "
                              "--engine spark")
    return out, notes


def estimator(family: str, k: int, seed: int):
    """The MLlib estimator of ``family`` with deliberate iteration limits."""
    from pyspark.ml.clustering import BisectingKMeans, GaussianMixture, KMeans

    if family == "kmeans":
        return KMeans(k=k, seed=seed, maxIter=KMEANS_MAX_ITER, tol=KMEANS_TOL,
                      initMode="k-means||", initSteps=2, featuresCol="features")
    if family == "bisecting_kmeans":
        return BisectingKMeans(k=k, seed=seed, maxIter=BISECT_MAX_ITER, featuresCol="features")
    return GaussianMixture(k=k, seed=seed, maxIter=GMM_MAX_ITER, tol=GMM_TOL,
                           featuresCol="features")


@dataclass
class Candidate:
    """One fitted algorithm x k and its scores."""

    algorithm: str
    k: int
    model: Any
    scores: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Row of ``candidates`` in summary.json."""
        return {"algorithm": self.algorithm, "k": self.k, **self.scores}


def _iterations(model, family: str) -> tuple[int | None, bool | None]:
    try:
        n_iter = int(model.summary.numIter)
    except Exception:
        return None, None
    limit = KMEANS_MAX_ITER if family == "kmeans" else GMM_MAX_ITER
    return n_iter, n_iter < limit


def cluster_stats(pred, n_features: int) -> dict[str, Any]:
    """Sizes, WSS, BSS, Calinski-Harabasz and Davies-Bouldin (RMS) from one aggregation."""
    from pyspark.ml.stat import Summarizer

    rows = (pred.groupBy("prediction")
            .agg(Summarizer.metrics("mean", "variance", "count").summary(pred["features"])
                 .alias("s")).collect())
    rows.sort(key=lambda r: r["prediction"])
    ids = [int(r["prediction"]) for r in rows]
    counts = np.array([r["s"]["count"] for r in rows], dtype=float)
    means = np.array([r["s"]["mean"].toArray() for r in rows]).reshape(len(rows), n_features)
    var = np.array([r["s"]["variance"].toArray() for r in rows]).reshape(len(rows), n_features)
    n, k = counts.sum(), len(rows)
    wss_c = np.maximum(counts - 1, 0) * np.nan_to_num(var).sum(axis=1)
    centre = (counts[:, None] * means).sum(axis=0) / n
    bss = float((counts * ((means - centre) ** 2).sum(axis=1)).sum())
    wss = float(wss_c.sum())
    ch = (bss / (k - 1)) / (wss / (n - k)) if k > 1 and n > k and wss > 0 else None
    db = None
    if k > 1:
        scatter = np.sqrt(wss_c / counts)
        dist = np.sqrt(((means[:, None, :] - means[None, :, :]) ** 2).sum(axis=2))
        np.fill_diagonal(dist, np.inf)
        db = float(np.mean(np.max((scatter[:, None] + scatter[None, :]) / dist, axis=1)))
    return {"sizes": dict(zip(ids, counts.astype(int).tolist(), strict=True)),
            "wss": wss, "bss": bss, "tss": wss + bss,
            "calinski_harabasz": ch, "davies_bouldin_rms": db,
            "explained_variance": bss / (wss + bss) if wss + bss > 0 else None,
            "means": dict(zip(ids, means, strict=True))}


def silhouette(pred, n_segments: int) -> float | None:
    """Spark's silhouette (squared Euclidean); None with fewer than two segments."""
    from pyspark.ml.evaluation import ClusteringEvaluator

    if n_segments < 2:
        return None
    return float(ClusteringEvaluator(featuresCol="features", predictionCol="prediction",
                                     metricName="silhouette",
                                     distanceMeasure="squaredEuclidean").evaluate(pred))


def score(model, family: str, data, n_features: int, seconds: float) -> dict[str, Any]:
    """Every index of one fitted candidate on ``data``."""
    pred = model.transform(data).select("features", "prediction")
    stats = cluster_stats(pred, n_features)
    n = sum(stats["sizes"].values())
    n_iter, converged = _iterations(model, family)
    out = {"silhouette_spark": silhouette(pred, len(stats["sizes"])),
           "calinski_harabasz": stats["calinski_harabasz"],
           "davies_bouldin_rms": stats["davies_bouldin_rms"],
           "wss": stats["wss"], "bss": stats["bss"],
           "explained_variance": stats["explained_variance"],
           "n_segments": len(stats["sizes"]),
           "min_share": min(stats["sizes"].values()) / n if n else None,
           "n_iter": n_iter, "converged": converged, "fit_s": round(seconds, 3), "bic": None}
    if family == "gmm":
        try:
            loglik = float(model.summary.logLikelihood)
        except Exception:
            loglik = None
        k, d = model.getK(), n_features
        params = k * d + k * d * (d + 1) / 2 + (k - 1)
        out["log_likelihood"] = loglik
        out["bic"] = None if loglik is None else -2 * loglik + params * np.log(n)
    return out


def stability(family: str, k: int, model, data, seed: int, refits: int = REFITS) -> list[float]:
    """ARI between refits on random halves and ``model``'s labels on the same rows."""
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    scores = []
    for r in range(refits):
        half = data.sample(fraction=0.5, seed=seed + 101 * (r + 1)).cache()
        try:
            refit = estimator(family, k, seed + 7 * (r + 1)).fit(half)
            refit.setPredictionCol("__cs_b")
            if family == "gmm":
                refit.setProbabilityCol("__cs_pb")
            both = refit.transform(model.transform(half).select("features", "prediction"))
            cells = both.groupBy("prediction", "__cs_b").agg(F.count("*").alias("n")).collect()
        finally:
            half.unpersist()
        a = sorted({c[0] for c in cells})
        b = sorted({c[1] for c in cells})
        table = np.zeros((len(a), len(b)))
        for row in cells:
            table[a.index(row[0]), b.index(row[1])] = row[2]
        scores.append(ari_from_table(table))
    return scores


def scan(data, n_features: int, fams: list[str], ks: list[int], seed: int,
         progress=None) -> list[Candidate]:
    """Fit every family x k on ``data`` (cached) and score it."""
    out = []
    total, done = len(fams) * len(ks), 0
    for family in fams:
        for k in ks:
            clock = time.perf_counter()
            model = estimator(family, k, seed).fit(data)
            seconds = time.perf_counter() - clock
            out.append(Candidate(family, k, model, score(model, family, data, n_features,
                                                         seconds)))
            done += 1
            if progress:
                progress("segment", done, total)
    return out


def choose(candidates: list[Candidate], data, *, min_share: float, use_stability: bool,
           seed: int) -> tuple[Candidate, dict[str, Any]]:
    """Apply the selection rule; return the winner and the ``selection`` record."""
    def key(c: Candidate):
        sil = c.scores["silhouette_spark"]
        return (-(sil if sil is not None else -np.inf), c.k)

    eligible = [c for c in candidates if (c.scores["min_share"] or 0) >= min_share]
    pool = eligible or candidates
    ranked = sorted(pool, key=key)
    chosen, reason = ranked[0], "highest Spark silhouette"
    if use_stability:
        top = ranked[:TOP_FOR_STABILITY]
        for c in top:
            aris = stability(c.algorithm, c.k, c.model, data, seed)
            c.scores["stability_ari"] = float(np.mean(aris))
            c.scores["stability_ari_runs"] = aris
        stable = [c for c in top if c.scores["stability_ari"] >= STABLE_ARI]
        if stable:
            chosen = stable[0]
            reason = (f"highest Spark silhouette among the top {len(top)} candidates that are "
                      f"stable (mean ARI on refits >= {STABLE_ARI})")
        else:
            chosen = max(top, key=lambda c: c.scores["stability_ari"])
            reason = (f"none of the top {len(top)} by silhouette reached ARI {STABLE_ARI}; "
                      "the most stable of them")
    if not eligible:
        reason += f" (no candidate kept every segment above {min_share:.0%} of customers)"
    runners = [{"algorithm": c.algorithm, "k": c.k,
                "silhouette_spark": c.scores["silhouette_spark"]}
               for c in ranked if c is not chosen][:3]
    record = {"algorithm": chosen.algorithm, "k": chosen.k, "reason": reason,
              "rule": "silhouette (Spark, squared Euclidean) among candidates whose smallest "
                      f"segment has >= {min_share:.0%} of customers, then stability "
                      f"(ARI >= {STABLE_ARI}) over the top {TOP_FOR_STABILITY}; differs from "
                      "the local engine's rule",
              "runners_up": runners, "structure_found": bool(
                  (chosen.scores["silhouette_spark"] or 0) > 0.25)}
    return chosen, record

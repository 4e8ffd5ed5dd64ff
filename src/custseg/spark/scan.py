"""The scan over algorithms x k with MLlib and its indices; the choice is the local one.

Indices are computed without any O(n^2) step: per-segment means and variances
come from one ``Summarizer`` aggregation, giving the within (WSS) and between
(BSS) sums of squares, Calinski-Harabasz ``(BSS/(k-1)) / (WSS/(n-k))`` and the
WB index ``k * WSS / BSS``; a second aggregation gives each segment's mean
distance to its centre for the Davies-Bouldin index (scikit-learn's
definition). The silhouette is scikit-learn's Euclidean silhouette on a seeded
sample of ``silhouette_sample`` rows, computed as the local engine does (one
distance matrix, :func:`custseg.evaluate.silhouette_from_distances`), so the
two engines' silhouettes are comparable. Mixtures also get BIC from their
log-likelihood. Stability: the candidate is refitted on random halves and
compared with its own labels on those rows by the adjusted Rand index, from a
contingency table aggregated in Spark.

The choice is not made here: :func:`select` builds the same candidates table
as the local ``Segmenter`` and calls :mod:`custseg.selection.decide`
(consensus of indices, minimum segment share and customer count, stability
guard, widening, structure and confidence), so both engines choose by one rule
and explain it with the same sentences. Differences by design: no gap
statistic and no ICL on Spark (structure then rests on the silhouette alone),
and stability is 2 refits on random halves instead of bootstrap refits.

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
import pandas as pd

from custseg.exceptions import ConfigError
from custseg.selection import SelectionResult, decide

#: custseg algorithm name -> MLlib family used for it.
SPARK_ALGORITHMS = {"kmeans": "kmeans", "minibatch_kmeans": "kmeans",
                    "bisecting_kmeans": "bisecting_kmeans", "hierarchical": "bisecting_kmeans",
                    "ward": "bisecting_kmeans", "gmm": "gmm"}
KMEANS_MAX_ITER, KMEANS_TOL = 100, 1e-4
BISECT_MAX_ITER = 50
GMM_MAX_ITER, GMM_TOL = 100, 1e-3
REFITS = 2
#: rows of the silhouette sample: the local Segmenter's ``silhouette_sample`` default
SILHOUETTE_SAMPLE = 5000


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
    sizes: list[int] = field(default_factory=list)  # rows per segment on the scan data

    def to_dict(self) -> dict[str, Any]:
        """Row of ``candidates`` in summary.json."""
        return {"algorithm": self.algorithm, "k": self.k, **self.scores}


def _iterations(model, family: str) -> tuple[int | None, bool | None]:
    try:
        n_iter = int(model.summary.numIter)
    except (AttributeError, RuntimeError, TypeError, ValueError):
        return None, None  # no training summary (e.g. a loaded model)
    limit = KMEANS_MAX_ITER if family == "kmeans" else GMM_MAX_ITER
    return n_iter, n_iter < limit


def cluster_stats(pred, n_features: int) -> dict[str, Any]:
    """Sizes, WSS, BSS, Calinski-Harabasz, WB and Davies-Bouldin from two aggregations."""
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
        scatter = _mean_distances(pred, ids, means)
        dist = np.sqrt(((means[:, None, :] - means[None, :, :]) ** 2).sum(axis=2))
        np.fill_diagonal(dist, np.inf)
        db = float(np.mean(np.max((scatter[:, None] + scatter[None, :]) / dist, axis=1)))
    return {"sizes": dict(zip(ids, counts.astype(int).tolist(), strict=True)),
            "wss": wss, "bss": bss, "tss": wss + bss,
            "calinski_harabasz": ch, "davies_bouldin": db,
            # WB index (Zhao & Franti), as the local engine: k * WSS / BSS, lower is better
            "wb_index": k * wss / bss if k > 1 and bss > 0 else None,
            "explained_variance": bss / (wss + bss) if wss + bss > 0 else None,
            "means": dict(zip(ids, means, strict=True))}


def _mean_distances(pred, ids: list[int], means: np.ndarray) -> np.ndarray:
    """Mean Euclidean distance of each segment's rows to its centre (one aggregation)."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F  # noqa: N812 - the usual Spark alias

    pairs = []
    for i, row in zip(ids, means, strict=True):
        pairs += [F.lit(i), F.array(*[F.lit(float(v)) for v in row])]
    centre = F.element_at(F.create_map(*pairs), F.col("prediction"))
    squares = F.zip_with(vector_to_array("features"), centre, lambda a, b: (a - b) * (a - b))
    dist = F.sqrt(F.aggregate(squares, F.lit(0.0), lambda acc, x: acc + x))
    got = {int(r[0]): float(r[1]) for r in
           pred.groupBy("prediction").agg(F.avg(dist)).collect()}
    return np.array([got[i] for i in ids])


class SilhouetteSample:
    """A seeded sample of the scan data and its distance matrix, for the silhouette.

    The same computation as the local engine: scikit-learn's Euclidean silhouette
    from one float32 distance matrix of at most ``size`` rows.
    """

    def __init__(self, data, size: int, seed: int, n: int | None = None):
        from pyspark.ml.linalg import Vectors, VectorUDT
        from pyspark.sql.types import LongType, StructField, StructType

        from custseg.evaluate import sample_distances

        n = data.count() if n is None else n
        part = data.sample(fraction=min(1.0, 1.3 * size / max(n, 1)), seed=seed) \
            if n > size else data
        X = np.array([r[0].toArray() for r in part.select("features").limit(size).collect()])
        self.X = X
        self.D = sample_distances(X)
        schema = StructType([StructField("__cs_i", LongType()),
                             StructField("features", VectorUDT())])
        rows = [(i, Vectors.dense(x.tolist())) for i, x in enumerate(X)]
        self.frame = data.sparkSession.createDataFrame(rows, schema).cache()

    def labels(self, model) -> np.ndarray:
        """``model``'s segment of each sampled row, in sample order."""
        got = model.transform(self.frame).select("__cs_i", "prediction").collect()
        out = np.empty(len(got), dtype=np.int64)
        for i, p in got:
            out[int(i)] = int(p)
        return out

    def silhouette(self, model) -> float | None:
        """Silhouette of ``model`` on the sample; None with fewer than two segments."""
        from custseg.evaluate import silhouette_from_distances

        lab = self.labels(model)
        if len(np.unique(lab)) < 2:
            return None
        return float(silhouette_from_distances(self.D, lab))

    def close(self) -> None:
        """Release the cached sample."""
        self.frame.unpersist()


def score(model, family: str, data, n_features: int, seconds: float,
          sil: SilhouetteSample | None = None) -> dict[str, Any]:
    """Every index of one fitted candidate on ``data`` (the silhouette on ``sil``)."""
    pred = model.transform(data).select("features", "prediction")
    stats = cluster_stats(pred, n_features)
    n = sum(stats["sizes"].values())
    n_iter, converged = _iterations(model, family)
    out = {"silhouette": sil.silhouette(model) if sil is not None else None,
           "calinski_harabasz": stats["calinski_harabasz"],
           "davies_bouldin": stats["davies_bouldin"], "wb_index": stats["wb_index"],
           "wss": stats["wss"], "bss": stats["bss"],
           "explained_variance": stats["explained_variance"],
           "n_segments": len(stats["sizes"]),
           "min_share": min(stats["sizes"].values()) / n if n else None,
           "sizes": [stats["sizes"][i] for i in sorted(stats["sizes"])],
           "n_iter": n_iter, "converged": converged, "fit_s": round(seconds, 3), "bic": None}
    if family == "gmm":
        try:
            loglik = float(model.summary.logLikelihood)
        except (AttributeError, RuntimeError, TypeError, ValueError):
            loglik = None  # no training summary: BIC unknown
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
         progress=None, sil: SilhouetteSample | None = None) -> list[Candidate]:
    """Fit every family x k on ``data`` (cached) and score it."""
    out = []
    total, done = len(fams) * len(ks), 0
    for family in fams:
        for k in ks:
            clock = time.perf_counter()
            model = estimator(family, k, seed).fit(data)
            seconds = time.perf_counter() - clock
            scores = score(model, family, data, n_features, seconds, sil)
            out.append(Candidate(family, k, model, scores, sizes=scores.pop("sizes")))
            done += 1
            if progress:
                progress("segment", done, total)
    return out


def candidates_table(candidates: list[Candidate]) -> pd.DataFrame:
    """The candidates table of :mod:`custseg.selection.decide`, one row per candidate.

    >>> candidates_table([Candidate("kmeans", 2, None, {"silhouette": 0.5, "n_segments": 2,
    ...                   "min_share": 0.4})])[["algorithm", "k", "silhouette", "n_found"]]
      algorithm  k  silhouette  n_found
    0    kmeans  2         0.5        2
    """
    def num(v) -> float:
        return np.nan if v is None else float(v)

    return pd.DataFrame([{
        "algorithm": c.algorithm, "k": c.k, "silhouette": num(c.scores.get("silhouette")),
        "calinski_harabasz": num(c.scores.get("calinski_harabasz")),
        "davies_bouldin": num(c.scores.get("davies_bouldin")),
        "wb_index": num(c.scores.get("wb_index")), "bic": num(c.scores.get("bic")),
        "stability": num(c.scores.get("stability_ari")),
        "n_found": int(c.scores.get("n_segments") or 0),
        "min_share": num(c.scores.get("min_share")), "fit_seconds": c.scores.get("fit_s"),
    } for c in candidates])


def select(data, n_features: int, fams: list[str], ks: list[int], seed: int, *,
           n_rows: int | None = None, min_share: float = decide.MIN_SEGMENT_SHARE,
           min_customers: int = decide.MIN_SEGMENT_CUSTOMERS, use_stability: bool = True,
           widen: bool = False, fixed_k: bool = False,
           silhouette_sample: int = SILHOUETTE_SAMPLE,
           progress=None) -> tuple[Candidate, SelectionResult, list[Candidate]]:
    """Scan, then choose by the local engine's rule; (winner, result, every candidate).

    ``n_rows``: customers in the whole table (the customer-count floor and the
    shares of the result refer to it; default: rows of ``data``). ``widen``: scan
    larger k when the best k sits at the top of ``ks`` with structure (as locally,
    for the default range only).
    """
    n_scan = data.count()
    n_rows = n_scan if n_rows is None else int(n_rows)
    options = decide.DecideOptions(min_segment_share=min_share, min_segment_customers=min_customers,
                            n_rows=n_rows, fixed_k=fixed_k)
    sil = SilhouetteSample(data, silhouette_sample, seed, n_scan)
    widened = None
    try:
        cands = scan(data, n_features, fams, ks, seed, progress, sil)
        table = decide.rank(candidates_table(cands), options)
        new_hi = decide.widen_to(table, ks, n_scan) if widen else None
        if new_hi is not None:
            extra = list(range(max(ks) + 1, new_hi + 1))
            cands += scan(data, n_features, fams, extra, seed, progress, sil)
            widened = {"from": int(max(ks)), "to": int(new_hi)}
            table = decide.rank(candidates_table(cands), options)
    finally:
        sil.close()
    if use_stability:
        for i in decide.stability_targets(table):
            c = cands[i]
            aris = stability(c.algorithm, c.k, c.model, data, seed)
            c.scores["stability_ari"] = float(np.mean(aris))
            c.scores["stability_ari_runs"] = aris
            table.loc[i, "stability"] = c.scores["stability_ari"]
    decision = decide.choose(table, options)
    chosen = next(c for c in cands if c.algorithm == decision.algorithm
                  and c.k == decision.k)
    runner = decision.runner_up
    runner_sizes = None
    if runner is not None:
        runner_sizes = next(c.sizes for c in cands if c.algorithm == runner["algorithm"]
                            and c.k == runner["k"])
    # sizes on the scan data, rescaled to the whole table so shares and counts refer to it
    scale = n_rows / max(sum(chosen.sizes), 1)
    result = decide.judge(decision, widened=widened,
                   sizes=[round(s * scale) for s in chosen.sizes], runner_sizes=runner_sizes)
    return chosen, result, cands

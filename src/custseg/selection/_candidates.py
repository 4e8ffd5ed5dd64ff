"""Candidate segmentations on the selection sample, one per (algorithm, k).

Good solutions matter more than clever indices: an index can only find the
right k if the solution at that k is near the global optimum. k-means
candidates therefore keep the better (lower inertia) of a k-means++ run with
several restarts and a k-means run started from the Ward-tree cut at the
same k (Ward's tree is built once and cut at every k, so this costs one
extra Lloyd run per k). Mixtures start from the k-means solution.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import BisectingKMeans, KMeans
from sklearn.metrics import pairwise_distances_argmin
from sklearn.mixture import GaussianMixture

from custseg._parallel import parallel_map
from custseg.constants import LINKAGES
from custseg.models import COVARIANCE_TYPES, AgglomerativeClusterer, make_model
from custseg.models._linkage import cut_linkage
from custseg.models._mixture import icl_from

#: k grids longer than this fix the mixture covariance type on three pilot k (four types
#: at every k was the largest single cost of a default run: 36 of 88 s of cc_general's
#: scan under load)
GMM_PILOT_GRID = 6


@dataclass
class Candidate:
    """One scanned segmentation of the selection sample."""

    algorithm: str
    k: int
    labels: np.ndarray
    fit_seconds: float
    centers: np.ndarray | None = None
    extra: dict = field(default_factory=dict)


def _seed(base: int, *parts: int) -> int:
    # deterministic, distinct seed per (algorithm, k) without global state
    s = base
    for p in parts:
        s = (s * 1_000_003 + 7919 * p + 12_345) % (2**31 - 1)
    return int(s)


class CandidateGenerator:
    """Builds and caches candidate solutions on one selection sample ``X``."""

    def __init__(self, X: np.ndarray, seed: int, n_init: int = 3, gmm_sample: int = 5000):
        self.X = X
        self.seed = seed
        self.n_init = n_init
        rng = np.random.RandomState(seed)
        n = X.shape[0]
        self.gmm_rows = (np.sort(rng.choice(n, gmm_sample, replace=False))
                         if n > gmm_sample else np.arange(n))
        self._trees: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._kmeans: dict[int, Candidate] = {}
        self.notes: dict[str, str] = {}
        self.gmm_type: str | None = None  # fixed covariance type for long k grids
        # pilot fits per (k, covariance type): the scan reuses the chosen type's fit
        # instead of fitting it again (same seed, so the same model)
        self._gmm_fits: dict[tuple[int, str], GaussianMixture] = {}
        self._gmm_seconds: dict[tuple[int, str], float] = {}

    def choose_gmm_type(self, pilot_ks: list[int]) -> str:
        """Covariance type with the lowest total BIC over a few pilot k (long k grids)."""
        totals = dict.fromkeys(COVARIANCE_TYPES, 0.0)
        self.fit_gmms(pilot_ks, COVARIANCE_TYPES)
        for k in pilot_ks:
            for ct, bic in self.gmm(k, "auto").extra["bic_by_type"].items():
                totals[ct] += bic
        self.gmm_type = min(totals, key=totals.get)
        self._gmm_fits = {key: gm for key, gm in self._gmm_fits.items()
                          if key[1] == self.gmm_type}
        self.notes["gmm"] = (f"k grid has more than {GMM_PILOT_GRID} values: mixture "
                             f"covariance type '{self.gmm_type}' chosen by BIC at "
                             f"k={pilot_ks} and kept for every k")
        return self.gmm_type

    # -- hierarchical ---------------------------------------------------
    def tree(self, linkage: str) -> tuple[np.ndarray, np.ndarray]:
        """(linkage matrix, micro-cluster of each row), built once per linkage."""
        if linkage not in self._trees:
            est = AgglomerativeClusterer(2, linkage=linkage, random_state=self.seed).fit(self.X)
            if est.two_step_:
                assign = pairwise_distances_argmin(self.X, est.micro_centers_)
                self.notes["hierarchical"] = (
                    f"{linkage} tree built on {len(est.micro_centers_)} micro-clusters "
                    f"(two-step, {self.X.shape[0]} rows > {est.max_exact})")
            else:
                assign = np.arange(self.X.shape[0])
            self._trees[linkage] = (est.linkage_matrix_, assign)
        return self._trees[linkage]

    def hierarchical(self, linkage: str, k: int) -> Candidate:
        t0 = time.perf_counter()
        Z, assign = self.tree(linkage)
        k_eff = min(k, Z.shape[0] + 1)
        labels = cut_linkage(Z, k_eff)[assign]
        return Candidate(linkage, k, labels, time.perf_counter() - t0,
                         centers=_centers(self.X, labels, k_eff))

    # -- k-means --------------------------------------------------------
    def kmeans(self, k: int) -> Candidate:
        if k not in self._kmeans:
            self.fit_kmeans([k])
        return self._kmeans[k]

    def fit_kmeans(self, ks: list[int]) -> None:
        """Fit (and cache) the k-means candidates of every k in ``ks`` as one batch.

        The k-means++ runs do not need Ward's tree: a helper process (when one may
        run) starts on them while this process builds the tree for the other runs.
        """
        todo = sorted(set(ks) - set(self._kmeans))
        if not todo:
            return
        plus = parallel_map(_fit_kmeans, [(self.X, k, "k-means++", self.n_init,
                                           _seed(self.seed, 1, k)) for k in todo],
                            meanwhile=lambda: self.tree("ward"))
        Z, assign = self.tree("ward")
        ward_jobs = []
        for k in todo:
            init = _centers(self.X, cut_linkage(Z, min(k, Z.shape[0] + 1))[assign], k)
            if init.shape[0] == k:  # the cut has k non-empty segments
                ward_jobs.append((self.X, k, init, 1, 0))
        ward_by_k = {job[1]: fit for job, fit in
                     zip(ward_jobs, parallel_map(_fit_kmeans, ward_jobs), strict=True)}
        for k, pp in zip(todo, plus, strict=True):
            best = ward_by_k.get(k)
            # the Ward start unless k-means++ found a lower inertia
            if best is None or pp[2] < best[2] * (1 - 1e-9):
                best = pp
            seconds = pp[3] + (ward_by_k[k][3] if k in ward_by_k else 0.0)
            self._kmeans[k] = Candidate("kmeans", k, best[0], seconds, centers=best[1],
                                        extra={"inertia": best[2]})

    def fit_gmms(self, ks: list[int], types: tuple[str, ...]) -> None:
        """Fit (and cache) the mixtures of every k in ``ks`` and covariance type in
        ``types`` as one batch, each started from the k-means solution at its k."""
        self.fit_kmeans(ks)
        todo = [(k, ct) for k in ks for ct in types if (k, ct) not in self._gmm_fits]
        Xg = self.X[self.gmm_rows]
        jobs = [(Xg, k, ct, self.kmeans(k).centers, _seed(self.seed, 3, k)) for k, ct in todo]
        for key, (gm, seconds) in zip(todo, parallel_map(_fit_gmm, jobs), strict=True):
            self._gmm_fits[key] = gm
            self._gmm_seconds[key] = seconds

    def bisecting(self, k: int) -> Candidate:
        t0 = time.perf_counter()
        m = BisectingKMeans(k, random_state=_seed(self.seed, 2, k)).fit(self.X)
        return Candidate("bisecting_kmeans", k, m.labels_.astype(np.int64),
                         time.perf_counter() - t0, centers=m.cluster_centers_)

    # -- mixtures -------------------------------------------------------
    def gmm(self, k: int, covariance_type: str = "auto") -> Candidate:
        Xg = self.X[self.gmm_rows]
        if covariance_type == "auto" and self.gmm_type is not None:
            covariance_type = self.gmm_type
        types = COVARIANCE_TYPES if covariance_type == "auto" else (covariance_type,)
        self.fit_gmms([k], types)  # usually fitted already, in the scan's batch
        t0 = time.perf_counter()
        best, bics = None, {}
        fit_seconds = 0.0
        for ct in types:
            gm = self._gmm_fits[(k, ct)]
            fit_seconds += self._gmm_seconds.get((k, ct), 0.0)
            bics[ct] = float(gm.bic(Xg))
            if best is None or bics[ct] < bics[best[0]]:
                best = (ct, gm)
        ct, gm = best
        labels = gm.predict(self.X).astype(np.int64)
        return Candidate("gmm", k, labels, fit_seconds + time.perf_counter() - t0,
                         centers=gm.means_,
                         extra={"bic": bics[ct], "icl": icl_from(gm, Xg),
                                "covariance_type": ct, "bic_by_type": bics})

    # -- others ---------------------------------------------------------
    def hdbscan(self) -> Candidate:
        t0 = time.perf_counter()
        m = make_model("hdbscan", 2, random_state=self.seed).fit(self.X)
        labels = m.labels_.astype(np.int64)
        k = len(np.unique(labels[labels >= 0]))
        return Candidate("hdbscan", k, labels, time.perf_counter() - t0,
                         extra={"noise_fraction": float(np.mean(labels < 0))})

    def genie(self, k: int, k_max: int | None = None) -> Candidate:
        """Genie (minimum-spanning-tree) partition with ``k`` segments; the tree is
        built once (up to ``k_max``) and cut at every k (see ``_genie``)."""
        from custseg.selection._genie import genie_partitions

        t0 = time.perf_counter()
        cache = getattr(self, "_genie_parts", None)
        if cache is None or k not in cache:
            cache = genie_partitions(self.X, max(k, k_max or k))
            self._genie_parts = cache
        return Candidate("genie", k, cache[k], time.perf_counter() - t0,
                         centers=_centers(self.X, cache[k], k))

    def generic(self, algorithm: str, k: int, params: dict) -> Candidate:
        t0 = time.perf_counter()
        m = make_model(algorithm, k, random_state=_seed(self.seed, 4, k), **params)
        labels = np.asarray(m.fit_predict(self.X)).astype(np.int64)
        return Candidate(algorithm, k, labels, time.perf_counter() - t0)

    def prefetch(self, jobs: list[tuple[str, int | None, dict]]) -> None:
        """Fit the k-means and mixtures a scan of ``jobs`` (algorithm, k, params) needs,
        as batches that a helper process can share (see :mod:`custseg._parallel`).

        A grid of more than :data:`GMM_PILOT_GRID` mixture k first fixes the
        covariance type by BIC at three pilot k (:meth:`choose_gmm_type`).
        """
        gmm_ks = [k for algo, k, p in jobs
                  if algo == "gmm" and p.get("covariance_type", "auto") == "auto"]
        self.fit_kmeans([k for algo, k, _ in jobs
                         if algo in ("kmeans", "minibatch_kmeans")] + gmm_ks)
        if not gmm_ks:
            return
        if len(gmm_ks) > GMM_PILOT_GRID and self.gmm_type is None:
            self.choose_gmm_type([gmm_ks[0], gmm_ks[len(gmm_ks) // 2], gmm_ks[-1]])
        self.fit_gmms(gmm_ks, (self.gmm_type,) if self.gmm_type else COVARIANCE_TYPES)

    def candidate(self, algorithm: str, k: int, params: dict) -> Candidate:
        """Dispatch on the resolved algorithm name."""
        if algorithm in ("kmeans", "minibatch_kmeans"):
            c = self.kmeans(k)
            return Candidate(algorithm, k, c.labels, c.fit_seconds, c.centers, dict(c.extra))
        if algorithm in LINKAGES:
            return self.hierarchical(algorithm, k)
        if algorithm == "gmm":
            return self.gmm(k, params.get("covariance_type", "auto"))
        if algorithm == "bisecting_kmeans":
            return self.bisecting(k)
        return self.generic(algorithm, k, params)


def _fit_kmeans(X: np.ndarray, k: int, init: np.ndarray | str, n_init: int, seed: int):
    """(labels, centres, inertia, seconds) of k-means started at ``init``."""
    t0 = time.perf_counter()
    km = KMeans(k, init=init, n_init=n_init, random_state=seed).fit(X)
    return (km.labels_.astype(np.int64), km.cluster_centers_, float(km.inertia_),
            time.perf_counter() - t0)


def _fit_gmm(Xg: np.ndarray, k: int, covariance_type: str, means_init: np.ndarray,
             seed: int) -> tuple[GaussianMixture, float]:
    """A mixture of ``k`` components started from the k-means centres, and its seconds."""
    t0 = time.perf_counter()
    gm = GaussianMixture(k, covariance_type=covariance_type, means_init=means_init,
                         reg_covar=1e-6, random_state=seed).fit(Xg)
    return gm, time.perf_counter() - t0


def _centers(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Mean of each label 0..k-1 present (rows of empty labels are dropped)."""
    counts = np.bincount(labels, minlength=k)
    sums = np.zeros((k, X.shape[1]))
    np.add.at(sums, labels, X)
    present = counts > 0
    return sums[present] / counts[present, None]

"""The Segmenter estimator: scan algorithms and k, pick one, fit it on all rows."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context
from sklearn.cluster import BisectingKMeans, KMeans
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from custseg.constants import DEFAULT_K
from custseg.evaluate import (
    bootstrap_stability,
    sample_distances,
    silhouette_from_distances,
    silhouettes_from_distances,
)
from custseg.exceptions import ConfigError
from custseg.models import (
    DEFAULT_ALGORITHMS,
    AgglomerativeClusterer,
    GMMClusterer,
    HDBSCANClusterer,
    KMeansClusterer,
    make_model,
    resolve_algorithm,
)
from custseg.models.mixed import mismatch_embedding
from custseg.selection._candidates import (
    LINKAGES,
    Candidate,
    CandidateGenerator,
    _seed,
)
from custseg.selection._degenerate import cell_check, discrete_columns, tie_check
from custseg.selection._density import density_check
from custseg.selection._genie import MAX_DIMS as GENIE_MAX_DIMS
from custseg.selection._genie import GenieClusterer, propose_switch
from custseg.selection._indices import GapReference, compute_indices
from custseg.selection._kgrid import parse_k
from custseg.selection._threads import limit_threads, threads_in_use
from custseg.selection._warnings import capture_warnings, summarize_warnings
from custseg.selection.decide import (
    MIN_SEGMENT_CUSTOMERS,
    MIN_SEGMENT_SHARE,
    DecideOptions,
    Decision,
    choose,
    judge,
    rank,
    stability_targets,
    widen_to,
)

COLUMNS = ["algorithm", "k", "silhouette", "calinski_harabasz", "davies_bouldin", "wb_index",
           "gap", "gap_se", "bic", "icl", "covariance_type", "stability",
           "stability_min_jaccard", "n_found", "min_share", "fit_seconds"]


def _size_order(raw: np.ndarray, k: int) -> np.ndarray:
    """Map model label -> segment id: largest segment first, empty components last."""
    size = np.bincount(raw[raw >= 0], minlength=max(k, int(raw.max(initial=-1)) + 1))
    order = np.argsort(-size, kind="stable")
    mapping = np.empty(size.size, dtype=np.int64)
    mapping[order] = np.arange(size.size)
    return mapping


def _min_share(labels: np.ndarray) -> float:
    """Smallest segment's share of all rows (noise counts in no segment)."""
    sizes = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(1)
    sizes = sizes[sizes > 0]
    return float(sizes.min() / len(labels)) if len(sizes) else 0.0


@dataclass
class _FitContext:
    """What one ``fit`` shares between its steps (never stored on the estimator)."""

    base: int  # the one seed every sample and refit derives from
    params: dict[str, dict]  # algorithm -> its extra parameters
    Xs: np.ndarray  # the selection sample
    Xi: np.ndarray  # where distances are measured (Xs, or the k-prototypes embedding)
    sil_rows: np.ndarray
    sil_dist: np.ndarray  # distances among the silhouette rows
    gap_rows: np.ndarray
    gap_ref: GapReference | None
    gen: CandidateGenerator
    candidates: dict[tuple[str, int], Candidate] = field(default_factory=dict)


def _has_proba(self) -> bool:
    return hasattr(self.best_estimator_, "predict_proba")


class Segmenter(ClusterMixin, BaseEstimator):
    """Automatic segmentation: compare algorithms and numbers of segments, keep the best.

    Parameters
    ----------
    algorithms : sequence of str
        Family aliases or algorithm names (see ``custseg.models.ALGORITHM_FAMILIES``).
    k : int, (low, high) tuple, range or list
        Candidate numbers of segments. A tuple range whose upper end is below 12
        is widened (up to twice its upper end, never past 12) when ``widen``, the
        best eligible k sits at the upper edge and its silhouette shows structure.
    random_state : int or None
    selection_sample : int
        Selection runs on a seeded sample of at most this many rows.
    silhouette_sample : int
        Rows used for the silhouette (quadratic cost).
    n_stability : int
        Bootstrap refits per stability check (0 disables stability).
    n_gap_refs : int
        Uniform reference sets for the gap statistic (0 disables gap).
    widen : bool
    n_init : int
        k-means++ restarts per candidate (plus one Ward-started run).
    n_threads : int or None
        Cap on BLAS/OpenMP threads during fit (threadpoolctl); None = library default.
    density_check : bool
        Compare the chosen segments with HDBSCAN's density groups on a sample and
        say so when the segments are slices of a few larger groups (never changes k;
        skipped when hdbscan itself is chosen or k < 4, where it could not fire).
    categorical_features : list of int or None
        Columns of X holding integer category codes, as produced by
        ``CustomerPreprocessor(mixed="kprototypes")`` (its ``categorical_indices_``).
        Only the kprototypes algorithm accepts them; the validity indices are then
        computed on an embedding whose squared distances equal k-prototypes' cost.
    min_segment_share : float
        Candidates with a segment below this share of the (sampled) rows, or with
        empty segments, are not chosen unless no candidate qualifies (the reason
        says so). Default 0.02, as ``custseg run`` (``--min-segment-share``) and the
        Spark engine; 0 lets any share win.
    min_segment_customers : int
        Likewise for a segment of fewer customers than this (its count estimated as
        share x rows): default 10, see :data:`custseg.selection.decide.MIN_SEGMENT_CUSTOMERS`.
        It only binds below 500 rows, where 2 % is fewer than 10 customers.
    progress : callable or None
        ``progress(stage, done, total)``, called as work advances.

    Fitting accepts ``discrete``, an optional DataFrame of the discrete feature
    columns of the same rows (categories, columns with a few values): the
    degenerate check then tests whether the segments are only the cells of a
    cross-tab of one to three of them. Whether the silhouette comes from tied
    rows is always checked. Library warnings raised during the fit are counted
    in ``selection_.evidence["library_warnings"]``, never printed.

    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(600, centers=4, random_state=1)
    >>> seg = Segmenter(k=(2, 6), n_stability=2, n_gap_refs=2).fit(X)
    >>> seg.n_clusters_, seg.selection_.structure_found  # segment 0 is the largest
    (4, True)
    """

    _parameter_constraints: ClassVar[dict] = {
        "algorithms": [list, tuple, str],
        "k": "no_validation",  # parse_k gives custseg messages with a fix
        "random_state": ["random_state"],
        "selection_sample": [Interval(Integral, 100, None, closed="left")],
        "silhouette_sample": [Interval(Integral, 50, None, closed="left")],
        "n_stability": [Interval(Integral, 0, None, closed="left")],
        "n_gap_refs": [Interval(Integral, 0, None, closed="left")],
        "widen": ["boolean"],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "density_check": ["boolean"],
        "categorical_features": ["array-like", None],
        "min_segment_share": [Interval(Real, 0, 0.5, closed="left")],
        "min_segment_customers": [Interval(Integral, 0, None, closed="left")],
        "progress": [callable, None],
    }

    def __init__(self, algorithms=DEFAULT_ALGORITHMS, k=DEFAULT_K, random_state=0, *,
                 selection_sample: int = 20_000, silhouette_sample: int = 5000,
                 n_stability: int = 5, n_gap_refs: int = 5, widen: bool = True,
                 n_init: int = 3, n_threads: int | None = None, density_check: bool = True,
                 categorical_features=None, min_segment_share: float = MIN_SEGMENT_SHARE,
                 min_segment_customers: int = MIN_SEGMENT_CUSTOMERS,
                 progress: Callable[[str, int, int], None] | None = None):
        self.algorithms = algorithms
        self.k = k
        self.random_state = random_state
        self.selection_sample = selection_sample
        self.silhouette_sample = silhouette_sample
        self.n_stability = n_stability
        self.n_gap_refs = n_gap_refs
        self.widen = widen
        self.n_init = n_init
        self.n_threads = n_threads
        self.density_check = density_check
        self.categorical_features = categorical_features
        self.min_segment_share = min_segment_share
        self.min_segment_customers = min_segment_customers
        self.progress = progress

    # ------------------------------------------------------------------
    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, discrete=None):
        """Scan, select and fit the chosen model on all rows of ``X``.

        ``discrete``: optional DataFrame of discrete feature columns of the same rows,
        for the degenerate (cross-tab cells) check.
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=3)
        if discrete is not None:
            discrete = pd.DataFrame(discrete).reset_index(drop=True)
            if len(discrete) != X.shape[0]:
                raise ConfigError(f"discrete has {len(discrete)} rows but X has {X.shape[0]}",
                                  where="Segmenter.fit(discrete=...)",
                                  fix="pass the discrete feature columns of the same rows")
        with limit_threads(self.n_threads) as n_threads, capture_warnings() as caught:
            self.threads_used_ = n_threads if self.n_threads else threads_in_use()
            self._fit(np.asarray(X, dtype=np.float64), discrete)
            # counted, summarised in the reason and evidence, never printed
            self.selection_.evidence["library_warnings"] = summarize_warnings(caught, 100)
            self.selection_.refresh()
        return self

    def _options(self, n: int) -> DecideOptions:
        return DecideOptions(min_segment_share=float(self.min_segment_share),
                             min_segment_customers=int(self.min_segment_customers), n_rows=n,
                             fixed_k=isinstance(self.k, Integral))

    def _fit(self, X: np.ndarray, discrete: pd.DataFrame | None = None) -> None:
        n = X.shape[0]
        ks, can_widen = parse_k(self.k, n)
        names = [self.algorithms] if isinstance(self.algorithms, str) else list(self.algorithms)
        algos = [(name, *resolve_algorithm(name)) for name in names]
        categorical = self._check_categorical(X.shape[1], algos)
        if categorical:
            algos = [(name, algo, {**params, "categorical": categorical})
                     for name, algo, params in algos]
        base = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        rng = np.random.RandomState(base)
        # -- samples (all seeded from the one base seed) --------------------------
        sel_rows = (np.sort(rng.choice(n, self.selection_sample, replace=False))
                    if n > self.selection_sample else None)
        Xs = X if sel_rows is None else X[sel_rows]
        # indices, gap and the density check measure distances in Xi: Xs itself, or for
        # category codes the embedding whose distances are k-prototypes' own cost
        Xi = mismatch_embedding(Xs, categorical) if categorical else Xs
        m = Xs.shape[0]
        sil_rows = (np.sort(rng.choice(m, self.silhouette_sample, replace=False))
                    if m > self.silhouette_sample else np.arange(m))
        gap_n = min(m, 2000)
        gap_rows = np.sort(rng.choice(m, gap_n, replace=False)) if m > gap_n else np.arange(m)
        gap_ref = (GapReference(Xi[gap_rows], self.n_gap_refs, _seed(base, 9))
                   if self.n_gap_refs > 0 else None)
        ctx = _FitContext(base=base, params={algo: params for _, algo, params in algos},
                          Xs=Xs, Xi=Xi, sil_rows=sil_rows,
                          sil_dist=sample_distances(Xi[sil_rows]), gap_rows=gap_rows,
                          gap_ref=gap_ref,
                          gen=CandidateGenerator(Xs, _seed(base, 5), n_init=self.n_init))
        options = self._options(n)
        rows = self._scan(ctx, algos, ks)
        widened = None
        table = rank(pd.DataFrame(rows, columns=COLUMNS), options)
        new_hi = widen_to(table, ks, m) if self.widen and can_widen else None
        if new_hi is not None:
            extra = list(range(max(ks) + 1, new_hi + 1))
            rows += self._scan(ctx, algos, extra, start=len(rows))
            widened = {"from": int(max(ks)), "to": int(new_hi)}
            ks = ks + extra
            table = rank(pd.DataFrame(rows, columns=COLUMNS), options)
        table = self._stability(ctx, table)
        decision = choose(table, options)
        switch = self._genie_switch(ctx, names, categorical, decision, options, n)
        if switch is not None:  # non-convex shapes in 2-D/3-D: Genie's segments instead
            table, decision = self._apply_switch(ctx, table, decision, switch, options)
        chosen = decision.row
        # -- final fit on all rows ---------------------------------------------
        k = decision.k
        self._tick("final fit", 0, 1)
        t0 = time.perf_counter()
        cand = ctx.candidates[(decision.algorithm, k)]
        est = self._final_estimator(ctx, chosen, cand, n)
        est.fit(X)
        self.best_estimator_ = est
        raw = np.asarray(est.labels_)
        self.label_order_ = _size_order(raw, k)
        self.labels_ = self._relabel(raw)
        sizes = np.bincount(self.labels_[self.labels_ >= 0], minlength=1)
        fit_seconds = time.perf_counter() - t0
        self._tick("final fit", 1, 1)
        # -- structure check: gap at k=1 vs chosen -----------------------------
        gap1 = gap_ref.gap(np.zeros(len(gap_rows), dtype=np.int64), 1) if gap_ref else None
        density = None
        if self.density_check and decision.algorithm != "hdbscan" and k >= 4:
            # on the final segment ids, so the reason can name the segments of each group
            self._tick("density check", 0, 1)
            final = self.labels_ if sel_rows is None else self.labels_[sel_rows]
            density = density_check(Xi, final, k, _seed(base, 15))
            self._tick("density check", 1, 1)
        final = self.labels_ if sel_rows is None else self.labels_[sel_rows]
        degenerate = self._degenerate(ctx, discrete, final, sel_rows)
        runner = decision.runner_up
        runner_sizes = None
        if runner is not None and (runner["algorithm"], runner["k"]) in ctx.candidates:
            labels = ctx.candidates[(runner["algorithm"], runner["k"])].labels
            runner_sizes = np.bincount(labels[labels >= 0]).tolist() if (labels >= 0).any() \
                else []
        self.selection_ = judge(decision, gap1=gap1, widened=widened, gen_notes=ctx.gen.notes,
                                density=density, degenerate=degenerate, sizes=sizes.tolist(),
                                runner_sizes=runner_sizes)
        if switch is not None:
            self.selection_.evidence["genie_switch"] = {
                "k": int(switch.k), "replaced": {"algorithm": switch.replaced[0],
                                                 "k": int(switch.replaced[1])},
                "wcnn": round(float(switch.wcnn), 4), "valley": round(float(switch.valley), 4),
                "dunn_ratio": None if not np.isfinite(switch.dunn_ratio)
                else round(float(switch.dunn_ratio), 4), "reason": switch.reason}
            self.selection_.refresh()
        self.candidates_ = self.selection_.to_frame().drop(columns="chosen")
        self.algorithm_ = self.selection_.algorithm
        self.n_clusters_ = int((sizes > 0).sum())
        self.sampled_ = self._describe_sampling(n, m, sel_rows, sil_rows, gap_rows, est,
                                                fit_seconds)
        self.selection_.evidence["sampling"] = self.sampled_

    @staticmethod
    def _genie_switch(ctx: _FitContext, names: list[str], categorical: list[int],
                      decision, options: DecideOptions, n: int):
        """Genie's partition where the near-neighbour test prefers it (issue #21), or None.

        Only for the default algorithm set (a user who names algorithms gets those)
        and numeric data of at most three columns (see :mod:`custseg.selection._genie`).
        """
        if categorical or set(names) != set(DEFAULT_ALGORITHMS) \
                or ctx.Xs.shape[1] > GENIE_MAX_DIMS:
            return None
        scanned = {key: c.labels for key, c in ctx.candidates.items() if key[0] != "hdbscan"}
        ks = sorted({k for _, k in scanned})
        # one tree on the selection sample, cut at every scanned k (the generator caches it)
        genie = {k: ctx.gen.genie(k, k_max=ks[-1]).labels for k in ks}
        return propose_switch(ctx.Xs, (decision.algorithm, decision.k), scanned, genie=genie,
                              min_share=options.min_segment_share,
                              min_customers=options.min_segment_customers, n_rows=n,
                              random_state=_seed(ctx.base, 31))

    @staticmethod
    def _apply_switch(ctx: _FitContext, table: pd.DataFrame, decision, switch,
                      options: DecideOptions):
        """The table with Genie's row, and the decision for it (the old choice runs up)."""
        cand = Candidate("genie", switch.k, np.asarray(switch.labels, dtype=np.int64), 0.0)
        ctx.candidates[("genie", switch.k)] = cand
        sil = silhouette_from_distances(ctx.sil_dist, cand.labels[ctx.sil_rows])
        ind = compute_indices(ctx.Xi, cand.labels, sil, ctx.gap_rows, ctx.gap_ref, switch.k)
        row = {"algorithm": "genie", "k": switch.k, **ind, "bic": np.nan, "icl": np.nan,
               "covariance_type": None, "stability": np.nan,
               "stability_min_jaccard": np.nan, "min_share": _min_share(cand.labels),
               "fit_seconds": 0.0}
        table = rank(pd.concat([table[COLUMNS], pd.DataFrame([row], columns=COLUMNS)],
                               ignore_index=True), options)
        genie = table[(table["algorithm"] == "genie") & (table["k"] == switch.k)].iloc[0]
        chosen = {**genie.to_dict(), "guard_note": None}
        runner = {"algorithm": decision.algorithm, "k": decision.k,
                  "score": float(decision.row["score"])}
        return table, Decision(algorithm="genie", k=int(switch.k), row=chosen, table=table,
                               options=options, runner_up=runner,
                               eligibility=decision.eligibility)

    def _check_categorical(self, n_features: int, algos) -> list[int]:
        """Validated category-code columns (empty when there are none)."""
        if self.categorical_features is None:
            return []
        cat = sorted({int(c) for c in np.asarray(self.categorical_features).ravel()})
        if any(c < 0 or c >= n_features for c in cat):
            raise ConfigError(f"categorical_features {cat} are outside the {n_features} "
                              "columns of X", where="Segmenter(categorical_features=...)",
                              fix="pass the preprocessor's categorical_indices_")
        others = sorted({algo for _, algo, _ in algos if algo != "kprototypes"})
        if cat and others:
            raise ConfigError(f"category-code columns only work with kprototypes, not with "
                              f"{', '.join(others)}", where="Segmenter(categorical_features=...)",
                              fix="use algorithms=('kprototypes',), or preprocess with "
                                  "mixed='onehot' or 'famd' for the other algorithms")
        return cat

    @staticmethod
    def _degenerate(ctx: _FitContext, discrete, final: np.ndarray, sel_rows) -> dict:
        """Cross-tab cells (needs ``discrete``) and tied rows, on the selection sample."""
        out: dict = {"fired": False, "cells": None, "ties": None}
        D, rows, base = ctx.sil_dist, ctx.sil_rows, ctx.base
        lab = final[rows]
        ok = lab >= 0
        if len(np.unique(lab[ok])) >= 2:
            idx = np.flatnonzero(ok)
            sil = float(silhouette_from_distances(D, lab) if ok.all() else
                        silhouette_from_distances(D[np.ix_(idx, idx)], lab[ok]))
            out["ties"] = tie_check(D, ctx.Xi[rows], lab, sil)
        if discrete is not None and discrete.shape[1]:
            sub = discrete if sel_rows is None else discrete.iloc[sel_rows]
            cols = discrete_columns(sub)
            if cols:
                cells = cell_check(sub[cols].reset_index(drop=True), final, _seed(base, 17))
                out.update({key: cells[key] for key in ("columns", "purity", "min_purity",
                                                         "cells", "sample_rows")})
                out["cells_fired"] = cells["fired"]
                if not cells["fired"]:
                    out["cells"] = None
        out["fired"] = bool(out.get("cells_fired") or (out["ties"] or {}).get("fired"))
        return out

    # ------------------------------------------------------------------
    def _scan(self, ctx: _FitContext, algos, ks, start: int = 0) -> list[dict]:
        gen = ctx.gen
        jobs = []
        for _name, algo, params in algos:
            if algo == "hdbscan":
                if start == 0:
                    jobs.append((algo, None, params))
            else:
                jobs.extend((algo, k, params) for k in ks)
        # k-means and mixtures fitted in batches (a long grid's mixtures with one
        # covariance type, chosen by BIC at three pilot k)
        gen.prefetch(jobs)
        scanned = []
        for i, (algo, k, params) in enumerate(jobs):
            self._tick("scan", i, len(jobs))
            cand = gen.hdbscan() if algo == "hdbscan" else gen.candidate(algo, k, params)
            ctx.candidates[(algo, cand.k)] = cand
            scanned.append(cand)
        # every candidate's silhouette from one product with the sample's distance matrix
        silhouettes = silhouettes_from_distances(
            ctx.sil_dist, [cand.labels[ctx.sil_rows] for cand in scanned])
        rows = []
        for (algo, _, _), cand, sil in zip(jobs, scanned, silhouettes, strict=True):
            ind = compute_indices(ctx.Xi, cand.labels, sil, ctx.gap_rows, ctx.gap_ref,
                                  max(cand.k, 1))
            rows.append({"algorithm": algo, "k": cand.k, **ind,
                         "bic": cand.extra.get("bic", np.nan),
                         "icl": cand.extra.get("icl", np.nan),
                         "covariance_type": cand.extra.get("covariance_type"),
                         "stability": np.nan, "stability_min_jaccard": np.nan,
                         "min_share": _min_share(cand.labels),
                         "fit_seconds": cand.fit_seconds})
        self._tick("scan", len(jobs), len(jobs))
        return rows

    def _refitter(self, ctx: _FitContext, algo: str, k: int, cov: str | None, seed: int):
        if algo in ("kmeans", "minibatch_kmeans"):
            return KMeans(k, n_init=self.n_init, random_state=seed)
        if algo in LINKAGES:
            return AgglomerativeClusterer(k, linkage=algo, random_state=seed)
        if algo == "gmm":
            return GaussianMixture(k, covariance_type=cov or "full", random_state=seed)
        if algo == "bisecting_kmeans":
            return BisectingKMeans(k, random_state=seed)
        if algo == "hdbscan":
            return HDBSCANClusterer(random_state=seed)
        return make_model(algo, k, random_state=seed, **ctx.params.get(algo, {}))

    def _stability(self, ctx: _FitContext, table: pd.DataFrame) -> pd.DataFrame:
        """Resampling stability of the rows the rule can pick (its guard)."""
        if self.n_stability == 0:
            return table
        Xs, base = ctx.Xs, ctx.base
        m = Xs.shape[0]
        rng = np.random.RandomState(_seed(base, 11))
        rows = np.sort(rng.choice(m, 2000, replace=False)) if m > 2000 else np.arange(m)
        todo = stability_targets(table)
        for j, i in enumerate(todo):
            self._tick("stability", j, len(todo))
            algo, k = table.loc[i, "algorithm"], int(table.loc[i, "k"])
            labels = ctx.candidates[(algo, k)].labels
            if len(np.unique(labels[labels >= 0])) < 2:
                continue
            est = self._refitter(ctx, algo, k, table.loc[i, "covariance_type"],
                                 _seed(base, 12, k))
            res = bootstrap_stability(Xs[rows], est, n_boot=self.n_stability,
                                      random_state=_seed(base, 13, k), labels=labels[rows],
                                      max_rows=None)
            table.loc[i, "stability"] = res.mean_ari
            table.loc[i, "stability_min_jaccard"] = res.min_jaccard
        self._tick("stability", len(todo), len(todo))
        return table

    @staticmethod
    def _final_estimator(ctx: _FitContext, chosen: dict, cand: Candidate, n: int):
        algo, k = chosen["algorithm"], int(chosen["k"])
        seed = _seed(ctx.base, 21, k)
        if algo in ("kmeans", "minibatch_kmeans") and cand.centers is not None:
            # start from the selected solution so the full fit refines what was evaluated
            return KMeansClusterer(k, init=cand.centers, minibatch=True if algo ==
                                   "minibatch_kmeans" else "auto", random_state=seed)
        if algo == "gmm":
            return GMMClusterer(k, covariance_type=chosen["covariance_type"] or "full",
                                means_init=cand.centers, random_state=seed)
        if algo == "hdbscan":
            return HDBSCANClusterer(random_state=seed)
        if algo == "genie":
            return GenieClusterer(k, random_state=seed)
        return make_model(algo, k, random_state=seed, **ctx.params.get(algo, {}))

    def _describe_sampling(self, n, m, sel_rows, sil_rows, gap_rows, est, seconds) -> dict:
        out = {
            "n_rows": int(n),
            "selection_rows": int(m),
            "selection_sampled": sel_rows is not None,
            "silhouette_rows": len(sil_rows),
            "gap_rows": len(gap_rows),
            "stability_rows": int(min(m, 2000)),
            "threads": int(self.threads_used_),
            "final_fit_seconds": round(float(seconds), 3),
        }
        notes = []
        if sel_rows is not None:
            notes.append(f"algorithm and k were selected on a seeded sample of {m:,} of "
                         f"{n:,} rows (selection_sample={self.selection_sample}) to bound time")
        if len(sil_rows) < m:
            notes.append(f"silhouette used {len(sil_rows):,} sampled rows (its cost is "
                         "quadratic in rows)")
        notes.extend(self.selection_.evidence.get("generator_notes", {}).values())
        if isinstance(est, KMeansClusterer):
            kind = "MiniBatchKMeans" if est.minibatch_used_ else "k-means"
            notes.append(f"final model: {kind} on all {n:,} rows, started from the "
                         "selected centres")
        elif isinstance(est, AgglomerativeClusterer) and est.two_step_:
            notes.append(f"final model: two-step hierarchical, {len(est.micro_centers_)} "
                         f"micro-clusters, every row assigned via its micro-cluster")
        elif isinstance(est, GMMClusterer) and est.n_fit_samples_ < n:
            notes.append(f"final model: mixture fitted on {est.n_fit_samples_:,} sampled rows, "
                         "then every row predicted")
        elif isinstance(est, HDBSCANClusterer) and est.n_fit_samples_ < n:
            notes.append(f"final model: HDBSCAN on {est.n_fit_samples_:,} sampled rows, other "
                         "rows assigned to the nearest non-noise point")
        out["notes"] = notes
        return out

    # ------------------------------------------------------------------
    def predict(self, X):
        """Segment of each row according to the chosen, fully fitted model."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._relabel(np.asarray(self.best_estimator_.predict(X)))

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Membership probabilities (only when the chosen model is a mixture)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        proba = self.best_estimator_.predict_proba(X)
        out = np.zeros_like(proba)
        out[:, self.label_order_[: proba.shape[1]]] = proba
        return out

    def _relabel(self, raw: np.ndarray) -> np.ndarray:
        """Model labels -> segment ids 0, 1, ... by decreasing size (noise stays -1)."""
        out = np.full(raw.shape, -1, dtype=np.int64)
        ok = raw >= 0
        out[ok] = self.label_order_[raw[ok]]
        return out

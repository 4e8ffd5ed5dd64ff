"""Validity indices of one candidate, and the shared gap-statistic reference."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans

from custseg.evaluate import (
    calinski_harabasz,
    davies_bouldin,
    pca_box_reference,
    silhouette_from_distances,
    within_dispersion,
)


class GapReference:
    """E*[log W_k] and its spread on uniform PCA-box references, cached per k.

    The reference expectation depends only on k (references are always
    clustered with k-means), so it is shared by every algorithm: the gap of
    a candidate is ``mean_log_w(k) - log W(candidate)`` on the same rows.
    """

    def __init__(self, X: np.ndarray, n_refs: int, seed: int):
        rng = np.random.RandomState(seed)
        self.X = X
        self.seed = seed
        self.refs = [pca_box_reference(X, rng) for _ in range(n_refs)]
        self._cache: dict[int, tuple[float, float]] = {}

    def curve(self, k: int) -> tuple[float, float]:
        """(mean log W*_k, s_k = sd * sqrt(1 + 1/B)) over the reference sets."""
        if k not in self._cache:
            logs = []
            for b, Z in enumerate(self.refs):
                if k == 1:
                    lab = np.zeros(len(Z), dtype=np.int64)
                else:
                    lab = KMeans(k, n_init=1, random_state=self.seed + 31 * b + k).fit_predict(Z)
                logs.append(np.log(within_dispersion(Z, lab) + 1e-300))
            logs_a = np.asarray(logs)
            B = len(logs_a)
            self._cache[k] = (float(logs_a.mean()), float(logs_a.std() * np.sqrt(1 + 1 / B)))
        return self._cache[k]

    def gap(self, labels: np.ndarray, k: int) -> tuple[float, float]:
        mean, se = self.curve(k)
        return mean - float(np.log(within_dispersion(self.X, labels) + 1e-300)), se


def sample_distances(X: np.ndarray) -> np.ndarray:
    """float32 Euclidean distances of the silhouette sample (computed once per fit)."""
    X32 = X.astype(np.float32)
    sq = np.einsum("ij,ij->i", X32, X32)
    D = sq[:, None] + sq[None, :] - 2 * (X32 @ X32.T)
    np.maximum(D, 0, out=D)
    np.sqrt(D, out=D)
    np.fill_diagonal(D, 0)
    return D


def compute_indices(X: np.ndarray, labels: np.ndarray, sil_D: np.ndarray, sil_rows: np.ndarray,
                    gap_rows: np.ndarray, gap_ref: GapReference | None, k: int) -> dict:
    """All internal indices of one labelling of the selection sample."""
    n_found = len(np.unique(labels[labels >= 0]))
    out = {"silhouette": np.nan, "calinski_harabasz": np.nan, "davies_bouldin": np.nan,
           "wb_index": np.nan, "gap": np.nan, "gap_se": np.nan, "n_found": n_found}
    if n_found < 2:
        return out
    out["silhouette"] = silhouette_from_distances(sil_D, labels[sil_rows])
    out["calinski_harabasz"] = calinski_harabasz(X, labels)
    out["davies_bouldin"] = davies_bouldin(X, labels)
    keep = labels >= 0
    w = within_dispersion(X[keep], labels[keep])
    total = within_dispersion(X[keep], np.zeros(int(keep.sum()), dtype=np.int64))
    # WB index (Zhao & Franti): k * SSW / SSB, lower is better
    out["wb_index"] = n_found * w / max(total - w, 1e-300)
    if gap_ref is not None:
        out["gap"], out["gap_se"] = gap_ref.gap(labels[gap_rows], k)
    return out

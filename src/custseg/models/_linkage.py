"""Weighted agglomerative linkage over micro-clusters (Lance-Williams updates).

scipy's ``linkage`` cannot weight its input points, so the two-step
hierarchical method (micro-clusters, then a tree on their centres) uses this
small implementation. Cost: O(m^2) memory and about O(m^2) time for m
micro-clusters (m <= a few thousand), never in the number of rows.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist


def weighted_linkage(centers: np.ndarray, weights: np.ndarray, method: str) -> np.ndarray:
    """scipy-format linkage matrix of weighted points.

    Ward distances follow scipy's convention (with unit weights the result
    equals ``scipy.cluster.hierarchy.linkage(centers, "ward")``); "average"
    weighs each point by its weight (UPGMA on the underlying rows);
    "complete" ignores weights.

    >>> import numpy as np
    >>> Z = weighted_linkage(np.array([[0.0], [1.0], [5.0]]), np.ones(3), "average")
    >>> Z[:, 2].tolist()
    [1.0, 4.5]
    """
    m = len(centers)
    w = np.asarray(weights, dtype=float).copy()
    if method == "ward":
        D = cdist(centers, centers, "sqeuclidean")
        # Ward's increase in SSE, stored as scipy's distance: sqrt(2 wi wj/(wi+wj) d^2)
        D *= 2 * np.outer(w, w) / (w[:, None] + w[None, :])
    else:
        D = cdist(centers, centers)
    np.fill_diagonal(D, np.inf)
    active = np.ones(m, dtype=bool)
    ids = np.arange(m)
    leaves = np.ones(m)
    nn = D.argmin(axis=1)
    nn_d = D[np.arange(m), nn]
    Z = np.zeros((m - 1, 4))
    for step in range(m - 1):
        i = int(np.argmin(np.where(active, nn_d, np.inf)))
        j = int(nn[i])
        a, b = (i, j) if i < j else (j, i)
        dij = D[a, b]
        wa, wb = w[a], w[b]
        if method == "ward":
            wk = w
            new = ((wa + wk) * D[a] + (wb + wk) * D[b] - wk * dij) / (wa + wb + wk)
        elif method == "average":
            new = (wa * D[a] + wb * D[b]) / (wa + wb)
        else:
            new = np.maximum(D[a], D[b])
        Z[step] = (min(ids[a], ids[b]), max(ids[a], ids[b]), dij, leaves[a] + leaves[b])
        # keep the merged cluster in slot a, retire b
        active[b] = False
        new[~active] = np.inf
        new[a] = np.inf
        D[a] = new
        D[:, a] = new
        D[b] = np.inf
        D[:, b] = np.inf
        w[a] = wa + wb
        leaves[a] += leaves[b]
        ids[a] = m + step
        nn_d[b] = np.inf
        # rows whose nearest neighbour was a or b, and row a itself, need a fresh minimum
        stale = np.flatnonzero(active & ((nn == a) | (nn == b)))
        for r in np.r_[a, stale]:
            nn[r] = int(D[r].argmin())
            nn_d[r] = D[r, nn[r]]
        closer = active & (new < nn_d)
        nn[closer] = a
        nn_d[closer] = new[closer]
    if method == "ward":
        # scipy reports sqrt of the Lance-Williams quantity for Ward
        Z[:, 2] = np.sqrt(Z[:, 2])
    return Z


def cut_linkage(Z: np.ndarray, n_clusters: int) -> np.ndarray:
    """Leaf labels (0..k-1, in order of first leaf) after undoing the last k-1 merges.

    >>> import numpy as np
    >>> Z = weighted_linkage(np.array([[0.0], [1.0], [5.0]]), np.ones(3), "average")
    >>> cut_linkage(Z, 2).tolist()
    [0, 0, 1]
    """
    m = Z.shape[0] + 1
    parent = np.arange(2 * m - 1)
    for step in range(m - n_clusters):
        a, b = int(Z[step, 0]), int(Z[step, 1])
        parent[a] = m + step
        parent[b] = m + step
    root = np.arange(m)
    # follow parents; nodes above the cut are never assigned, so this stops at the cut
    for _ in range(m):
        nxt = parent[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    _, first, inv = np.unique(root, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inv]

"""The scan's shared-pass indices equal scikit-learn's definitions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from custseg.evaluate import within_dispersion
from custseg.selection._indices import centroid_indices


@pytest.mark.parametrize("seed", range(25))
def test_centroid_indices_equal_sklearn_and_the_wb_definition(seed):
    rng = np.random.RandomState(seed)
    n, d, k = rng.randint(20, 2000), rng.randint(1, 12), rng.randint(2, 11)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 100) + rng.normal(size=d) * 5
    labels = rng.randint(-1 if seed % 3 == 0 else 0, k, n)  # some runs have noise
    keep = labels >= 0
    got = centroid_indices(X, labels)
    w = within_dispersion(X[keep], labels[keep])
    total = within_dispersion(X[keep], np.zeros(int(keep.sum()), dtype=np.int64))
    want = {"calinski_harabasz": metrics.calinski_harabasz_score(X[keep], labels[keep]),
            "davies_bouldin": metrics.davies_bouldin_score(X[keep], labels[keep]),
            "wb_index": len(np.unique(labels[keep])) * w / (total - w)}
    for name, value in want.items():
        assert got[name] == pytest.approx(value, rel=1e-9), name


def test_one_segment_gives_no_index():
    X = np.random.RandomState(0).normal(size=(50, 3))
    out = centroid_indices(X, np.r_[np.zeros(49, dtype=int), -1])
    assert all(np.isnan(v) for v in out.values())


def test_identical_rows_per_segment_give_davies_bouldin_zero():
    X = np.r_[np.zeros((5, 2)), np.ones((5, 2))]
    out = centroid_indices(X, np.r_[np.zeros(5, dtype=int), np.ones(5, dtype=int)])
    assert out["davies_bouldin"] == 0.0
    assert out["davies_bouldin"] == metrics.davies_bouldin_score(X, np.repeat([0, 1], 5))

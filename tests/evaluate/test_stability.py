"""clusterboot-style stability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans

from custseg.evaluate import bootstrap_stability, verdict
from custseg.exceptions import ConfigError


def solid_and_dissolving(seed: int = 0) -> np.ndarray:
    """A tight blob far away plus a uniform disc that k=4 must cut arbitrarily in three."""
    rng = np.random.RandomState(seed)
    blob = rng.normal([20, 0], 0.3, size=(150, 2))
    angle = rng.uniform(0, 2 * np.pi, 400)
    radius = np.sqrt(rng.uniform(0, 1, 400)) * 5
    disc = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    return np.r_[blob, disc]


def test_solid_cluster_stable_dissolving_halves_doubtful():
    X = solid_and_dissolving()
    res = bootstrap_stability(X, KMeans(4, n_init=1, random_state=0), n_boot=12,
                              random_state=0)
    per = res.per_cluster
    orig = KMeans(4, n_init=1, random_state=0).fit_predict(X)
    solid = int(pd.Series(orig[:150]).mode()[0])
    others = [c for c in per.index if c != solid]
    assert per[solid] > 0.95
    assert all(per[c] < 0.75 for c in others) and min(per[c] for c in others) < 0.6
    assert "doubtful" in res.verdicts.values()
    frame = res.to_frame()
    assert list(frame.columns) == ["cluster", "size", "mean_jaccard", "dissolved", "recovered",
                                   "verdict"]
    assert res.verdicts[solid] == "stable"
    assert 0 < res.mean_ari < 0.95


def test_subsample_method_and_callable():
    X = solid_and_dissolving(1)
    res = bootstrap_stability(X, lambda Z: KMeans(2, n_init=1, random_state=0).fit_predict(Z),
                              n_boot=4, method="subsample", random_state=1)
    assert res.jaccard.shape == (4, 2) and res.min_jaccard > 0.9


def test_verdict_thresholds_and_errors():
    assert [verdict(v) for v in (0.76, 0.75, 0.6, 0.59)] == [
        "stable", "moderately stable", "moderately stable", "doubtful"]
    X = solid_and_dissolving()
    with pytest.raises(ConfigError, match="unknown resampling method 'jackknife'"):
        bootstrap_stability(X, KMeans(2), method="jackknife")
    with pytest.raises(ConfigError, match="n_boot must be at least 1, got 0"):
        bootstrap_stability(X, KMeans(2), n_boot=0)

"""Internal, gap and external metrics."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import davies_bouldin_score, silhouette_score

from custseg.evaluate import (
    calinski_harabasz,
    contingency_table,
    davies_bouldin,
    external_scores,
    gap_statistic,
    silhouette,
    silhouette_from_distances,
    silhouette_samples_sampled,
    silhouettes_from_distances,
)
from custseg.exceptions import ConfigError, InputError


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(600, centers=3, n_features=4, random_state=0)


def test_silhouette_exact_when_sample_covers_all(blobs):
    X, y = blobs
    assert silhouette(X, y, sample_size=None) == pytest.approx(silhouette_score(X, y))


def test_silhouette_sample_is_seeded_and_bounded(blobs):
    X, y = blobs
    idx, vals = silhouette_samples_sampled(X, y, sample_size=100, random_state=3)
    idx2, vals2 = silhouette_samples_sampled(X, y, sample_size=100, random_state=3)
    assert len(idx) == 100 and np.array_equal(idx, idx2) and np.array_equal(vals, vals2)
    assert silhouette(X, y, sample_size=200) == pytest.approx(silhouette_score(X, y), abs=0.05)


def test_silhouette_from_distances_matches_sklearn(blobs):
    X, y = blobs
    from scipy.spatial.distance import cdist

    y = y.copy()
    y[0] = 7  # a singleton cluster scores 0, as in scikit-learn
    assert silhouette_from_distances(cdist(X, X), y) == pytest.approx(silhouette_score(X, y))


def test_sampled_silhouette_values_match_sklearn(blobs):
    """float32 distances and one product give scikit-learn's per-row values (a singleton
    scores 0), on the same seeded rows."""
    from sklearn.metrics import silhouette_samples

    X, y = blobs
    y = y.copy()
    y[5] = 9
    rows, values = silhouette_samples_sampled(X, y, sample_size=len(y))
    assert np.array_equal(rows, np.arange(len(y)))
    assert np.allclose(values, silhouette_samples(X, y), atol=1e-5)
    assert values[5] == 0.0


def test_silhouettes_of_many_labellings_in_one_product_match_sklearn(blobs, monkeypatch):
    """The scan's batched silhouettes: noise left out, one-segment labellings NaN, and
    the same values when the stacked one-hot columns are split into several products."""
    from scipy.spatial.distance import cdist

    import custseg.evaluate._internal as internal

    X, y = blobs
    rng = np.random.default_rng(0)
    labellings = [y, rng.integers(0, 9, len(y)), np.zeros(len(y), dtype=int)]
    noisy = y.copy()
    noisy[:40] = -1
    labellings.append(noisy)
    D = cdist(X, X).astype(np.float32)
    keep = noisy != -1
    expected = [silhouette_score(X, labellings[0]), silhouette_score(X, labellings[1]),
                np.nan, silhouette_score(X[keep], noisy[keep])]
    for columns in (512, 4):  # one product, then one product per labelling or two
        monkeypatch.setattr(internal, "_PRODUCT_COLUMNS", columns)
        got = silhouettes_from_distances(D, labellings)
        assert np.isnan(got[2])
        assert np.allclose([got[i] for i in (0, 1, 3)], [expected[i] for i in (0, 1, 3)],
                           atol=1e-5)
        assert got[3] == silhouette_from_distances(D, noisy)


def test_noise_is_ignored(blobs):
    X, y = blobs
    noisy = y.copy()
    noisy[:50] = -1
    keep = noisy != -1
    assert davies_bouldin(X, noisy) == pytest.approx(davies_bouldin_score(X[keep], y[keep]))
    assert calinski_harabasz(X, noisy) > 0
    assert np.isnan(calinski_harabasz(X, np.zeros(len(X))))


def test_label_length_mismatch_message(blobs):
    X, y = blobs
    with pytest.raises(InputError, match="labels has 5 entries"):
        silhouette(X, y[:5])


def test_gap_prefers_true_k_over_one(blobs):
    X, y = blobs
    g3, s3 = gap_statistic(X, y, 3, n_refs=5, random_state=0)
    g1, _ = gap_statistic(X, np.zeros(len(X)), 1, n_refs=5, random_state=0)
    assert g3 - s3 > g1 + 0.5


def test_gap_on_uniform_noise_does_not_beat_one():
    X = np.random.RandomState(0).uniform(size=(800, 2))
    from sklearn.cluster import KMeans

    lab = KMeans(4, n_init=2, random_state=0).fit_predict(X)
    g4, s4 = gap_statistic(X, lab, 4, n_refs=5, random_state=0)
    g1, _ = gap_statistic(X, np.zeros(len(X)), 1, n_refs=5, random_state=0)
    assert g4 - s4 < g1 + 0.1


def test_gap_accepts_a_fitter_and_rejects_bad_k(blobs):
    X, _ = blobs
    from sklearn.cluster import KMeans

    g, _ = gap_statistic(X, lambda Z: KMeans(3, n_init=1, random_state=0).fit_predict(Z), 3,
                         n_refs=3)
    assert g > 0.5
    with pytest.raises(ConfigError, match="k must be at least 1, got 0"):
        gap_statistic(X, np.zeros(len(X)), 0)


def test_external_scores_identical_labels_are_one():
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    scores = external_scores(y, (y + 1) * 10)  # names do not matter, only the partition
    assert set(scores) == {"ari", "ami", "nmi", "homogeneity", "completeness", "v_measure"}
    assert all(v == pytest.approx(1.0) for v in scores.values())
    assert external_scores([0, 0, 1, 1], [0, 1, 0, 1])["ari"] < 0


def test_contingency_table_and_mismatch_message():
    table = contingency_table(["a", "a", "b", "b"], [1, 0, 0, 0])
    assert table.loc["a", 1] == 1 and table.loc["b", 0] == 2 and table.to_numpy().sum() == 4
    with pytest.raises(InputError, match="labels_true has 2 entries but labels_pred has 3"):
        external_scores([0, 1], [0, 1, 1])

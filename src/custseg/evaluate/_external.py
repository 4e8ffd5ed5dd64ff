"""Agreement between a segmentation and known reference labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import metrics

from custseg.exceptions import InputError


def _check(labels_true, labels_pred) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(labels_true).ravel(), np.asarray(labels_pred).ravel()
    if a.shape != b.shape:
        raise InputError(
            f"labels_true has {a.size} entries but labels_pred has {b.size}",
            where="external_scores",
            fix="pass two label vectors for the same rows",
        )
    return a, b


def external_scores(labels_true, labels_pred) -> dict[str, float]:
    """ARI, AMI, NMI, homogeneity, completeness and V-measure.

    >>> s = external_scores([0, 0, 1, 1], [1, 1, 0, 0])
    >>> s["ari"], s["v_measure"]
    (1.0, 1.0)
    """
    a, b = _check(labels_true, labels_pred)
    h, c, v = metrics.homogeneity_completeness_v_measure(a, b)
    return {
        "ari": float(metrics.adjusted_rand_score(a, b)),
        "ami": float(metrics.adjusted_mutual_info_score(a, b)),
        "nmi": float(metrics.normalized_mutual_info_score(a, b)),
        "homogeneity": float(h),
        "completeness": float(c),
        "v_measure": float(v),
    }


def contingency_table(labels_true, labels_pred) -> pd.DataFrame:
    """Cross-tabulation: reference labels as rows, segments as columns.

    >>> contingency_table(["a", "a", "b"], [0, 0, 1]).to_numpy().tolist()
    [[2, 0], [0, 1]]
    """
    a, b = _check(labels_true, labels_pred)
    ra, ia = np.unique(a, return_inverse=True)
    rb, ib = np.unique(b, return_inverse=True)
    table = np.zeros((len(ra), len(rb)), dtype=np.int64)
    np.add.at(table, (ia, ib), 1)
    return pd.DataFrame(
        table,
        index=pd.Index(ra.tolist(), name="reference"),
        columns=pd.Index(rb.tolist(), name="segment"),
    )

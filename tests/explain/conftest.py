"""Fixtures for the explain tests: synthetic customers with known segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from custseg.data import infer_schema
from custseg.datasets import make_customers

NUMERIC = ["age", "income", "annual_spend", "orders_per_year", "recency_days",
           "web_sessions_month", "email_open_rate", "mobile_share"]


def design_matrix(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A small stand-in for preprocessing: median impute, log skewed money, standardise."""
    X = frame[columns].astype(float)
    X = X.fillna(X.median())
    for col in columns:
        if X[col].min() >= 0 and X[col].skew() > 1:
            X[col] = np.log1p(X[col])
    X = (X - X.mean()) / X.std(ddof=0)
    return X.to_numpy()


@pytest.fixture(autouse=True)
def _one_thread():
    # KMeans/OpenMP on a busy 2-core machine is much faster single-threaded
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="session")
def customers():
    frame, truth = make_customers(3000, k=5, seed=3, return_labels=True)
    return frame, truth, infer_schema(frame)


@pytest.fixture(scope="session")
def design():
    """The stand-in preprocessing, and the informative numeric columns of make_customers."""
    return design_matrix, NUMERIC

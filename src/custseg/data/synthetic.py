"""A realistic synthetic customer table with known segments.

:func:`make_customers` draws customers from ``k`` segments that differ in
demographics, purchase history, geography and online behaviour, and adds what
real exports have: identifiers, personal data (names, e-mails, phones), a
signup date, columns that carry no segment structure, gaps, skewed money
columns and a few outliers. The true segment of every row is known, so tests
and benchmarks can measure how well a pipeline recovers it (adjusted Rand
index).

How segments are built: each segment gets a *level* (low, middle, high) on
each of eight informative features, drawn so that any two segments differ in
at least three of them; values are then drawn around the level in the scale a
person would reason in (log scale for money). A segment also has a home city
and a favourite channel.

Example
-------
>>> frame, truth = make_customers(500, k=4, seed=1, return_labels=True)
>>> frame.shape[0], len(set(truth))
(500, 4)
>>> "email" in frame.columns and "latitude" in frame.columns
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custseg.exceptions import ConfigError

#: Informative features and the value at each level (low, middle, high).
LEVELS = {
    "age": (26.0, 43.0, 62.0),
    "income": (np.log(22.0), np.log(55.0), np.log(130.0)),          # k$, log scale
    "annual_spend": (np.log(250.0), np.log(1500.0), np.log(8000.0)),  # $, log scale
    "orders_per_year": (np.log(2.0), np.log(8.0), np.log(30.0)),
    "recency_days": (np.log(8.0), np.log(45.0), np.log(220.0)),
    "web_sessions_month": (np.log(1.0), np.log(6.0), np.log(25.0)),
    "email_open_rate": (0.06, 0.25, 0.55),
    "mobile_share": (0.15, 0.5, 0.85),
}
_SPREAD = {"age": 4.0, "income": 0.22, "annual_spend": 0.3, "orders_per_year": 0.25,
           "recency_days": 0.3, "web_sessions_month": 0.3, "email_open_rate": 0.04,
           "mobile_share": 0.06}
CITIES = {
    "Lisbon": (38.72, -9.14), "Porto": (41.15, -8.61), "Madrid": (40.42, -3.70),
    "Barcelona": (41.39, 2.17), "Paris": (48.86, 2.35), "Lyon": (45.76, 4.84),
    "Berlin": (52.52, 13.40), "Munich": (48.14, 11.58), "London": (51.51, -0.13),
    "Manchester": (53.48, -2.24), "Milan": (45.46, 9.19), "Rome": (41.90, 12.50),
}
CHANNELS = ("store", "web", "app")
_FIRST = ("Ana", "Joao", "Maria", "Pedro", "Sofia", "Luis", "Emma", "Noah", "Olivia", "Liam",
          "Mia", "Lucas", "Lea", "Paul", "Clara", "Hugo", "Ines", "Tiago", "Marta", "Jonas")
_LAST = ("Silva", "Santos", "Ferreira", "Garcia", "Martin", "Muller", "Schmidt", "Rossi",
         "Smith", "Jones", "Dubois", "Bernard", "Costa", "Lopez", "Weber", "Bianchi")


def make_customers(
    n: int = 2000,
    k: int = 5,
    seed: int | None = 0,
    *,
    noise_columns: int = 3,
    missing_rate: float = 0.04,
    outlier_rate: float = 0.002,
    pii: bool = True,
    return_labels: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, np.ndarray]:
    """Generate ``n`` customers from ``k`` known segments.

    Parameters
    ----------
    n : number of customers (rows).
    k : number of true segments (2..12).
    seed : random seed; the same seed gives the same table.
    noise_columns : columns with no segment structure (``noise_1``...).
    missing_rate : share of missing values in ``income`` and ``email_open_rate``.
    outlier_rate : share of rows with an extreme ``income``/``annual_spend``.
    pii : add ``name``, ``email`` and ``phone`` columns (never features).
    return_labels : also return the true segment of each row (0..k-1).

    Returns
    -------
    DataFrame, or ``(DataFrame, labels)`` when ``return_labels`` is true.

    Example
    -------
    >>> make_customers(10, k=3, seed=0).columns[:4].tolist()
    ['customer_id', 'name', 'email', 'phone']
    """
    if not 2 <= k <= 12:
        raise ConfigError(f"k must be between 2 and 12, got {k}", where="make_customers(k=...)",
                          fix="pass a k from 2 to 12")
    if n < k:
        raise ConfigError(f"n ({n}) must be at least k ({k})", where="make_customers(n=...)",
                          fix="ask for more customers than segments")
    rng = np.random.default_rng(seed)
    levels = _segment_levels(k, rng)
    shares = _segment_shares(k, rng)
    labels = rng.choice(k, size=n, p=shares)
    labels[:k] = np.arange(k)  # every segment appears, even for tiny n

    data: dict[str, object] = {"customer_id": [f"C{i:07d}" for i in range(1, n + 1)]}
    if pii:
        data.update(_pii_columns(n, rng))
    informative = {}
    for j, (name, values) in enumerate(LEVELS.items()):
        centre = np.asarray(values)[levels[labels, j]]
        informative[name] = centre + rng.normal(0.0, _SPREAD[name], size=n)
    data["age"] = np.clip(np.round(informative["age"]), 18, 95).astype(int)
    data["gender"] = rng.choice(["female", "male", "other"], size=n, p=[0.5, 0.47, 0.03])
    data["education"] = rng.choice(["basic", "secondary", "graduate", "postgraduate"], size=n,
                                   p=[0.15, 0.4, 0.3, 0.15])
    data["income"] = np.round(np.exp(informative["income"]), 1)
    data["annual_spend"] = np.round(np.exp(informative["annual_spend"]), 2)
    data["orders_per_year"] = np.maximum(
        1, np.round(np.exp(informative["orders_per_year"]))).astype(int)
    data["recency_days"] = np.maximum(0, np.round(np.exp(informative["recency_days"]))).astype(int)
    data["web_sessions_month"] = np.round(np.exp(informative["web_sessions_month"]), 1)
    data["email_open_rate"] = np.round(np.clip(informative["email_open_rate"], 0, 1), 3)
    data["mobile_share"] = np.round(np.clip(informative["mobile_share"], 0, 1), 3)
    data["preferred_channel"] = _segment_choice(labels, rng, CHANNELS, strength=0.75)
    city_names = list(CITIES)
    city = _segment_choice(labels, rng, city_names, strength=0.6)
    coords = np.array([CITIES[c] for c in city])
    data["city"] = city
    data["latitude"] = np.round(coords[:, 0] + rng.normal(0, 0.05, n), 5)
    data["longitude"] = np.round(coords[:, 1] + rng.normal(0, 0.05, n), 5)
    start = np.datetime64("2015-01-01")
    signup = start + rng.integers(0, 365 * 9, size=n).astype("timedelta64[D]")
    data["signup_date"] = pd.to_datetime(signup).strftime("%Y-%m-%d")
    for i in range(1, noise_columns + 1):
        data[f"noise_{i}"] = np.round(rng.normal(50, 15, size=n), 2)
    frame = pd.DataFrame(data)
    _add_outliers(frame, rng, outlier_rate)
    _add_missing(frame, rng, missing_rate)
    return (frame, labels) if return_labels else frame


def _segment_levels(k: int, rng: np.random.Generator) -> np.ndarray:
    """Level vectors (k x features) that differ pairwise in at least three features."""
    n_features = len(LEVELS)
    chosen: list[np.ndarray] = []
    while len(chosen) < k:
        candidate = rng.integers(0, 3, size=n_features)
        if all(np.sum(candidate != other) >= 3 for other in chosen):
            chosen.append(candidate)
    return np.vstack(chosen)


def _segment_shares(k: int, rng: np.random.Generator) -> np.ndarray:
    shares = rng.dirichlet(np.full(k, 4.0))
    shares = np.maximum(shares, 0.04)
    return shares / shares.sum()


def _segment_choice(labels: np.ndarray, rng: np.random.Generator, options, strength: float):
    favourite = rng.integers(0, len(options), size=labels.max() + 1)
    own = np.asarray(options, dtype=object)[favourite[labels]]
    other = rng.choice(np.asarray(options, dtype=object), size=len(labels))
    return np.where(rng.random(len(labels)) < strength, own, other).astype(str)


def _pii_columns(n: int, rng: np.random.Generator) -> dict[str, object]:
    first = rng.choice(_FIRST, size=n)
    last = rng.choice(_LAST, size=n)
    numbers = rng.integers(100, 999, size=(n, 3))
    return {
        "name": [f"{f} {la}" for f, la in zip(first, last, strict=True)],
        "email": [f"{f.lower()}.{la.lower()}{i}@example.com"
                  for i, (f, la) in enumerate(zip(first, last, strict=True))],
        "phone": [f"+351 {a} {b} {c}" for a, b, c in numbers],
    }


def _add_outliers(frame: pd.DataFrame, rng: np.random.Generator, rate: float) -> None:
    n_out = round(rate * len(frame))
    if n_out:
        rows = rng.choice(len(frame), size=n_out, replace=False)
        frame.loc[rows, "income"] = frame.loc[rows, "income"] * 25
        frame.loc[rows, "annual_spend"] = frame.loc[rows, "annual_spend"] * 40


def _add_missing(frame: pd.DataFrame, rng: np.random.Generator, rate: float) -> None:
    for col in ("income", "email_open_rate"):
        mask = rng.random(len(frame)) < rate
        frame.loc[mask, col] = np.nan

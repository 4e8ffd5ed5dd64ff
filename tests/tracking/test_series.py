"""run_series: as-of snapshots of one log, each matched to the one before."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custseg.tracking import run_series


def _log(seed: int = 0) -> pd.DataFrame:
    """A year of orders: 60 frequent big spenders, 60 occasional, 60 one-off buyers."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(180):
        kind = i // 60
        n = (24, 6, 1)[kind]
        days = rng.integers(0, 365, n)
        for d in days:
            rows.append({"customer": f"K{i:04d}",
                         "date": (pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(d))
                                  ).strftime("%Y-%m-%d"),
                         "amount": round(float(rng.gamma(2, (80, 30, 15)[kind])), 2)})
    return pd.DataFrame(rows)


def test_series_chains_migrations(tmp_path):
    series = run_series(_log(), ["2023-07-01", "2024-01-01"], tmp_path, k=3,
                        algorithms=["kmeans"], stability=False, customer="customer",
                        date="date", amount="amount")
    assert [f.name for f in series.folders] == ["as_of_2023-07-01", "as_of_2024-01-01"]
    assert len(series.runs) == 2 and len(series.migrations) == 1
    step = series.migrations[0]
    assert step["previous"]["folder"] == "as_of_2023-07-01"
    migration = step["migration"]
    # everyone who bought before July is in both snapshots (features are cumulative)
    first = pd.read_csv(series.folders[0] / "segments.csv")
    assert migration["customers_in_both"] == len(first)
    assert sum(map(sum, migration["counts"])) == len(first)
    table = series.to_frame()
    assert list(table.columns) == ["from", "to", "k", "kept", "new", "vanished", "psi",
                                   "moved", "in_both", "verdict"]
    assert table.loc[0, "in_both"] == len(first)
    assert (series.folders[1] / "migration.csv").is_file()

"""Small two-period tables with known segments, and runs of them (module-scoped: runs are slow)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Three tight, far-apart groups: k-means with k=3 recovers them exactly, so every
#: count below is known in advance.
CENTRES = {"A": (0.0, 0.0, 0.0), "B": (40.0, 0.0, 10.0), "C": (0.0, 40.0, 20.0)}
FAR = (40.0, 40.0, 50.0)


def blobs(groups: dict[str, int], seed: int = 0, prefix: str = "C",
          start: int = 0) -> pd.DataFrame:
    """Customers ``prefix+number`` around the named centres (spread 1)."""
    rng = np.random.default_rng(seed)
    rows = []
    n = start
    for group, size in groups.items():
        centre = FAR if group == "D" else CENTRES[group]
        for _ in range(size):
            x, y, z = (np.array(centre) + rng.normal(0, 1, 3)).round(3)
            rows.append({"customer_id": f"{prefix}{n:05d}", "spend": x + 100, "visits": y + 100,
                         "tenure": z + 100, "truth": group})
            n += 1
    return pd.DataFrame(rows)


def move(frame: pd.DataFrame, ids: list[str], to: str, seed: int = 1) -> pd.DataFrame:
    """The same customers, ``ids`` placed around group ``to``'s centre."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    centre = FAR if to == "D" else CENTRES[to]
    rows = out["customer_id"].isin(ids).to_numpy()
    values = np.array(centre) + rng.normal(0, 1, (int(rows.sum()), 3)) + 100
    out.loc[rows, ["spend", "visits", "tenure"]] = values.round(3)
    out.loc[rows, "truth"] = to
    return out


FAST = dict(k=3, algorithms=["kmeans"], stability=False, report=False,
            select_features=False)

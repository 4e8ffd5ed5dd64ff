"""Migration between two runs: who moved from which segment to which.

Only customers present in both runs (matched on the id column) are in the
transition matrix; the others are newcomers (only in the new run) or leavers
(only in the previous one).

Example
-------
>>> prev = pd.DataFrame({"id": ["a", "b", "c", "d"], "segment": [0, 0, 1, 1]})
>>> new = pd.DataFrame({"id": ["a", "b", "c", "e"], "segment": [0, 1, 1, 0]})
>>> m = migrate(prev, new, "id")
>>> int(m.counts.loc[0, 1]), m.n_both, m.newcomers, m.leavers
(1, 3, {0: 1}, {1: 1})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from custseg.tracking.previous import key_series

#: Flows described in words (largest first); the full table is in migration.csv.
MAX_FLOWS = 5


@dataclass
class Migration:
    """Transition matrix (previous segment x new segment) and what goes with it."""

    counts: pd.DataFrame                 # rows: previous id, columns: new id
    value: pd.DataFrame | None           # same shape: value of the customers on each path
    n_both: int
    newcomers: dict[int, int]            # new segment -> customers not in the previous run
    leavers: dict[int, int]              # previous segment -> customers not in the new run
    previous_names: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    value_column: str | None = None

    @property
    def shares(self) -> pd.DataFrame:
        """Row shares: of each previous segment's customers, the share in each new one."""
        return self.counts.div(self.counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)

    @property
    def stayed(self) -> int:
        """Customers whose segment id did not change."""
        return int(sum(self.counts.loc[i, i] for i in self.counts.index
                       if i in self.counts.columns))

    def _name(self, sid: int, previous: bool) -> str:
        names = self.previous_names if previous else self.names
        return names.get(int(sid), f"segment {sid}")

    def _total_value(self) -> float:
        return float(self.value.to_numpy().sum()) if self.value is not None else 0.0

    def _paths(self):
        """(from, to, customers, size of from) for every path with customers on it."""
        for a in self.counts.index:
            size = max(int(self.counts.loc[a].sum()), 1)
            for b in self.counts.columns:
                if count := int(self.counts.loc[a, b]):
                    yield a, b, count, size

    def flows(self, n: int = MAX_FLOWS) -> list[dict[str, Any]]:
        """The largest moves between different segments, with a sentence each."""
        total_value = self._total_value()
        rows = []
        for a, b, count, size in self._paths():
            if a == b:
                continue
            value = float(self.value.loc[a, b]) if self.value is not None else None
            share_value = value / total_value if value is not None and total_value > 0 \
                else None
            text = (f"{count:,} {self._name(a, True)} ({a}) became "
                    f"{self._name(b, False)} ({b}): {count / size:.0%} of "
                    f"{self._name(a, True)}")
            if share_value is not None:  # the current run's value (its money column)
                text += (f", holding {share_value:.1%} of this run's "
                         f"{self.value_column or 'value'}")
            rows.append({"from": int(a), "to": int(b), "customers": count,
                         "share_of_from": count / size, "value": value,
                         "value_share": share_value, "text": text})
        rows.sort(key=lambda r: (-r["customers"], r["from"], r["to"]))
        return rows[:n]

    def to_frame(self) -> pd.DataFrame:
        """migration.csv: one row per path, then newcomers and leavers."""
        total_value = self._total_value()
        rows = []
        for a, b, count, size in self._paths():
            row = {"kind": "stayed" if a == b else "moved", "from_segment": int(a),
                   "from_name": self._name(a, True), "to_segment": int(b),
                   "to_name": self._name(b, False), "customers": count,
                   "share_of_from": round(count / size, 4)}
            if self.value is not None:
                v = float(self.value.loc[a, b])
                row["value"] = round(v, 2)
                row["value_share"] = round(v / total_value, 4) if total_value > 0 else None
            rows.append(row)
        for b, count in sorted(self.newcomers.items()):
            rows.append({"kind": "new", "from_segment": None, "from_name": "(not in previous)",
                         "to_segment": int(b), "to_name": self._name(b, False),
                         "customers": int(count), "share_of_from": None})
        for a, count in sorted(self.leavers.items()):
            rows.append({"kind": "left", "from_segment": int(a),
                         "from_name": self._name(a, True), "to_segment": None,
                         "to_name": "(not in this run)", "customers": int(count),
                         "share_of_from": None})
        columns = ["kind", "from_segment", "from_name", "to_segment", "to_name", "customers",
                   "share_of_from"] + (["value", "value_share"] if self.value is not None
                                       else [])
        out = pd.DataFrame(rows, columns=columns)
        for c in ("from_segment", "to_segment"):
            out[c] = out[c].astype("Int64")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready account for summary.json."""
        return {
            "customers_in_both": self.n_both,
            "stayed": self.stayed,
            "moved": self.n_both - self.stayed,
            "from": [int(i) for i in self.counts.index],
            "to": [int(i) for i in self.counts.columns],
            "counts": self.counts.astype(int).to_numpy().tolist(),
            "shares": self.shares.round(4).to_numpy().tolist(),
            "value": None if self.value is None else self.value.round(2).to_numpy().tolist(),
            "value_column": self.value_column,
            "previous_names": {str(k): v for k, v in sorted(self.previous_names.items())},
            "names": {str(k): v for k, v in sorted(self.names.items())},
            "newcomers": {str(k): int(v) for k, v in sorted(self.newcomers.items())},
            "leavers": {str(k): int(v) for k, v in sorted(self.leavers.items())},
            "flows": self.flows(),
        }


def migrate(previous: pd.DataFrame, current: pd.DataFrame, id_column: str,
            previous_id: str | None = None, value: np.ndarray | pd.Series | None = None,
            previous_names: dict[int, str] | None = None, names: dict[int, str] | None = None,
            value_column: str | None = None) -> Migration:
    """Transition matrix between ``previous`` and ``current`` segments tables.

    ``value`` (aligned with ``current``) is summed per path: the money the
    customers on each path hold in the current run. Ids are compared as text,
    with whole-number floats written without ``.0``.
    """
    prev = pd.DataFrame({"key": key_series(previous[previous_id or id_column]),
                         "from": previous["segment"].to_numpy(dtype=int)})
    cur = pd.DataFrame({"key": key_series(current[id_column]),
                        "to": current["segment"].to_numpy(dtype=int)})
    if value is not None:
        cur["value"] = np.nan_to_num(np.asarray(value, dtype=float))
    prev = prev.drop_duplicates("key", keep="first")
    cur = cur.drop_duplicates("key", keep="first")
    both = prev.merge(cur, on="key", how="inner")
    from_ids = sorted(set(prev["from"]))
    to_ids = sorted(set(cur["to"]))
    counts = pd.crosstab(both["from"], both["to"]).reindex(index=from_ids, columns=to_ids,
                                                            fill_value=0)
    value_table = None
    if value is not None:
        value_table = both.pivot_table(index="from", columns="to", values="value",
                                       aggfunc="sum", fill_value=0.0).reindex(
            index=from_ids, columns=to_ids, fill_value=0.0).astype(float)
    in_prev = set(prev["key"])
    in_cur = set(cur["key"])
    newcomers = cur.loc[~cur["key"].isin(in_prev), "to"].value_counts()
    leavers = prev.loc[~prev["key"].isin(in_cur), "from"].value_counts()
    counts.index.name, counts.columns.name = "previous", "current"
    return Migration(counts=counts.astype(int), value=value_table, n_both=len(both),
                     newcomers={int(k): int(v) for k, v in newcomers.items()},
                     leavers={int(k): int(v) for k, v in leavers.items()},
                     previous_names=dict(previous_names or {}), names=dict(names or {}),
                     value_column=value_column)

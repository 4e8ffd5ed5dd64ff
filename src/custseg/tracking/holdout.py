"""Stable control groups: a per-customer flag from a hash of the customer id and a salt.

The same customer id gets the same flag in every run and every file (the hash
reads nothing but the id and the salt), so a customer held out of a campaign
this month stays held out next month, and lift can be measured per segment.

Example
-------
>>> flags = control_flags([f"C{i}" for i in range(10_000)], 0.1)
>>> round(float(flags.mean()), 2)
0.1
>>> bool(control_flags(["C17"], 0.1)[0]) == bool(control_flags(["C17", "x"], 0.1)[0])
True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from custseg.exceptions import ConfigError

#: Salt used when none is given; change it to draw a new, independent control group.
DEFAULT_SALT = "custseg-control"
#: Largest control share accepted: above half, the "control" is the main group.
MAX_HOLDOUT = 0.5


def parse_holdout(value: Any) -> float:
    """``"10%"``, ``"0.1"``, ``10`` or ``0.1`` -> 0.1; anything else is refused.

    Example
    -------
    >>> parse_holdout("10%"), parse_holdout(0.05), parse_holdout("2.5%")
    (0.1, 0.05, 0.025)
    """
    text = str(value).strip()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%?)", text)
    share = None
    if match:
        number = float(match.group(1))
        share = number / 100 if match.group(2) or number >= 1 else number
    if share is None or not 0 < share <= MAX_HOLDOUT:
        raise ConfigError(f"cannot read holdout {value!r}: it must be a share above 0 and at "
                          f"most {MAX_HOLDOUT:.0%}", where="--holdout",
                          fix="give a percentage or a fraction, e.g. --holdout 10% or "
                              "--holdout 0.1")
    return round(share, 6)


def normalise_id(value: Any) -> str:
    """The text the hash reads: whole-number floats lose their ``.0`` (12346.0 -> 12346).

    A CSV writer, a spreadsheet or pandas may turn an integer id column into
    floats; the flag must not change with that.

    Example
    -------
    >>> normalise_id(12346.0), normalise_id(" C7 "), normalise_id(np.int64(5))
    ('12346', 'C7', '5')
    """
    if isinstance(value, float | np.floating) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    if re.fullmatch(r"-?\d+\.0+", text):
        return text.split(".")[0]
    return text


def control_flags(ids: Iterable[Any], share: float, salt: str = DEFAULT_SALT) -> np.ndarray:
    """True for customers in the control group: ``hash(salt, id) < share``.

    The first 8 bytes of SHA-256 of ``"<salt>:<id>"`` read as a number in
    [0, 1): uniform whatever the ids look like, so the control share is the
    requested one up to sampling noise (within 1 point on 10,000 customers).

    Example
    -------
    >>> control_flags([1, 2, 3], 0.5, salt="s").tolist() == control_flags(
    ...     ["1", "2", "3"], 0.5, salt="s").tolist()
    True
    """
    out = [int.from_bytes(hashlib.sha256(f"{salt}:{normalise_id(v)}".encode()).digest()[:8],
                          "big") / 2.0 ** 64 < share for v in ids]
    return np.asarray(out, dtype=bool)


def holdout_summary(segments: pd.Series, control: np.ndarray, share: float, salt: str,
                    keyed_by: str | None) -> dict[str, Any]:
    """The summary's account of the control group: shares overall and per segment.

    Example
    -------
    >>> s = holdout_summary(pd.Series([0, 0, 1, 1]), np.array([True, False, False, False]),
    ...                     0.25, "s", "id")
    >>> s["n_control"], s["per_segment"]["0"]["share"]
    (1, 0.5)
    """
    frame = pd.DataFrame({"segment": np.asarray(segments, dtype=int), "control": control})
    per = frame.groupby("segment")["control"].agg(["sum", "count"])
    n = max(len(frame), 1)
    out = {
        "share_requested": share, "salt": salt,
        "keyed_by": keyed_by or "row",
        "n_control": int(frame["control"].sum()),
        "share": float(frame["control"].sum() / n),
        "per_segment": {str(int(s)): {"control": int(r["sum"]), "customers": int(r["count"]),
                                      "share": float(r["sum"] / max(r["count"], 1))}
                        for s, r in per.iterrows()},
        "how": ("a customer is in control when the SHA-256 hash of the salt and the customer "
                "id falls below the requested share: the same customer stays in control in "
                "every run and file with the same salt"),
    }
    if not keyed_by:
        out["warning"] = ("the input has no customer id: the control flag follows row numbers, "
                          "so it is stable only while the rows keep their order")
    return out

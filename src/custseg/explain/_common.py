"""Small helpers shared by the explain modules: JSON-ready values, labels, numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from custseg.exceptions import InputError

UNASSIGNED = -1


def json_ready(value):
    """Turn numpy scalars/arrays, NaN and infinities into plain JSON values.

    >>> json_ready({"a": np.float64(1.5), "b": [np.int64(2), float("nan")]})
    {'a': 1.5, 'b': [2, None]}
    """
    if isinstance(value, Mapping):
        return {_key(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(value).date())
    return str(value)


def _key(key) -> str | int:
    if isinstance(key, (int, np.integer)):
        return int(key)
    return str(key)


def check_labels(labels, n_rows: int, where: str) -> np.ndarray:
    """Labels as an int64 array of length ``n_rows``; -1 marks unassigned rows."""
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.shape[0] != n_rows:
        raise InputError(f"labels has shape {arr.shape} but the data has {n_rows} rows",
                         where=where, fix="pass one segment label per customer row")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        as_float = pd.to_numeric(pd.Series(arr), errors="coerce").to_numpy(dtype=float)
        if np.isnan(as_float).any() or np.any(np.mod(as_float, 1) != 0):
            bad = arr[np.isnan(as_float) | (np.nan_to_num(np.mod(as_float, 1), nan=1) != 0)][0]
            raise InputError(f"labels must be whole numbers, found {bad!r}", where=where,
                             fix="pass integer segment ids (0..k-1, -1 for unassigned)")
        arr = as_float
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < UNASSIGNED:
        raise InputError(f"labels must be >= -1, found {int(arr.min())}", where=where,
                         fix="use 0..k-1 for segments and -1 for unassigned customers")
    return arr


def check_features(frame: pd.DataFrame, features, where: str) -> list[str]:
    """The feature list, checked against the frame's columns."""
    if isinstance(features, str):
        features = [features]
    names = list(features or [])
    if not names:
        raise InputError("no features given", where=where,
                         fix="pass features=[...] with the columns the segments were built on")
    missing = [f for f in names if f not in frame.columns]
    if missing:
        shown = ", ".join(map(str, list(frame.columns)[:12]))
        raise InputError(f"feature {missing[0]!r} is not a column of the table", where=where,
                         fix=f"use columns of the original table: {shown}")
    return [str(f) for f in dict.fromkeys(names)]


def snake(name: str) -> str:
    """Lower snake case of a column name, for matching words.

    >>> snake("NumWebVisitsMonth"), snake("Detergents_Paper")
    ('num_web_visits_month', 'detergents_paper')
    """
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name).strip())
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def readable(name: str) -> str:
    """A column name as words: ``annual_spend`` -> ``annual spend``.

    >>> readable("Detergents_Paper"), readable("MntWines")
    ('detergents paper', 'mnt wines')
    """
    return snake(name).replace("_", " ")


def fmt_number(x: float) -> str:
    """A number rounded to about four significant digits, with thousands separators.

    >>> fmt_number(3099.875), fmt_number(82.45), fmt_number(123456.7), fmt_number(0.12345)
    ('3,100', '82.45', '123,500', '0.1235')
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    digits = math.floor(math.log10(abs(x)))
    rounded = round(x, 3 - digits)
    if abs(rounded) >= 1000:
        return f"{rounded:,.0f}"
    text = f"{rounded:.{max(0, 3 - digits)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_share(x: float) -> str:
    """A share as a percentage: 0.2473 -> '24.7%'.

    >>> fmt_share(0.2473), fmt_share(0.05)
    ('24.7%', '5%')
    """
    text = f"{100 * x:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


# Unicode categories that never belong in a name or a sentence: controls (Cc), format
# characters such as bidi overrides and zero-width joiners (Cf), separators that break
# lines (Zl, Zp), private-use, surrogates and unassigned code points.
_DROP_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}


def clean_text(text, limit: int | None = None) -> str:
    """Text safe to show in a name or a sentence: no control/bidi characters, one-line,
    capped at ``limit`` characters (cut at a word, with an ellipsis).

    Column names and category levels come from user files: a right-to-left override
    or a 100,000-character string must not garble or swamp a segment name.

    >>> clean_text("Spend\\u202e (€)\\n2024")
    'Spend (€) 2024'
    >>> clean_text("a very long column name indeed", 16)
    'a very long…'
    """
    import unicodedata

    text = str(text)
    if limit is not None and len(text) > 4 * limit + 64:
        text = text[:4 * limit + 64]  # never walk a 100k-character string character by character
    text = "".join(" " if ch in "\t\n\r\x0b\x0c" else ch for ch in text
                   if ch in "\t\n\r\x0b\x0c" or unicodedata.category(ch) not in _DROP_CATEGORIES)
    text = re.sub(r"\s+", " ", text).strip()
    return cut_at_word(text, limit) if limit is not None else text


def cut_at_word(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, marked by ``ellipsis``.

    >>> cut_at_word("Champions, high income, young", 24)
    'Champions, high income…'
    >>> cut_at_word("short", 24)
    'short'
    """
    if len(text) <= limit:
        return text
    room = max(limit - len(ellipsis), 1)
    head = text[:room + 1]
    space = max(head.rfind(" "), -1)
    cut = head[:space] if space >= room // 2 else text[:room]
    return cut.rstrip(" ,;:-") + ellipsis


def fmt_vs_limit(value: float, limit: float, digits: int = 2) -> str:
    """``value`` rounded so that its comparison with ``limit`` reads right.

    A silhouette of 0.2493 is below 0.25, but shown with two decimals it reads
    "0.25 (below 0.25)". More decimals are used until the shown number differs
    from the limit in the right direction.

    >>> fmt_vs_limit(0.2493, 0.25), fmt_vs_limit(0.21, 0.25), fmt_vs_limit(0.59999, 0.6)
    ('0.249', '0.21', '0.59999')
    """
    for d in range(digits, 8):
        shown = round(float(value), d)
        if (shown < limit) == (value < limit) and shown != limit:
            return f"{value:.{d}f}"
    return f"{value:.8g}"


def fmt_share_vs_limit(x: float, limit: float) -> str:
    """A share as a percentage that never reads equal to the ``limit`` it is compared with.

    >>> fmt_share_vs_limit(0.0196, 0.02), fmt_share_vs_limit(0.6004, 0.6)
    ('1.96%', '60.04%')
    >>> fmt_share_vs_limit(0.01, 0.02), fmt_share_vs_limit(0.2473, 0.02)
    ('1%', '24.7%')
    """
    for digits in range(1, 6):
        text = f"{100 * x:.{digits}f}"
        if (float(text) < 100 * limit) == (x < limit) and float(text) != 100 * limit:
            break
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text + "%"


def short_label(text, limit: int = 60) -> str:
    """A column name for a table heading or a sentence: cleaned, and when too long cut
    in the middle so that names differing only at the end (``..._1``, ``..._2``) stay
    apart.

    >>> short_label("Naive_Bayes_Classifier_Attrition_Flag_Card_Category_Contacts_mon_1", 40)
    'Naive_Bayes_Classifier_Att…ontacts_mon_1'
    """
    text = clean_text(text, 4 * limit)
    if len(text) <= limit:
        return text
    tail = max(limit // 3, 1)
    return text[:limit - tail - 1] + "…" + text[-tail:]

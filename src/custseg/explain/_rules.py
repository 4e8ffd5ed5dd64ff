"""Plain-language rules that approximate the segments (a surrogate decision tree).

A shallow :class:`~sklearn.tree.DecisionTreeClassifier` learns to predict the
segment from the original, unscaled features (categories one-hot encoded as
``city = Paris``; dates as days before the latest date; missing numbers filled
with the column median). Each leaf becomes a rule such as ``income > 82.5 and
annual_spend > 3,100``. *Fidelity* is the share of customers whose segment the
tree reproduces, overall and per segment: a low value means the segments are
not simple boxes in the original features and the rules are only a sketch.

The tree is fitted on a seeded sample of at most ``max_samples`` assigned
customers; fidelity and rule coverage are then measured on every assigned
customer (prediction is cheap), so the numbers do not depend on the sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import check_random_state

from custseg.data.schema import Schema
from custseg.exceptions import ConfigError, InputError
from custseg.explain._common import (
    UNASSIGNED,
    check_features,
    check_labels,
    fmt_number,
    json_ready,
)
from custseg.explain._features import FeatureTable, feature_table

MAX_SAMPLES = 50_000


@dataclass
class SegmentRules:
    """Rules of a surrogate tree; build with :func:`surrogate_rules`.

    Attributes
    ----------
    rules : list of dicts, one per leaf: ``segment``, ``rule`` (text),
        ``conditions``, ``n_covered``, ``n_correct``, ``precision`` (share of
        covered customers in the segment) and ``coverage`` (share of the
        segment covered).
    fidelity : share of assigned customers whose segment the tree reproduces.
    fidelity_per_segment : ``{segment: share of its customers reproduced}``.
    importance : ``{feature: share of the tree's impurity decrease}``.
    n_fit : customers the tree was fitted on; ``n_scored``: customers scored.
    """

    rules: list[dict]
    fidelity: float
    fidelity_per_segment: dict[int, float]
    importance: dict[str, float]
    max_depth: int
    n_fit: int
    n_scored: int
    notes: list[str] = field(default_factory=list)

    def for_segment(self, segment: int) -> list[dict]:
        """Rules whose leaf predicts ``segment``, the one covering most customers first."""
        return [r for r in self.rules if r["segment"] == segment]

    def to_frame(self) -> pd.DataFrame:
        """One row per rule: segment, rule, n_covered, n_correct, precision, coverage."""
        cols = ["segment", "rule", "n_covered", "n_correct", "precision", "coverage"]
        return pd.DataFrame([{c: r[c] for c in cols} for r in self.rules], columns=cols)

    def to_dict(self) -> dict:
        """JSON-ready: fidelity, rules per segment, feature importance, notes."""
        segments = {s: {"fidelity": f, "rules": self.for_segment(s)}
                    for s, f in self.fidelity_per_segment.items()}
        return json_ready({"fidelity": self.fidelity, "max_depth": self.max_depth,
                           "n_fit": self.n_fit, "n_scored": self.n_scored,
                           "segments": segments, "importance": self.importance,
                           "notes": self.notes})


def surrogate_rules(
    frame: pd.DataFrame,
    labels,
    *,
    features,
    max_depth: int = 3,
    random_state=0,
    schema: Schema | None = None,
    max_samples: int = MAX_SAMPLES,
    min_samples_leaf: float | int = 0.005,
    class_weight: str | dict | None = "balanced",
) -> SegmentRules:
    """Describe segments with the rules of a shallow decision tree.

    Parameters
    ----------
    frame : the original customer table.
    labels : segment of each row (-1 rows are left out).
    features : columns the rules may use.
    max_depth : depth of the tree (conditions per rule at most).
    random_state : seed of the sample and of the tree.
    schema : column roles (guessed when None).
    max_samples : the tree is fitted on a seeded sample of at most this many rows.
    min_samples_leaf : smallest leaf (count, or share of the fitted rows).
    class_weight : ``"balanced"`` (default) weighs segments equally, so a small
        segment still gets a leaf of its own; None weighs customers equally.

    Example
    -------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"income": [20.0, 25, 30, 90, 95, 99],
    ...                       "city": ["Porto", "Porto", "Lyon", "Paris", "Paris", "Paris"]})
    >>> res = surrogate_rules(frame, [0, 0, 0, 1, 1, 1], features=["income", "city"],
    ...                       max_depth=1)
    >>> res.fidelity, res.for_segment(1)[0]["rule"]
    (1.0, 'income > 60')
    """
    where = "surrogate_rules"
    if not isinstance(max_depth, (int, np.integer)) or max_depth < 1:
        raise ConfigError(f"max_depth must be a whole number >= 1, got {max_depth!r}",
                          where="surrogate_rules(max_depth)", fix="use e.g. max_depth=3")
    if not isinstance(max_samples, (int, np.integer)) or max_samples < 2:
        raise ConfigError(f"max_samples must be a whole number >= 2, got {max_samples!r}",
                          where="surrogate_rules(max_samples)", fix="use e.g. 50000")
    feats = check_features(frame, features, where)
    lab = check_labels(labels, len(frame), where)
    assigned = np.flatnonzero(lab != UNASSIGNED)
    if assigned.size == 0:
        raise InputError("no customer is assigned to a segment (all labels are -1)",
                         where=where, fix="pass the labels of a fitted segmentation")
    frame = frame.reset_index(drop=True)
    table = feature_table(frame, feats, schema, where)
    X, columns = _design(table)
    X, y = X[assigned], lab[assigned]
    notes = list(table.notes)
    filled = [c["feature"] for c in columns if c.get("filled")]
    if filled:
        notes.append("missing values filled with the column median for the rules: "
                     + ", ".join(filled))
    rng = check_random_state(random_state)
    fit_rows = np.arange(len(y))
    if len(y) > max_samples:
        fit_rows = np.sort(rng.choice(len(y), size=max_samples, replace=False))
        notes.append(f"tree fitted on a seeded sample of {max_samples:,} of {len(y):,} "
                     "customers; fidelity measured on all of them")
    tree = DecisionTreeClassifier(max_depth=int(max_depth), min_samples_leaf=min_samples_leaf,
                                  class_weight=class_weight,
                                  random_state=rng.randint(np.iinfo(np.int32).max))
    tree.fit(X[fit_rows], y[fit_rows])

    pred = tree.predict(X)
    segs = np.unique(y)
    fidelity = float(np.mean(pred == y))
    per_seg = {int(s): float(np.mean(pred[y == s] == s)) for s in segs}
    rules = _rules(tree, columns, table, X, y)
    missing = [s for s in per_seg if not any(r["segment"] == s for r in rules)]
    if missing:
        notes.append(f"no leaf of the depth-{max_depth} tree predicts segment(s) "
                     + ", ".join(map(str, missing)) + ": they have no rule (fidelity 0)")
    importance: dict[str, float] = {}
    for col, imp in zip(columns, tree.feature_importances_, strict=True):
        importance[col["feature"]] = importance.get(col["feature"], 0.0) + float(imp)
    importance = dict(sorted(((f, v) for f, v in importance.items() if v > 0),
                             key=lambda kv: -kv[1]))
    return SegmentRules(rules=rules, fidelity=fidelity, fidelity_per_segment=per_seg,
                        importance=importance, max_depth=int(max_depth), n_fit=len(fit_rows),
                        n_scored=len(y), notes=notes)


def _design(table: FeatureTable) -> tuple[np.ndarray, list[dict]]:
    blocks, columns = [], []
    for name, kind in table.kinds.items():
        if kind == "categorical":
            codes, levels = pd.factorize(table.categorical[name])
            for j in np.argsort(-np.bincount(codes, minlength=len(levels)), kind="stable"):
                blocks.append((codes == j).astype(float))
                columns.append({"feature": name, "kind": "onehot", "level": str(levels[j])})
            continue
        v = table.numeric[name].copy()
        gaps = np.isnan(v)
        if gaps.all():
            continue
        if gaps.any():
            v[gaps] = np.median(v[~gaps])
        blocks.append(v)
        columns.append({"feature": name, "kind": kind, "filled": bool(gaps.any())})
    if not blocks:
        raise InputError("none of the features has a usable value", where="surrogate_rules",
                         fix="pass features with at least some non-missing values")
    return np.column_stack(blocks), columns


def _rules(tree: DecisionTreeClassifier, columns, table: FeatureTable, X, y) -> list[dict]:
    t = tree.tree_
    classes = tree.classes_
    pure = _pure_subtrees(t)
    # a split whose two sides predict the same segment adds nothing to a rule:
    # such a subtree is read as one leaf
    leaf_of = np.arange(t.node_count)
    paths: dict[int, list[tuple[int, str, float]]] = {}
    stack: list[tuple[int, list]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        if t.children_left[node] == -1 or pure[node] >= 0:
            paths[node] = path
            leaf_of[_subtree(t, node)] = node
            continue
        f, thr = int(t.feature[node]), float(t.threshold[node])
        stack.append((int(t.children_right[node]), [*path, (f, ">", thr)]))
        stack.append((int(t.children_left[node]), [*path, (f, "<=", thr)]))
    leaves = leaf_of[tree.apply(X)]
    out = []
    for leaf, path in paths.items():
        segment = int(classes[pure[leaf] if pure[leaf] >= 0 else
                              int(np.argmax(t.value[leaf][0]))])
        in_leaf = leaves == leaf
        n_cov = int(in_leaf.sum())
        n_ok = int(np.sum(y[in_leaf] == segment))
        conditions = _conditions(path, columns, table)
        out.append({"segment": segment,
                    "rule": " and ".join(conditions) if conditions else "all customers",
                    "conditions": conditions, "n_covered": n_cov, "n_correct": n_ok,
                    "precision": n_ok / n_cov if n_cov else None,
                    "coverage": n_ok / max(int(np.sum(y == segment)), 1)})
    out.sort(key=lambda r: (r["segment"], -r["n_correct"], -r["n_covered"]))
    return out


def _pure_subtrees(t) -> np.ndarray:
    """Class index predicted by every leaf below each node, or -1 when they differ."""
    pure = np.full(t.node_count, -1)
    for node in range(t.node_count - 1, -1, -1):  # children have larger ids
        left, right = t.children_left[node], t.children_right[node]
        if left == -1:
            pure[node] = int(np.argmax(t.value[node][0]))
        elif pure[left] >= 0 and pure[left] == pure[right]:
            pure[node] = pure[left]
    return pure


def _subtree(t, node: int) -> list[int]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        out.append(n)
        if t.children_left[n] != -1:
            stack += [int(t.children_left[n]), int(t.children_right[n])]
    return out


def _conditions(path, columns, table: FeatureTable) -> list[str]:
    bounds: dict[str, list] = {}   # feature -> [low, high] (low < x <= high)
    equal: dict[str, str] = {}
    exclude: dict[str, list[str]] = {}
    order: list[str] = []
    for idx, op, thr in path:
        col = columns[idx]
        name = col["feature"]
        if name not in order:
            order.append(name)
        if col["kind"] == "onehot":
            if op == ">":
                equal[name] = col["level"]
            else:
                exclude.setdefault(name, []).append(col["level"])
            continue
        low, high = bounds.setdefault(name, [None, None])
        if op == ">":
            bounds[name][0] = thr if low is None else max(low, thr)
        else:
            bounds[name][1] = thr if high is None else min(high, thr)
    out = []
    for name in order:
        if name in equal:
            out.append(f"{name} = {equal[name]}")
        elif name in exclude:
            levels = exclude[name]
            out.append(f"{name} ≠ {levels[0]}" if len(levels) == 1
                       else f"{name} not in {{{', '.join(levels)}}}")
        else:
            out.append(_numeric_condition(name, *bounds[name], table))
    return out


def _numeric_condition(name: str, low, high, table: FeatureTable) -> str:
    kind = table.kinds[name]
    if kind == "binary":
        return f"{name} = {'yes' if low is not None else 'no'}"
    if kind == "datetime":  # days before the latest date: more days = an earlier date
        ref = table.ref_dates[name]

        def day(d: float) -> str:
            # thresholds fall between days: round up so that whole dates read right
            return str((ref - pd.Timedelta(days=float(d))).ceil("D").date())

        parts = []
        if low is not None:
            parts.append(f"{name} before {day(low)}")
        if high is not None:
            parts.append(f"{name} on or after {day(high)}")
        return " and ".join(parts)
    if low is not None and high is not None:
        return f"{fmt_number(low)} < {name} <= {fmt_number(high)}"
    if low is not None:
        return f"{name} > {fmt_number(low)}"
    return f"{name} <= {fmt_number(high)}"

"""One call that profiles, describes, names and validates a segmentation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from custseg.data.schema import Schema
from custseg.exceptions import InputError
from custseg.explain._common import UNASSIGNED, check_features, json_ready
from custseg.explain._names import name_segments
from custseg.explain._profile import SegmentProfiles, profile
from custseg.explain._rules import SegmentRules, surrogate_rules
from custseg.explain._validate import Validation, validate


@dataclass
class Explanation:
    """Profiles, rules, names and validation of one segmentation."""

    profiles: SegmentProfiles
    rules: SegmentRules
    names: dict[int, dict]
    validation: Validation

    @property
    def warnings(self) -> list[str]:
        """The validation's warnings (plain sentences)."""
        return list(self.validation.warnings)

    def to_frame(self) -> pd.DataFrame:
        """One row per segment: id, name, size, share, value share, fidelity, silhouette..."""
        rows = []
        for seg in self.profiles.segment_ids:
            stab = self.validation.stability_of(seg) or {}
            rows.append({"segment": seg, "name": self.names[seg]["name"],
                         "size": self.profiles.sizes[seg], "share": self.profiles.shares[seg],
                         "value_share": self.profiles.value_shares[seg],
                         "rule_fidelity": self.rules.fidelity_per_segment.get(seg),
                         "silhouette": self.validation.silhouette_per_segment.get(seg),
                         "mean_jaccard": stab.get("jaccard"), "stability": stab.get("verdict"),
                         "description": self.names[seg]["description"]})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """JSON for summary.json: ``segments``, ``metrics``, ``validation``, ``warnings``.

        Each segment: id, name, description, size, share, value_share, profile
        (top features, numeric stats, category lifts), outcomes (each outcome
        column's rate, mean or top-level share against everyone), rules (each
        with its precision and coverage; ``fidelity`` is the share of the
        segment the rules find together) and stability (mean Jaccard and
        verdict, or None). ``outcomes`` at the top level lists the outcome
        columns with their overall statistic.
        """
        segments = []
        for seg in self.profiles.segments:
            s = seg["id"]
            segments.append({
                "id": s, "name": self.names[s]["name"],
                "description": self.names[s]["description"],
                "size": seg["size"], "share": seg["share"], "value_share": seg["value_share"],
                "profile": {"top_features": seg["top_features"], "numeric": seg["numeric"],
                            "categorical": seg["categorical"]},
                "outcomes": [{k: o[k] for k in ("column", "statistic", "level", "value",
                                                "overall", "n", "text")}
                             for o in seg["outcomes"]],
                "rules": None if s == UNASSIGNED else {
                    "fidelity": self.rules.fidelity_per_segment.get(s),
                    "rules": [{k: r[k] for k in ("rule", "n_covered", "precision", "coverage")}
                              for r in self.rules.for_segment(s)]},
                "stability": self.validation.stability_of(s)})
        validation = self.validation.to_dict()
        return json_ready({
            "segments": segments,
            "outcomes": self.profiles.outcomes_overview(),
            "metrics": {**self.validation.metrics, "rule_fidelity": self.rules.fidelity},
            "validation": {**validation, "rules": self.rules.to_dict(),
                           "features": self.profiles.to_dict()["features"],
                           "monetary": self.profiles.monetary,
                           "notes": self.profiles.notes + self.rules.notes + validation["notes"]},
            "warnings": self.warnings})


def explain(
    frame: pd.DataFrame,
    labels,
    X,
    *,
    features,
    schema: Schema | None = None,
    monetary: str | list[str] | bool | None = None,
    names: dict | None = None,
    outcomes: str | list[str] | None = None,
    label_true=None,
    fit_predict=None,
    max_depth: int = 3,
    sample_size: int = 5000,
    n_boot: int = 20,
    min_share: float = 0.02,
    random_state=0,
) -> Explanation:
    """Profile, describe with rules, name and validate segments in one call.

    Parameters
    ----------
    frame : original customer table; ``labels``: segment per row (-1 unassigned).
    X : the (preprocessed) feature matrix the model saw, same rows as ``frame``.
    features : original columns used as features.
    schema : column roles; its label column, if any, is used as ``label_true``.
    monetary : see :func:`profile`; ``names``: ``{segment: name}`` overrides.
    outcomes : outcome columns to profile per segment (None: the schema's
        ``outcome`` columns).
    label_true : a column name of ``frame`` or one value per row (never a feature).
    fit_predict : callable or estimator for bootstrap stability (skipped when None).
    max_depth, sample_size, n_boot, min_share, random_state : passed on.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> frame = pd.DataFrame({"income": [20.0, 22, 21, 24, 90, 95, 92, 97],
    ...                       "group": list("aaaabbbb")})
    >>> X = np.log(frame[["income"]].to_numpy())
    >>> res = explain(frame, [0, 0, 0, 0, 1, 1, 1, 1], X, features=["income"],
    ...               label_true="group")
    >>> res.names[1]["name"], res.rules.fidelity, res.validation.external["ari"]
    ('High income', 1.0, 1.0)
    """
    feats = check_features(frame, features, "explain")
    if label_true is None and schema is not None and schema.label_column is not None \
            and schema.label_column in frame.columns:
        label_true = schema.label_column
    if isinstance(label_true, str):
        if label_true not in frame.columns:
            raise InputError(f"label column {label_true!r} is not a column of the table",
                             where="explain(label_true)",
                             fix="name the column with the known grouping")
        if label_true in feats:
            raise InputError(f"the label column {label_true!r} is listed as a feature",
                             where="explain(features)",
                             fix="remove it from the features: labels only validate")
        label_true = frame[label_true].to_numpy()
    X_arr = X.to_numpy() if isinstance(X, pd.DataFrame) else np.asarray(X)
    if X_arr.shape[0] != len(frame):
        raise InputError(f"X has {X_arr.shape[0]} rows but the table has {len(frame)}",
                         where="explain(X)", fix="pass the feature matrix of the same customers")
    prof = profile(frame, labels, features=feats, schema=schema, monetary=monetary,
                   outcomes=outcomes)
    seg_names = name_segments(prof, overrides=names)
    prof.names = {s: v["name"] for s, v in seg_names.items()}
    rules = surrogate_rules(frame, labels, features=feats, max_depth=max_depth,
                            random_state=random_state, schema=schema)
    val = validate(X_arr, labels, fit_predict=fit_predict, label_true=label_true,
                   sample_size=sample_size, n_boot=n_boot, random_state=random_state,
                   min_share=min_share, profiles=prof)
    return Explanation(profiles=prof, rules=rules, names=seg_names, validation=val)

"""Plain-language treatment and reason for each column's preprocessing.

Example
-------
>>> role_drop_reason("id", "identifier by its name, 100% of values unique")
'identifier (identifier by its name, 100% of values unique): never a feature'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.pipeline import Pipeline

if TYPE_CHECKING:
    from custseg.preprocess.blocks import Block

_ROLE_TEXT = {
    "id": "identifier",
    "pii": "personal data",
    "text": "free text",
    "constant": "constant",
    "label": "external label",
    "ignored": "ignored",
}


def role_drop_reason(role: str, role_reason: str | None) -> str:
    """Why a column whose role is not a feature role is not used."""
    if role == "pii":
        return role_reason or "personal data: never used as a feature or shown"
    what = _ROLE_TEXT.get(role, role)
    detail = f" ({role_reason})" if role_reason else ""
    if role == "constant":
        return f"constant{detail}: a column with one value cannot separate customers"
    if role == "label":
        return f"external label{detail}: used only to validate segments, never a feature"
    if role == "outcome":  # the schema's reason says how to use it anyway (--keep)
        return f"outcome{detail}"
    return f"{what}{detail}: never a feature"


def block_treatment(block: Block, decisions: dict, *, column: str | None = None,
                    summary_only: bool = False):
    """``(treatment, reason)`` for one column of a fitted block (also fills stats)."""
    kind, est = block.kind, block.transformer
    column = column or block.column
    stats = decisions[column]["stats"]
    if kind in ("numeric", "date"):
        treatment, reason = _numeric(est, stats, kind, column)
    elif kind == "category":
        treatment, reason = _category(est, stats)
    elif kind == "codes":
        n, pooled = len(est.categories_[0]), len(est.pooled_[0])
        stats.update(n_levels=n, n_pooled=pooled, levels=[str(v) for v in est.categories_[0]])
        treatment = f"integer codes ({n} levels{_pooled(pooled)}) for k-prototypes"
        reason = ("a category: k-prototypes compares it by match / no match, so it is "
                  "kept as a code, not turned into numbers")
    elif kind == "frequency":
        enc = est.named_steps["frequency"]
        n = len(enc.categories_[0])
        stats.update(n_levels=n)
        treatment = "frequency-encoded + standardise"
        reason = (f"a category with {n} levels, too many for one column each: each level is "
                  "replaced by its share of customers (common vs rare)")
    elif kind == "geo":
        other = [c for c in block.columns if c != column]
        stats.update(n_imputed=int(est.n_missing_))
        treatment = "3-D unit-sphere coordinates" + (f" (with {other[0]})" if other else "") + \
            ", weighted as one column"
        reason = ("latitude and longitude become a point on the globe (x, y, z) so that "
                  "distances follow real distances; the three coordinates together weigh as "
                  "much as one numeric column")
    else:
        treatment, reason = kind, ""
    if block.shares_weight_with:
        others = ", ".join(block.shares_weight_with)
        reason += (f"; shares one feature's weight with {others} (weight {block.weight:g}): "
                   "they describe the same thing, e.g. a city and its coordinates, and would "
                   "otherwise count twice")
    elif block.weight_reason:  # down-weighted by the relevance screen
        reason += "; " + block.weight_reason
    elif block.weight != 1.0:
        reason += f"; weighted {block.weight:g} as asked (--weight)"
    return treatment if summary_only else (treatment, reason)


def _numeric(est: Pipeline, stats: dict, kind: str, column: str) -> tuple[str, str]:
    steps = est.named_steps
    parts, why = [], []
    if kind == "date":
        days = steps["days"]
        recency = any(w in column.lower() for w in ("last", "latest", "recent", "previous"))
        what = "recency" if recency else "tenure"
        parts.append(f"{what} in days")
        why.append(f"a date becomes {what}: days before {days.as_of_date_}")
        stats.update(as_of=days.as_of_date_)
    imp = steps["impute"]
    n_missing = int(imp.n_missing_[0])
    stats.update(n_imputed=n_missing)
    if n_missing:
        parts.append("median imputation" + (" + missing flag" if imp.indicator_.size else ""))
        why.append(f"{n_missing} missing values filled with the median "
                   f"({imp.statistics_[0]:.4g})"
                   + (f", and a 0/1 column flags them ({imp.missing_share_[0]:.0%} missing may "
                      "itself mean something)" if imp.indicator_.size else ""))
    skew = steps["skew"]
    method = skew.methods_[0]
    before, after = float(skew.skew_before_[0]), float(skew.skew_after_[0])
    stats.update(skewness_before=round(before, 3), skewness_after=round(after, 3),
                 transform=method)
    if method == "log1p":
        parts.append("log1p")
        why.append(f"strongly skewed (skewness {before:.1f} -> {after:.1f}): log1p makes "
                   "ten-fold differences equal steps, so a few very large values do not "
                   "dominate")
    elif method == "yeo-johnson":
        parts.append("Yeo-Johnson")
        why.append(f"skewed (skewness {before:.1f} -> {after:.1f}): a Yeo-Johnson power "
                   f"transform (lambda {skew.lambdas_[0]:.2f}) makes it more symmetric")
    else:
        why.append(f"roughly symmetric (skewness {before:.1f}): no transform needed")
    clip = steps["clip"]
    n_clipped = int(clip.n_clipped_[0])
    stats.update(n_clipped=n_clipped)
    if n_clipped:
        parts.append("winsorise")
        lo, hi = (float(q) for q in clip.quantiles)
        why.append(f"{n_clipped} extreme values clipped to the {lo:.1%}-{hi:.1%} quantile range")
    scaler = steps["scale"]
    stats.update(mean=_num(scaler.mean_[0]), sd=_num(scaler.scale_[0]))
    parts.append("standardise")
    why.append("standardised (mean 0, sd 1) so every column counts the same")
    return " + ".join(parts), "; ".join(why)


def _category(est, stats: dict) -> tuple[str, str]:
    n, pooled = len(est.categories_[0]), len(est.pooled_[0])
    stats.update(n_levels=n, n_pooled=pooled, levels=[str(v) for v in est.categories_[0]])
    if est.weighting == "famd":
        return (f"one-hot ({n} levels{_pooled(pooled)}) with FAMD weights",
                "a category: one 0/1 column per level, each divided by the square root of its "
                "share (FAMD), so rare levels are not drowned by common ones")
    if n == 2:
        return ("0/1 weighted as one column",
                f"two values ({est.categories_[0][0]} / {est.categories_[0][1]}): a single 0/1 "
                "column, standardised like a numeric column")
    return (f"one-hot ({n} levels{_pooled(pooled)}) weighted as one column",
            "a category, not a quantity: one 0/1 column per level, scaled so that together "
            "they weigh as much as one numeric column (unweighted dummies would let a "
            "category with many levels dominate the segments)"
            + (f"; {pooled} rare levels pooled into 'other'"
               if pooled else ""))


def _pooled(n: int) -> str:
    return f", {n} rare pooled" if n else ""


def _num(value) -> float:
    value = float(value)
    return round(value, 6) if np.isfinite(value) else 0.0

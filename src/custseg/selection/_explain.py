"""Turn the ranked candidates into a SelectionResult with plain-English reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custseg.selection._density import density_sentence
from custseg.selection._result import SelectionResult
from custseg.selection._rule import (
    GAP_GAIN_MIN,
    SIL_NO_STRUCTURE,
    STABILITY_STABLE,
    index_votes,
)

NAMES = {"silhouette": "silhouette", "calinski_harabasz": "Calinski-Harabasz",
         "davies_bouldin": "Davies-Bouldin", "wb_index": "WB index", "gap": "gap statistic",
         "bic": "BIC", "icl": "ICL"}
BETTER_HIGH = {"silhouette": True, "calinski_harabasz": True, "davies_bouldin": False,
               "wb_index": False, "gap": True, "stability": True}


def _fmt(v: float) -> str:
    return "n/a" if v is None or not np.isfinite(v) else (f"{v:.3g}" if abs(v) < 1000
                                                           else f"{v:,.0f}")


def _why_not(win: pd.Series, other: pd.Series) -> str:
    worse = [NAMES.get(c, c) for c, high in BETTER_HIGH.items()
             if c in win and pd.notna(win[c]) and pd.notna(other[c])
             and ((other[c] < win[c]) if high else (other[c] > win[c]))]
    label = f"{other['algorithm']} with k={int(other['k'])}"
    if not worse:
        return f"The runner-up, {label}, is close: it is not worse on any single index."
    return (f"The runner-up, {label} (score {other['score']:.2f}), is worse on "
            f"{', '.join(worse)}.")


def build_result(table: pd.DataFrame, chosen: dict, gap1, widened, gen_notes,
                 density: dict | None = None) -> SelectionResult:
    algo, k = chosen["algorithm"], int(chosen["k"])
    ranked = table.sort_values("rank")
    others = ranked[~((ranked["algorithm"] == algo) & (ranked["k"] == k))]
    runners = [{"algorithm": r["algorithm"], "k": int(r["k"]), "score": float(r["score"])}
               for _, r in others.head(3).iterrows()]
    votes = index_votes(table, algo)
    agree = sorted(name for name, kv in votes.items() if kv == k)
    sil, stab = float(chosen["silhouette"]), float(chosen["stability"])
    gap_k, gap_se = float(chosen["gap"]), float(chosen["gap_se"])
    # no-structure check: k segments must beat one segment on the gap statistic by more
    # than one standard error and by GAP_GAIN_MIN, and show a silhouette >= 0.25
    gap_ok = True
    if gap1 is not None and np.isfinite(gap_k):
        gap_ok = gap_k - gap1[0] > max(GAP_GAIN_MIN, gap_se)
    sil_ok = np.isfinite(sil) and sil >= SIL_NO_STRUCTURE
    structure = bool(gap_ok and sil_ok)
    stable = np.isfinite(stab) and stab >= STABILITY_STABLE
    if not structure:
        confidence = "low"
    elif sil >= 0.5 and (not np.isfinite(stab) or stab >= 0.85) and len(agree) >= 3:
        confidence = "high"
    else:
        confidence = "medium"
    density_fired = bool(density and density["fired"])
    capped = density_fired and confidence == "high"
    if capped:
        confidence = "medium"
    n_idx = len(votes)
    parts = [f"Chose {algo} with k={k} (consensus score {chosen['score']:.2f}, best of "
             f"{len(table)} candidates)."]
    if agree:
        names = ", ".join(NAMES[a] for a in agree)
        verb = "reach their" if len(agree) > 1 else "reaches its"
        parts.append(f"{len(agree)} of {n_idx} validity indices ({names}) {verb} best "
                     f"value at k={k} for {algo}.")
    else:
        parts.append(f"No single index peaks at k={k}; it wins on the combined ranking.")
    if isinstance(chosen.get("covariance_type"), str):
        parts.append(f"The mixture's covariance type '{chosen['covariance_type']}' was chosen "
                     "by BIC.")
    parts.append(f"Silhouette {_fmt(sil)}, resampling stability (mean ARI over refits) "
                 f"{_fmt(stab)}{' (stable)' if stable else ''}.")
    if chosen.get("guard_note"):
        parts.append(chosen["guard_note"])
    if len(others):
        parts.append(_why_not(chosen_row(table, algo, k), others.iloc[0]))
    if widened:
        parts.append(f"The best k sat at the upper end of the range ({widened['from']}), so "
                     f"the range was widened to {widened['to']}.")
    if density_fired:
        parts.append(density_sentence(density, k, confidence_capped=capped))
    if not structure:
        why = []
        if not gap_ok:
            why.append(f"k={k} barely beats a single segment on the gap statistic "
                       f"(gap {_fmt(gap_k)} +/- {_fmt(gap_se)} vs {_fmt(gap1[0])} for k=1; "
                       f"a gain of at least {GAP_GAIN_MIN} is required)")
        if not sil_ok:
            why.append(f"the silhouette {_fmt(sil)} is below {SIL_NO_STRUCTURE}")
        tail = ("treat the segments as an arbitrary partition of a continuum, not natural "
                "groups." if not density_fired else "the density groups above describe the "
                "data better than these segments do.")
        parts.append("Segments are NOT well supported: " + " and ".join(why) +
                     f". k={k} is only the best of weak options; {tail}")
    evidence = {"index_votes": votes, "agreeing_indices": agree,
                "gap_k1": None if gap1 is None else float(gap1[0]),
                "gap_chosen": gap_k, "gap_se_chosen": gap_se, "silhouette": sil,
                "stability": stab, "widened": widened, "generator_notes": dict(gen_notes),
                "covariance_type": chosen["covariance_type"]
                if isinstance(chosen.get("covariance_type"), str) else None,
                "density_check": density}
    return SelectionResult(algorithm=algo, k=k, confidence=confidence, structure_found=structure,
                           reason=" ".join(parts), runners_up=runners, candidates=table,
                           evidence=evidence)


def chosen_row(table: pd.DataFrame, algo: str, k: int) -> pd.Series:
    return table[(table["algorithm"] == algo) & (table["k"] == k)].iloc[0]

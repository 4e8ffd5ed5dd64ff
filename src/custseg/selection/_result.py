"""The outcome of automatic selection: what was chosen, how sure, and why."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from custseg._json import to_jsonable as _plain

INDEX_LABELS = {
    "silhouette": "silhouette (higher better)",
    "calinski_harabasz": "Calinski-Harabasz (higher better)",
    "davies_bouldin": "Davies-Bouldin (lower better)",
    "wb_index": "WB index (lower better)",
    "gap": "gap statistic (higher better)",
    "bic": "BIC (lower better)",
    "stability": "stability, mean ARI (higher better)",
    "score": "consensus score (higher better)",
}


@dataclass
class SelectionResult:
    """Chosen algorithm and k with the evidence behind them.

    ``candidates`` is the full table (one row per algorithm and k).
    """

    algorithm: str
    k: int
    confidence: str
    structure_found: bool
    reason: str
    runners_up: list[dict]
    candidates: pd.DataFrame
    evidence: dict = field(default_factory=dict)

    def refresh(self) -> SelectionResult:
        """Re-derive structure, confidence and reason after the evidence changed.

        Example
        -------
        >>> from sklearn.datasets import make_blobs
        >>> from custseg.selection import Segmenter
        >>> X, _ = make_blobs(300, centers=3, random_state=0)
        >>> sel = Segmenter(algorithms=("kmeans",), k=(2, 4), n_stability=0).fit(X).selection_
        >>> sel.evidence["notes"].append("A note added later.")
        >>> sel.refresh().reason.endswith("A note added later.")
        True
        """
        from custseg.selection._explain import refresh

        return refresh(self)

    def to_frame(self) -> pd.DataFrame:
        """The candidates table, best first, with a ``chosen`` column."""
        df = self.candidates.sort_values("rank").reset_index(drop=True)
        df.insert(0, "chosen", (df["algorithm"] == self.algorithm) & (df["k"] == self.k))
        return df

    def to_dict(self) -> dict:
        """JSON-serialisable summary (no DataFrames, NaN as None)."""
        return _plain({
            "algorithm": self.algorithm,
            "k": int(self.k),
            "confidence": self.confidence,
            "structure_found": bool(self.structure_found),
            "reason": self.reason,
            "runners_up": self.runners_up,
            "evidence": self.evidence,
            "candidates": self.to_frame().to_dict(orient="records"),
        })

    def plot(self, indices: tuple[str, ...] | None = None):
        """Matplotlib Figure: every index against k, one line per algorithm.

        The chosen k is marked with a vertical line and a star.
        """
        from matplotlib.figure import Figure  # Agg canvas without pyplot: headless

        cols = [c for c in (indices or INDEX_LABELS) if c in self.candidates
                and self.candidates[c].notna().any()]
        ncol = 3
        nrow = max(1, math.ceil(len(cols) / ncol))
        fig = Figure(figsize=(4.2 * ncol, 3.2 * nrow), layout="constrained")
        axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
        for ax, col in zip(axes, cols, strict=False):
            for algo, sub in self.candidates.groupby("algorithm", sort=False):
                sub = sub.sort_values("k")
                if sub[col].notna().any():
                    ax.plot(sub["k"], sub[col], marker="o", ms=3, label=str(algo))
            ax.axvline(self.k, color="grey", ls="--", lw=1)
            hit = self.candidates[(self.candidates["algorithm"] == self.algorithm)
                                  & (self.candidates["k"] == self.k)]
            if len(hit) and pd.notna(hit[col].iloc[0]):
                ax.plot([self.k], [hit[col].iloc[0]], marker="*", ms=14, color="black")
            ax.set_title(INDEX_LABELS[col], fontsize=9)
            ax.set_xlabel("k")
        for ax in axes[len(cols):]:
            ax.set_visible(False)
        if cols:
            axes[0].legend(fontsize=8)
        fig.suptitle(f"Chosen: {self.algorithm}, k={self.k} (confidence {self.confidence})")
        return fig

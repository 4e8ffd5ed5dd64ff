"""The run record: one typed account of a run that both engines fill.

The local engine (:func:`custseg.workflow.run`) and the Spark engine
(:func:`custseg.spark.run`) each fill a :class:`RunRecord`; ``summary.json``
(:meth:`RunRecord.to_summary`), the report data
(:func:`custseg.report.build_report_data`), the console text (it reads the
summary) and the segment names (:func:`custseg.explain.name_segments` over a
:class:`~custseg.explain.SegmentProfiles` both engines build) come from it
alone, so a capability added later is written once.

A new capability adds a top-level section with :meth:`RunRecord.add_section`
(``record.add_section("value", {...})``): it lands in ``summary.json`` under
that key, and the report shows it when a template reads ``data[key]``.

Example
-------
>>> order_by_size({7: 10, 2: 30, 5: 30})
{2: 0, 5: 1, 7: 2}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"
#: Segment number of customers no segment took (density methods' noise).
UNASSIGNED = -1


def order_by_size(sizes: Mapping[int, int]) -> dict[int, int]:
    """Raw label -> segment number, 0 = largest (ties: lower raw label); -1 stays -1.

    The one place that decides segment numbers, for both engines.

    Example
    -------
    >>> order_by_size({0: 5, 1: 9, -1: 2})
    {1: 0, 0: 1, -1: -1}
    """
    order = sorted(((int(r), int(n)) for r, n in sizes.items() if int(r) >= 0),
                   key=lambda t: (-t[1], t[0]))
    mapping = {raw: i for i, (raw, _) in enumerate(order)}
    if any(int(r) < 0 for r in sizes):
        mapping[UNASSIGNED] = UNASSIGNED
    return mapping


@dataclass
class InputRecord:
    """What was read and how each column was understood.

    ``columns`` is the schema's JSON form (role, reason, dtype, counts per
    column); ``log`` the transaction log's account (features built, quality,
    rules) when the input was a log, ``log_overview`` its view for the report.
    """

    source: dict[str, Any]
    n_rows: int
    n_columns: int
    columns: dict[str, dict[str, Any]]
    log: dict[str, Any] | None = None
    log_overview: dict[str, Any] | None = None

    @property
    def pii(self) -> list[str]:
        """Columns holding personal data (never shown beyond name, role and reason)."""
        return [c for c, info in self.columns.items() if info.get("role") == "pii"]


@dataclass
class PreprocessRecord:
    """Which columns became features, how, and why the others were left out."""

    features_used: list[str]
    features_dropped: dict[str, str]
    details: dict[str, Any] = field(default_factory=dict)
    pca: dict[str, Any] | None = None  # the fitted projection; None when off


@dataclass
class SelectionRecord:
    """The chosen algorithm and k, the candidates scored and the reasons."""

    algorithm: str
    k: int
    details: dict[str, Any]
    candidates: list[dict[str, Any]] = field(default_factory=list)
    sampling: dict[str, Any] = field(default_factory=dict)
    rule_based: bool = False
    #: the report's candidates table ``{columns, rows}`` (None: no table)
    table: dict[str, Any] | None = None


#: Keys of a segment, in the order summary.json writes them.
SEGMENT_KEYS = ("id", "name", "description", "size", "share", "value_share", "profile",
                "outcomes", "rules", "stability")


@dataclass
class SegmentRecord:
    """One segment: size, profile (top features, numeric stats, level shares), name.

    ``extra`` keeps keys a later capability adds to a segment; they are written
    after the standard ones.
    """

    id: int
    name: str
    size: int
    share: float
    description: str = ""
    value_share: float | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    rules: dict[str, Any] | None = None
    stability: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, seg: Mapping[str, Any]) -> SegmentRecord:
        """From the explanation's JSON form of a segment (unknown keys go to ``extra``)."""
        known = {k: seg[k] for k in SEGMENT_KEYS if k in seg}
        known["id"] = int(known["id"])
        return cls(**known, extra={k: v for k, v in seg.items() if k not in SEGMENT_KEYS})

    def to_dict(self) -> dict[str, Any]:
        """The summary.json form."""
        return {**{k: getattr(self, k) for k in SEGMENT_KEYS}, **self.extra}


@dataclass
class RunRecord:
    """Everything a run decided and found, engine-neutral (see the module docstring)."""

    engine: str
    input: InputRecord
    preprocessing: PreprocessRecord
    selection: SelectionRecord
    segments: list[SegmentRecord]
    seed: int
    config: dict[str, Any]
    versions: dict[str, str]
    n_unassigned: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    rules: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: what an engine computes approximately (Spark: silhouette, medians...)
    approximations: list[str] = field(default_factory=list)
    rfm: RFMRecord | None = None
    #: top-level sections added by later capabilities, in summary.json under their key
    sections: dict[str, Any] = field(default_factory=dict)

    @property
    def algorithm(self) -> str:
        """The chosen algorithm's name."""
        return self.selection.algorithm

    @property
    def k(self) -> int:
        """Number of segments (without the unassigned group)."""
        return self.selection.k

    @property
    def n_rows(self) -> int:
        """Number of customers segmented."""
        return self.input.n_rows

    @property
    def names(self) -> dict[int, str]:
        """Segment number -> name."""
        return {s.id: s.name for s in self.segments}

    def add_section(self, key: str, value: Any) -> None:
        """Add a capability's top-level section (``summary.json[key]``)."""
        self.sections[key] = value

    def to_summary(self) -> dict[str, Any]:
        """The summary.json content (see ``custseg/schema/summary.schema.json``).

        Example
        -------
        >>> from custseg.datasets import make_customers
        >>> from custseg.workflow import run
        >>> rec = run(make_customers(200, k=3, seed=0), k=3, algorithms=["kmeans"],
        ...           stability=False).record()
        >>> s = rec.to_summary()
        >>> sizes = [seg["size"] for seg in s["segments"]]
        >>> s["k"] == rec.k == len(sizes), sizes == sorted(sizes, reverse=True)
        (True, True)
        """
        from custseg.summary import gather_timings, to_jsonable

        summary: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        if self.engine != "local":  # the local summary predates the key: unchanged
            summary["engine"] = self.engine
        summary.update({
            "input": self.input.source,
            "n_rows": self.input.n_rows,
            "n_columns": self.input.n_columns,
            "columns": self.input.columns,
            "algorithm": self.algorithm,
            "k": self.k,
            "n_unassigned": self.n_unassigned,
            "seed": int(self.seed),
            "features_used": list(self.preprocessing.features_used),
            "features_dropped": dict(self.preprocessing.features_dropped),
            "preprocessing": self.preprocessing.details,
            "selection": self.selection.details,
            "candidates": self.selection.candidates,
            "sampling": dict(self.selection.sampling),
        })
        if self.approximations:
            summary["approximations"] = list(self.approximations)
        summary.update({
            "metrics": self.metrics,
            "validation": self.validation,
            "segments": [s.to_dict() for s in self.segments],
            # outcome columns (churn flag, response...) and their overall rate/mean; each
            # segment's own value is in segments[i].outcomes
            "outcomes": self.outcomes,
            "rules": self.rules,
            "warnings": list(self.warnings),
            "decisions": list(self.decisions),
            "timings_s": {k: round(float(v), 3) for k, v in self.timings.items()},
            "versions": self.versions,
            "config": self.config,
        })
        if self.input.log is not None:
            summary["transactions"] = self.input.log
        if self.rfm is not None:
            summary["rfm"] = self.rfm.to_dict()
        summary.update(self.sections)
        return gather_timings(to_jsonable(summary))


@dataclass
class RFMRecord:
    """The classic RFM groups next to the segments (transaction logs with money).

    ``groups``: customers per group, largest first; ``crosstab``: ``{segment:
    {group: count}}`` with every group in the same order for each segment.
    """

    groups: dict[str, int]
    crosstab: dict[int, dict[str, int]]

    def to_dict(self) -> dict[str, Any]:
        """summary.json's ``rfm`` (zero cells left out).

        Example
        -------
        >>> RFMRecord({"Lost": 2, "Champions": 1}, {0: {"Champions": 1, "Lost": 0},
        ...                                         1: {"Champions": 0, "Lost": 2}}
        ...           ).to_dict()["segment_vs_rfm"]
        {'0': {'Champions': 1}, '1': {'Lost': 2}}
        """
        return {"groups": dict(self.groups),
                "segment_vs_rfm": {str(seg): {str(g): int(n) for g, n in row.items() if n}
                                   for seg, row in self.crosstab.items()}}


def segments_from_profiles(profiles, names: Mapping[int, Mapping[str, str]]
                           ) -> list[SegmentRecord]:
    """Segment records from :class:`~custseg.explain.SegmentProfiles` and their names.

    ``names`` is :func:`custseg.explain.name_segments`' answer (``{segment: {"name",
    "description"}}``). Rules and stability stay None: an engine that computes
    them sets them on the records.

    Example
    -------
    >>> import pandas as pd
    >>> from custseg.explain import name_segments, profile
    >>> prof = profile(pd.DataFrame({"age": [22, 24, 23, 61, 62, 63]}), [0, 0, 0, 1, 1, 1],
    ...                features=["age"])
    >>> [(s.id, s.name, s.size) for s in segments_from_profiles(prof, name_segments(prof))]
    [(0, 'Young', 3), (1, 'Older', 3)]
    """
    out = []
    for seg in profiles.segments:
        s = int(seg["id"])
        out.append(SegmentRecord(
            id=s, name=names[s]["name"], description=names[s]["description"],
            size=seg["size"], share=seg["share"], value_share=seg["value_share"],
            profile={"top_features": seg["top_features"], "numeric": seg["numeric"],
                     "categorical": seg["categorical"]},
            outcomes=[{k: o[k] for k in ("column", "statistic", "level", "value", "overall",
                                         "n", "text")} for o in seg["outcomes"]]))
    return out

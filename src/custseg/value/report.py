"""The report's "What each segment is worth" section, from summary.json's ``value`` alone.

Both engines write the same ``value`` section, so one function serves both. The
calibration plot (predicted vs actual holdout purchases by the number of repeat
purchases in the calibration period) is Plotly JSON drawn by the report's script.

Example
-------
>>> report_data(type("R", (), {"sections": {}})()) is None
True
"""

from __future__ import annotations

import html
import json
from typing import Any

HOW_TABLE = (
    "One row per segment. Predicted value is the sum of the customers' CLV: what they are "
    "expected to spend over the horizon, discounted to today's money; its share says how "
    "much of the total the segment brings. Expected purchases are purchase days in the "
    "horizon. P(alive) is the average chance that a customer still buys at all; expected "
    "lost is the number of customers the model thinks have already stopped (the sum of "
    "1 - P(alive)), and 'likely gone' counts those under 50 %. A big segment with a small "
    "value share is cheap to serve but not worth much; a high-value segment with many "
    "likely-gone customers is the one to win back first.")
HOW_CALIBRATION = (
    "The model was fitted again on the calibration period only (the log before the cutoff) "
    "and asked how often each customer would buy in the holdout period after it, which it "
    "never saw. Customers are grouped by how many repeat purchases they made in the "
    "calibration period (0, 1, ... 7 and more); the two lines are the mean predicted and "
    "the mean actual purchases in the holdout per group. Lines that lie on each other mean "
    "the model tracks real behaviour; a gap says by how much to discount its predictions "
    "for that kind of customer.")
HOW_HOLDOUT_SEGMENTS = (
    "The same holdout check summed per segment: predicted and actual purchase days after "
    "the cutoff for the segment's customers who had bought before it. The error is "
    "(predicted - actual) / actual.")


def calibration_figure(by_frequency: list[dict]) -> dict[str, Any]:
    """Plotly figure data: mean predicted and actual holdout purchases by calibration count.

    >>> fig = calibration_figure([{"frequency": "0", "customers": 5, "predicted": 0.2,
    ...                            "actual": 0.3}])
    >>> [t["name"] for t in fig["data"]]
    ['actual', 'predicted']
    """
    import plotly.graph_objects as go

    x = [r["frequency"] for r in by_frequency]
    hover = [f"{r['customers']:,} customers" for r in by_frequency]
    fig = go.Figure()
    fig.add_scatter(x=x, y=[r["actual"] for r in by_frequency], name="actual",
                    mode="lines+markers", text=hover)
    fig.add_scatter(x=x, y=[r["predicted"] for r in by_frequency], name="predicted",
                    mode="lines+markers", line={"dash": "dash"}, text=hover)
    fig.update_layout(xaxis_title="repeat purchases in the calibration period",
                      yaxis_title="mean purchases in the holdout", height=380,
                      margin={"l": 60, "r": 20, "t": 20, "b": 50})
    out = json.loads(fig.to_json())
    out.get("layout", {}).pop("template", None)
    return {"data": out.get("data", []), "layout": out.get("layout", {})}


def report_data(record) -> dict[str, Any] | None:
    """The report's ``value`` data from a run record's ``value`` section, or None."""
    section = (getattr(record, "sections", None) or {}).get("value")
    if not section:
        return None
    out: dict[str, Any] = {k: section.get(k) for k in (
        "available", "reason", "settings", "params", "notes", "totals", "segments",
        "assumptions", "as_of", "library", "definitions")}
    out["how"] = {"table": HOW_TABLE, "calibration": HOW_CALIBRATION,
                  "holdout_segments": HOW_HOLDOUT_SEGMENTS}
    hold = section.get("holdout") or {}
    out["holdout"] = {k: v for k, v in hold.items() if k != "by_frequency"}
    if hold.get("available") and hold.get("by_frequency"):
        out["calibration_figure"] = {"id": "cs-fig-value-calibration",
                                     "title": "Calibration: predicted vs actual holdout "
                                              "purchases",
                                     "figure": calibration_figure(hold["by_frequency"])}
    for seg in out.get("segments") or []:
        seg["name"] = html.unescape(str(seg.get("name", "")))
    return out

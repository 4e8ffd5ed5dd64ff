"""What each segment is worth: customer lifetime value and churn risk from a transaction log.

The buy-till-you-die models of Fader, Hardie & Lee (2005): BG/NBD for how often a
customer buys and when they silently stop, Gamma-Gamma for how much a purchase is
worth. Steps, each a public function:

1. :func:`customer_summary` -- per customer: repeat purchases, recency, age T,
   mean repeat value (DuckDB here, Spark SQL in :mod:`custseg.value.spark`).
2. :func:`check_gates` -- enough customers, days and repeat buyers, or a sentence.
3. :func:`fit_models` / :func:`predict` -- the fits (the ``lifetimes`` library) and,
   per customer, expected purchases in the horizon, P(alive), value per purchase, CLV.
4. :func:`holdout_check` -- fit on the calibration part, compare with the holdout.
5. :func:`segment_value` -- per segment totals, means, shares and expected losses.

:func:`value_for_log` runs them all for a run; :func:`value_section` is what
``summary.json`` and the report show.

Example
-------
>>> import datetime as dt
>>> daily = synthetic_daily(600, seed=3)
>>> end = max(daily["day"]) + dt.timedelta(days=1)
>>> res = value_from_daily(daily, end, ValueSettings(holdout_days=120))
>>> res.available, sorted(res.customers.columns)[:3]
(True, ['T', 'clv', 'customer'])
"""

from __future__ import annotations

import contextlib
import datetime as dt
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from custseg.exceptions import ConfigError
from custseg.value.model import (
    DAYS_PER_WEEK,
    WEEKS_PER_MONTH,
    FitError,
    Gates,
    ValueFit,
    check_gates,
    fit_models,
    predict,
)
from custseg.value.summary import (
    SUMMARY_COLUMNS,
    customer_summary,
    daily_purchases,
    summary_from_daily,
)

__all__ = ["ASSUMPTIONS", "CDNOW_PUBLISHED", "HOLDOUT_SHARE", "SUMMARY_COLUMNS", "Gates",
           "ValueFit", "ValueResult", "ValueSettings", "check_gates", "customer_summary",
           "daily_purchases", "fit_models", "holdout_check", "predict", "segment_value",
           "summary_from_daily", "synthetic_daily", "synthetic_summary", "value_for_log",
           "value_from_daily", "value_from_summaries", "value_section"]

#: Fader, Hardie & Lee (2005), BG/NBD on the CDNOW cohort, 39-week calibration (weeks).
CDNOW_PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
#: Default holdout: the last third of the log's span. The calibration keeps two thirds
#: because the parameters come from it; on Online Retail (373 days) that is 249 days
#: of calibration and 124 of holdout. (Fader & Hardie split CDNOW in halves, 39 + 39
#: weeks, with 78 weeks of data; a third leaves short logs enough calibration.)
HOLDOUT_SHARE = 1 / 3
#: A customer with P(alive) under this is counted as "likely gone".
LIKELY_GONE = 0.5

#: The models' assumptions in plain words (report and tutorial).
ASSUMPTIONS = [
    "While a customer is active, they buy at their own steady rate, at random moments "
    "(a Poisson process); rates differ between customers (a gamma distribution).",
    "After each purchase a customer may stop for good, with their own probability "
    "(differing between customers: a beta distribution). Nobody tells us they stopped: "
    "a long silence from a frequent buyer is the evidence.",
    "A customer's purchases vary in value around their own mean, and that mean is "
    "unrelated to how often they buy (Gamma-Gamma); the first purchase is left out of "
    "the mean.",
    "Purchases are counted as purchase days; the future looks like the past (no "
    "seasonality, no campaigns, no price changes are modelled).",
]


@dataclass(frozen=True)
class ValueSettings:
    """Options of the value step (CLI: --horizon, --discount-rate, --holdout-days)."""

    horizon_months: int = 12
    discount_rate: float = 0.10
    holdout_days: int | None = None
    gates: Gates = field(default_factory=Gates)

    def __post_init__(self) -> None:
        if not isinstance(self.horizon_months, int) or not 1 <= self.horizon_months <= 120:
            raise ConfigError(f"horizon must be a whole number of months from 1 to 120, got "
                              f"{self.horizon_months!r}", where="--horizon",
                              fix="use e.g. --horizon 12")
        if not isinstance(self.discount_rate, int | float) or \
                not 0 <= self.discount_rate < 1:
            raise ConfigError(f"discount rate must be a yearly rate from 0 to 1 (0.10 = 10 % a "
                              f"year), got {self.discount_rate!r}", where="--discount-rate",
                              fix="use e.g. --discount-rate 0.1")
        if self.holdout_days is not None and (
                not isinstance(self.holdout_days, int) or self.holdout_days < 0):
            raise ConfigError(f"holdout days must be a whole number >= 0, got "
                              f"{self.holdout_days!r}", where="--holdout-days",
                              fix="use e.g. --holdout-days 90, or 0 for no holdout check")


@dataclass
class ValueResult:
    """The value step's result: per customer, per segment, the holdout check."""

    available: bool
    reason: str | None = None
    customers: pd.DataFrame | None = None
    params: dict = field(default_factory=dict)
    holdout: dict = field(default_factory=dict)
    segments: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    as_of: str | None = None


# ------------------------------------------------------------------ synthetic data
def synthetic_daily(n: int, *, weeks: float = 39.0, params: dict | None = None,
                    seed: int = 0, start: dt.date = dt.date(2024, 1, 1)) -> pd.DataFrame:
    """A purchase-day log simulated from BG/NBD (default: CDNOW's published parameters).

    Customers join uniformly over the first quarter of the period, buy at a gamma rate
    (per week), drop out after a purchase with a beta probability; purchase values are
    gamma around a gamma mean (Gamma-Gamma p=6, q=4, v=15, close to CDNOW).

    >>> d = synthetic_daily(50, seed=0)
    >>> list(d.columns), d["cid"].nunique()
    (['cid', 'day', 'value'], 50)
    """
    p = {**CDNOW_PUBLISHED, **(params or {})}
    rng = np.random.default_rng(seed)
    lam = rng.gamma(p["r"], 1.0 / p["alpha"], n)
    drop = rng.beta(p["a"], p["b"], n)
    first = np.floor(rng.uniform(0, weeks / 4, n) * DAYS_PER_WEEK)
    end = weeks * DAYS_PER_WEEK
    mean_value = 1.0 / rng.gamma(4.0, 1.0 / 15.0, n)  # Gamma-Gamma: nu ~ Gamma(q, v)
    cids, days = [np.arange(n)], [first]
    t, alive = first.copy(), np.ones(n, bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1.0 / np.maximum(lam[idx], 1e-12)) * DAYS_PER_WEEK
        ok = t[idx] < end
        idx = idx[ok]
        alive[:] = False
        alive[idx] = True
        cids.append(idx)
        days.append(np.floor(t[idx]))
        alive[idx] = rng.uniform(size=len(idx)) >= drop[idx]
    cid, day = np.concatenate(cids), np.concatenate(days)
    value = rng.gamma(6.0, mean_value[cid] / 6.0)
    frame = pd.DataFrame({"cid": [f"c{i}" for i in cid],
                          "day": pd.to_datetime(start) + pd.to_timedelta(day, unit="D"),
                          "value": np.round(value, 2)})
    frame = frame.groupby(["cid", "day"], as_index=False)["value"].sum()
    frame["day"] = frame["day"].dt.date
    return frame


def synthetic_summary(n: int, *, seed: int = 0) -> pd.DataFrame:
    """:func:`customer_summary` of :func:`synthetic_daily` (39 weeks, as of the end).

    >>> synthetic_summary(100, seed=0)["frequency"].ge(0).all()
    np.True_
    """
    daily = synthetic_daily(n, seed=seed)
    end = dt.date(2024, 1, 1) + dt.timedelta(days=int(39 * DAYS_PER_WEEK))
    return summary_from_daily(daily, end, end)


# ------------------------------------------------------------------ the steps
def _span(summary: pd.DataFrame) -> int:
    """Days from the first purchase to the cutoff (T counts to the day before it)."""
    return int(summary["T"].max()) + 1 if len(summary) else 0


def holdout_check(summarize, end: dt.date, holdout_days: int,
                  settings: ValueSettings) -> tuple[dict, pd.DataFrame | None]:
    """Fit on the days before ``end - holdout_days``; compare with the holdout's purchases.

    ``summarize(cutoff)`` gives the per-customer summary with that cutoff (DuckDB or
    Spark). Returns the check as a dict (``available``, ``reason`` or the errors) and the
    per-customer table ``customer, predicted, actual`` (None when not available).
    """
    cutoff = end - dt.timedelta(days=int(holdout_days))
    out: dict[str, Any] = {"holdout_days": int(holdout_days), "cutoff": cutoff.isoformat()}
    cal = summarize(cutoff)
    reason = check_gates(cal, _span(cal), settings.gates,
                         what=f"the calibration part (before {cutoff})")
    if reason:
        return {**out, "available": False, "reason": reason}, None
    try:
        fit = fit_models(cal, money=False)
    except FitError as err:
        return {**out, "available": False, "reason": str(err)}, None
    weeks = holdout_days / DAYS_PER_WEEK
    with _quiet():
        pred = np.asarray(fit.bgnbd.conditional_expected_number_of_purchases_up_to_time(
            weeks, cal["frequency"].astype(float), cal["recency"] / DAYS_PER_WEEK,
            cal["T"] / DAYS_PER_WEEK), dtype=float)
    table = pd.DataFrame({"customer": cal["customer"], "predicted": pred,
                          "actual": cal["holdout_purchases"].astype(float)})
    err = table["predicted"] - table["actual"]
    total_p, total_a = float(table["predicted"].sum()), float(table["actual"].sum())
    out.update(
        available=True, customers=len(table), params=fit.params["bgnbd"],
        predicted_total=round(total_p, 2), actual_total=round(total_a, 2),
        total_error_pct=round(100 * (total_p - total_a) / total_a, 2) if total_a else None,
        mae_per_customer=round(float(err.abs().mean()), 4),
        rmse_per_customer=round(float(np.sqrt((err ** 2).mean())), 4),
        by_frequency=_by_frequency(cal["frequency"], table))
    return out, table


def _by_frequency(freq: pd.Series, table: pd.DataFrame) -> list[dict]:
    """Mean predicted and actual holdout purchases by calibration repeat count (0..6, 7+):
    the calibration plot of Fader, Hardie & Lee (2005, figure 4)."""
    group = np.minimum(freq.to_numpy(), 7)
    rows = []
    for g in range(8):
        mask = group == g
        if mask.any():
            rows.append({"frequency": f"{g}+" if g == 7 else str(g), "customers": int(mask.sum()),
                         "predicted": round(float(table["predicted"][mask].mean()), 4),
                         "actual": round(float(table["actual"][mask].mean()), 4)})
    return rows


@contextlib.contextmanager
def _quiet():
    """lifetimes' numerical warnings (overflow in hyp2f1 terms) are not the user's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def segment_value(customers: pd.DataFrame, holdout: pd.DataFrame | None = None) -> list[dict]:
    """Per segment: customers, predicted value (total, mean, share), expected purchases,
    expected losses (Σ(1 - P(alive)) and the count with P(alive) < 0.5), and with a
    holdout table, predicted vs actual holdout purchases.

    ``customers`` needs ``segment``, ``segment_name`` and the :func:`predict` columns.

    >>> c = pd.DataFrame({"customer": ["a", "b", "c"], "segment": [0, 0, 1],
    ...                   "segment_name": ["A", "A", "B"], "expected_purchases": [2.0, 1, 0],
    ...                   "p_alive": [0.9, 0.5, 0.2], "clv": [30.0, 10, 0]})
    >>> [(s["segment"], s["clv_total"], s["clv_share"], s["expected_lost"]) for s in
    ...  segment_value(c)]
    [(0, 40.0, 1.0, 0.6), (1, 0.0, 0.0, 0.8)]
    """
    total = float(customers["clv"].sum()) if customers["clv"].notna().any() else None
    rows = []
    hold = None
    if holdout is not None:
        hold = holdout.merge(customers[["customer", "segment"]], on="customer", how="inner")
    for seg, part in customers.groupby("segment", sort=True):
        clv = part["clv"]
        row = {"segment": int(seg), "name": str(part["segment_name"].iloc[0]),
               "customers": len(part),
               "expected_purchases": round(float(part["expected_purchases"].sum()), 2),
               "p_alive_mean": round(float(part["p_alive"].mean()), 4),
               "expected_lost": round(float((1 - part["p_alive"]).sum()), 2),
               "likely_gone": int((part["p_alive"] < LIKELY_GONE).sum()),
               "clv_total": round(float(clv.sum()), 2) if total is not None else None,
               "clv_mean": round(float(clv.mean()), 2) if total is not None else None,
               "clv_share": round(float(clv.sum()) / total, 4) if total else
               (0.0 if total == 0 else None)}
        row["likely_gone_share"] = round(row["likely_gone"] / len(part), 4)
        if hold is not None:
            h = hold[hold["segment"] == seg]
            p, a = float(h["predicted"].sum()), float(h["actual"].sum())
            row["holdout"] = {"customers": len(h), "predicted": round(p, 2),
                              "actual": round(a, 2),
                              "error_pct": round(100 * (p - a) / a, 2) if a else None}
        rows.append(row)
    return rows


def value_from_daily(daily: pd.DataFrame, end: dt.date, settings: ValueSettings | None = None,
                     *, money: bool = True) -> ValueResult:
    """Every step on purchase days ``(cid, day, value)`` up to ``end`` (exclusive)."""
    return value_from_summaries(lambda cutoff: summary_from_daily(daily, cutoff, end), end,
                                settings, money=money)


def value_from_summaries(summarize, end: dt.date, settings: ValueSettings | None = None,
                         *, money: bool = True) -> ValueResult:
    """Every step, given ``summarize(cutoff)`` -> the per-customer summary (either engine)."""
    settings = settings or ValueSettings()
    base = {"horizon_months": settings.horizon_months, "discount_rate": settings.discount_rate,
            "gates": asdict(settings.gates)}
    summ = summarize(end)
    span = _span(summ)
    reason = check_gates(summ, span, settings.gates)
    if reason:
        return ValueResult(available=False, reason=reason, settings=base, as_of=end.isoformat())
    try:
        fit = fit_models(summ, money=money)
    except FitError as err:
        return ValueResult(available=False, reason=str(err), settings=base,
                           as_of=end.isoformat())
    pred = predict(fit, summ, settings.horizon_months, settings.discount_rate)
    customers = pd.concat([summ[["customer", "frequency", "recency", "T", "monetary"]],
                           pred], axis=1)
    holdout_days = settings.holdout_days
    if holdout_days is None:
        holdout_days = round(span * HOLDOUT_SHARE)
        base["holdout_rule"] = (f"the last third of the {span}-day span "
                                f"({holdout_days} days)")
    base["holdout_days"] = holdout_days
    holdout, table = ({"available": False, "reason": "no holdout check (--holdout-days 0)"},
                      None) if holdout_days == 0 else \
        holdout_check(summarize, end, holdout_days, settings)
    res = ValueResult(available=True, customers=customers, params=fit.params,
                      holdout=holdout, notes=list(fit.notes), settings=base,
                      as_of=end.isoformat())
    res.holdout_table = table  # type: ignore[attr-defined]
    return res


def value_for_log(source, transactions, settings: ValueSettings | None = None) -> ValueResult:
    """:func:`value_from_daily` on a log, with the run's features (roles, rules, as-of).

    >>> import pandas as pd
    >>> from custseg.features import build_customer_features
    >>> log = pd.DataFrame({"customer": ["a", "a", "b"],
    ...                     "date": ["2024-01-01", "2024-01-11", "2024-01-05"],
    ...                     "amount": [10.0, 30.0, 5.0]})
    >>> value_for_log(log, build_customer_features(log)).reason
    'customer value needs at least 200 customers with a purchase; the log has 2'
    """
    daily = daily_purchases(source, transactions)
    return value_from_daily(daily, transactions.as_of, settings,
                            money=bool(getattr(transactions, "monetary", True)))


def attach_segments(res: ValueResult, segments: pd.DataFrame) -> ValueResult:
    """Per-segment tables from ``segments`` (``customer`` key, ``segment``, ``segment_name``)."""
    if not res.available:
        return res
    from custseg.value.summary import _key

    seg = segments.assign(customer=_key(segments["customer"]))
    seg = seg.drop_duplicates("customer")
    merged = res.customers.merge(seg[["customer", "segment", "segment_name"]],
                                 on="customer", how="inner")
    res.segments = segment_value(merged, getattr(res, "holdout_table", None))
    return res


def value_section(res: ValueResult) -> dict:
    """The ``value`` section of summary.json (JSON-ready).

    >>> value_section(ValueResult(available=False, reason="too few"))["available"]
    False
    """
    out: dict[str, Any] = {"available": bool(res.available), "model": "BG/NBD + Gamma-Gamma",
                           "library": _library(), "settings": dict(res.settings),
                           "as_of": res.as_of, "time_unit": "weeks",
                           "assumptions": list(ASSUMPTIONS)}
    if not res.available:
        out["reason"] = res.reason
        return out
    c = res.customers
    money = c["clv"].notna().any()
    out.update(
        params=res.params, notes=list(res.notes), holdout=res.holdout, segments=res.segments,
        totals={"customers": len(c),
                "expected_purchases": round(float(c["expected_purchases"].sum()), 2),
                "clv": round(float(c["clv"].sum()), 2) if money else None,
                "expected_lost": round(float((1 - c["p_alive"]).sum()), 2),
                "likely_gone": int((c["p_alive"] < LIKELY_GONE).sum())},
        definitions={
            "clv": f"predicted value of the customer's purchases in the next "
                   f"{res.settings.get('horizon_months')} months, discounted at "
                   f"{res.settings.get('discount_rate'):.0%} a year (month by month)",
            "p_alive": "probability that the customer has not silently stopped buying",
            "expected_purchases": "expected purchase days in the horizon",
            "expected_lost": "expected number of customers already gone: the sum of "
                             "1 - P(alive)",
            "likely_gone": f"customers with P(alive) under {LIKELY_GONE}"})
    return out


def _library() -> str:
    try:
        from importlib.metadata import version

        return f"lifetimes {version('lifetimes')}"
    except Exception:  # metadata missing: the import itself says more
        return "lifetimes"


def months_to_weeks(months: float) -> float:
    """Horizon in weeks (lifetimes' month of 4.345 weeks).

    >>> months_to_weeks(12)
    52.14
    """
    return round(months * WEEKS_PER_MONTH, 4)

"""BG/NBD + Gamma-Gamma fits through the ``lifetimes`` library, and the sufficiency gates.

Library choice (issue #18, measured on the CDNOW 2,357-customer cohort, 39-week
calibration, numpy 2.4 / pandas 3.1 / scipy 1.17, Python 3.11):

* lifetimes 0.11.3 (archived 2020; pure Python on autograd + scipy): r 0.2426,
  alpha 4.414, a 0.7929, b 2.426 -- the published values to 3-4 digits; 0.6 s;
  100,000 customers in 10.8 s, 36 MB peak; installs 3 small packages (~5 MB).
* pymc-marketing 0.19.2 (the newest that installs on Python 3.11; MAP fit with
  HalfFlat priors): the same optimum, but the first fit took 161 s (pytensor
  compiles C with gcc at run time) and 100,000 customers 54 s; ~790 MB installed.
* btyd 0.1a1: does not import on Python 3.11 (pins autograd==1.4, which imports
  inspect.getargspec) and pins pymc<5.

lifetimes is the only one that meets correctness, speed and install weight; it is
archived, so it is pinned loosely and wrapped here: the rest of custseg calls
only this module.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

__all__ = ["DAYS_PER_WEEK", "PENALTIES", "WEEKS_PER_MONTH", "FitError", "Gates", "ValueFit",
           "check_gates", "fit_models", "predict"]

DAYS_PER_WEEK = 7.0
#: lifetimes' own month for its CLV sum (4.345 weeks): the horizon uses the same one.
WEEKS_PER_MONTH = 4.345


@dataclass(frozen=True)
class Gates:
    """Data-sufficiency thresholds (each refusal is one sentence, see :func:`check_gates`).

    Measured on the CDNOW master log (23,500 customers with a purchase, 39-week
    calibration and holdout; 20 random subsets per size, bench/quality_clv_gates.py):
    absolute error of the total holdout prediction, median / 90th
    percentile: 50 customers 30 % / 66 %, 100: 26 % / 57 %, 200: 15 % / 38 %, 500:
    18 % / 36 % (the full cohort's own bias is -12 %). Below 200 customers noise
    dominates. 50 repeat buyers is what 120-130 CDNOW customers hold (41 in 100, 78 in
    200). 90 days is the shortest calibration in which a monthly buyer is seen to come
    back twice. (Klaviyo's predictive CLV asks for 500 customers with orders and 180
    days of history.)
    """

    min_customers: int = 200
    min_repeat_buyers: int = 50
    min_span_days: int = 90


def check_gates(summary: pd.DataFrame, span_days: int, gates: Gates = Gates(),
                what: str = "the log") -> str | None:
    """None when the summary is enough to fit the models, else the sentence saying why not.

    >>> s = pd.DataFrame({"frequency": [0, 1, 2]})
    >>> check_gates(s, 400)
    'customer value needs at least 200 customers with a purchase; the log has 3'
    """
    n = len(summary)
    if n < gates.min_customers:
        return (f"customer value needs at least {gates.min_customers} customers with a "
                f"purchase; {what} has {n}")
    if span_days < gates.min_span_days:
        return (f"customer value needs at least {gates.min_span_days} days of purchases to "
                f"see customers come back; {what} spans {span_days} days")
    repeat = int((summary["frequency"] > 0).sum())
    if repeat < gates.min_repeat_buyers:
        return (f"customer value needs at least {gates.min_repeat_buyers} repeat buyers "
                f"(customers who bought on two different days); {what} has {repeat} of "
                f"{n} customers")
    return None


#: Penalties tried in turn (lifetimes' own advice), each with BG/NBD then MBG/NBD, when
#: the maximum-likelihood fit does not converge. CDNOW converges as plain BG/NBD; Online
#: Retail's 249-day calibration does not (a -> 0, b -> infinity: almost nobody seen to
#: drop out) and converges as MBG/NBD without a penalty (measured).
PENALTIES = (0.0, 0.001, 0.01)


class FitError(RuntimeError):
    """The models could not be fitted (the message is a sentence for the user)."""


@dataclass
class ValueFit:
    """Fitted models with their parameters (time unit: weeks)."""

    bgnbd: object
    gamma_gamma: object | None
    params: dict
    notes: list

    def to_dict(self) -> dict:
        """JSON-ready parameters and notes."""
        return {"params": self.params, "notes": list(self.notes)}


def _weeks(summary: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    return (summary["frequency"].astype(float), summary["recency"] / DAYS_PER_WEEK,
            summary["T"] / DAYS_PER_WEEK)


@contextlib.contextmanager
def _silenced():
    """lifetimes prints scipy's result when a fit fails, and warns on overflow: the
    outcome reaches the user as a note instead."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            yield


def _lifetimes():
    with warnings.catch_warnings():  # it sets a pandas option deprecated in pandas 3
        warnings.simplefilter("ignore")
        import lifetimes
    return lifetimes


def fit_models(summary: pd.DataFrame, money: bool = True) -> ValueFit:
    """Fit BG/NBD on (frequency, recency, T) and Gamma-Gamma on the repeat buyers' values.

    Maximum likelihood without a penalty, so the parameters are the published ones on
    CDNOW. Gamma-Gamma is skipped without money, or with fewer than 20 repeat buyers
    of positive value (a note says so).

    >>> from custseg.value import synthetic_summary
    >>> fit = fit_models(synthetic_summary(2000, seed=1))
    >>> sorted(fit.params["bgnbd"])
    ['a', 'alpha', 'b', 'r']
    """
    lt = _lifetimes()
    freq, rec, T = _weeks(summary)
    notes: list[str] = []
    bg, kind, penalty = None, "BG/NBD", 0.0
    for penalty in PENALTIES:
        for name, model in (("BG/NBD", lt.BetaGeoFitter),
                            ("MBG/NBD", lt.ModifiedBetaGeoFitter)):
            try:
                with _silenced():
                    bg = model(penalizer_coef=penalty).fit(freq, rec, T)
                kind = name
                break
            except (lt.utils.ConvergenceError, OverflowError, FloatingPointError):
                continue
        if bg is not None:
            break
    if bg is None:
        raise FitError("the BG/NBD model did not converge on this log, even in its modified "
                       f"form and with a small penalty ({PENALTIES[-1]}) on its parameters")
    params = {"bgnbd": {k: float(v) for k, v in bg.params_.items()}, "model": kind,
              "penalizer": penalty}
    if kind != "BG/NBD" or penalty:
        notes.append(
            "the plain BG/NBD fit did not converge (its drop-out parameters ran off to their "
            "bounds: almost nobody was seen to stop buying); fitted instead: " + kind
            + (f" with lifetimes' L2 penalty {penalty}" if penalty else "")
            + (" (MBG/NBD also lets a customer drop out before their first repeat purchase)"
               if kind == "MBG/NBD" else ""))
    gg = None
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary"] > 0)]
    if not money:
        notes.append("no money column: no Gamma-Gamma model, so no value per purchase "
                     "and no CLV (expected purchases and P(alive) only)")
    elif len(repeat) < 20:  # 3 parameters: fewer points than this cannot pin them
        notes.append(f"only {len(repeat)} repeat buyers with a positive value: no "
                     "Gamma-Gamma model, so no value per purchase and no CLV")
    else:
        for gg_penalty in PENALTIES:
            try:
                with _silenced():
                    gg = lt.GammaGammaFitter(penalizer_coef=gg_penalty).fit(
                        repeat["frequency"].astype(float), repeat["monetary"])
                break
            except (lt.utils.ConvergenceError, OverflowError, FloatingPointError):
                continue
    if gg is None and money and len(repeat) >= 20:
        notes.append("the Gamma-Gamma model did not converge: no value per purchase and no CLV")
    elif gg is not None:
        params["gamma_gamma"] = {k: float(v) for k, v in gg.params_.items()}
        corr = float(np.corrcoef(repeat["frequency"], repeat["monetary"])[0, 1])
        params["frequency_value_correlation"] = round(corr, 4)
        # a note, not a refusal: |r| <= 0.3 is the usual bound of a weak correlation
        # (measured: Online Retail's repeat buyers 0.02)
        if abs(corr) > 0.3:
            notes.append(f"the repeat buyers' purchase count and mean value are correlated "
                         f"(r = {corr:.2f}): Gamma-Gamma assumes they are independent, so "
                         "the value per purchase is less reliable")
    return ValueFit(bgnbd=bg, gamma_gamma=gg, params=params, notes=notes)


def predict(fit: ValueFit, summary: pd.DataFrame, horizon_months: float,
            discount_rate: float) -> pd.DataFrame:
    """Per customer: expected purchases in the horizon, P(alive), value per purchase, CLV.

    ``discount_rate`` is yearly (0.10 = 10 % a year); lifetimes discounts month by
    month at the equivalent monthly rate.

    >>> from custseg.value import synthetic_summary
    >>> s = synthetic_summary(2000, seed=1)
    >>> out = predict(fit_models(s), s, 12, 0.1)
    >>> list(out.columns)
    ['expected_purchases', 'p_alive', 'expected_value', 'clv']
    """
    freq, rec, T = _weeks(summary)
    bg = fit.bgnbd
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weeks = horizon_months * WEEKS_PER_MONTH
        out = pd.DataFrame({
            "expected_purchases": np.asarray(
                bg.conditional_expected_number_of_purchases_up_to_time(weeks, freq, rec, T),
                dtype=float),
            "p_alive": np.asarray(bg.conditional_probability_alive(freq, rec, T), dtype=float),
        }, index=summary.index)
        if fit.gamma_gamma is None:
            out["expected_value"] = np.nan
            out["clv"] = np.nan
            return out
        gg = fit.gamma_gamma
        money = summary["monetary"].where(summary["frequency"] > 0, 0.0)
        out["expected_value"] = np.asarray(
            gg.conditional_expected_average_profit(freq, money), dtype=float)
        monthly = (1.0 + discount_rate) ** (1.0 / 12.0) - 1.0
        out["clv"] = np.asarray(gg.customer_lifetime_value(
            bg, freq, rec, T, money, time=round(horizon_months), discount_rate=monthly,
            freq="W"), dtype=float)
    return out


def settings_dict(gates: Gates) -> dict:
    """The gates as a plain dict (summary.json)."""
    return asdict(gates)

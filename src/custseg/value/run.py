"""The value step inside ``custseg run``: each hook in the workflow is one call here.

* :func:`value_for_run` -- after loading: fits on a log (or says why not);
* :func:`with_value` -- segments.csv gets ``clv`` and ``p_alive``;
* :func:`value_summary` -- the ``value`` section of summary.json (per segment).

On by default for logs (``value=None``): the fit is cheap (CDNOW's 2,357 customers
in about a second, 100,000 in about 11 s) and the value of a segment is the first
thing a marketer asks; when the data is too thin, a decision says why and the run
goes on. ``--value`` makes a refusal an error (exit 2); ``--no-value`` skips it.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from custseg.exceptions import InputError
from custseg.value import (
    ValueResult,
    ValueSettings,
    attach_segments,
    value_for_log,
    value_section,
)
from custseg.value.summary import _key

__all__ = ["rfm_like_columns", "settings_from_config", "value_for_run", "value_summary",
           "with_value"]

_RFM_LIKE = re.compile(r"(recen|frequen|monetar|\brfm\b|clv|lifetime|days_since|last_purchase"
                       r"|n_orders|num_orders|total_spen)", re.IGNORECASE)


def settings_from_config(config) -> ValueSettings:
    """The value options of a :class:`~custseg.config.RunConfig` (checked)."""
    return ValueSettings(horizon_months=getattr(config, "horizon", 12),
                         discount_rate=getattr(config, "discount_rate", 0.10),
                         holdout_days=getattr(config, "holdout_days", None))


def rfm_like_columns(columns) -> list[str]:
    """Columns of a customer table that look like recency/frequency/monetary summaries.

    >>> rfm_like_columns(["Recency", "NumWebPurchases", "MntWines", "Frequency"])
    ['Recency', 'Frequency']
    """
    return [str(c) for c in columns if _RFM_LIKE.search(str(c))]


def value_for_run(data, config, transactions, decisions: list[str],
                  frame: pd.DataFrame | None = None, compute=None) -> ValueResult | None:
    """Customer value for a run's input, or None (a table, or ``--no-value``).

    Appends one decision saying what was done and why. ``compute(settings)`` replaces
    the local computation (the Spark engine passes :func:`custseg.value.spark.spark_value`).
    """
    asked = getattr(config, "value", None)
    if transactions is None:
        like = rfm_like_columns(frame.columns) if frame is not None else []
        if asked:
            raise InputError(
                "customer value (CLV, P(alive)) needs a transaction log: one line per "
                "purchase with customer, date and amount; the input is a customer table",
                where="--value",
                fix="run on the order log (custseg run ORDERS.csv --customer COL --date COL "
                    "--amount COL), or drop --value")
        if like:
            decisions.append(
                "customer value: the table has recency/frequency/monetary-like columns ("
                + ", ".join(repr(c) for c in like[:4]) + "), but CLV and P(alive) need the "
                "purchase dates of each customer: run custseg on the transaction log itself "
                "(one line per purchase: customer, date, amount) to get them")
        return None
    if asked is False:
        decisions.append("customer value: not computed (--no-value)")
        return None
    settings = settings_from_config(config)
    # the very object the feature builder read (a loaded table may stand for a path)
    res = compute(settings) if compute is not None else \
        value_for_log(getattr(transactions, "source_data", data), transactions, settings)
    if not res.available:
        if asked:
            raise InputError(res.reason, where="--value",
                             fix="use a longer or larger log, or drop --value")
        decisions.append(f"customer value: not computed, {res.reason}")
        return res
    h = res.holdout
    check = (f"holdout check on the last {h['holdout_days']} days: predicted "
             f"{h['predicted_total']:,.0f} purchases, actual {h['actual_total']:,.0f} "
             f"({h['total_error_pct']:+.1f} %)") if h.get("available") and \
        h.get("total_error_pct") is not None else \
        f"no holdout check: {h.get('reason', 'not asked')}"
    decisions.append(
        f"customer value: BG/NBD + Gamma-Gamma fitted on {len(res.customers):,} customers "
        f"with a purchase (on by default for logs with enough data); CLV over "
        f"{settings.horizon_months} months at {settings.discount_rate:.0%} a year; {check}")
    return res


def _segments(result) -> pd.DataFrame:
    """customer, segment, segment_name of every customer (segments.csv's own columns)."""
    table = result.segments_table()  # its first column is the id (on a log: the customer)
    return pd.DataFrame({"customer": table.iloc[:, 0].to_numpy(),
                         "segment": table["segment"].to_numpy(),
                         "segment_name": table["segment_name"].to_numpy()})


def _value(result) -> ValueResult | None:
    """The run's value result (local: ``result.value``; Spark: on its log features)."""
    res = getattr(result, "value", None)
    return res if res is not None else \
        getattr(getattr(result, "transactions", None), "value", None)


def with_value(table: pd.DataFrame, result) -> pd.DataFrame:
    """segments.csv with ``clv`` and ``p_alive`` when the run has customer value."""
    res = _value(result)
    if res is None or not res.available:
        return table
    c = res.customers.set_index("customer")
    key = _key(table.iloc[:, 0])  # segments.csv's first column is the id
    table = table.copy()
    table["clv"] = key.map(c["clv"].round(2)).to_numpy()
    table["p_alive"] = key.map(c["p_alive"].round(4)).to_numpy()
    return table


def value_summary(result) -> dict[str, Any] | None:
    """The summary.json ``value`` section of a local run (None without a log)."""
    res = _value(result)
    if res is None:
        return None
    if res.available and not res.segments:
        attach_segments(res, _segments(result))
    return value_section(res)

"""The SQL of the log features, written once for both engines.

The local engine (DuckDB) and the Spark engine run the same definitions: which lines
are used, a line's signed value and purchase value, the top category and channel
shares, the per-customer sums and the features derived from them. The two SQL
dialects differ only where :class:`Dialect` says: how a query parameter is written
(``$name`` / ``:name``), how an identifier is quoted, how an aggregate is restricted
to some rows (``FILTER (WHERE ...)`` / ``CASE WHEN``) and how days are counted.

Every statement reads the staged, classified lines, whose columns are ``cid``, the
day column, ``inv``, ``cat``, ``chan``, ``country``, ``amt``, ``price``, ``n`` (copies
of the line) and the flags ``is_return``, ``is_void``, ``is_cancel``, ``is_zero``,
``is_future``.

>>> print(DUCKDB.filtered("sum", "pv", "is_return"), SPARK.filtered("sum", "pv", "is_return"))
sum(pv) FILTER (WHERE is_return) sum(CASE WHEN is_return THEN pv END)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from custseg.constants import TREND_WINDOW_DAYS
from custseg.features.quality import QualityRules
from custseg.features.source import quote_ident

__all__ = ["DUCKDB", "INTEGER_FEATURES", "PURCHASE", "SHARE_ROLES", "SPARK", "Dialect",
           "ShareColumns", "customer_features_sql", "customer_sums_sql", "line_values_sql",
           "quote_spark", "rule_params", "share_column_name", "share_columns", "top_values_sql",
           "used_condition"]

#: Feature columns that hold whole numbers (days and counts); the others are floats.
INTEGER_FEATURES = ("recency_days", "tenure_days", "frequency", "active_months")

#: A purchase: a line that is neither a return nor voided, worth more than 0.
PURCHASE = "NOT is_return AND NOT is_void AND amt > 0"

#: (role, staged column, column prefix, how many values get a share column; None:
#: ``top_categories``). Ten channels cover every channel column seen in the shared logs.
SHARE_ROLES: tuple[tuple[str, str, str, int | None], ...] = (
    ("category", "cat", "share_", None),
    ("channel", "chan", "channel_share_", 10),
)


def quote_spark(name: str) -> str:
    """Quote a Spark SQL identifier.

    >>> quote_spark("Customer ID"), quote_spark("a`b")
    ('`Customer ID`', '`a``b`')
    """
    return "`" + str(name).replace("`", "``") + "`"


@dataclass(frozen=True)
class Dialect:
    """What differs between DuckDB and Spark SQL in the feature statements."""

    name: str
    #: prefix of a named query parameter
    marker: str
    quote: Callable[[str], str] = field(repr=False)
    #: "filter": ``agg(x) FILTER (WHERE c)``; "case": ``agg(CASE WHEN c THEN x END)``
    restrict: str = "filter"

    def param(self, name: str) -> str:
        """A named parameter, e.g. ``$as_of`` or ``:as_of``."""
        return f"{self.marker}{name}"

    def filtered(self, agg: str, value: str, cond: str) -> str:
        """``agg`` of ``value`` over the rows where ``cond`` holds (``*`` counts rows).

        >>> SPARK.filtered("count", "*", "is_return")
        'count(CASE WHEN is_return THEN 1 END)'
        """
        if self.restrict == "filter":
            return f"{agg}({value}) FILTER (WHERE {cond})"
        return f"{agg}(CASE WHEN {cond} THEN {1 if value == '*' else value} END)"

    def days_before_as_of(self, days: int) -> str:
        """The date ``days`` days before the as-of date."""
        if self.name == "duckdb":
            return f"CAST({self.param('as_of')} AS DATE) - {int(days)}"
        return f"date_sub({self.param('as_of')}, {int(days)})"

    def days_to_as_of(self, day: str) -> str:
        """Whole days from ``day`` to the as-of date."""
        if self.name == "duckdb":
            return f"CAST({self.param('as_of')} AS DATE) - {day}"
        return f"datediff({self.param('as_of')}, {day})"


DUCKDB = Dialect("duckdb", "$", quote_ident, "filter")
SPARK = Dialect("spark", ":", quote_spark, "case")


def rule_params(rules: QualityRules, as_of: dt.date) -> dict:
    """The query parameters of the quality rules and the as-of date.

    >>> sorted(rule_params(QualityRules(), dt.date(2024, 1, 1)))
    ['as_of', 'drop', 'excl_future', 'excl_neg', 'excl_zero']
    """
    return {"as_of": as_of, "drop": rules.drop_missing_customer,
            "excl_zero": rules.exclude_zero_price, "excl_neg": rules.exclude_negative_price,
            "excl_future": rules.exclude_future_dates}


def used_condition(d: Dialect, day: str) -> str:
    """The lines the features use: a customer (unless such lines are kept), a readable
    ``day``, a value, and not left out by the negative-value or future-date rules."""
    p = d.param
    return f"""(
        (cid IS NOT NULL OR NOT {p('drop')}) AND {day} IS NOT NULL AND amt IS NOT NULL
        AND NOT (NOT is_return AND amt < 0 AND {p('excl_neg')})
        AND NOT (is_future AND {p('excl_future')}))"""


def line_values_sql(d: Dialect) -> str:
    """A line's signed value ``v`` (voided: 0, returns negative) and its purchase value
    ``pv`` (NULL unless the line is a purchase that counts as one)."""
    return f"""CASE WHEN is_void THEN 0 WHEN is_return THEN -abs(amt) ELSE amt END AS v,
               CASE WHEN NOT is_return AND NOT is_void AND amt >= 0
                         AND NOT (is_zero AND {d.param('excl_zero')})
                    THEN amt END AS pv"""


def top_values_sql(d: Dialect, expr: str, lines: str, used: str, limit: int) -> str:
    """The ``limit`` values of ``expr`` with the largest purchase value (ties by value)."""
    return f"""
            SELECT {expr} FROM {lines}
            WHERE {used} AND {PURCHASE}
              AND NOT (is_zero AND {d.param('excl_zero')})
              AND {expr} IS NOT NULL
            GROUP BY 1 ORDER BY sum(amt) DESC, 1 LIMIT {int(limit)}"""


def share_column_name(value: object, taken: set[str], prefix: str) -> str:
    """A unique, SQL-safe column name for a category/channel share.

    >>> taken = set()
    >>> share_column_name("Home & Garden", taken, "share_"), share_column_name(
    ...     "home garden", taken, "share_")
    ('share_home_garden', 'share_home_garden_2')
    """
    base = re.sub(r"[^0-9a-z]+", "_", str(value).lower()).strip("_") or "blank"
    name, k = f"{prefix}{base}", 2
    while name in taken:
        name, k = f"{prefix}{base}_{k}", k + 1
    taken.add(name)
    return name


@dataclass
class ShareColumns:
    """The share columns of one log: their aggregates, parameters, names and values."""

    select: list[str] = field(default_factory=list)
    params: dict[str, object] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    #: role -> the values that got a column, in column order
    values: dict[str, list[str]] = field(default_factory=dict)


def share_columns(d: Dialect, tops: list[tuple[str, str, str, list]]) -> ShareColumns:
    """One share-of-purchase-value aggregate per top value and one for the rest.

    ``tops``: ``(role, staged column, prefix, values)`` per role that has values.

    >>> s = share_columns(SPARK, [("category", "cat", "share_", ["Books"])])
    >>> s.names, s.params
    (['share_books', 'share_other'], {'cat0': 'Books'})
    """
    out, taken = ShareColumns(), set()
    for role, expr, prefix, values in tops:
        out.values[role] = [str(v) for v in values]
        keys = []
        for i, value in enumerate(values):
            name, key = share_column_name(value, taken, prefix), f"{role[:3]}{i}"
            out.params[key] = value
            keys.append(d.param(key))
            share = d.filtered("sum", "pv", f"{expr} = {d.param(key)}")
            out.select.append(f"COALESCE(round({share}, 6) / NULLIF(round(sum(pv), 6), 0), 0) "
                              f"AS {d.quote(name)}")
            out.names.append(name)
        if values:
            name = share_column_name("other", taken, prefix)
            rest = d.filtered("sum", "pv", f"{expr} IS NULL OR {expr} NOT IN ({', '.join(keys)})")
            out.select.append(f"COALESCE(round({rest}, 6) / NULLIF(round(sum(pv), 6), 0), 0) "
                              f"AS {d.quote(name)}")
            out.names.append(name)
    return out


def customer_sums_sql(d: Dialect) -> str:
    """Per-customer aggregates over the usable lines (``day``, ``v``, ``pv``), as the
    select list of a ``GROUP BY cid``."""
    w = TREND_WINDOW_DAYS
    bought = "pv IS NOT NULL"
    last = f"day >= {d.days_before_as_of(w)}"
    prev = f"day < {d.days_before_as_of(w)} AND day >= {d.days_before_as_of(2 * w)}"
    return f"""
          {d.filtered("max", "day", bought)} AS last_buy, max(day) AS last_any,
          {d.filtered("min", "day", bought)} AS first_buy, min(day) AS first_any,
          -- sums are rounded: parallel float sums differ in the last bits with the
          -- order of the rows (threads, spilling), which would flip a net of exactly
          -- 0 to a tiny negative number and make features differ between runs
          -- (Online Retail: 44 customers with a negative net on Spark, 41 locally)
          round(sum(v), 6) AS monetary,
          round(COALESCE(sum(pv), 0), 6) AS gross,
          round(COALESCE({d.filtered("sum", "-v", "is_return")}, 0), 6) AS returned,
          count(pv) AS buy_lines,
          {d.filtered("count", "*", "is_return")} AS return_lines,
          round(COALESCE({d.filtered("sum", "pv", last)}, 0), 6) AS p_last,
          round(COALESCE({d.filtered("sum", "pv", prev)}, 0), 6) AS p_prev"""


def customer_features_sql(d: Dialect, frequency: str = "frequency",
                          active_months: str = "active_months") -> str:
    """The feature columns (in their order) from :func:`customer_sums_sql`'s sums and
    the order statistics ``frequency``, ``gap_mean``, ``gap_sd``, ``active_months``."""
    return f"""
      {d.days_to_as_of("COALESCE(last_buy, last_any)")} AS recency_days,
      {frequency} AS frequency, monetary,
      CASE WHEN frequency > 0 THEN gross / frequency ELSE 0 END AS avg_order_value,
      {d.days_to_as_of("COALESCE(first_buy, first_any)")} AS tenure_days,
      gap_mean AS interpurchase_mean_days,
      gap_sd / NULLIF(gap_mean, 0) AS interpurchase_cv,
      {active_months} AS active_months,
      CASE WHEN gross > 0 THEN returned / gross END AS return_rate_value,
      CASE WHEN buy_lines > 0 THEN return_lines / buy_lines END AS return_rate_count,
      CASE WHEN p_last + p_prev > 0 THEN (p_last - p_prev) / (p_last + p_prev) ELSE 0 END
        AS trend_90d"""

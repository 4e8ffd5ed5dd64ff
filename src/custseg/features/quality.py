"""Data-quality rules applied when turning a log into customer features."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from custseg.exceptions import ConfigError

__all__ = ["QUALITY_COUNTS", "QualityRules"]

#: The per-line quality counts both engines report, in the order their SQL computes them.
QUALITY_COUNTS: tuple[str, ...] = (
    "lines_total", "duplicate_lines", "lines_without_customer", "zero_price_lines",
    "negative_price_lines", "return_lines", "cancelled_lines", "cancelled_invoices",
    "future_dates", "unparseable_dates", "missing_dates", "unreadable_value_lines",
    "lines_used",
)


@dataclass(frozen=True)
class QualityRules:
    """How doubtful log lines are treated. Every rule is counted in ``quality``.

    Parameters
    ----------
    drop_missing_customer : bool, default True
        Drop lines without a customer id. If False they are pooled into one
        customer whose id is missing.
    keep_duplicates : bool, default False
        Keep exact duplicate lines (identical in every column). By default the
        extra copies are dropped.
    exclude_zero_price : bool, default True
        Lines worth 0 (price 0, quantity 0 or amount 0) are left out, so they never
        make an order. If False they count as purchases of value 0.
    exclude_negative_price : bool, default True
        Non-return lines with a negative value (e.g. "Adjust bad debt") are left
        out. If False they reduce monetary like a return.
    exclude_future_dates : bool, default True
        Lines dated on or after ``as_of`` are left out.
    cancel_prefix : str or None, default "auto"
        "auto": an invoice prefix (the leading letters, like Online Retail's "C") marks
        cancellations only when at least 95 % of the prefixed invoices' lines are
        negative (the evidence is stated in the rules). A string: invoices starting
        with it are cancellations, as given. None turns the prefix rule off.
        Cancellations reduce monetary and never count as orders. Negative quantities
        (or negative amounts without a quantity) are always returns.

    Unparseable or missing dates are always left out (and counted).

    >>> QualityRules(keep_duplicates=True).keep_duplicates
    True
    """

    drop_missing_customer: bool = True
    keep_duplicates: bool = False
    exclude_zero_price: bool = True
    exclude_negative_price: bool = True
    exclude_future_dates: bool = True
    cancel_prefix: str | None = "auto"

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if name == "cancel_prefix":
                if value is not None and (not isinstance(value, str) or value == ""):
                    raise ConfigError(
                        f"cancel_prefix must be a non-empty string or None, got {value!r}",
                        where="QualityRules.cancel_prefix",
                        fix='use "auto", e.g. "C", or None to turn the prefix rule off',
                    )
            elif not isinstance(value, bool):
                raise ConfigError(
                    f"{name} must be True or False, got {value!r}",
                    where=f"QualityRules.{name}",
                    fix="pass a boolean",
                )

    def to_dict(self) -> dict:
        """The rules as a plain dict."""
        return asdict(self)

"""Find the roles of a transaction log's columns (customer, date, amount...).

Names are matched case-, space-, underscore- and hyphen-insensitively against
common spellings; explicit overrides always win.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

from custseg.exceptions import InputError

__all__ = ["LogColumns", "detect_log_columns", "looks_like_transaction_log"]


@dataclass(frozen=True)
class LogColumns:
    """Which input column plays which role in a transaction log.

    Either ``amount`` or both ``quantity`` and ``price`` must be set.

    >>> LogColumns(customer="CustomerID", date="InvoiceDate", amount="total").amount
    'total'
    """

    customer: str
    date: str
    invoice: str | None = None
    quantity: str | None = None
    price: str | None = None
    amount: str | None = None
    product: str | None = None
    description: str | None = None
    category: str | None = None
    channel: str | None = None
    country: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        """Roles as a plain dict (JSON-ready)."""
        return asdict(self)

    def used(self) -> list[str]:
        """Input columns that were given a role, in role order."""
        return [v for v in asdict(self).values() if v is not None]


# Normalised spellings per role, most specific first.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer": ("customerid", "customer", "custid", "customerno", "customernumber",
                 "clientid", "client", "userid", "memberid", "buyerid"),
    "date": ("invoicedate", "orderdate", "transactiondate", "purchasedate", "date",
             "datetime", "timestamp", "orderdatetime", "transactiontime"),
    "invoice": ("invoiceno", "invoice", "invoiceid", "invoicenumber", "orderid", "orderno",
                "ordernumber", "transactionid", "receiptid", "basketid"),
    "quantity": ("quantity", "qty", "units", "numberofitems", "numberofcds", "itemcount"),
    "price": ("unitprice", "price", "unitcost", "priceeach", "itemprice"),
    "amount": ("amount", "dollarvalue", "totalamount", "lineamount", "linetotal", "revenue",
               "sales", "salesamount", "spend", "value", "ordervalue", "total", "monetary"),
    "product": ("stockcode", "productid", "sku", "itemid", "productcode", "product"),
    "description": ("description", "productname", "itemname", "itemdescription"),
    "category": ("category", "productcategory", "categoryname", "department"),
    "channel": ("channel", "saleschannel", "orderchannel"),
    "country": ("country", "countryname"),
}

# CLI flag a user passes to name a role's column by hand.
CLI_FLAGS: dict[str, str] = {
    "customer": "--customer", "date": "--date", "amount": "--amount",
    "quantity": "--quantity", "price": "--price", "invoice": "--invoice",
    "category": "--category", "channel": "--channel", "country": "--country",
}

_ROLES = tuple(f.name for f in fields(LogColumns))


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-\.]+", "", str(name)).lower()


def _find_roles(columns: list[str], overrides: dict | None) -> dict[str, str | None]:
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(_ROLES))
    if unknown:
        raise InputError(
            f"unknown column role(s) {unknown}",
            where="column overrides",
            fix=f"use one of {list(_ROLES)}",
        )
    cols = [str(c) for c in columns]
    for role, col in overrides.items():
        if col is not None and col not in cols:
            raise InputError(
                f"column {col!r} given for role {role!r} is not in the data; columns seen: {cols}",
                where=f"option {CLI_FLAGS.get(role, role)}",
                fix="pass one of the columns seen (exact spelling)",
            )
    found: dict[str, str | None] = {r: overrides.get(r) for r in _ROLES}
    taken = {c for c in found.values() if c is not None}
    by_norm: dict[str, str] = {}
    for c in cols:
        by_norm.setdefault(_norm(c), c)
    for role in _ROLES:
        if role in overrides:
            continue
        for syn in _SYNONYMS[role]:
            col = by_norm.get(syn)
            if col is not None and col not in taken:
                found[role] = col
                taken.add(col)
                break
    return found


def detect_log_columns(columns: list[str], overrides: dict | None = None) -> LogColumns:
    """Map a log's column names to roles; ``overrides`` (role -> column) win.

    Raises :class:`~custseg.exceptions.InputError` naming the missing role, the
    columns seen and the command-line flag to pass.

    >>> cols = detect_log_columns(["InvoiceNo", "StockCode", "Quantity", "InvoiceDate",
    ...                            "UnitPrice", "CustomerID", "Country"])
    >>> (cols.customer, cols.date, cols.invoice, cols.quantity, cols.price, cols.country)
    ('CustomerID', 'InvoiceDate', 'InvoiceNo', 'Quantity', 'UnitPrice', 'Country')
    >>> detect_log_columns(["customer_id", "date", "dollar_value"]).amount
    'dollar_value'
    """
    found = _find_roles(columns, overrides)
    seen = [str(c) for c in columns]
    for role in ("customer", "date"):
        if found[role] is None:
            raise InputError(
                f"no {role} column found in the transaction log; columns seen: {seen}",
                where=f"{role} column",
                fix=f"name it with {CLI_FLAGS[role]} COLUMN",
            )
    if found["amount"] is None and (found["quantity"] is None or found["price"] is None):
        missing = [r for r in ("quantity", "price") if found[r] is None]
        raise InputError(
            "no amount column and no quantity with price columns found in the transaction "
            f"log (missing: amount, {' and '.join(missing)}); columns seen: {seen}",
            where="amount column",
            fix="name the line value with --amount COLUMN, or both --quantity COLUMN "
                "and --price COLUMN",
        )
    return LogColumns(**found)


def looks_like_transaction_log(
    columns: list[str],
    n_rows: int | None = None,
    n_unique_customer: int | None = None,
) -> bool:
    """True when the columns look like a log (customer, date, value) and customers repeat.

    A customer table has one row per id, so when ``n_rows`` and
    ``n_unique_customer`` are given, at least 1.2 rows per customer are required.

    >>> looks_like_transaction_log(["customer_id", "date", "dollar_value"], 69659, 23570)
    True
    >>> looks_like_transaction_log(["CustomerID", "Genre", "Age"], 200, 200)
    False
    >>> looks_like_transaction_log(["CUST_ID", "date", "amount"], 8950, 8950)
    False
    """
    found = _find_roles(columns, None)
    if found["customer"] is None or found["date"] is None:
        return False
    if found["amount"] is None and (found["quantity"] is None or found["price"] is None):
        return False
    counts_known = n_rows is not None and n_unique_customer is not None
    return not (counts_known and (n_unique_customer <= 0 or n_rows < 1.2 * n_unique_customer))

"""Find the roles of a transaction log's columns (customer, date, amount...).

Names are matched case-, space-, underscore- and hyphen-insensitively against
common spellings; explicit overrides always win.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

from custseg.exceptions import InputError

__all__ = ["MIN_ROWS_PER_CUSTOMER", "LogColumns", "LogDetection", "detect_log",
           "detect_log_columns", "find_log_roles", "looks_like_transaction_log"]


@dataclass(frozen=True)
class LogColumns:
    """Which input column plays which role in a transaction log.

    ``amount``, or both ``quantity`` and ``price``, give the line value; a log
    without money (member, day, item) has neither and an item column instead.

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
    status: str | None = None

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
    "category": ("category", "productcategory", "categoryname", "department",
                 "productcategoryname", "productline"),
    "channel": ("channel", "saleschannel", "orderchannel"),
    "country": ("country", "countryname"),
    "status": (),  # found from its values (a cancel/return value), see _structural_roles
}

# CLI flag a user passes to name a role's column by hand.
CLI_FLAGS: dict[str, str] = {
    "customer": "--customer", "date": "--date", "amount": "--amount",
    "quantity": "--quantity", "price": "--price", "invoice": "--invoice",
    "category": "--category", "channel": "--channel", "country": "--country",
}

_ROLES = tuple(f.name for f in fields(LogColumns))

# Structure (names that only *contain* a role word, confirmed by the values), used
# when no exact spelling matched. Words are matched on the snake_case name.
_CUSTOMER_WORD = re.compile(r"(^|_)(customer|cust|client|member|user|buyer|shopper|consumer|"
                            r"account|subscriber|guest|patron|household)")
_ID_WORD = re.compile(r"(^|_)(id|key|no|nr|num|number|code|name|ref|uuid|guid|unique)(_|$)|"
                      r"(id|key|num|number|code|name)$")  # also CUSTOMERNAME, CLIENTNUM
_DATE_WORD = re.compile(r"(^|_)(date|time|timestamp|datetime|day|dt|ts)(_|$)|"
                        r"(date|time|timestamp)$")
_INVOICE_WORD = re.compile(r"(^|_)(order|invoice|receipt|basket|transaction|trans|ticket|"
                           r"bill)(_|$)")
# Money words in order of preference; costs that are not the customer's spend on goods
# (freight, tax, discounts, list prices, credit limits) are never the line value.
_MONEY_WORDS = ("amount", "amt", "total", "sales", "revenue", "spend", "paid", "payment",
                "value", "price")
_NOT_MONEY = re.compile(r"(freight|shipping|tax|discount|fee|msrp|balance|limit|credit|"
                        r"score|rate|ratio|pct|percent)")
_QTY_WORD = re.compile(r"(^|_)(qty|quantity|units|items|count|pieces)")
_BARE_ID = re.compile(r"id|key|uuid|guid")
_ITEM_WORD = re.compile(r"(item|product|sku|article|description|stock|good)")
# Values that mark a cancelled, returned or refunded line in a status-like column.
CANCEL_VALUE = re.compile(r"^\s*(cancel+ed|cancel+ation|cancel|returned|return|refunded|refund|"
                          r"voided|void|reversed|reversal)\s*$", re.IGNORECASE)
_STATUS_WORD = re.compile(r"(status|state|flag|type)")
#: A table is a log when its customer values repeat on at least this many rows per
#: customer. Measured: the 9 shared customer tables have exactly 1.00 row per id; the
#: logs 1.18 (Olist order items: 112,650 items of 95,420 customers) to 93 (Online
#: Retail). 1.05 leaves room for a table with a few duplicated ids (those get a warning).
MIN_ROWS_PER_CUSTOMER = 1.05
_SAMPLE = 5000


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-\.]+", "", str(name)).lower()


def _snake(name: str) -> str:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name).strip())
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _check_overrides(cols: list[str], overrides: dict) -> None:
    unknown = sorted(set(overrides) - set(_ROLES))
    if unknown:
        raise InputError(
            f"unknown column role(s) {unknown}",
            where="column overrides",
            fix=f"use one of {list(_ROLES)}",
        )
    for role, col in overrides.items():
        if col is not None and col not in cols:
            raise InputError(
                f"column {col!r} given for role {role!r} is not in the data; columns seen: {cols}",
                where=f"option {CLI_FLAGS.get(role, role)}",
                fix="pass one of the columns seen (exact spelling)",
            )


def _find_roles(columns: list[str], overrides: dict | None) -> dict[str, str | None]:
    overrides = dict(overrides or {})
    cols = [str(c) for c in columns]
    _check_overrides(cols, overrides)
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


# ------------------------------------------------------------ content checks
def _present(sample, col: str):
    return sample[col].dropna()


def _is_numeric(sample, col: str) -> bool:
    import pandas as pd

    s = _present(sample, col)
    if len(s) == 0 or pd.api.types.is_bool_dtype(s):
        return False
    if pd.api.types.is_numeric_dtype(s):
        return True
    txt = s.astype(str).str.strip()
    return bool(pd.to_numeric(txt, errors="coerce").notna().mean() >= 0.95)


def _parses_as_dates(sample, col: str) -> bool:
    """True when at least 90 % of a sample of the values read as dates (any format)."""
    import warnings

    import pandas as pd

    s = _present(sample, col)
    if len(s) == 0:
        return False
    if pd.api.types.is_datetime64_any_dtype(s):
        return True
    if pd.api.types.is_float_dtype(s):
        s = s[s == s.round()].astype("int64")
    txt = s.astype(str).str.strip().head(500)
    if not txt.str.contains(r"\d").all():
        return False
    if txt.str.fullmatch(r"\d+").all() and not txt.str.fullmatch(r"(19|20)\d{6}").all():
        return False  # plain counts are not dates; YYYYMMDD (CDNOW) is
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(txt, errors="coerce", format="mixed")
    ok = parsed.notna() & parsed.dt.year.between(1900, 2100)
    return bool(ok.mean() >= 0.9)


def _rows_per_value(sample, col: str) -> float:
    s = _present(sample, col)
    n_unique = s.nunique()
    return float(len(s) / n_unique) if n_unique else 0.0


def _id_like(sample, col: str) -> bool:
    """Codes, not measurements: integers or short text tokens."""
    import pandas as pd

    s = _present(sample, col)
    if len(s) == 0:
        return False
    if pd.api.types.is_float_dtype(s):
        return bool((s == s.round()).all())
    if pd.api.types.is_integer_dtype(s):
        return True
    txt = s.astype(str).head(1000)
    return bool(txt.str.len().mean() <= 60)


def _cancel_values(sample, col: str) -> list[str]:
    s = _present(sample, col).astype(str)
    values = s.unique()
    if len(values) > 30:
        return []
    return sorted(str(v) for v in values if CANCEL_VALUE.match(str(v)))


def _structural_roles(found: dict[str, str | None], sample, overrides: dict,
                      reasons: dict[str, str], rows_per_value=None) -> None:
    """Fill roles the names left empty from what the values show (in place)."""
    cols = [str(c) for c in sample.columns]
    snake = {c: _snake(c) for c in cols}

    def free(c: str) -> bool:
        return c not in {v for v in found.values() if v is not None}

    # customer: a customer-like word with an id-like word; the coarsest wins when
    # several qualify (an order-level "customer_id" next to "customer_unique_id").
    if "customer" not in overrides:
        named = [c for c in cols if _CUSTOMER_WORD.search(snake[c])
                 and (_ID_WORD.search(snake[c]) or _CUSTOMER_WORD.fullmatch(snake[c]))
                 and _id_like(sample, c) and (c == found["customer"] or free(c))]
        if named:
            # on all rows when the caller can count them: a sample of a log where most
            # customers bought once (Olist) makes every key look unique
            count = rows_per_value or (lambda c: _rows_per_value(sample, c))
            ratio = {c: count(c) for c in named}
            best = max(named, key=lambda c: (round(ratio[c], 6), c == found["customer"]))
            if best != found["customer"]:
                if found["customer"] is not None:
                    reasons["customer"] = (
                        f"{best!r} over {found['customer']!r}: {ratio[best]:.2f} rows per "
                        f"value against {ratio[found['customer']]:.2f}, so it groups more "
                        "lines into one customer")
                else:
                    reasons["customer"] = f"{best!r}: a customer-like key name with id-like values"
                found["customer"] = best
    if found["customer"] is None and "customer" not in overrides:
        # a bare key name ("id", "key") with id-like values, when no column names a
        # customer: the lifetimes example log is (date, id). detect_log still requires
        # its values to repeat, so a table keyed by a unique "ID" stays a table.
        bare = [c for c in cols if free(c) and _BARE_ID.fullmatch(snake[c])
                and _id_like(sample, c) and not _is_numeric_measure(sample, c)]
        if len(bare) == 1:
            found["customer"] = bare[0]
            reasons["customer"] = (f"{bare[0]!r}: the only key-named column, with id-like "
                                   "values, and no column names a customer")
    # (role, name test, value test, reason): the first free column passing both wins
    by_name_and_values = (
        ("date", lambda c: _DATE_WORD.search(snake[c]), lambda c: _parses_as_dates(sample, c),
         "a date-like name and values that read as dates"),
        ("invoice", lambda c: _INVOICE_WORD.search(snake[c]) and _ID_WORD.search(snake[c]),
         lambda c: _id_like(sample, c), "an order-like name with id-like values"),
        ("quantity", lambda c: _QTY_WORD.search(snake[c]), lambda c: _is_numeric(sample, c),
         "a quantity-like name with numbers"),
    )
    for role, named, valued, why in by_name_and_values:
        if found[role] is None:
            hit = next((c for c in cols if free(c) and named(c) and valued(c)), None)
            if hit is not None:
                found[role] = hit
                reasons[role] = f"{hit!r}: {why}"
    has_value = found["amount"] is not None or (found["quantity"] and found["price"])
    if not has_value:
        for word in _MONEY_WORDS:
            hit = [c for c in cols if free(c) and re.search(rf"(^|_){word}", snake[c])
                   and not _NOT_MONEY.search(snake[c]) and _is_numeric(sample, c)]
            if word == "price" and found["quantity"] is not None and hit:
                found["price"] = hit[0]
                reasons["price"] = f"{hit[0]!r}: a price-like name with numbers"
                break
            if hit:
                found["amount"] = hit[0]
                reasons["amount"] = f"{hit[0]!r}: a money-like name with numbers"
                break
        if found["amount"] is None and found["price"] is not None and found["quantity"] is None:
            # one unit per line (order-item exports): the item price is the line value
            reasons["amount"] = (f"{found['price']!r}: a price without a quantity column, so "
                                 "each line is one item worth its price")
            found["amount"], found["price"] = found["price"], None
    if found["product"] is None and found["description"] is None:
        for c in cols:
            if free(c) and _ITEM_WORD.search(snake[c]) and not _is_numeric(sample, c):
                found["description"] = c
                reasons["description"] = f"{c!r}: an item-like name"
                break
    if found["status"] is None and "status" not in overrides:
        for c in cols:
            if free(c) and _STATUS_WORD.search(snake[c]):
                values = _cancel_values(sample, c)
                if values:
                    found["status"] = c
                    reasons["status"] = (f"{c!r}: a status-like column holding "
                                         f"{', '.join(repr(v) for v in values)}")
                    break


def _candidates(sample, role: str, found: dict) -> list[str]:
    """Columns that could play ``role``, for the error message."""
    if sample is None:
        return []
    cols = [str(c) for c in sample.columns if str(c) not in
            {v for v in found.values() if v is not None}]
    if role == "customer":
        out = [c for c in cols if _id_like(sample, c) and not _is_numeric_measure(sample, c)
               and _rows_per_value(sample, c) > 1]
    elif role == "date":
        out = [c for c in cols if _parses_as_dates(sample, c)]
    else:
        out = [c for c in cols if _is_numeric(sample, c) and not _parses_as_dates(sample, c)]
    return out[:5]


def _is_numeric_measure(sample, col: str) -> bool:
    import pandas as pd

    s = _present(sample, col)
    return bool(pd.api.types.is_float_dtype(s) and not (s == s.round()).all())


def _missing_error(found: dict, seen: list[str], sample) -> InputError | None:
    missing = [r for r in ("customer", "date") if found[r] is None]
    no_value = found["amount"] is None and (found["quantity"] is None or found["price"] is None)
    has_item = bool(found["description"] or found["product"] or found["category"])
    if no_value and not has_item:  # member, day, item: a log without money
        missing.append("amount")
    if not missing:
        return None
    parts, flags = [], []
    for role in missing:
        cands = _candidates(sample, role, found)
        shown = ", ".join(repr(c) for c in cands) if cands else "none seen"
        if role == "amount":
            have = [r for r in ("quantity", "price") if found[r] is not None]
            label = "amount (or quantity with price" + (
                f"; found {found[have[0]]!r} as {have[0]}" if have else "") + ")"
            parts.append(f"{label} — candidates: {shown}")
            flags.append("--amount COLUMN (or --quantity COLUMN --price COLUMN)")
        else:
            parts.append(f"{role} — candidates: {shown}")
            flags.append(f"{CLI_FLAGS[role]} COLUMN")
    return InputError(
        f"the transaction log lacks {len(missing)} column role(s): {'; '.join(parts)}; "
        f"columns seen: {seen}",
        where="transaction log columns",
        fix="name them all at once: " + " ".join(flags),
    )


def detect_log_columns(columns: list[str], overrides: dict | None = None,
                       sample=None, reasons: dict[str, str] | None = None,
                       rows_per_value=None) -> LogColumns:
    """Map a log's column names to roles; ``overrides`` (role -> column) win.

    With ``sample`` (a pandas DataFrame of some of the log's rows), roles the names
    leave empty are found from the structure: a customer-like key with id-like
    values, a date-like name whose values read as dates, a money-like numeric
    column (an item price alone is the line value), a status column holding a
    cancel/return value. ``reasons`` (a dict) receives why each such role was chosen.

    Raises :class:`~custseg.exceptions.InputError` naming *all* missing roles at
    once, with the candidate columns seen for each and the flags to pass.
    ``rows_per_value(column)``, optional, counts rows per distinct value on all rows
    (used to choose among several customer-like keys).

    >>> cols = detect_log_columns(["InvoiceNo", "StockCode", "Quantity", "InvoiceDate",
    ...                            "UnitPrice", "CustomerID", "Country"])
    >>> (cols.customer, cols.date, cols.invoice, cols.quantity, cols.price, cols.country)
    ('CustomerID', 'InvoiceDate', 'InvoiceNo', 'Quantity', 'UnitPrice', 'Country')
    >>> detect_log_columns(["customer_id", "date", "dollar_value"]).amount
    'dollar_value'
    """
    found = _find_roles(columns, overrides)
    if sample is not None:
        _structural_roles(found, sample, dict(overrides or {}), reasons if reasons is not None
                          else {}, rows_per_value)
    error = _missing_error(found, [str(c) for c in columns], sample)
    if error is not None:
        raise error
    return LogColumns(**found)


def find_log_roles(columns: list[str], overrides: dict | None = None, sample=None,
                   rows_per_value=None) -> tuple[dict[str, str | None], dict[str, str]]:
    """Roles found so far (possibly incomplete) and the reasons for structural ones.

    >>> find_log_roles(["Member_number", "Date", "itemDescription"])[0]["description"]
    'itemDescription'
    """
    found = _find_roles(columns, overrides)
    reasons: dict[str, str] = {}
    if sample is not None:
        _structural_roles(found, sample, dict(overrides or {}), reasons, rows_per_value)
    return found, reasons


@dataclass
class LogDetection:
    """Whether a table is a transaction log, and why (see :func:`detect_log`)."""

    is_log: bool
    roles: dict[str, str | None]
    reasons: dict[str, str]
    rows_per_customer: float | None
    why: str
    monetary: bool = True

    def columns(self) -> LogColumns:
        """The roles as :class:`LogColumns` (only when ``is_log``)."""
        return LogColumns(**self.roles)


def _valid_yyyymmdd(sample, col: str) -> bool:
    """All values are 8-digit days (YYYYMMDD) that exist, in 1900 .. next year."""
    import datetime as dt

    import pandas as pd

    s = _present(sample, col)
    if len(s) == 0 or (pd.api.types.is_float_dtype(s) and not (s == s.round()).all()):
        return False
    txt = s.astype("int64").astype(str) if pd.api.types.is_numeric_dtype(s) else \
        s.astype(str).str.strip()
    if not txt.str.fullmatch(r"\d{8}").all():
        return False
    days = pd.to_datetime(txt, format="%Y%m%d", errors="coerce")
    return bool(days.notna().all() and days.dt.year.between(1900, dt.date.today().year + 1)
                .all())


def _headerless_roles(found: dict[str, str | None], sample, reasons: dict[str, str],
                      rows_per_value) -> None:
    """Roles of a file without a header (columns column_1 ...), from the values alone.

    The date: the first column whose values all are existing YYYYMMDD days in 1900 ..
    next year (an 8-digit count or code is never that regular), or text that reads
    as dates. The customer: the leftmost other column of integers or short codes
    whose values repeat (``MIN_ROWS_PER_CUSTOMER``). The line value: the last column
    of decimal numbers (cents: 29.33). Quantity and price are not guessed: without
    names a count of items and a price look alike. On CDNOW_sample.txt: master id,
    YYYYMMDD, dollars.
    """
    import pandas as pd

    cols = [str(c) for c in sample.columns]
    for c in cols:
        s = _present(sample, c)
        text_dates = not pd.api.types.is_numeric_dtype(s) and \
            not s.astype(str).str.fullmatch(r"\s*\d+\s*").all() and _parses_as_dates(sample, c)
        if _valid_yyyymmdd(sample, c) or text_dates:
            found["date"] = c
            reasons["date"] = (f"{c!r} (no header): every value is a day"
                               + (" written YYYYMMDD" if not text_dates else ""))
            break
    count = rows_per_value or (lambda c: _rows_per_value(sample, c))
    for c in cols:
        if c != found["date"] and _id_like(sample, c) and not _is_numeric_measure(sample, c) \
                and count(c) >= MIN_ROWS_PER_CUSTOMER:
            found["customer"] = c
            reasons["customer"] = (f"{c!r} (no header): the leftmost column of id-like "
                                   f"values that repeat ({count(c):.1f} rows per value)")
            break
    for c in reversed(cols):
        if c not in (found["date"], found["customer"]) and _is_numeric_measure(sample, c):
            found["amount"] = c
            reasons["amount"] = f"{c!r} (no header): the last column of decimal amounts"
            break


def detect_log(frame, overrides: dict | None = None, *, headerless: bool = False
               ) -> LogDetection:
    """Decide from the structure whether a pandas table is a transaction log.

    A log has a customer-like identifier repeated on several rows (at least
    ``MIN_ROWS_PER_CUSTOMER`` rows per value), a date column, and a line value (an
    amount, quantity x price, or an item price). A log without money (member, day,
    item) is a log too: its features are counts (and item shares when an item column
    names what was bought), without monetary value. ``headerless``: the file had no
    header (columns ``column_1`` ...), so roles are read from the values alone.

    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_unique_id": ["a", "a", "b", "b"],
    ...                     "order_purchase_timestamp": ["2018-01-02 10:00"] * 4,
    ...                     "price": [10.0, 5.0, 7.5, 1.0]})
    >>> d = detect_log(log)
    >>> d.is_log, d.roles["customer"], d.roles["amount"]
    (True, 'customer_unique_id', 'price')
    >>> detect_log(pd.DataFrame({"CustomerID": [1, 2], "Age": [30, 40]})).is_log
    False
    >>> detect_log(pd.DataFrame({"date": ["2014-01-02", "2014-03-01", "2014-01-05"],
    ...                          "id": [1, 1, 2]})).is_log
    True
    """
    cols = [str(c) for c in frame.columns]
    sample = frame if len(frame) <= 50_000 else frame.sample(50_000, random_state=0)
    sample = sample.set_axis(cols, axis=1)
    full = frame.set_axis(cols, axis=1)
    if headerless and not overrides:
        found, reasons = dict.fromkeys(_ROLES), {}
        _headerless_roles(found, sample, reasons, lambda c: _rows_per_value(full, c))
    else:
        found, reasons = find_log_roles(cols, overrides, sample,
                                        rows_per_value=lambda c: _rows_per_value(full, c))
    if found["customer"] is None or found["date"] is None:
        return LogDetection(False, found, reasons, None,
                            "no customer-like key and date column pair")
    if found["date"] and not (overrides or {}).get("date") and \
            not _parses_as_dates(sample, found["date"]):
        return LogDetection(False, found, reasons, None,
                            f"{found['date']!r} does not hold dates")
    ids = frame.iloc[:, cols.index(found["customer"])].dropna()
    n_unique = int(ids.nunique())
    ratio = float(len(ids) / n_unique) if n_unique else 0.0
    has_value = found["amount"] is not None or (found["quantity"] and found["price"])
    has_item = bool(found["description"] or found["product"] or found["category"])
    if ratio < MIN_ROWS_PER_CUSTOMER:
        return LogDetection(False, found, reasons, ratio,
                            f"{found['customer']!r} is nearly unique ({ratio:.2f} rows per "
                            "value): one row per customer")
    # A repeated customer key with a date is a log even without money or items (the
    # lifetimes example: date, id): its features are recency, frequency (distinct
    # purchase days) and tenure. The shared customer tables all have unique ids (1.00
    # rows per id), so the repetition test above keeps them tables. A leftover column
    # of numbers may be money under an unknown name: then the user is asked, not
    # guessed for (a log read without its money would lose monetary silently).
    if not has_value and not has_item:
        used = {c for c in found.values() if c is not None}
        numbers = [c for c in cols if c not in used and _is_numeric(sample, c)]
        if numbers:
            return LogDetection(False, found, reasons, ratio,
                                f"no money or item column by name, but {numbers[0]!r} holds "
                                f"numbers: pass --amount {numbers[0]} if it is the line value")
    why = (f"{found['customer']!r} repeats ({ratio:.1f} rows per customer), "
           f"{found['date']!r} holds dates and "
           + (f"{found['amount']!r} is the line value" if found["amount"] else
              f"{found['quantity']!r} x {found['price']!r} is the line value" if has_value else
              "there is no money column (features are counts and item shares)" if has_item
              else "there is no money and no item column (features are purchase days, "
                   "recency and tenure; monetary value unavailable)"))
    return LogDetection(True, found, reasons, ratio, why, monetary=bool(has_value))


def looks_like_transaction_log(
    columns: list[str],
    n_rows: int | None = None,
    n_unique_customer: int | None = None,
) -> bool:
    """True when the columns look like a log (customer, date, value) and customers repeat.

    A customer table has one row per id, so when ``n_rows`` and
    ``n_unique_customer`` are given, at least ``MIN_ROWS_PER_CUSTOMER`` rows per
    customer are required. Names only: :func:`detect_log` also reads the values.

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
    return not (counts_known and (n_unique_customer <= 0
                                  or n_rows < MIN_ROWS_PER_CUSTOMER * n_unique_customer))

"""Reading date columns: decide each column's format from all its values.

A format is decided from the *distinct* values of a column (so a million rows
cost a hash pass plus work on a few thousand strings), never from the first
format that parses a sample:

* a field above 12 is a day; a field with four digits, or above 31, is a year;
* two-digit years follow a stated pivot: ``00``..``(this year + 1) % 100`` are
  20xx, the rest 19xx (in 2026: 00-27 -> 2000-2027, 28-99 -> 1928-1999);
* when every day and month field is 12 or less, both day-first and month-first
  read; the choice follows a stated rule (see :func:`resolve_ambiguous`) and
  the reading says ``ambiguous: read as day-first because ...``;
* time-zone offsets (``+02:00``, ``Z``) are converted to UTC, then dropped;
* dates must lie between 1900-01-01 and a year after today.

Example
-------
>>> import pandas as pd
>>> reading = detect_date_format(pd.Series(["21-07-2015", "05-01-2015", "13-02-2014"]))
>>> reading.format, reading.order
('%d-%m-%Y', 'dmy')
>>> parse_dates(pd.Series(["11-Feb-13"]), "%d-%b-%y").dt.strftime("%Y-%m-%d").tolist()
['2013-02-11']
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["MIN_DATE", "DateReading", "detect_date_format", "parse_dates", "pivot_year",
           "plausible_range", "resolve_ambiguous"]

#: Earliest plausible date; earlier dates are treated as missing (and said so).
MIN_DATE = pd.Timestamp("1900-01-01")
#: A column is dates when at least this share of its non-missing rows read as
#: dates: a few junk cells ("unknown", "0000-00-00") must not hide a date column,
#: while a code column that merely contains some dates is not one.
MIN_MATCH_SHARE = 0.95

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_TIME = (r"(?:(?P<sep>[ T]+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<F>[.,]\d+)?)?"
         r"\s*(?P<p>[AaPp]\.?[Mm]\.?)?)?")
_TZ = r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?"
# Patterns in RE2 syntax (pyarrow's regex engine: C++, no per-value Python).
_NUMERIC = re.compile(r"^(?P<a>\d{1,4})(?P<s>[-/.])(?P<b>\d{1,2})(?P<s2>[-/.])(?P<c>\d{1,4})"
                      + _TIME + _TZ + "$")
_MON_MIDDLE = re.compile(r"^(?P<a>\d{1,4})(?P<s>[-/ .])(?P<mon>[A-Za-z]{3,9})\.?(?P<s2>[-/ .])"
                         r"(?P<c>\d{2,4})" + _TIME + _TZ + "$")
_MON_FIRST = re.compile(r"^(?P<mon>[A-Za-z]{3,9})\.?(?P<s>[-/ ])(?P<a>\d{1,2})(?P<comma>,?)"
                        r"(?P<s2>[-/ ])(?P<c>\d{4})" + _TIME + _TZ + "$")
_COMPACT = re.compile(r"^(?P<a>\d{8})$")
_QUICK = re.compile(r"^(\d{1,4}[-/. ]\s*(\d|[A-Za-z]{3})|[A-Za-z]{3,9}\.?[-/ ]\d|\d{8}$)")
_FIELD_NAMES = {"d": "day", "m": "month", "y": "year"}


@dataclass(frozen=True)
class DateReading:
    """How a column's dates are read, and why.

    ``format`` is a strptime format (``%d/%m/%Y %H:%M``), ``order`` one of
    ``dmy``, ``mdy``, ``ymd``, ``ydm``, ``native``; ``evidence`` says what decided
    it; ``ambiguous`` is True when another order also read every value, then
    ``alternative`` holds that format and ``evidence`` names the rule used.
    ``first``/``last`` are the earliest/latest dates, ``n_before_1900`` and
    ``n_unreadable`` count rows.
    """

    format: str | None
    order: str
    evidence: str
    ambiguous: bool = False
    alternative: str | None = None
    utc: bool = False
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    n_rows: int = 0
    n_unreadable: int = 0
    n_before_1900: int = 0
    # (format, first, last, the day field's distinct values) of each order that
    # read every value: kept so another column can settle an ambiguity later.
    options: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def day_first(self) -> bool:
        """True when the day comes before the month (dd/mm/yyyy)."""
        return self.order == "dmy"

    def describe(self) -> str:
        """One sentence for reasons and notes.

        Example
        -------
        >>> import pandas as pd
        >>> detect_date_format(pd.Series(["2/24/2003 0:00", "5/7/2003 0:00"])).describe()
        'format %m/%d/%Y %H:%M (month first: a second field above 12 (e.g. 24) is a day)'
        """
        text = f"format {self.format} ({self.evidence})" if self.format else self.evidence
        if self.utc:
            text += "; time-zone offsets converted to UTC"
        return text


def pivot_year(two_digit: np.ndarray, today: dt.date | None = None) -> np.ndarray:
    """Expand two-digit years: up to next year's two digits -> 20xx, else 19xx.

    Example
    -------
    >>> pivot_year(np.array([13, 27, 28, 99]), dt.date(2026, 1, 1)).tolist()
    [2013, 2027, 1928, 1999]
    """
    limit = ((today or dt.date.today()).year + 1) % 100
    return np.where(two_digit <= limit, 2000 + two_digit, 1900 + two_digit)


def plausible_range(today: dt.date | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(1900-01-01, the same day next year): dates outside are not plausible."""
    today = today or dt.date.today()
    return MIN_DATE, pd.Timestamp(today) + pd.DateOffset(years=1)


# ------------------------------------------------------------------ detection
def detect_date_format(values: pd.Series, counts: np.ndarray | None = None, *,
                       numeric_ok: bool = False, name_hint: bool = True,
                       min_share: float = MIN_MATCH_SHARE) -> DateReading | None:
    """Decide how a column's values read as dates, or None when they are not dates.

    Parameters
    ----------
    values : the column (any dtype), or its distinct values when ``counts`` is given.
    counts : rows holding each value of ``values`` (e.g. from a SQL GROUP BY).
    numeric_ok : read whole numbers as ``YYYYMMDD`` (only for date-like names).
    name_hint : the column's name looks like a date. Without it, values with
        only one- and two-digit fields (``1.2.10``: a version? a date?) and
        eight-digit numbers are not taken for dates.
    min_share : share of rows that must read; lower it when the column is known
        to hold dates (a log's date column), so junk cells are only counted.

    Example
    -------
    >>> r = detect_date_format(pd.Series(["03/01/19", "04/01/19", "05/01/19"]))
    >>> r.format, r.ambiguous
    ('%d/%m/%y', True)
    >>> "ambiguous: read as day-first" in r.evidence
    True
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        present = values.dropna()
        stamps = pd.to_datetime(present)
        utc = getattr(stamps.dt, "tz", None) is not None
        if utc:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        return DateReading(None, "native", "stored as dates", utc=utc,
                           first=stamps.min() if len(stamps) else None,
                           last=stamps.max() if len(stamps) else None, n_rows=len(present))
    if counts is None:
        if pd.api.types.is_bool_dtype(values):
            return None
        vc = values.value_counts(dropna=True, sort=False)
        uniques, counts = vc.index.to_series(), vc.to_numpy()
    else:
        uniques = pd.Series(values).reset_index(drop=True)
        counts = np.asarray(counts)
    if len(uniques) == 0:
        return None
    if pd.api.types.is_numeric_dtype(uniques) and not pd.api.types.is_bool_dtype(uniques):
        if not numeric_ok:
            return None
        arr = uniques.to_numpy(dtype="float64")
        if not np.all(np.mod(arr, 1) == 0):
            return None
        text = pd.Series(arr.astype(np.int64).astype(str))
    else:
        text = pd.Series(uniques.astype(str).to_numpy(dtype=object)).str.strip()
    # a cheap look at a few values first: most text columns are not dates
    probe = text.iloc[:: max(1, len(text) // 50)][:50]
    if probe.str.match(_QUICK).mean() < 0.5:
        return None
    total = int(counts.sum())
    for family in (_NUMERIC, _MON_MIDDLE, _MON_FIRST, _COMPACT):
        parts, ok = _extract(text, family)
        if counts[ok].sum() >= min_share * total:  # the families exclude each other
            break
    else:
        return None
    weights = counts[ok]
    if family is _COMPACT:
        return _compact(parts, weights, total, min_share) if name_hint else None
    if family is _NUMERIC and not name_hint and not (
            (parts["a"].str.len() == 4) | (parts["c"].str.len() == 4)).any():
        return None
    return _fields(family, parts, weights, total, min_share)


def _extract(text: pd.Series, pattern: re.Pattern) -> tuple[pd.DataFrame, np.ndarray]:
    """Named groups of ``pattern`` for the matching values (absent groups are NaN)."""
    arr = pa.array(text.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    found = pc.extract_regex(arr, pattern.pattern)
    ok = found.is_valid().to_numpy(zero_copy_only=False)
    if "s2" in pattern.groupindex:  # RE2 has no back-references: same separator twice
        same = pc.equal(found.field("s"), found.field("s2")).fill_null(False)
        ok &= same.to_numpy(zero_copy_only=False)
    rows = pa.array(np.flatnonzero(ok))
    frame = pd.DataFrame({name: found.field(name).take(rows).to_numpy(zero_copy_only=False)
                          for name in pattern.groupindex}, dtype=object)
    return frame.where(frame != ""), ok


def _ints(col: pd.Series) -> np.ndarray:
    return col.astype(int).to_numpy()


def _compact(parts: pd.DataFrame, weights: np.ndarray, total: int,
             min_share: float) -> DateReading | None:
    digits = parts["a"]
    y, m, d = (_ints(digits.str[0:4]), _ints(digits.str[4:6]), _ints(digits.str[6:8]))
    lo, hi = plausible_range()
    if ((y >= lo.year) & (y <= hi.year) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)).all():
        return _finish("%Y%m%d", "ymd", "eight digits YYYYMMDD", y, m, d, weights, total,
                       min_share=min_share)
    return None


def _month_numbers(names: pd.Series) -> np.ndarray | None:
    key = names.str.lower().str[:3]
    nums = key.map(_MONTHS)
    full_ok = names.str.lower().map(lambda s: s[:3] in _MONTHS and (
        len(s) == 3 or s == "sept" or s in _FULL_MONTHS))
    if nums.isna().any() or not full_ok.all():
        return None
    return nums.to_numpy(dtype=int)


_FULL_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december"}


def _fields(family: re.Pattern, parts: pd.DataFrame, weights: np.ndarray,
            total: int, min_share: float) -> DateReading | None:
    a, c = parts["a"], parts["c"]
    sep = parts["s"].iloc[0]
    la, lc = a.str.len().to_numpy(), c.str.len().to_numpy()
    ia, ic = _ints(a), _ints(c)
    time_fmt, utc = _time_format(parts)

    def num(order, ly, iy, im, idd, why):
        return _numeric_reading(min_share, order, sep, ly, iy, im, idd, weights, total,
                                time_fmt, utc, why)

    if family is _NUMERIC:
        b = parts["b"]
        ib = _ints(b)
        year_first = (la == 4).any() or ia.max() > 31
        year_last = (lc == 4).any() or ic.max() > 31
        if year_first and year_last:
            return None
        if year_first:
            if ib.max() > 12 and ic.max() <= 12:
                return num("ydm", la, ia, ic, ib, "year first, then a field above 12: a day")
            if ib.max() > 12:
                return None
            why = "year first (four digits), then month and day, as in ISO 8601"
            return num("ymd", la, ia, ib, ic, why)
        year_note = "" if year_last else (
            "; two-digit fields: the year is the last one, as in both day/month/year and "
            "month/day/year (a year-first reading needs four digits or a value above 31)")
        if ia.max() > 12 and ib.max() > 12:
            return None
        if ia.max() > 12:
            example = int(ia[ia > 12][0])
            return num("dmy", lc, ic, ib, ia, f"day first: a first field above 12 (e.g. "
                                              f"{example}) is a day{year_note}")
        if ib.max() > 12:
            example = int(ib[ib > 12][0])
            return num("mdy", lc, ic, ia, ib, f"month first: a second field above 12 (e.g. "
                                              f"{example}) is a day{year_note}")
        day_first = num("dmy", lc, ic, ib, ia, "day first")
        month_first = num("mdy", lc, ic, ia, ib, "month first")
        if day_first is None or month_first is None:
            return day_first or month_first
        return resolve_ambiguous(day_first, month_first, sep, year_note=year_note)
    months = _month_numbers(parts["mon"])
    if months is None:
        return None
    if family is _MON_FIRST:
        comma = (parts["comma"] == ",").mean() > 0.5
        fmt = f"%b{sep}%d, %Y" if comma else f"%b{sep}%d{sep}%Y"
        return _finish(fmt + time_fmt, "mdy", "month name first, then day and year",
                       ic, months, ia, weights, total, utc=utc, min_share=min_share)
    year_first = (la == 4).any() or ia.max() > 31
    if year_first:
        years = ia if (la == 4).all() else pivot_year(ia)
        yfmt = "%Y" if (la == 4).all() else "%y"
        return _finish(f"{yfmt}{sep}%b{sep}%d" + time_fmt, "ymd",
                       "month name in the middle, year first (four digits or above 31)",
                       years, months, ic, weights, total, utc=utc, min_share=min_share)
    years = ic if (lc == 4).all() else pivot_year(ic)
    yfmt = "%Y" if (lc == 4).all() else "%y"
    why = "day, month name, year" + ("" if yfmt == "%Y" else
                                     "; two-digit year last (as in 11-Feb-13), " + _PIVOT)
    return _finish(f"%d{sep}%b{sep}{yfmt}" + time_fmt, "dmy", why, years, months, ia,
                   weights, total, utc=utc, min_share=min_share)


_PIVOT = "years 00 to next year's two digits read as 20xx, the rest as 19xx"


def _numeric_reading(min_share, order, sep, ly, iy, im, idd, weights, total, time_fmt, utc,
                     why):
    four = (ly == 4).all()
    years = iy if four else pivot_year(iy)
    yfmt = "%Y" if four else "%y"
    if not four and (ly == 4).any():
        return None  # a mix of two- and four-digit years: not one format
    if yfmt == "%y":
        why += "; two-digit years: " + _PIVOT
    pieces = {"dmy": ("%d", "%m", yfmt), "mdy": ("%m", "%d", yfmt),
              "ymd": (yfmt, "%m", "%d"), "ydm": (yfmt, "%d", "%m")}[order]
    return _finish(sep.join(pieces) + time_fmt, order, why, years, im, idd, weights, total,
                   utc=utc, min_share=min_share)


def _time_format(parts: pd.DataFrame) -> tuple[str, bool]:
    utc = bool(parts["tz"].notna().any())
    has_time = parts["H"].notna()
    if not has_time.any():
        return ("%z" if utc else ""), utc
    timed = parts[has_time]
    sep = "T" if timed["sep"].str.contains("T").mean() > 0.5 else " "
    seconds = timed["S"].notna().mean() > 0.5
    fraction = timed["F"].notna().mean() > 0.5
    ampm = timed["p"].notna().mean() > 0.5
    fmt = sep + ("%I" if ampm else "%H") + ":%M" + (":%S" if seconds else "") + \
        (".%f" if fraction and seconds else "") + (" %p" if ampm else "")
    return fmt + ("%z" if utc else ""), utc


def _calendar(years, months, days) -> pd.Series:
    """Dates from year/month/day arrays; impossible dates (31 April) are NaT."""
    years, months, days = (np.asarray(x, dtype=np.int64) for x in (years, months, days))
    valid = (months >= 1) & (months <= 12) & (days >= 1) & (days <= 31) & \
        (years >= 1) & (years <= 9999)
    month_start = ((np.where(valid, years, 1970) - 1970) * 12
                   + np.where(valid, months, 1) - 1).astype("datetime64[M]")
    stamps = month_start.astype("datetime64[D]") + (np.where(valid, days, 1) - 1)
    valid &= stamps.astype("datetime64[M]") == month_start  # day 31 of a 30-day month
    return pd.Series(np.where(valid, stamps, np.datetime64("NaT")).astype("datetime64[us]"))


def _finish(fmt, order, why, years, months, days, weights, total, *, utc=False,
            min_share=MIN_MATCH_SHARE):
    stamps = _calendar(years, months, days)
    ok = stamps.notna().to_numpy()
    if weights[ok].sum() < min_share * total:
        return None
    first, last = stamps.min(), stamps.max()
    day_values = frozenset(np.unique(np.asarray(days)[ok]).tolist())
    before = int(weights[ok & (stamps < MIN_DATE).to_numpy()].sum())
    return DateReading(fmt, order, why, utc=utc, first=first, last=last, n_rows=total,
                       n_unreadable=int(total - weights[ok].sum()), n_before_1900=before,
                       options={order: (fmt, first, last, day_values)})


def resolve_ambiguous(day_first: DateReading, month_first: DateReading, sep: str, *,
                      year_note: str = "", prefer: tuple[str, str] | None = None
                      ) -> DateReading:
    """Choose between day-first and month-first when both read every value.

    The rule, in order:

    1. another date column of the same file whose order is certain
       (``prefer = (order, column)``): files use one convention;
    2. the shorter span: a swap spreads the days of one month over several
       months, so the reading whose dates lie closer together (at least 2x) wins;
    3. a monthly series: one reading puts every date on the same day of the
       month while the other does not (spans alike);
    4. the separator's usual meaning: ``/`` month-first (US exports such as
       Online Retail and sample_sales), ``-`` and ``.`` day-first.

    Example
    -------
    >>> r = detect_date_format(pd.Series(["03/04/2024", "03/05/2024", "03/07/2024"]))
    >>> r.format, r.evidence.split(";")[0]
    ('%m/%d/%Y', 'ambiguous: read as month-first because the dates then lie within 3 days \
(day-first: 3 months)')
    """
    names = {"dmy": "day-first", "mdy": "month-first"}
    fmt_of = {"dmy": day_first.format, "mdy": month_first.format}
    read = {"dmy": day_first, "mdy": month_first}
    span = {o: (r.last - r.first).days for o, r in read.items()}
    days = {o: next(iter(r.options.values()))[3] for o, r in read.items()}
    n_dates = len(days["dmy"] | days["mdy"])
    longer = max(span.values())
    if prefer is not None and prefer[0] in read:
        order, because = prefer[0], f"column {prefer[1]!r} of the same file is " \
                                    f"{names[prefer[0]]} (its values show it)"
    elif longer > 0 and min(span.values()) * 2 <= longer:
        order = min(span, key=span.get)
        other = "mdy" if order == "dmy" else "dmy"
        because = (f"the dates then lie within {_span_text(span[order])} "
                   f"({names[other]}: {_span_text(span[other])})")
    elif n_dates >= 2 and len(days["dmy"]) == 1 and len(days["mdy"]) > 1:
        order, because = "dmy", f"every date then falls on day {min(days['dmy'])} of a " \
                                "month (a monthly series)"
    elif n_dates >= 2 and len(days["mdy"]) == 1 and len(days["dmy"]) > 1:
        order, because = "mdy", f"every date then falls on day {min(days['mdy'])} of a " \
                                "month (a monthly series)"
    else:
        order = "mdy" if sep == "/" else "dmy"
        because = (f"the two readings are equally plausible and '{sep}' usually means "
                   + ("month/day/year (US exports)" if order == "mdy" else "day-month-year"))
    other = "mdy" if order == "dmy" else "dmy"
    evidence = (f"ambiguous: read as {names[order]} because {because}; every day and month "
                f"is 12 or less, so {fmt_of[other]} also reads; pass --date-format "
                f"'{fmt_of[other]}' if that is right{year_note}")
    chosen = read[order]
    return replace(chosen, evidence=evidence, ambiguous=True, alternative=fmt_of[other],
                   options={**day_first.options, **month_first.options})


def _span_text(days: int) -> str:
    if days < 62:
        return f"{days} days"
    if days < 730:
        return f"{round(days / 30.4)} months"
    return f"{days / 365.25:.1f} years"


def reresolve(reading: DateReading, prefer: tuple[str, str]) -> DateReading:
    """Settle an ambiguous reading by another column's certain order (rule 1).

    Example
    -------
    >>> r = detect_date_format(pd.Series(["03/04/2024", "03/05/2024", "03/07/2024"]))
    >>> reresolve(r, ("dmy", "signup")).format
    '%d/%m/%Y'
    """
    if not reading.ambiguous or prefer[0] not in reading.options:
        return reading
    opts = reading.options
    base = {o: DateReading(v[0], o, "", first=v[1], last=v[2], n_rows=reading.n_rows,
                           n_unreadable=reading.n_unreadable,
                           n_before_1900=reading.n_before_1900, utc=reading.utc,
                           options={o: v}) for o, v in opts.items()}
    sep = next((ch for ch in reading.format or "" if ch in "/-."), "/")
    note = ""
    marker = "; two-digit fields"
    if marker in reading.evidence:
        note = reading.evidence[reading.evidence.index(marker):]
    return resolve_ambiguous(base["dmy"], base["mdy"], sep, year_note=note, prefer=prefer)


# -------------------------------------------------------------------- parsing
def parse_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    """Parse a column to naive datetimes (UTC when the text had offsets).

    Works on the distinct values (fast on long columns). Handles month names
    written in full (``February`` with ``%b``), two-digit years by the pivot of
    :func:`pivot_year` (not strptime's 1969 pivot), time-zone offsets and
    ``Z``, values without the time part of the format, and ``YYYYMMDD``
    numbers. Dates before 1900 become missing. ``date_format`` None detects it.

    Example
    -------
    >>> parse_dates(pd.Series(["04-09-2012", "21-08-2013"]), "%d-%m-%Y").dt.month.tolist()
    [9, 8]
    >>> parse_dates(pd.Series(["2021-03-04T10:00:00+02:00"]), "%Y-%m-%dT%H:%M:%S%z").tolist()
    [Timestamp('2021-03-04 08:00:00')]
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        out = pd.to_datetime(values)
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert("UTC").dt.tz_localize(None)
        return out.where(out >= MIN_DATE)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    uniq = pd.Series(np.asarray(uniques, dtype=object))
    if pd.api.types.is_numeric_dtype(pd.Series(uniques)):
        arr = pd.Series(uniques).to_numpy(dtype="float64")
        whole = np.where(np.isfinite(arr) & (np.mod(arr, 1) == 0), arr, np.nan)
        uniq = pd.Series(whole).map(lambda v: None if np.isnan(v) else str(int(v)))
    text = uniq.astype(str).str.strip()
    if date_format is None:
        reading = detect_date_format(text, np.ones(len(text), dtype=np.int64))
        date_format = reading.format if reading else None
    parsed = _parse_unique(text, date_format)
    parsed = parsed.where(parsed >= MIN_DATE)
    taken = parsed.to_numpy(dtype="datetime64[us]")[np.where(codes < 0, 0, codes)]
    taken[codes < 0] = np.datetime64("NaT")
    return pd.Series(taken, index=values.index)


def _parse_unique(text: pd.Series, fmt: str | None) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fmt is None:
            out = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
            return out.dt.tz_convert("UTC").dt.tz_localize(None)
        if "%b" in fmt:  # strptime's %b wants "Feb": full names and "Sept" are shortened
            text = text.str.replace(r"([A-Za-z]{3})[A-Za-z]*\.?", r"\1", regex=True)
        tz = "%z" in fmt or fmt == "ISO8601"
        out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
        todo = pd.Series(True, index=text.index)
        for variant in format_variants(fmt):
            if not todo.any():
                break
            got = pd.to_datetime(text[todo], format=variant, errors="coerce", utc=tz)
            if tz:
                got = got.dt.tz_convert("UTC").dt.tz_localize(None)
            got = got.astype("datetime64[us]")
            hit = got.notna()
            out.loc[hit.index[hit]] = got[hit]
            todo.loc[hit.index[hit]] = False
    if "%y" in fmt:  # strptime's pivot is 1969; ours is next year (see pivot_year)
        limit = dt.date.today().year + 1
        late = out.dt.year > limit
        out = out.where(~late, out - pd.DateOffset(years=100))
    return out


def format_variants(fmt: str) -> list[str]:
    """The format and its shorter forms (without seconds, without the time part).

    Example
    -------
    >>> format_variants("%m/%d/%Y %H:%M")
    ['%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y']
    """
    if fmt == "ISO8601":
        return [fmt]
    out = [fmt]
    zone = "%z" if fmt.endswith("%z") else ""
    core = fmt[: -2] if zone else fmt
    match = re.search(r"[ T]%[HI]", core)
    if match:
        date_part, time_part = core[: match.start()], core[match.start():]
        if ":%S" not in time_part:
            out.append(date_part + time_part.replace("%M", "%M:%S", 1) + zone)
        elif ".%f" not in time_part:
            out.append(date_part + time_part.replace("%S", "%S.%f", 1) + zone)
        out.append(date_part + zone)
        if zone:
            out.append(date_part)
    elif zone:
        out.append(core)
    return list(dict.fromkeys(out))


def check_strptime(date_format: str, where: str = "--date-format") -> str:
    """Validate a user's strptime format (raises :class:`ConfigError`).

    Example
    -------
    >>> check_strptime("%d/%m/%y")
    '%d/%m/%y'
    """
    from custseg.exceptions import ConfigError

    if not isinstance(date_format, str) or "%" not in date_format or not re.search(
            r"%[dmyYbBjU]", date_format):
        raise ConfigError(f"date format {date_format!r} is not a strptime format",
                          where=where, fix="use strptime codes, e.g. --date-format '%d/%m/%Y' "
                                           "or '%m/%d/%y %H:%M'")
    return date_format


def read_with_format(values: pd.Series, counts: np.ndarray | None,
                     date_format: str) -> DateReading:
    """A reading for a format the user gave (ranges and counts, no guessing).

    Example
    -------
    >>> r = read_with_format(pd.Series(["03/01/19", "04/01/19"]), None, "%d/%m/%y")
    >>> str(r.first.date()), r.evidence
    ('2019-01-03', 'set by the user (--date-format)')
    """
    if counts is None:
        vc = values.value_counts(dropna=True, sort=False)
        uniques, counts = vc.index.to_series().reset_index(drop=True), vc.to_numpy()
    else:
        uniques, counts = pd.Series(values).reset_index(drop=True), np.asarray(counts)
    if pd.api.types.is_numeric_dtype(uniques):
        text = uniques.map(lambda v: str(int(v)) if float(v).is_integer() else str(v))
    else:
        text = uniques.astype(str).str.strip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = _parse_unique(text.reset_index(drop=True), date_format)
    ok = raw.notna().to_numpy()
    total = int(counts.sum())
    before = int(counts[ok & (raw < MIN_DATE).to_numpy()].sum())
    return DateReading(date_format, "user", "set by the user (--date-format)",
                       utc="%z" in date_format, first=raw.min(), last=raw.max(),
                       n_rows=total, n_unreadable=int(total - counts[ok].sum()),
                       n_before_1900=before)


def range_problem(reading: DateReading, column: str,
                  today: dt.date | None = None) -> str | None:
    """Why a reading is implausible (dates after next year, or mostly before 1900).

    Returns None when plausible. A few dates before 1900 are plausible typos
    (they are read as missing and said so); more than 5% means the format is wrong.

    Example
    -------
    >>> r = read_with_format(pd.Series(["0031/01/19"]), None, "%Y/%m/%d")
    >>> range_problem(r, "day").split(": ")[1]
    '1 of 1 are before 1900'
    """
    if reading.first is None or pd.isna(reading.first):
        return None
    lo, hi = plausible_range(today)
    how = f"read with {reading.format}" if reading.format else "stored as dates"
    span = f"run from {reading.first.date()} to {reading.last.date()}"
    if reading.last > hi:
        return (f"dates in column {column!r} {how} {span}: the latest is after {hi.date()}, "
                "so the as-of date would be in the future")
    if reading.last < lo or reading.n_before_1900 > 0.05 * max(reading.n_rows, 1):
        return (f"dates in column {column!r} {how} {span}: "
                f"{reading.n_before_1900:,} of {reading.n_rows:,} are before 1900")
    return None


def year_of(stamp) -> int | None:
    """The year of a timestamp, or None."""
    return None if stamp is None or pd.isna(stamp) else int(stamp.year)

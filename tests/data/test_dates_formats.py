"""Date columns: the format is decided from all values, stated, overridable, plausible.

Each fixture copies the shape of a real export (issue 14): Groceries and
marketing_campaign (dd-mm-yyyy), Retail_Data_Transactions (dd-Mon-yy), Online
Retail and sample_sales (M/D/YYYY H:MM), CDNOW (YYYYMMDD), time-zone offsets,
and the issue's ``03/01/19`` day/month/two-digit-year log.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from custseg.config import RunConfig
from custseg.data import infer_schema
from custseg.data.dates import detect_date_format, parse_dates, pivot_year
from custseg.exceptions import ConfigError, InputError
from custseg.features import build_customer_features
from custseg.features.dates import date_expression


def _iso(values: pd.Series) -> list[str]:
    return [v.strftime("%Y-%m-%d %H:%M") if not pd.isna(v) else "NaT" for v in values]


def _table(dates: list[str], name: str = "signup_date") -> pd.DataFrame:
    n = len(dates)
    return pd.DataFrame({"customer_id": [f"C{i:04d}" for i in range(n)],
                         name: dates, "spend": np.linspace(1, 50, n)})


# ------------------------------------------------------------------ formats
@pytest.mark.parametrize(("values", "fmt", "first"), [
    # Groceries / marketing_campaign: day first, shown by a day above 12
    (["21-07-2015", "05-01-2015", "19-05-2015", "01-03-2014"], "%d-%m-%Y", "2015-07-21 00:00"),
    # Retail_Data_Transactions: 11-Feb-13 is 2013-02-11, not 2011-02-13
    (["11-Feb-13", "15-Mar-15", "26-Feb-13", "16-May-11"], "%d-%b-%y", "2013-02-11 00:00"),
    # Online Retail / sample_sales: month first, a second field above 12
    (["12/1/2010 8:26", "12/9/2011 12:50", "2/24/2003 0:00", "1/31/2011 10:05"],
     "%m/%d/%Y %H:%M", "2010-12-01 08:26"),
    # ISO with seconds
    (["2010-12-01 08:26:00", "2011-12-09 12:50:00"], "%Y-%m-%d %H:%M:%S", "2010-12-01 08:26"),
    # month name first, full names and "Sept"
    (["February 11, 2013", "Sept 1, 2014", "Mar 3, 2015"], "%b %d, %Y", "2013-02-11 00:00"),
    # dd.mm.yyyy
    (["24.12.2019", "01.02.2020"], "%d.%m.%Y", "2019-12-24 00:00"),
    # 12-hour clock
    (["4/3/2021 10:00 PM", "4/13/2021 9:05 AM"], "%m/%d/%Y %I:%M %p", "2021-04-03 22:00"),
])
def test_each_format_is_decided_and_parsed(values, fmt, first):
    schema = infer_schema(_table(values))
    info = schema["signup_date"]
    assert info.role == "datetime"
    assert info.date_format == fmt
    assert fmt in info.reason
    parsed = parse_dates(pd.Series(values), fmt)
    assert parsed.notna().all()
    assert _iso(parsed)[0] == first


def test_day_first_is_decided_from_all_values_not_a_sample():
    # 600 dates with days <= 12 first (what a 500-value sample saw), then one day 13:
    # the whole column decides, so 03-01-2014 is 3 January, not 1 March.
    early = [f"{d:02d}-{m:02d}-2014" for m in range(1, 13) for d in range(1, 13)] * 5
    values = [*early, "13-01-2014"]
    info = infer_schema(_table(values))["signup_date"]
    assert info.date_format == "%d-%m-%Y"
    assert "a first field above 12 (e.g. 13) is a day" in info.reason
    assert parse_dates(pd.Series(["03-01-2014"]), info.date_format)[0] == pd.Timestamp(
        "2014-01-03")


def test_cdnow_yyyymmdd_integers():
    frame = pd.DataFrame({"customer_id": ["00001", "00002", "00003"] * 10,
                          "date": [19970101, 19970112, 19980630] * 10,
                          "dollar_value": np.arange(30.0)})
    info = infer_schema(frame)["date"]
    assert (info.role, info.date_format) == ("datetime", "%Y%m%d")
    assert parse_dates(frame["date"], "%Y%m%d")[2] == pd.Timestamp("1998-06-30")


def test_eight_digit_numbers_without_a_date_name_are_not_dates():
    frame = pd.DataFrame({"code": [19970101, 19970112, 19980630, 20010203] * 10,
                          "spend": np.arange(40.0)})
    assert infer_schema(frame)["code"].role != "datetime"


def test_version_like_codes_are_not_dates():
    frame = pd.DataFrame({"firmware": ["1.2.10", "1.3.0", "2.0.1", "1.2.9"] * 10,
                          "spend": np.arange(40.0)})
    assert infer_schema(frame)["firmware"].role == "categorical"


def test_time_zone_offsets_are_converted_to_utc():
    values = ["2021-03-04T10:00:00+02:00", "2021-03-04T10:00:00Z", "2021-03-05T23:30:00-05:00"]
    info = infer_schema(_table(values, "created_at"))["created_at"]
    assert info.role == "datetime"
    assert info.date_format == "%Y-%m-%dT%H:%M:%S%z"
    assert "converted to UTC" in info.reason
    parsed = parse_dates(pd.Series(values), info.date_format)
    assert parsed.dt.tz is None
    assert _iso(parsed) == ["2021-03-04 08:00", "2021-03-04 10:00", "2021-03-06 04:30"]


def test_time_zone_offsets_in_a_log_are_converted_to_utc():
    log = pd.DataFrame({"customer": ["a", "a", "b"],
                        "date": ["2021-03-04T23:30:00-02:00", "2021-03-01T10:00:00Z",
                                 "2021-03-02T01:00:00+03:00"],
                        "amount": [10.0, 5.0, 7.0]})
    res = build_customer_features(log)
    # 23:30 at -02:00 is 01:30 UTC on the 5th; the as-of is the day after the last line
    assert str(res.as_of) == "2021-03-06"
    assert "%z" in res.rules["date_format"]


def test_two_digit_year_pivot_is_stated():
    years = pivot_year(np.array([0, 13, 27, 28, 99]), dt.date(2026, 6, 1))
    assert years.tolist() == [2000, 2013, 2027, 1928, 1999]
    info = infer_schema(_table(["15/02/45", "03/01/19", "28/03/19"], "birth_date"))
    assert "read as 20xx, the rest as 19xx" in info["birth_date"].reason
    parsed = parse_dates(pd.Series(["15/02/45", "03/01/19"]), info["birth_date"].date_format)
    limit = dt.date.today().year + 1
    assert parsed[0].year == (2045 if limit >= 2045 else 1945)
    assert parsed[1] == pd.Timestamp("2019-01-03")


# ------------------------------------------------------------------ the issue's case
ISSUE_LOG = pd.DataFrame({
    "customer": ["a", "a", "b", "c", "c", "d"],
    "date": ["03/01/19", "15/01/19", "28/02/19", "04/03/19", "21/03/19", "30/03/19"],
    "amount": [10.0, 12.0, 5.0, 8.0, 9.0, 3.0],
})


def test_issue_day_month_two_digit_year_log_is_not_year_0031():
    res = build_customer_features(ISSUE_LOG)
    assert str(res.as_of) == "2019-03-31"
    assert "%d/%m/%y" in res.rules["date_format"]
    recency = res.frame.set_index("customer")["recency_days"]
    assert recency["a"] == 75  # last purchase 2019-01-15, as of 2019-03-31


def test_issue_table_reads_day_first():
    info = infer_schema(_table(list(ISSUE_LOG["date"]), "order_date"))["order_date"]
    assert info.date_format == "%d/%m/%y"


# ------------------------------------------------------------------ ambiguity
def test_ambiguous_day_month_is_decided_by_a_stated_rule():
    # every field <= 12: day-first puts these within three days, month-first over months
    info = infer_schema(_table(["03/01/19", "04/01/19", "05/01/19", "06/01/19"],
                               "order_date"))["order_date"]
    assert info.date_format == "%d/%m/%y"
    assert "ambiguous: read as day-first because the dates then lie within 3 days " \
           "(month-first: 3 months)" in info.reason
    assert "--date-format '%m/%d/%y' if that is right" in info.reason


def test_ambiguous_column_follows_the_files_certain_column():
    frame = _table(["01/02/2020", "02/03/2020", "03/04/2020", "04/05/2020"], "last_order")
    frame["signup_date"] = ["25/12/2019", "13/01/2020", "02/02/2020", "14/02/2020"]
    schema = infer_schema(frame)
    assert schema["signup_date"].date_format == "%d/%m/%Y"
    assert schema["last_order"].date_format == "%d/%m/%Y"
    assert "ambiguous: read as day-first because column 'signup_date' of the same file is " \
           "day-first" in schema["last_order"].reason


def test_ambiguous_monthly_series_and_separator_rules():
    # same span either way: a monthly series (always day 1) wins
    monthly = [f"01/{m:02d}/{y}" for y in (2021, 2022) for m in range(1, 13)]
    r = detect_date_format(pd.Series(monthly))
    assert r.format == "%d/%m/%Y" and "a monthly series" in r.evidence
    # a perfectly symmetric grid: the separator's usual meaning decides, and says so
    grid = pd.Series([f"{d:02d}/{m:02d}/2020" for d in range(1, 13) for m in range(1, 13)])
    r = detect_date_format(grid)
    assert r.format == "%m/%d/%Y" and "'/' usually means month/day/year" in r.evidence
    r = detect_date_format(grid.str.replace("/", "-"))
    assert r.format == "%d-%m-%Y" and "day-month-year" in r.evidence


# ------------------------------------------------------------------ --date-format
def test_date_format_overrides_detection_for_tables():
    frame = _table(["03/01/19", "04/01/19", "05/01/19", "06/01/19"], "order_date")
    info = infer_schema(frame, date_format="%m/%d/%y")["order_date"]
    assert info.date_format == "%m/%d/%y"
    assert "set by the user (--date-format)" in info.reason


def test_date_format_overrides_detection_for_logs():
    log = ISSUE_LOG.assign(date=["01/03/19", "01/15/19", "02/28/19", "03/04/19", "03/21/19",
                                 "03/30/19"])
    res = build_customer_features(log, date_format="%m/%d/%y")
    assert str(res.as_of) == "2019-03-31"


def test_date_format_in_config_and_cli_validation(tmp_path):
    config = tmp_path / "custseg.toml"
    config.write_text('[input]\ndate_format = "%d/%m/%y"\n', encoding="utf-8")
    assert RunConfig.from_toml(config).date_format == "%d/%m/%y"
    with pytest.raises(ConfigError, match=r"date format 'dd/mm/yy' is not a strptime format"):
        RunConfig(date_format="dd/mm/yy")


def test_cli_date_format_reaches_the_run(tmp_path):
    from tests.cli.helpers import invoke

    path = tmp_path / "customers.csv"
    rng = np.random.default_rng(0)
    n = 60
    pd.DataFrame({
        "customer_id": [f"C{i:03d}" for i in range(n)],
        "order_date": [f"{1 + i % 12:02d}/{1 + i % 3:02d}/19" for i in range(n)],
        "spend": rng.gamma(2, 30, n), "visits": rng.poisson(5, n),
    }).to_csv(path, index=False)
    code, _, err = invoke("run", path, "-o", tmp_path / "out", "--k", "2", "--algorithms",
                          "kmeans", "--no-report", "--no-stability", "--no-feature-selection",
                          "--date-format", "%m/%d/%y", "--quiet")
    assert code == 0, err
    import json

    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["columns"]["order_date"]["date_format"] == "%m/%d/%y"


def test_date_format_that_reads_nothing_is_an_error():
    with pytest.raises(InputError, match=r"--date-format %Y-%m-%d reads only 0 of 4 values "
                                         r"in column 'order_date'"):
        infer_schema(_table(["03/01/19", "04/01/19", "05/01/19", "06/01/19"], "order_date"),
                     roles={"order_date": "datetime"}, date_format="%Y-%m-%d")


# ------------------------------------------------------------------ plausibility
def test_implausible_future_as_of_is_an_error_naming_column_and_fix():
    frame = _table(["2031-05-01", "2032-01-01", "2030-12-31", "2033-07-04"], "last_order")
    with pytest.raises(InputError, match=r"dates in column 'last_order' read with %Y-%m-%d "
                                         r"run from 2030-12-31 to 2033-07-04: the latest is "
                                         r"after .*so the as-of date would be in the future"
                                         r".*--date-format"):
        infer_schema(frame)


def test_year_0031_is_an_error_naming_the_fix():
    # what a wrong year-first reading of 31/01/19 gives: an as-of in year 31
    frame = _table(["0031-01-19", "0031-02-03", "0031-03-15", "0031-04-01"], "order_date")
    with pytest.raises(InputError, match=r"dates in column 'order_date' read with %Y-%m-%d "
                                         r"run from 0031-01-19 to 0031-04-01: 4 of 4 are "
                                         r"before 1900.*Fix: pass the format with "
                                         r"--date-format"):
        infer_schema(frame)


def test_implausible_log_dates_are_an_error():
    log = ISSUE_LOG.assign(date=["2087-01-03"] * 6)
    with pytest.raises(InputError, match=r"dates in column 'date' .* would be in the future"):
        build_customer_features(log)


def test_a_few_dates_before_1900_are_missing_and_said_so():
    dates = [f"{1950 + i % 50}-0{1 + i % 9}-15" for i in range(99)] + ["1893-05-01"]
    info = infer_schema(_table(dates, "birth_date"))["birth_date"]
    assert info.role == "datetime"
    assert "1 dates before 1900 are not plausible and are read as missing" in info.reason
    parsed = parse_dates(pd.Series(dates), info.date_format)
    assert parsed.isna().sum() == 1


def test_sql_two_digit_years_follow_the_pivot():
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"d": ["15/02/45", "03/01/19", "28/03/19"]}))
    sql, params, fmt = date_expression(con, "t", {}, "d", "VARCHAR", None, where="date column 'd'")
    got = [r[0] for r in con.execute(f"SELECT {sql} FROM t", params).fetchall()]
    expected = parse_dates(pd.Series(["15/02/45", "03/01/19", "28/03/19"]), fmt)
    assert [g.date() for g in got] == [e.date() for e in expected]


# ------------------------------------------------------------------ speed
def test_a_million_values_are_read_fast():
    import time

    days = pd.date_range("2015-01-01", periods=1500, freq="D").strftime("%d-%m-%Y")
    values = pd.Series(np.resize(days.to_numpy(), 1_000_000))
    start = time.perf_counter()
    reading = detect_date_format(values)
    parsed = parse_dates(values, reading.format)
    elapsed = time.perf_counter() - start
    assert reading.format == "%d-%m-%Y" and parsed.notna().all()
    assert elapsed < 10  # work on distinct values: about a second on a laptop


def test_ambiguous_log_dates_are_said_in_the_notes():
    log = pd.DataFrame({"customer": ["a", "a", "b", "c"],
                        "date": ["03/01/19", "04/01/19", "05/01/19", "06/01/19"],
                        "amount": [10.0, 12.0, 5.0, 8.0]})
    res = build_customer_features(log)
    assert str(res.as_of) == "2019-01-07"
    note = next(n for n in res.notes if n.startswith("Dates in 'date' are read with"))
    assert "ambiguous: read as day-first because the dates then lie within 3 days" in note

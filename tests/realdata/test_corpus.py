"""Real-data regression suite: every table and log of the shared corpus, read right.

For each file in :data:`tests.realdata.truth.EXPECTED` (the shared corpus
except the clustering benchmarks, plus two small exports shipped in
``tests/realdata/data``) the suite asserts what is true about it, from the
datasets' README and independent pandas computations — not what custseg did
on some day:

* the kind (table or transaction log) and the rows of segments.csv;
* the id column chosen;
* each date column's first and last day as read (format-agnostic: a wrong
  day/month order or century moves them);
* the outcome columns found, and that outcomes, ids and known groupings are
  never features; other README facts about roles; personal data by content;
* for logs: customers, net value and orders equal to pandas;
* that a whole run completes with one row per customer (or stops with one
  clear error where nothing can be segmented).

Each file is read once (the calls ``custseg.run`` makes before preprocessing)
and run once (one algorithm, fixed k, no stability, no report).
"""

from __future__ import annotations

import pytest

import custseg
from custseg.data.schema import FEATURE_ROLES
from tests.realdata.truth import EXPECTED, RUN_OPTIONS, Expected, Reading, read_like_run

_READINGS: dict[str, Reading | BaseException] = {}
_RUNS: dict[str, object] = {}
_TRUTHS: dict[str, object] = {}



def _cases(exps):
    """One case per file; under ``pytest -n`` (make test uses --dist loadgroup) all tests
    of a file run on one worker, so each file is read and run once."""
    return [pytest.param(e, id=e.name, marks=pytest.mark.xdist_group(f"realdata-{e.name}"))
            for e in exps]


FILES = _cases(EXPECTED)
LOGS = _cases([e for e in EXPECTED if e.kind == "transactions"])
ROLE_CASES = [pytest.param(e, col, id=f"{e.name}-{col}",
                           marks=pytest.mark.xdist_group(f"realdata-{e.name}"))
              for e in EXPECTED for col in e.roles]


def _path(exp: Expected, request):
    root = request.getfixturevalue("shared_datasets") if exp.shared else None
    return exp.locate(root)


def _reading(exp: Expected, request) -> Reading:
    """The file as custseg reads it, once per session (errors are kept and re-raised)."""
    path = _path(exp, request)
    if exp.name not in _READINGS:
        try:
            _READINGS[exp.name] = read_like_run(path)
        except Exception as err:  # every test of the file reports it
            _READINGS[exp.name] = err
    got = _READINGS[exp.name]
    if isinstance(got, BaseException):
        raise got
    return got


def _truth(exp: Expected, request):
    if exp.name not in _TRUTHS:
        _TRUTHS[exp.name] = exp.truth(_path(exp, request))
    return _TRUTHS[exp.name]


# ------------------------------------------------------------------ reading
@pytest.mark.parametrize("exp", FILES)
def test_kind_and_rows(exp, request):
    reading = _reading(exp, request)
    assert reading.kind == exp.kind, (
        f"{exp.name} is a {exp.kind} but was read as a {reading.kind}: "
        + "; ".join(d for d in reading.decisions if "log" in d or "table" in d)[:400])
    assert len(reading.frame) == exp.rows


@pytest.mark.parametrize("exp", FILES)
def test_id_column(exp, request):
    reading = _reading(exp, request)
    allowed = {reading.name_of(c) for c in exp.ids}
    assert reading.schema.id_column in allowed, (
        f"id {reading.schema.id_column!r}, expected one of {sorted(map(str, allowed))}")


@pytest.mark.parametrize("exp", FILES)
def test_dates_as_read(exp, request):
    reading = _reading(exp, request)
    expected = {reading.name_of(c): span for c, span in exp.dates.items()}
    if reading.transactions is not None:
        assert set(expected) == {reading.transactions.columns.date}
    else:
        assert set(reading.schema.names("datetime")) == set(expected)
    for column, (first, last) in expected.items():
        got = reading.date_range(column)
        assert got == (first, last), (
            f"{column!r} read as {reading.date_format(column)!r}: {got}, truth {first}..{last}")


@pytest.mark.parametrize("exp", FILES)
def test_outcomes_found_and_never_features(exp, request):
    reading = _reading(exp, request)
    schema = reading.schema
    assert set(schema.names("outcome")) == {reading.name_of(c) for c in exp.outcomes}
    for column in exp.outcome_or_label:
        assert schema[reading.name_of(column)].role in ("outcome", "label")
    features = set(schema.feature_columns())
    leaked = {reading.name_of(c) for c in exp.never_features()} & features
    assert not leaked, f"used as features: {sorted(leaked)}"


@pytest.mark.parametrize(("exp", "column"), ROLE_CASES)
def test_readme_roles(exp, column, request):
    info = _reading(exp, request).schema[column]
    assert info.role in exp.roles[column], f"{column!r}: {info.role} — {info.reason}"


@pytest.mark.parametrize("exp", FILES)
def test_personal_data_by_content(exp, request):
    found = _reading(exp, request).raw_pii()
    assert exp.pii <= found, f"missed: {sorted(exp.pii - found)}"
    assert found <= exp.pii | exp.pii_maybe, f"not personal data: {sorted(found - exp.pii)}"


@pytest.mark.parametrize("exp", LOGS)
def test_log_totals_equal_pandas(exp, request):
    reading = _reading(exp, request)
    assert reading.transactions is not None, f"{exp.name} was not read as a log"
    truth = _truth(exp, request)
    frame = reading.frame
    assert len(frame) == truth.customers
    assert frame.iloc[:, 0].is_unique
    keys = set(frame.iloc[:, 0].astype(str))
    assert keys == truth.ids, f"keys differ from the file's, e.g. {sorted(keys - truth.ids)[:3]}"
    assert int(frame["frequency"].sum()) == truth.orders
    if truth.net is None:
        assert "monetary" not in frame.columns, "a log without money has no monetary value"
    else:
        assert float(frame["monetary"].sum()) == pytest.approx(truth.net, rel=1e-9)


# ---------------------------------------------------------------- whole run
@pytest.mark.parametrize("exp", FILES)
def test_whole_run(exp, request):
    reading = _reading(exp, request)
    if reading.kind != exp.kind:
        pytest.fail(f"not run: a {exp.kind} read as a {reading.kind} would segment the "
                    "wrong unit (see test_kind_and_rows)")
    path = _path(exp, request)
    if exp.run_error is not None:
        with pytest.raises(exp.run_error, match="feature"):
            custseg.run(path, **RUN_OPTIONS)
        return
    result = custseg.run(path, **RUN_OPTIONS)
    segments = result.segments_table()
    assert len(segments) == exp.rows
    assert segments["segment"].between(-1, RUN_OPTIONS["k"] - 1).all()
    if exp.kind == "transactions":
        assert segments.iloc[:, 0].is_unique, "one row per customer"
    else:  # every input row once, in input order, keyed by the id (or the row number)
        key = result.schema.id_column
        expected_keys = (reading.frame[key] if key else range(1, exp.rows + 1))
        assert list(map(str, segments.iloc[:, 0])) == list(map(str, expected_keys))
    used = set(result.model.input_columns)
    leaked = {reading.name_of(c) for c in exp.never_features()} & used
    assert not leaked, f"the model reads {sorted(leaked)}"
    roles = {c.name: c.role for c in result.schema}
    assert all(roles.get(c) in FEATURE_ROLES for c in used if c in roles)

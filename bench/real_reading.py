"""How custseg reads every real dataset, as one markdown table for a closing note.

For each file of the real-data suite (``tests/realdata/truth.py``: the shared
corpus without the clustering benchmarks, plus the exports shipped in
``tests/realdata/data``) it reads the file exactly as ``custseg run`` does
before preprocessing and prints one row: detected kind, id column, each date
column with the format used and the first..last day read, outcome columns,
personal-data columns (of a log's raw columns), and for logs the customers and
net value next to an independent pandas computation, with whether they match.
The last column lists the facts that differ from the suite's expectations.

    nice -n 10 .venv/bin/python bench/real_reading.py [--only groceries,mall] [--datasets DIR]

No clustering runs: a few seconds per file, under a minute for all.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.realdata.truth import EXPECTED, Expected, Reading, read_like_run  # noqa: E402

HEADER = ("dataset", "kind", "id", "dates: format, first..last", "outcomes (labels)", "PII",
          "customers custseg / pandas", "net value custseg / pandas", "match", "vs truth")


def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else name[:12] + "…" + name[-8:]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _label(column) -> str:
    """A truth column for the message: its name, or its position in a headerless file."""
    return f"column {column + 1}" if isinstance(column, int) else str(column)


def _money(value: float | None) -> str:
    if value is None:
        return "no money"
    return f"{value:,.2f}"


def _dates(reading: Reading, exp: Expected) -> tuple[str, list[str]]:
    """The date cell and the mismatches against the expected spans."""
    if reading.transactions is not None:
        columns = [reading.transactions.columns.date]
    else:
        columns = reading.schema.names("datetime")
    expected = {reading.name_of(c): span for c, span in exp.dates.items()}
    parts, wrong = [], []
    for column in columns:
        span = reading.date_range(column)
        fmt = reading.date_format(column) or "?"
        text = f"{_short(column)}: {fmt}, " + (f"{span[0]}..{span[1]}" if span else "unread")
        parts.append(text)
        if column in expected and span != expected[column]:
            wrong.append(f"dates {column} (truth {expected[column][0]}..{expected[column][1]})")
    wrong += [f"date {_label(c)} not read as a date" for c in exp.dates
              if reading.name_of(c) not in columns]
    return "; ".join(parts) or "—", wrong


def row(exp: Expected, shared_root: Path | None) -> list[str]:
    """One table row for one file (an error becomes the row's message)."""
    try:
        path = exp.locate(shared_root)
    except FileNotFoundError:
        return [exp.name, "absent"] + [""] * (len(HEADER) - 2)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reading = read_like_run(path)
    except Exception as err:  # report and go on with the next file
        return [exp.name, f"error: {type(err).__name__}: {str(err)[:120]}"] + \
            [""] * (len(HEADER) - 2)
    wrong = []
    if reading.kind != exp.kind:
        wrong.append(f"kind (truth {exp.kind})")
    if len(reading.frame) != exp.rows:
        wrong.append(f"{len(reading.frame):,} rows (truth {exp.rows:,})")
    id_col = reading.schema.id_column
    if id_col not in {reading.name_of(c) for c in exp.ids}:
        wrong.append("id (truth " + " or ".join(_label(c) for c in exp.ids) + ")")
    dates, date_wrong = _dates(reading, exp)
    wrong += date_wrong
    outcomes = reading.schema.names("outcome")
    if set(outcomes) != {reading.name_of(c) for c in exp.outcomes}:
        truth_out = sorted(_short(_label(c)) for c in exp.outcomes)
        wrong.append("outcomes (truth " + (", ".join(truth_out) or "none") + ")")
    for column in exp.outcome_or_label:
        name = reading.name_of(column)
        if reading.schema[name].role not in ("outcome", "label"):
            wrong.append(f"{name} is {reading.schema[name].role} (truth outcome/label)")
    pii = sorted(reading.raw_pii())
    customers = net = match = "—"
    if exp.truth is not None:
        truth = exp.truth(path)
        if reading.transactions is not None:
            frame = reading.frame
            got_net = float(frame["monetary"].sum()) if "monetary" in frame else None
            same_net = (got_net is None and truth.net is None) or (
                got_net is not None and truth.net is not None
                and math.isclose(got_net, truth.net, rel_tol=1e-9))
            same = len(frame) == truth.customers and same_net
            customers = f"{len(frame):,} / {truth.customers:,}"
            net = f"{_money(got_net)} / {_money(truth.net)}"
            match = "yes" if same else "**no**"
        else:
            customers = f"(table) / {truth.customers:,}"
            net = f"— / {_money(truth.net)}"
            match = "**no**"
    seconds = time.perf_counter() - start
    print(f"  {exp.name}: {seconds:.1f} s", file=sys.stderr)
    return [exp.name, reading.kind, id_col or "— (row)", dates,
            ", ".join([_short(c) for c in outcomes]
                      + [f"{_short(c)} (label)" for c in reading.schema.names("label")]) or "—",
            ", ".join(pii) or "—",
            customers, net, match, "; ".join(wrong) or "as expected"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated dataset names")
    parser.add_argument("--datasets", type=Path, help="the shared datasets folder")
    args = parser.parse_args()
    from custseg.datasets import shared_datasets_dir

    shared_root = args.datasets or shared_datasets_dir()
    chosen = EXPECTED if not args.only else [e for e in EXPECTED
                                             if e.name in set(args.only.split(","))]
    rows = [row(exp, shared_root) for exp in chosen]
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for cells in rows:
        print("| " + " | ".join(_cell(c) for c in cells) + " |")


if __name__ == "__main__":
    main()

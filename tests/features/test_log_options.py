"""Log options imply a log; missing roles in one error; --label on a log; small-log errors."""

from __future__ import annotations

import pytest

from custseg.exceptions import InputError
from custseg.workflow import run
from tests.cli.helpers import invoke
from tests.features.logfixtures import retail_lines

FAST = ("--no-report", "--no-stability", "--k", "2-3", "--algorithms", "kmeans")
API = {"k": (2, 3), "algorithms": ["kmeans"], "report": False, "stability": False}


@pytest.fixture
def odd_names(tmp_path):
    """A log whose column names match no known spelling (who, when, ticket, x)."""
    log = retail_lines(30, segment=True)
    log.loc[log.index[:3], "Segment"] = "VIP"  # customer 10000: two values on its lines
    raw = log.rename(columns={"CustomerID": "who", "InvoiceDate": "when", "InvoiceNo": "ticket"})
    raw["x"] = raw["Quantity"] * raw["UnitPrice"]
    raw = raw.drop(columns=["Quantity", "UnitPrice"])
    path = tmp_path / "raw.csv"
    raw.to_csv(path, index=False)
    return path, raw


def test_log_options_imply_log_mode(odd_names):
    path, raw = odd_names
    # the API path `custseg run` takes (the CLI passes the options into RunConfig; the
    # CLI itself is exercised by the error tests below, which stop before the figures)
    result = run(path, customer="who", date="when", amount="x", **API)
    assert result.source["kind"] == "transactions"
    assert len(result.frame) == raw["who"].nunique() == 30
    assert "input read as a transaction log because log option(s) --customer who, --date " \
           "when, --amount x were given" in result.decisions
    segments = result.segments_table()
    assert segments["who"].is_unique and len(segments) == 30


def test_missing_roles_are_listed_in_one_error_with_candidates(odd_names, tmp_path):
    path, _ = odd_names
    code, out, err = invoke("run", path, "-o", tmp_path / "o", "--customer", "who", *FAST)
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0  # one line
    assert ("the transaction log lacks 2 column role(s): date — candidates: 'when'; amount "
            "(or quantity with price) — candidates: 'ticket', 'x'; columns seen: ['ticket', "
            "'when', 'who', 'Segment', 'x']") in err
    assert "Fix: name them all at once: --date COLUMN --amount COLUMN (or --quantity COLUMN " \
           "--price COLUMN)" in err
    assert not (tmp_path / "o").exists()


def test_log_options_with_input_kind_table_is_refused(odd_names, tmp_path):
    path, _ = odd_names
    code, _, err = invoke("run", path, "-o", tmp_path / "o", "--customer", "who",
                          "--input-kind", "table")
    assert code == 2
    assert "log column options (--customer) were given with --input-kind table" in err
    assert "drop --input-kind table to read the input as a transaction log" in err


def test_label_on_a_log_is_taken_per_customer(odd_names):
    path, raw = odd_names
    result = run(path, customer="who", date="when", amount="x", label="Segment", **API)
    f = result.frame.set_index("who")
    # the most frequent value per customer; 10000 has 'VIP' on 3 of its lines
    lines_10000 = raw[raw["who"] == 10000]["Segment"].value_counts()
    assert f.loc[10000, "Segment"] == lines_10000.idxmax()
    assert f.loc[10001, "Segment"] == "Wholesale" and f.loc[10002, "Segment"] == "Online"
    assert result.schema["Segment"].role == "label"
    assert "Segment" not in result.preprocessor.features_used_
    assert ("--label 'Segment' varies within customers: 1 of 30 customers (3.3%) have more "
            "than one value on their lines; each customer gets their most frequent value "
            "(ties: alphabetical)") in result.warnings


def test_label_missing_from_the_log(odd_names):
    path, _ = odd_names
    with pytest.raises(InputError, match=r"column 'Tier' given as a customer attribute "
                                         r"\(--label\) is not in the transaction log"):
        run(path, customer="who", date="when", amount="x", label="Tier", report=False)


def test_one_customer_log_says_why(tmp_path):
    log = retail_lines(30)
    log[log["CustomerID"] == 10001].to_csv(tmp_path / "one.csv", index=False)
    code, _, err = invoke("run", tmp_path / "one.csv", "-o", tmp_path / "o")
    assert code == 2
    assert ("the transaction log holds 1 customer (2 lines): segmentation needs at least 3 "
            "customers, because it groups customers by how they differ and the smallest "
            "number of segments tried (2) is scored only with more customers than segments"
            ) in err
    assert "use `custseg features LOG`" in err
    # with --k 4 the smallest k tried is 4, so 5 customers are needed
    log[log["CustomerID"] < 10003].to_csv(tmp_path / "three.csv", index=False)
    code, _, err = invoke("run", tmp_path / "three.csv", "-o", tmp_path / "o", "--k", "4")
    assert code == 2
    assert "holds 3 customers" in err and "needs at least 5 customers" in err


def test_returns_only_log_runs_with_a_warning(tmp_path):
    log = retail_lines(30, seed=2)
    log["Quantity"] = -log["Quantity"]
    log.to_csv(tmp_path / "returns.csv", index=False)
    result = run(tmp_path / "returns.csv", **API)
    assert result.warnings[0].startswith(
        f"the log holds only returns and cancellations ({len(log)} lines, no purchase)")
    assert (result.frame["monetary"] < 0).all()  # net value, not a "big spender" value
    assert result.transactions.quality["customers_negative_net"] == 30


def test_memory_limit_below_duckdb_minimum(odd_names, tmp_path):
    path, _ = odd_names
    code, _, err = invoke("run", path, "-o", tmp_path / "o", "--memory-limit", "1KB",
                          "--customer", "who", "--date", "when", "--amount", "x")
    assert code == 2
    assert ("memory_limit 1KB is too small for DuckDB, which needs at least 16MB (it allocates "
            "memory in 256 KiB blocks, several per thread)") in err
    assert "check that the file is a valid" not in err  # was: "check the file format"

"""Every error message of the features package, with match=."""

from __future__ import annotations

import pandas as pd
import pytest

from custseg.exceptions import ConfigError, InputError, InputFileNotFoundError
from custseg.features import QualityRules, build_customer_features, detect_log_columns


def test_missing_customer_column():
    # one error names every missing role (issue 14: one run, not three)
    with pytest.raises(InputError, match=r"lacks 1 column role\(s\): customer — candidates: "
                                         r"none seen; columns seen: \['Date', 'Amount'\].*"
                                         r"--customer COLUMN"):
        detect_log_columns(["Date", "Amount"])


def test_missing_date_column():
    with pytest.raises(InputError, match=r"lacks 1 column role\(s\): date — candidates: "
                                         r"none seen.*--date COLUMN"):
        build_customer_features(pd.DataFrame({"customer": ["a"], "amount": [1.0]}))


def test_missing_amount_or_quantity_price():
    with pytest.raises(InputError, match=r"lacks 1 column role\(s\): amount \(or quantity "
                                         r"with price; found 'Quantity' as quantity\).*"
                                         r"--amount COLUMN \(or --quantity COLUMN --price"):
        detect_log_columns(["CustomerID", "InvoiceDate", "Quantity"])


def test_override_must_exist():
    with pytest.raises(InputError, match=r"column 'cust' given for role 'customer' is not in "
                                         r"the data.*option --customer"):
        detect_log_columns(["a", "b"], {"customer": "cust"})
    with pytest.raises(InputError, match=r"unknown column role\(s\) \['shop'\]"):
        detect_log_columns(["a"], {"shop": "a"})


def test_unreadable_files(tmp_path):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"this is not parquet at all")
    with pytest.raises(InputError, match=r"cannot read the transaction log:.*broken.parquet"
                                         r".*Fix: check that the file is a valid"):
        build_customer_features(broken)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02customer")
    with pytest.raises(InputError, match=r"looks binary, not text"):
        build_customer_features(binary)
    with pytest.raises(InputFileNotFoundError, match=r"file '.*nope.csv' does not exist"):
        build_customer_features(tmp_path / "nope.csv")
    with pytest.raises(InputFileNotFoundError, match=r"no file matches the pattern"):
        build_customer_features(str(tmp_path / "logs-*.parquet"))
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    with pytest.raises(InputError, match=r"the transaction log is empty"):
        build_customer_features(empty)
    with pytest.raises(InputError, match=r"unsupported source type int"):
        build_customer_features(42)


def test_bad_dates_and_options():
    log = pd.DataFrame({"customer": ["a", "b"], "date": ["soon", "later"], "amount": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"cannot read the dates in column \"date\", e.g."):
        build_customer_features(log)
    ok = pd.DataFrame({"customer": ["a"], "date": ["2024-01-01"], "amount": [1.0]})
    with pytest.raises(ConfigError, match=r"memory_limit '1 bucket' is not a size"):
        build_customer_features(ok, memory_limit="1 bucket")
    with pytest.raises(ConfigError, match=r"threads must be a positive integer, got 0"):
        build_customer_features(ok, threads=0)
    with pytest.raises(ConfigError, match=r"as_of 'someday' is not a date"):
        build_customer_features(ok, as_of="someday")
    with pytest.raises(ConfigError, match=r"cancel_prefix must be a non-empty string.*use "
                                          r"\"auto\""):
        QualityRules(cancel_prefix="")
    with pytest.raises(ConfigError, match=r"keep_duplicates must be True or False"):
        QualityRules(keep_duplicates="yes")
    with pytest.raises(InputError, match=r"no line with a customer id and a readable date"):
        build_customer_features(pd.DataFrame({"customer": [None], "date": ["2024-01-01"],
                                              "amount": [1.0]}))

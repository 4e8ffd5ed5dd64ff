"""Before/after histograms of the preprocessing: a column the model cannot trace is
skipped, anything else that goes wrong is not hidden."""

from __future__ import annotations

import pytest

from custseg.datasets import make_customers
from custseg.preprocess import CustomerPreprocessor
from custseg.viz.preprocess import before_after_data, transformed_columns


@pytest.fixture(scope="module")
def fitted():
    frame = make_customers(300, k=3, seed=2)
    return CustomerPreprocessor(select_features=False).fit(frame), frame


def test_untraceable_column_is_skipped_and_the_others_drawn(fitted):
    prep, frame = fitted
    drawn = [p["column"] for p in before_after_data(prep, frame, max_columns=99)]
    assert drawn, "make_customers has skewed columns the model transforms"
    # a decision naming a column the model has no block for: trace raises InputError
    prep.decisions_ = [{"column": "not_a_feature", "kept": True,
                        "stats": {"transform": "log1p"}}, *prep.decisions_]
    try:
        assert "not_a_feature" in [d["column"] for d in
                                   transformed_columns(prep.decisions_, max_columns=99)]
        assert [p["column"] for p in before_after_data(prep, frame, max_columns=99)] == drawn
    finally:
        prep.decisions_ = prep.decisions_[1:]


def test_other_errors_are_not_silenced(fitted):
    prep, frame = fitted

    class Broken:
        decisions_ = prep.decisions_

        def trace(self, frame, column, rows):
            raise RuntimeError("a bug in trace")

    with pytest.raises(RuntimeError, match="a bug in trace"):
        before_after_data(Broken(), frame)

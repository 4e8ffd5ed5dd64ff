"""The run record and the shared run skeleton (custseg.record, custseg.stages)."""

from __future__ import annotations

import jsonschema
import numpy as np
import pytest

from custseg.config import RunConfig
from custseg.exceptions import ConfigError, InputError
from custseg.persist.model import order_by_size as order_labels
from custseg.record import SegmentRecord, order_by_size
from custseg.stages import RunStages, check_log_options, check_rows, schema_decisions
from custseg.summary import summary_schema


def test_one_ordering_rule_for_counts_and_labels():
    assert order_by_size({4: 10, 1: 30, 2: 30, -1: 5}) == {1: 0, 2: 1, 4: 2, -1: -1}
    raw = np.array([4] * 10 + [1] * 30 + [2] * 30 + [-1] * 5)
    assert order_labels(raw) == order_by_size({4: 10, 1: 30, 2: 30, -1: 5})
    assert order_by_size({0: 3}) == {0: 0}  # no noise: no -1 entry


def test_segment_record_keeps_keys_a_capability_added():
    seg = {"id": 2, "name": "Big spenders", "size": 10, "share": 0.5, "clv": {"mean": 3.0}}
    record = SegmentRecord.from_dict(seg)
    assert record.extra == {"clv": {"mean": 3.0}}
    out = record.to_dict()
    assert out["clv"] == {"mean": 3.0} and list(out)[-1] == "clv"
    assert out["description"] == "" and out["rules"] is None


def test_local_record_feeds_a_valid_summary_with_an_added_section(tmp_path):
    from custseg.datasets import make_customers
    from custseg.workflow import run

    result = run(make_customers(200, k=3, seed=0), k=3, algorithms=["kmeans"],
                 stability=False, report=False)
    record = result.record()
    assert record.engine == "local" and record.names == result.names
    record.add_section("outputs", {"report": False})
    summary = record.to_summary()
    jsonschema.validate(summary, summary_schema())
    assert summary["outputs"] == {"report": False}
    assert "engine" not in summary  # the local summary keeps its keys
    assert result.summary()["segments"] == summary["segments"]
    sizes = [s["size"] for s in summary["segments"]]
    assert sizes == sorted(sizes, reverse=True)


def test_stages_time_each_lap_and_report_progress():
    seen = []
    stages = RunStages(lambda stage, done, total: seen.append((stage, done, total)))
    stages.start("load")
    stages.lap("load")
    stages.start("segment")
    assert seen == [("load", 0, 6), ("segment", 3, 6)]
    assert list(stages.timings) == ["load"] and stages.timings["load"] >= 0


def test_shared_row_checks_say_what_is_wrong():
    config = RunConfig(k=(2, 8))
    with pytest.raises(InputError, match="only 2 usable rows: too few to form 2 segments"):
        check_rows(2, config, {"path": "t.csv"})
    with pytest.raises(InputError, match="--k 8 is larger than the 8 rows allow"):
        check_rows(8, config, {"path": None})
    check_rows(9, config, {})  # enough rows: no error
    with pytest.raises(ConfigError, match=r"log column options \(--customer\) were given"):
        check_log_options(RunConfig(customer="cid", input_kind="table"))


def test_schema_decisions_skip_plain_numbers():
    import pandas as pd

    from custseg.data.schema import infer_schema

    schema = infer_schema(pd.DataFrame({"customer_id": [f"C{i}" for i in range(30)],
                                        "spend": np.tile([10.5, 22.25, 31.0], 10),
                                        "plan": ["a", "b", "c"] * 10}))
    lines = schema_decisions(schema)
    assert any(line.startswith("column 'customer_id': id") for line in lines)
    assert any(line.startswith("column 'plan': categorical") for line in lines)
    assert not any("'spend'" in line for line in lines)

"""The run skeleton: one driver walks the stages, each engine plugs in its own work."""

from __future__ import annotations

import numpy as np
import pytest

from custseg.config import RunConfig
from custseg.datasets import make_customers
from custseg.exceptions import InputError
from custseg.outputs import write_outputs
from custseg.stages import Engine, run_stages
from custseg.workflow import LocalEngine, RunResult

FAST = {"k": 3, "algorithms": ["kmeans"], "report": False, "stability": False}
STAGE_METHODS = ("load", "infer_schema", "inspect", "preprocess", "segment", "stable_ids",
                 "explain", "result")


class RecordingEngine(LocalEngine):
    """The real local engine, noting which stage methods the driver calls, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []


def _recording(name: str):
    def method(self, *args):
        self.calls.append(name)
        return getattr(LocalEngine, name)(self, *args)
    return method


for _name in STAGE_METHODS:
    setattr(RecordingEngine, _name, _recording(_name))


def test_the_driver_walks_the_stages_in_order_and_numbers_by_size():
    engine, progress = RecordingEngine(), []
    result = run_stages(engine, make_customers(300, k=3, seed=0), RunConfig(**FAST),
                        progress=lambda stage, done, total: progress.append(stage))
    assert isinstance(result, RunResult)
    assert engine.calls == ["load", "infer_schema", "inspect", "preprocess", "segment",
                            "explain", "result"]
    assert progress[:1] == ["load"]
    stages = [s for s in progress if s in ("load", "features", "preprocess", "segment",
                                           "explain")]
    assert list(dict.fromkeys(stages)) == ["load", "features", "preprocess", "segment",
                                           "explain"]
    assert list(result.timings) == ["load", "schema", "preprocess", "segment", "explain"]
    sizes = np.bincount(result.labels)
    assert list(sizes) == sorted(sizes, reverse=True)  # segment 0 is the largest
    # the schema lines are written once, by the driver
    id_lines = [d for d in result.decisions if d.startswith("column 'customer_id': id")]
    assert len(id_lines) == 1


def test_previous_run_ids_are_asked_of_the_engine_between_segment_and_explain(tmp_path):
    frame = make_customers(300, k=3, seed=0)
    first = run_stages(LocalEngine(), frame, RunConfig(**FAST))
    write_outputs(first, tmp_path / "first", report=False)
    engine = RecordingEngine()
    again = run_stages(engine, frame, RunConfig(**FAST, seed=5,
                                                previous=str(tmp_path / "first")))
    assert engine.calls.index("segment") < engine.calls.index("stable_ids") \
        < engine.calls.index("explain")
    # the same customers: every segment keeps the previous run's number and name
    assert (again.labels == first.labels).all()
    assert again.names == first.names


def test_row_checks_stop_the_run_before_the_engine_preprocesses():
    engine = RecordingEngine()
    with pytest.raises(InputError, match=r"only 3 usable rows: too few to form 3 segments"):
        run_stages(engine, make_customers(300, k=3, seed=0).head(3), RunConfig(**FAST))
    assert engine.calls == ["load", "infer_schema"]


def test_both_engines_implement_every_stage_of_the_protocol():
    from custseg.spark.engine import SparkEngine

    for engine in (LocalEngine(), SparkEngine(spark=None)):
        assert isinstance(engine, Engine)
        public = {n for n in vars(type(engine)) if not n.startswith("_")}
        assert public == set(STAGE_METHODS), type(engine).__name__

"""custseg: customer segmentation with machine learning, every step visible.

The public API mirrors the pipeline's steps::

    load -> infer_schema -> build_features (transaction logs) -> build_preprocessor
         -> Segmenter -> explain -> write_outputs / SegmentationModel

Example
-------
>>> import custseg
>>> frame = custseg.datasets.make_customers(400, k=3, seed=0)
>>> result = custseg.run(frame, k=3, algorithms=["kmeans"], report=False)
>>> sorted(result.names) == [0, 1, 2]
True
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "run": ("custseg.workflow", "run"),
    "RunResult": ("custseg.workflow", "RunResult"),
    "RunConfig": ("custseg.config", "RunConfig"),
    "write_outputs": ("custseg.outputs", "write_outputs"),
    "load": ("custseg.data", "load"),
    "read_table": ("custseg.data", "read_table"),
    "infer_schema": ("custseg.data", "infer_schema"),
    "Segmenter": ("custseg.selection", "Segmenter"),
    "build_preprocessor": ("custseg.preprocess", "build_preprocessor"),
    "build_customer_features": ("custseg.features", "build_customer_features"),
    "explain": ("custseg.explain", "explain"),
    "SegmentationModel": ("custseg.persist", "SegmentationModel"),
    "load_model": ("custseg.persist", "load_model"),
    "make_customers": ("custseg.datasets", "make_customers"),
}
_SUBMODULES = {"data", "datasets", "features", "preprocess", "models", "selection", "evaluate",
               "explain", "viz", "report", "persist", "config", "exceptions", "workflow"}

__all__ = [*sorted(_LAZY), "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy imports keep `import custseg` fast and free of plotting/SQL libraries
    # until a step needs them.
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    if name in _SUBMODULES:
        return importlib.import_module(f"custseg.{name}")
    raise AttributeError(f"module 'custseg' has no attribute {name!r}")

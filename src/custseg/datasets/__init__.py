"""Bundled and synthetic datasets (the public entry point).

Example
-------
>>> from custseg.datasets import make_customers
>>> make_customers(100, k=3, seed=0).shape[0]
100
"""

from custseg.data.bundled import (
    BUNDLED,
    bundled_path,
    list_datasets,
    load_dataset,
    shared_datasets_dir,
)
from custseg.data.synthetic import make_customers

__all__ = ["BUNDLED", "bundled_path", "list_datasets", "load_dataset", "make_customers",
           "shared_datasets_dir"]

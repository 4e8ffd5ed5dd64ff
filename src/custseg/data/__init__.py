"""Loading customer tables and inferring column roles.

Example
-------
>>> from custseg.data import load, infer_schema
>>> from custseg.datasets import bundled_path
>>> schema = infer_schema(load(bundled_path("wholesale")))
>>> schema["Region"].role
'categorical'
"""

from custseg.data.io import MISSING_TOKENS, LoadedTable, load, read_table
from custseg.data.schema import (
    FEATURE_ROLES,
    ROLES,
    ColumnInfo,
    Schema,
    feature_group,
    infer_schema,
    parse_dates,
)

__all__ = ["FEATURE_ROLES", "MISSING_TOKENS", "ROLES", "ColumnInfo", "LoadedTable", "Schema",
           "feature_group", "infer_schema", "load", "parse_dates", "read_table"]

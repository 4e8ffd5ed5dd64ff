"""Segments over time: stable ids, migration between runs, drift and control groups.

A run given ``previous=`` (``custseg run NEW --previous OLD_OUTPUT``) keeps the
previous run's segment ids and names where its segments match, and its
summary gains a ``tracking`` section: the matching and its quality, the
transition matrix of the customers present in both runs (``migration.csv``),
the drift of segment shares (PSI) and of features per segment, a verdict, and,
with ``holdout=``, the per-customer control group.

Example
-------
>>> from custseg.tracking import psi, psi_reading, control_flags
>>> psi_reading(psi({0: 0.5, 1: 0.5}, {0: 0.5, 1: 0.5}))
'stable'
>>> control_flags(["a", "b"], 0.5, salt="x").tolist() == control_flags(["a", "b"], 0.5,
...                                                                    salt="x").tolist()
True
"""

from custseg.tracking.drift import psi, psi_reading, verdict
from custseg.tracking.holdout import DEFAULT_SALT, control_flags, parse_holdout
from custseg.tracking.match import Matching, match_centres, match_in_model_space, match_profiles
from custseg.tracking.migration import Migration, migrate
from custseg.tracking.previous import PreviousRun, read_previous
from custseg.tracking.series import run_series
from custseg.tracking.track import (
    Tracking,
    stable_label_map,
    tracking_for,
    tracking_section,
    with_control,
    write_migration,
)

__all__ = ["DEFAULT_SALT", "Matching", "Migration", "PreviousRun", "Tracking", "control_flags",
           "match_centres", "match_in_model_space", "match_profiles", "migrate",
           "parse_holdout", "psi", "psi_reading", "read_previous", "run_series",
           "stable_label_map", "tracking_for", "tracking_section", "verdict", "with_control",
           "write_migration"]

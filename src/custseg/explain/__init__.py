"""Explain and validate segments: profiles, rules, names and checks.

Every result is plain data (tables and JSON-ready dicts) that plots, the
report and ``summary.json`` read; nothing here draws.

* :func:`profile` - size, value share, means/medians in original units, effect
  sizes, category lifts, top distinguishing features;
* :func:`surrogate_rules` - plain-language rules of a shallow tree, with fidelity;
* :func:`name_segments` - short unique names and one-sentence descriptions;
* :func:`validate` - silhouette, CH, DB, bootstrap stability, external scores,
  warnings;
* :func:`explain` - all of the above in one call.

>>> import pandas as pd
>>> from custseg.explain import profile, name_segments
>>> frame = pd.DataFrame({"income": [20.0, 22, 21, 90, 95, 92]})
>>> prof = profile(frame, [0, 0, 0, 1, 1, 1], features=["income"])
>>> name_segments(prof)[1]["name"]
'High income'
"""

from custseg.explain._explain import Explanation, explain
from custseg.explain._names import name_segments
from custseg.explain._profile import SegmentProfiles, profile
from custseg.explain._rules import SegmentRules, surrogate_rules
from custseg.explain._validate import Validation, validate

__all__ = ["Explanation", "SegmentProfiles", "SegmentRules", "Validation", "explain",
           "name_segments", "profile", "surrogate_rules", "validate"]

"""``skops.io``, imported without its walk through every scikit-learn module.

At import, skops builds its default trust list by calling
``sklearn.utils.all_estimators()``, which imports every scikit-learn module
(pytest and half of SciPy come along): about 0.8 s of a 10k-row default run
here, for a list custseg never uses. custseg checks every type in a model file
against its own allow-list (:mod:`custseg.persist.trust`) and hands skops only
the names it checked. So while ``skops.io`` is imported the walk returns no
estimators: skops' default list then trusts no estimator, and
``get_untrusted_types`` names *every* scikit-learn type of a file to custseg's
check. That is stricter than skops' default, never looser.

If the caller's process imported ``skops.io`` before custseg did, that module is
used as it is (with skops' usual list); custseg's own check is the same either way.

Example
-------
>>> sio = skops_io()
>>> callable(sio.dump) and callable(sio.get_untrusted_types)
True
"""

from __future__ import annotations

import sys
import threading
from types import ModuleType

_lock = threading.Lock()


def _no_estimators(*args, **kwargs) -> list:
    return []


def skops_io() -> ModuleType:
    """The ``skops.io`` module, imported at most once and without the estimator walk."""
    loaded = sys.modules.get("skops.io")
    if loaded is not None:
        return loaded
    import sklearn.utils

    with _lock:
        original = sklearn.utils.all_estimators
        sklearn.utils.all_estimators = _no_estimators
        try:
            import skops.io
        finally:
            sklearn.utils.all_estimators = original
    return skops.io

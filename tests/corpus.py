"""Where the shared real corpus is, and what a test does when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from custseg.datasets import shared_datasets_dir

#: Set by .ci/run: CI has the shared corpus, so a missing one is a failure there.
REQUIRE_SHARED = os.environ.get("CUSTSEG_REQUIRE_SHARED") == "1"
SHARED_MISSING = ("the shared datasets folder (../shared/datasets beside the repository, or "
                  "$CUSTSEG_SHARED_DATASETS) is absent: this clone has no real corpus")


def require_shared_datasets() -> Path:
    """The shared corpus, or skip the calling test (fail instead under CI).

    A fresh clone without ``../shared/`` beside it must still pass ``make
    test``; CI sets ``CUSTSEG_REQUIRE_SHARED=1`` so nothing is skipped there.
    """
    path = shared_datasets_dir()
    if path is None:
        if REQUIRE_SHARED:
            pytest.fail(SHARED_MISSING + " but CUSTSEG_REQUIRE_SHARED=1")
        pytest.skip(SHARED_MISSING)
    return path

"""Fixtures for the features tests."""

from __future__ import annotations

from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """Folder of the shared real datasets (/work/shared/datasets or ../shared/datasets)."""
    for cand in (_REPO.parent / "shared" / "datasets", Path("/work/shared/datasets")):
        if cand.is_dir():
            return cand
    raise FileNotFoundError("shared datasets folder not found next to the repository")

"""Constants shared by the report tests: hostile strings and where screenshots go."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"  # gitignored: screenshots for a person to look at

EVIL_COLUMN = "<script>alert(1)</script>"
EVIL_VALUE = "<img src=x onerror=alert(1)>"
EVIL_LABEL = "<svg onload=alert(2)>"
EVIL_NAME = "<script>alert(3)</script>"

"""docs/architecture.md names every package and module of custseg, and only real ones."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "custseg"
DOC = ROOT / "docs" / "architecture.md"

#: `custseg/name/` (a package) or `custseg/name.py` (a top-level module), in backticks
NAMED = re.compile(r"`custseg/([A-Za-z_][\w]*)(/|\.py)`")


def _named() -> tuple[set[str], set[str]]:
    packages, modules = set(), set()
    for name, kind in NAMED.findall(DOC.read_text(encoding="utf-8")):
        (packages if kind == "/" else modules).add(name)
    return packages, modules


def _packages() -> set[str]:
    return {p.name for p in SRC.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))}


def _modules() -> set[str]:
    return {p.stem for p in SRC.glob("*.py")}


def test_every_named_package_and_module_exists():
    packages, modules = _named()
    assert packages, "the page names the packages as `custseg/<name>/`"
    assert packages - _packages() == set(), "named in docs/architecture.md but not in src"
    assert modules - _modules() == set(), "named in docs/architecture.md but not in src"


def test_every_package_and_module_is_described():
    packages, modules = _named()
    assert _packages() - packages == set(), "add these packages to docs/architecture.md"
    assert _modules() - modules == set(), "add these modules to docs/architecture.md"


def test_no_docstring_cites_a_missing_design_page():
    cited = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
             if "DESIGN.md" in p.read_text(encoding="utf-8")]
    assert cited == [], "DESIGN.md is not in the repository: cite docs/architecture.md"

"""The tutorial notebooks run top to bottom, and are stored without outputs.

Each notebook runs in a fresh ``python3`` kernel (the venv's ipykernel) with
its own folder as the working directory, the Agg matplotlib backend and one
BLAS thread, as a student's notebook would run, only without a screen. All
notebooks share one xdist group so they run one after another on one worker
and never compete for the two cores with each other.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.corpus import require_shared_datasets

REPO = Path(__file__).resolve().parents[2]
TUTORIALS = REPO / "docs" / "tutorials"
EXPECTED = [
    "01_first_segmentation.ipynb",
    "02_hierarchical.ipynb",
    "03_gaussian_mixtures.ipynb",
    "04_transactions_rfm.ipynb",
    "05_messy_data.ipynb",
    "06_validation.ipynb",
    "07_acting_on_segments.ipynb",
    "08_segments_over_time.ipynb",
]
CELL_TIMEOUT_S = 120

# Runs first, in memory only: no window to show figures in, so close each
# figure after its cell (the inline backend does the same in Jupyter) and
# silence Agg's "cannot show" warning.
_HEADLESS = """\
import warnings
import matplotlib.pyplot as _plt
warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")
get_ipython().events.register("post_run_cell", lambda *_: _plt.close("all"))
"""


def _notebooks() -> list[Path]:
    return sorted(TUTORIALS.glob("[0-9][0-9]_*.ipynb"))


def test_every_tutorial_linked_from_readme_exists():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = [p.name for p in _notebooks()]
    assert found == EXPECTED
    for name in EXPECTED:
        assert f"docs/tutorials/{name}" in readme, name


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a tutorial without code cells"
    for i, cell in enumerate(code):
        assert cell.outputs == [], f"code cell {i} has stored outputs: strip them"
        assert cell.execution_count is None, f"code cell {i} has an execution count"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebook_ends_with_exercises_and_hidden_solutions(path: Path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Exercises" in text
    assert text.count("<details>") >= 2
    assert text.count("<details>") == text.count("</details>")


@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebook_runs(path: Path, tmp_path: Path):
    nb = nbformat.read(path, as_version=4)
    # Notebooks that read the real corpus skip (or fail under CI) without it.
    uses_shared = any("shared_datasets_dir" in c.source for c in nb.cells)
    shared_datasets = require_shared_datasets() if uses_shared else Path("/nonexistent")
    nb.cells.insert(0, nbformat.v4.new_code_cell(_HEADLESS))
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "CUSTSEG_SHARED_DATASETS": str(shared_datasets),
        # Notebooks write under tempfile's folder; point it at pytest's.
        "TMPDIR": str(tmp_path),
        # The kernel imports the package the tests import, whatever the install.
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    before = sorted(TUTORIALS.rglob("*"))
    start = time.perf_counter()
    client.execute(env=env)
    elapsed = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    # Shown with -rP / in CI logs: the notebooks' share of the suite's time budget.
    print(f"{path.name}: {elapsed:.1f} s with {sys.executable}")
    assert sorted(TUTORIALS.rglob("*")) == before, "a notebook wrote into docs/tutorials/"

"""Options that trade outputs for time: --no-figures, --threads."""

from __future__ import annotations

import json

from custseg.datasets import make_customers
from tests.cli.helpers import invoke

FAST = ("--algorithms", "kmeans", "--no-stability", "--k", "2-4")


def test_no_figures_writes_no_png_but_keeps_the_report(tmp_path):
    make_customers(400, k=3, seed=1).to_csv(tmp_path / "c.csv", index=False)
    code, _, err = invoke("run", tmp_path / "c.csv", "-o", tmp_path / "o", *FAST,
                          "--no-figures", "--quiet")
    assert code == 0, err
    assert list((tmp_path / "o" / "figures").glob("*.png")) == []
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["outputs"]["figures"] == []
    assert (tmp_path / "o" / "report.html").stat().st_size > 1000


def test_figures_are_written_by_default(tmp_path):
    make_customers(400, k=3, seed=1).to_csv(tmp_path / "c.csv", index=False)
    code, _, err = invoke("run", tmp_path / "c.csv", "-o", tmp_path / "o", *FAST,
                          "--no-report", "--quiet", "--threads", "1")
    assert code == 0, err
    pngs = sorted(p.name for p in (tmp_path / "o" / "figures").glob("*.png"))
    assert pngs and pngs == sorted(json.loads(
        (tmp_path / "o" / "summary.json").read_text())["outputs"]["figures"])

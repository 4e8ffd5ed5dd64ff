"""Options that trade outputs for time: --figures (PNGs on request), --threads."""

from __future__ import annotations

import json

from custseg.datasets import make_customers
from tests.cli.helpers import invoke

FAST = ("--algorithms", "kmeans", "--no-stability", "--k", "2-4")


def test_by_default_no_png_is_written_but_the_report_draws_every_figure(tmp_path):
    make_customers(400, k=3, seed=1).to_csv(tmp_path / "c.csv", index=False)
    code, out, err = invoke("run", tmp_path / "c.csv", "-o", tmp_path / "o", *FAST)
    assert code == 0, err
    assert not (tmp_path / "o" / "figures").exists()
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["outputs"]["figures"] == []
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert 'id="figure-sizes"' in html and 'id="figure-profile_heatmap"' in html
    assert "figures/" not in " ".join(out.split())  # the console lists only what exists


def test_no_figures_is_still_accepted(tmp_path):
    make_customers(400, k=3, seed=1).to_csv(tmp_path / "c.csv", index=False)
    code, _, err = invoke("run", tmp_path / "c.csv", "-o", tmp_path / "o", *FAST,
                          "--no-figures", "--no-report", "--quiet")
    assert code == 0, err
    assert not (tmp_path / "o" / "figures").exists()


def test_figures_writes_the_pngs_on_request(tmp_path):
    make_customers(400, k=3, seed=1).to_csv(tmp_path / "c.csv", index=False)
    code, _, err = invoke("run", tmp_path / "c.csv", "-o", tmp_path / "o", *FAST,
                          "--figures", "--no-report", "--quiet", "--threads", "1")
    assert code == 0, err
    pngs = sorted(p.name for p in (tmp_path / "o" / "figures").glob("*.png"))
    assert pngs and pngs == sorted(json.loads(
        (tmp_path / "o" / "summary.json").read_text())["outputs"]["figures"])

"""Real runs rendered once per session, and a headless Chromium that records what a page does."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from custseg.datasets import make_customers
from custseg.report import build_report_data, render_report
from custseg.workflow import run
from tests.report.cases import EVIL_COLUMN, EVIL_LABEL, EVIL_NAME, EVIL_VALUE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]



@dataclass
class Report:
    data: dict
    html: str
    path: Path
    frame: object = None


@pytest.fixture(scope="session")
def main_result():
    """The run the issue names: 1,500 synthetic customers, 4 true segments, k from 2 to 6."""
    return run(make_customers(1500, k=4, seed=0), k=(2, 6))


@pytest.fixture(scope="session")
def main_report(main_result, tmp_path_factory) -> Report:
    data = build_report_data(main_result)
    html = render_report(data)
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(html, encoding="utf-8")
    return Report(data, html, path, main_result.frame)


@pytest.fixture(scope="session")
def evil_result():
    """Hostile column names, category values, label values and segment names (ward, k=3)."""
    frame, truth = make_customers(600, k=3, seed=2, return_labels=True)
    rng = np.random.default_rng(0)
    frame[EVIL_COLUMN] = truth * 10.0 + rng.normal(0, 1, len(frame))
    frame["hint"] = np.where(truth == 0, EVIL_VALUE, np.where(truth == 1, "plain", "other"))
    frame["known"] = np.where(truth == 1, EVIL_LABEL, "b")
    return run(frame, k=3, algorithms=["ward"], stability=False, label="known",
               names={0: EVIL_NAME})


@pytest.fixture(scope="session")
def evil_report(evil_result, tmp_path_factory) -> Report:
    data = build_report_data(evil_result)
    html = render_report(data)
    path = tmp_path_factory.mktemp("evil") / "report.html"
    path.write_text(html, encoding="utf-8")
    return Report(data, html, path, evil_result.frame)


@dataclass
class PageRecord:
    """What a page did while it loaded."""

    page: object
    errors: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def open_report(browser):
    """``open_report(path) -> PageRecord``: load a file and wait until every figure is drawn."""
    pages = []

    def _open(path: Path) -> PageRecord:
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        record = PageRecord(page)
        page.on("pageerror", lambda err: record.errors.append(str(err)))
        page.on("console", lambda msg: record.console.append((msg.type, msg.text)))
        page.on("request", lambda req: record.requests.append(req.url))
        page.on("dialog", lambda dialog: (record.dialogs.append(dialog.message),
                                          dialog.dismiss()))
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_function(
            "Array.from(document.querySelectorAll('div.plot[data-figure]'))"
            ".every(d => d.classList.contains('js-plotly-plot') || "
            "d.classList.contains('plot-error'))", timeout=30_000)
        pages.append(page)
        return record

    yield _open
    for page in pages:
        page.close()

"""The report in a real headless Chromium: draws, stays offline, never runs data as code."""

from __future__ import annotations

import re

import pytest

from tests.report.cases import ARTIFACTS, EVIL_COLUMN, EVIL_LABEL, EVIL_NAME, EVIL_VALUE

pytestmark = pytest.mark.xdist_group("browser")

ALLOWED_SCHEMES = ("file:", "data:", "blob:")


def _figures_drawn(page) -> list[dict]:
    return page.evaluate(
        """Array.from(document.querySelectorAll('div.plot[data-figure]')).map(d => ({
             id: d.getAttribute('data-figure'),
             drawn: d.classList.contains('js-plotly-plot'),
             traces: (d.data || []).length,
             points: (d.calcdata || []).reduce((n, trace) => n + trace.length, 0),
             svg: d.querySelectorAll('svg.main-svg').length}))""")


def _check_clean_load(record, expected_figures: int) -> None:
    assert record.errors == []
    assert [m for m in record.console if m[0] in ("error", "warning")] == []
    leaving = [u for u in record.requests if not u.startswith(ALLOWED_SCHEMES)]
    assert leaving == []
    assert record.dialogs == []
    figures = _figures_drawn(record.page)
    assert len(figures) == expected_figures
    for fig in figures:
        assert fig["drawn"] and fig["svg"] > 0, fig
        assert fig["traces"] > 0 and fig["points"] > 0, fig


def test_main_report_renders_every_figure_offline(main_report, open_report):
    record = open_report(main_report.path)
    _check_clean_load(record, len(main_report.data["figures"]))
    page = record.page
    # every section of the pipeline is there, in order, with its heading
    headings = page.eval_on_selector_all("section.section h2", "hs => hs.map(h => h.innerText)")
    assert [h.split("\n")[-1].strip() for h in headings] == [
        "Data overview", "Preprocessing and feature selection", "Model selection",
        "Segments", "Validation", "Using the result"]
    # every figure has its own "How to read this"
    assert page.locator("figure.figure details.how").count() == len(main_report.data["figures"])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-main.png"), full_page=True)
    page.locator("#segments").screenshot(path=str(ARTIFACTS / "report-segments.png"))


def test_hostile_names_and_values_never_execute(evil_report, open_report):
    record = open_report(evil_report.path)
    _check_clean_load(record, len(evil_report.data["figures"]))
    page = record.page
    # nothing was injected: no <img>, no <svg onload>, only our two executable scripts
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('[onerror], [onload]').length") == 0
    scripts = page.evaluate("Array.from(document.scripts).filter(s => "
                            "s.type !== 'application/json').length")
    assert scripts == 2
    # ...and the hostile text is shown as text, where a reader expects it
    text = page.inner_text("body")
    for evil in (EVIL_COLUMN, EVIL_VALUE, EVIL_LABEL, EVIL_NAME):
        assert evil in text
    # figure labels show the characters too (plotly gets them as entities)
    labels = page.evaluate("Array.from(document.querySelectorAll('.js-plotly-plot text'))"
                           ".map(t => t.textContent).join('\\n')")
    assert "= <img src=x onerror=alert(1)>" in labels
    assert "<svg onload=alert(2)>" in labels
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#segments").screenshot(path=str(ARTIFACTS / "report-hostile-segments.png"))


def test_report_holds_no_personal_data(main_report):
    from plotly.offline import get_plotlyjs

    html = main_report.html.replace(get_plotlyjs(), "")
    frame = main_report.frame
    assert re.findall(r"[\w.+-]+@example\.com", html) == []
    assert re.findall(r"\+351 \d{3} \d{3} \d{3}", html) == []
    for value in frame["name"].drop_duplicates().head(50):
        assert value not in html
    for value in frame["customer_id"].head(50):  # identifiers stay out too
        assert value not in html

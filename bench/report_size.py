"""Report size and build time: the shared customer tables and 1M synthetic customers.

For each dataset: one run (k-means, k from 2 to 6; the synthetic table k=5 to
keep the clustering itself out of the way), then the report data, the HTML
render, the PNG figures and, with --browser, the time headless Chromium needs
to load the page and draw every figure.

    .venv/bin/python bench/report_size.py            # shared tables + 1,000,000 customers
    .venv/bin/python bench/report_size.py --quick    # shared tables + 100,000 customers
    .venv/bin/python bench/report_size.py --browser  # also measure the load in Chromium
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SHARED_TABLES, shared_dir

from custseg.datasets import make_customers
from custseg.report import build_report_data, render_report
from custseg.viz import save_figures
from custseg.workflow import run

TABLES = SHARED_TABLES
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def browser_load_seconds(path: Path) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        clock = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_function("Array.from(document.querySelectorAll('div.plot[data-figure]'))"
                               ".every(d => d.classList.contains('js-plotly-plot'))",
                               timeout=120_000)
        seconds = time.perf_counter() - clock
        browser.close()
    return seconds


def measure(name: str, data, options: dict, folder: Path, browser: bool) -> dict:
    clock = time.perf_counter()
    result = run(data, **options)
    run_s = time.perf_counter() - clock
    clock = time.perf_counter()
    report = build_report_data(result)
    data_s = time.perf_counter() - clock
    clock = time.perf_counter()
    html = render_report(report)
    render_s = time.perf_counter() - clock
    path = folder / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    clock = time.perf_counter()
    pngs = save_figures(result, folder / f"{name}-figures", specs=report["figures"])
    png_s = time.perf_counter() - clock
    row = {"dataset": name, "rows": len(result.frame), "k": result.k, "run_s": run_s,
           "data_s": data_s, "render_s": render_s, "png_s": png_s, "n_png": len(pngs),
           "html_mb": path.stat().st_size / 1e6, "figures": len(report["figures"])}
    if browser:
        row["load_s"] = browser_load_seconds(path)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 synthetic customers")
    parser.add_argument("--browser", action="store_true", help="time the load in Chromium")
    parser.add_argument("--skip-shared", action="store_true", help="synthetic table only")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="custseg-report-bench-"))
    cases = []
    if not args.skip_shared:
        root = shared_dir()
        options = {"algorithms": ["kmeans"], "k": (2, 6)}
        extra = {"wholesale": {"label": "Channel"}}
        cases += [(name, root / rel, {**options, **extra.get(name, {})})
                  for name, rel in TABLES.items()]
    n = 100_000 if args.quick else 1_000_000
    cases.append((f"synthetic_{n // 1000}k", make_customers(n, k=5, seed=0),
                  {"algorithms": ["kmeans"], "k": 5}))
    header = (f"{'dataset':<18}{'rows':>10}{'k':>3}{'run s':>8}{'data s':>8}{'html s':>8}"
              f"{'png s':>7}{'figs':>5}{'html MB':>9}" + ("  load s" if args.browser else ""))
    print(header)
    for name, data, options in cases:
        row = measure(name, data, options, folder, args.browser)
        print(f"{row['dataset']:<18}{row['rows']:>10,}{row['k']:>3}{row['run_s']:>8.1f}"
              f"{row['data_s']:>8.2f}{row['render_s']:>8.2f}{row['png_s']:>7.2f}"
              f"{row['figures']:>5}{row['html_mb']:>9.2f}"
              + (f"{row['load_s']:>8.1f}" if args.browser else ""), flush=True)
    print(f"peak memory {peak_mb():,.0f} MB; reports in {folder}")


if __name__ == "__main__":
    main()

"""Time and peak memory of customer value (BG/NBD + Gamma-Gamma) at 100k .. 1M customers.

A purchase-day log is simulated from the published CDNOW parameters (39 weeks,
custseg.value.synthetic_daily); each size runs in a fresh subprocess so its peak RSS
is its own. Timed: the per-customer summary (DuckDB SQL), the BG/NBD fit, the
Gamma-Gamma fit, the per-customer predictions (expected purchases, P(alive), CLV),
and the whole step with the holdout check (value_from_daily).

    .venv/bin/python bench/speed_clv.py --n 100000          # one size
    .venv/bin/python bench/speed_clv.py --n 100000 1000000  # what the lead runs
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def one(n: int) -> dict:
    sys.path.insert(0, str(HERE))
    from _common import peak_rss_mb

    from custseg.value import (
        ValueSettings,
        fit_models,
        predict,
        summary_from_daily,
        synthetic_daily,
        value_from_daily,
    )

    out: dict = {"n": n}
    clock = time.perf_counter()
    daily = synthetic_daily(n, seed=0)
    out["simulate_s"] = round(time.perf_counter() - clock, 2)
    out["purchase_days"] = len(daily)
    end = dt.date(2024, 1, 1) + dt.timedelta(days=273)
    clock = time.perf_counter()
    summ = summary_from_daily(daily, end, end)
    out["summary_s"] = round(time.perf_counter() - clock, 2)
    out["customers"] = len(summ)
    clock = time.perf_counter()
    fit = fit_models(summ)
    out["fit_s"] = round(time.perf_counter() - clock, 2)
    out["params"] = {k: round(v, 4) for k, v in fit.params["bgnbd"].items()}
    clock = time.perf_counter()
    predict(fit, summ, 12, 0.1)
    out["predict_s"] = round(time.perf_counter() - clock, 2)
    clock = time.perf_counter()
    res = value_from_daily(daily, end, ValueSettings())
    out["whole_step_with_holdout_s"] = round(time.perf_counter() - clock, 2)
    out["holdout_error_pct"] = res.holdout.get("total_error_pct")
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    for n in args.n:
        proc = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True,
                              text=True, check=False)
        if proc.returncode:
            print(json.dumps({"n": n, "error": proc.stderr.strip().splitlines()[-1:]}))
        else:
            print(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()

"""How many customers the value model needs: holdout error of BG/NBD on random CDNOW subsets.

The CDNOW master log (../shared/datasets/cdnow), 39-week calibration (1997-01-01 to
1997-09-30) and 39-week holdout; for each subset size, 20 random subsets of the
calibration cohort are fitted and their total holdout purchases predicted. Prints the
median and 90th percentile of the absolute error, the median number of repeat buyers
and the failed fits; the numbers behind custseg.value.model.Gates.

    .venv/bin/python bench/quality_clv_gates.py
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> None:
    sys.path.insert(0, str(HERE))
    from _common import shared_dir

    from custseg.value import fit_models, summary_from_daily
    from custseg.value.model import FitError

    warnings.simplefilter("ignore")
    df = pd.read_csv(shared_dir() / "cdnow" / "CDNOW_master.txt", sep=r"\s+",
                     dtype={"customer_id": str, "date": str})
    df["day"] = pd.to_datetime(df["date"], format="%Y%m%d").dt.date
    df = df[df["dollar_value"] > 0]  # zero-value lines are not purchases (feature builder)
    daily = (df.groupby(["customer_id", "day"], as_index=False)["dollar_value"].sum()
             .rename(columns={"customer_id": "cid", "dollar_value": "value"}))
    cal = summary_from_daily(daily, dt.date(1997, 10, 1), dt.date(1998, 7, 1))
    print(json.dumps({"customers": len(cal), "repeat_buyers": int((cal.frequency > 0).sum())}))
    rng = np.random.default_rng(0)
    for n in (50, 100, 200, 500):
        errors, fails, repeat = [], 0, []
        for _ in range(20):
            s = cal.sample(n, random_state=int(rng.integers(1_000_000_000))).reset_index(
                drop=True)
            repeat.append(int((s["frequency"] > 0).sum()))
            try:
                bg = fit_models(s, money=False).bgnbd
            except FitError:
                fails += 1
                continue
            pred = bg.conditional_expected_number_of_purchases_up_to_time(
                39, s["frequency"].astype(float), s["recency"] / 7, s["T"] / 7).sum()
            actual = s["holdout_purchases"].sum()
            errors.append(abs(100 * (pred - actual) / actual))
        print(json.dumps({"n": n, "repeat_buyers_median": int(np.median(repeat)),
                          "failed_fits": fails,
                          "abs_error_pct_median": round(float(np.median(errors)), 1),
                          "abs_error_pct_p90": round(float(np.percentile(errors, 90)), 1)}))


if __name__ == "__main__":
    main()

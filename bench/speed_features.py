"""Speed and peak memory: custseg's DuckDB feature builder vs a plain pandas group-by.

Makes a synthetic Online-Retail-like log in Parquet under bench/out/ (10M lines,
1M customers; --quick: 1M lines, 100k customers), then runs, each in its own
subprocess so peak RSS is measured fairly:

1. custseg.features.build_customer_features (DuckDB, default settings);
2. the same features computed with pandas (read_parquet + group-bys);
3. custseg again with a DuckDB memory_limit smaller than the log's size in memory,
   to show it still completes (DuckDB spills to a temporary folder).

Run:  .venv/bin/python bench/speed_features.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent / "out"
COUNTRIES = np.array(["United Kingdom", "Germany", "France", "EIRE", "Spain", "Netherlands",
                      "Belgium", "Switzerland", "Portugal", "Australia"])
CATEGORIES = np.array([f"cat_{i:02d}" for i in range(20)])


def make_log(path: Path, n_lines: int, n_customers: int, chunk: int = 1_000_000) -> None:
    """Write the synthetic log chunk by chunk (never all in memory)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(42)
    start = np.datetime64("2022-01-01T00:00:00")
    writer = None
    for lo in range(0, n_lines, chunk):
        n = min(chunk, n_lines - lo)
        cust = rng.integers(0, n_customers, n)
        order = rng.integers(0, 30, n)
        inv_num = (cust.astype(np.int64) * 30 + order).astype(str)
        cancel = rng.random(n) < 0.02
        invoice = np.where(cancel, np.char.add("C", inv_num), inv_num)
        qty = rng.integers(1, 13, n)
        qty = np.where(cancel, -qty, qty)
        # an order's lines share a date: derive it from the invoice number
        minutes = (cust.astype(np.int64) * 7919 + order * 104729) % (730 * 24 * 60)
        dates = start + minutes.astype("timedelta64[m]")
        price = np.round(rng.gamma(2.0, 2.0, n), 2)
        price[rng.random(n) < 0.005] = 0.0
        customer = cust.astype(np.float64) + 10000
        customer[rng.random(n) < 0.05] = np.nan  # missing ids, as in Online Retail
        table = pa.table({
            "InvoiceNo": invoice,
            "InvoiceDate": dates.astype("datetime64[us]"),
            "Quantity": qty,
            "UnitPrice": price,
            "CustomerID": customer,
            "category": CATEGORIES[rng.integers(0, len(CATEGORIES), n)],
            "Country": COUNTRIES[np.minimum(rng.geometric(0.5, n) - 1, len(COUNTRIES) - 1)],
        })
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=chunk)
    writer.close()


def run_custseg(path: str, memory_limit: str | None) -> dict:
    from custseg.features import build_customer_features

    res = build_customer_features(path, memory_limit=memory_limit)
    f = res.frame
    return {"customers": len(f), "net": float(f["monetary"].sum()),
            "orders": int(f["frequency"].sum())}


def run_pandas(path: str) -> dict:
    """The same features, written the straightforward pandas way."""
    import pandas as pd

    df = pd.read_parquet(path)
    df = df.drop_duplicates()
    df = df[df["CustomerID"].notna()]
    amt = df["Quantity"] * df["UnitPrice"]
    is_ret = (df["Quantity"] < 0) | df["InvoiceNo"].str.startswith("C")
    keep = is_ret | (amt >= 0)
    df, amt, is_ret = df[keep], amt[keep], is_ret[keep]
    df = df.assign(
        day=df["InvoiceDate"].dt.normalize(),
        v=amt.where(~is_ret, -amt.abs()),
        pv=amt.where(~is_ret & (amt > 0), 0.0),
        buy=~is_ret & (amt > 0),
        ret=is_ret,
    )
    as_of = df["day"].max() + pd.Timedelta(days=1)
    g = df.groupby("CustomerID")
    out = pd.DataFrame({
        "monetary": g["v"].sum(), "gross": g["pv"].sum(),
        "last_any": g["day"].max(), "first_any": g["day"].min(),
        "return_lines": g["ret"].sum(), "buy_lines": g["buy"].sum(),
    })
    buys = df[df["buy"]]
    gb = buys.groupby("CustomerID")
    out["frequency"] = gb["InvoiceNo"].nunique()
    out["last_buy"] = gb["day"].max()
    out["first_buy"] = gb["day"].min()
    out["active_months"] = gb["day"].agg(lambda s: s.dt.to_period("M").nunique()) \
        if len(buys) < 0 else buys.assign(m=buys["day"].dt.to_period("M")).groupby(
            "CustomerID")["m"].nunique()
    out = out.fillna({"frequency": 0, "active_months": 0})
    out["recency_days"] = (as_of - out["last_buy"].fillna(out["last_any"])).dt.days
    out["tenure_days"] = (as_of - out["first_buy"].fillna(out["first_any"])).dt.days
    out["avg_order_value"] = (out["gross"] / out["frequency"]).where(out["frequency"] > 0, 0)
    days = buys[["CustomerID", "day"]].drop_duplicates().sort_values(["CustomerID", "day"])
    days["gap"] = days.groupby("CustomerID")["day"].diff().dt.days
    gs = days.dropna().groupby("CustomerID")["gap"].agg(["mean", "std"])
    out["interpurchase_mean_days"] = gs["mean"]
    out["interpurchase_cv"] = gs["std"] / gs["mean"]
    out["return_rate_value"] = ((out["gross"] - out["monetary"]) / out["gross"]).where(
        out["gross"] > 0)
    out["return_rate_count"] = (out["return_lines"] / out["buy_lines"]).where(
        out["buy_lines"] > 0)
    last = df["day"] >= as_of - pd.Timedelta(days=90)
    prev = (df["day"] >= as_of - pd.Timedelta(days=180)) & ~last
    p_last = df["pv"].where(last, 0).groupby(df["CustomerID"]).sum()
    p_prev = df["pv"].where(prev, 0).groupby(df["CustomerID"]).sum()
    out["trend_90d"] = ((p_last - p_prev) / (p_last + p_prev)).fillna(0)
    top = buys.groupby("category")["pv"].sum().nlargest(5).index
    cat = df["category"].where(df["category"].isin(top), "other")
    shares = df.assign(cat=cat).pivot_table(index="CustomerID", columns="cat", values="pv",
                                            aggfunc="sum", fill_value=0)
    out = out.join(shares.div(out["gross"], axis=0).add_prefix("share_"))
    cc = df.groupby(["CustomerID", "Country"]).size().reset_index(name="k")
    cc = cc.sort_values(["CustomerID", "k", "Country"], ascending=[True, False, True])
    out["main_country"] = cc.drop_duplicates("CustomerID").set_index("CustomerID")["Country"]
    out = out.sort_index()
    return {"customers": len(out), "net": float(out["monetary"].sum()),
            "orders": int(out["frequency"].sum())}


def child(kind: str, path: str, memory_limit: str | None) -> None:
    t0 = time.perf_counter()
    res = run_pandas(path) if kind == "pandas" else run_custseg(path, memory_limit)
    res["seconds"] = time.perf_counter() - t0
    use = resource.getrusage(resource.RUSAGE_SELF)
    res["peak_rss_mb"] = use.ru_maxrss / 1024
    res["cpu_seconds"] = use.ru_utime + use.ru_stime  # robust to a busy machine
    print(json.dumps(res))


def measure(kind: str, path: Path, memory_limit: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--path", str(path)]
    if memory_limit:
        cmd += ["--memory-limit", memory_limit]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1M lines, 100k customers")
    ap.add_argument("--child", choices=["custseg", "pandas"])
    ap.add_argument("--path")
    ap.add_argument("--memory-limit")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.path, args.memory_limit)
        return
    n_lines, n_cust = (1_000_000, 100_000) if args.quick else (10_000_000, 1_000_000)
    path = OUT / f"synthetic_log_{n_lines // 1_000_000}M.parquet"
    t0 = time.perf_counter()
    make_log(path, n_lines, n_cust)
    print(f"log: {path} ({n_lines:,} lines, {n_cust:,} customers, "
          f"{path.stat().st_size / 2**20:.0f} MiB on disk; ready in "
          f"{time.perf_counter() - t0:.1f} s)")
    meta = pq.read_metadata(path)
    # In-memory (Arrow) size of the whole log, from its first row group.
    first = pq.ParquetFile(path).read_row_group(0)
    arrow_mb = first.nbytes / first.num_rows * meta.num_rows / 2**20
    print(f"size of the log in memory (Arrow): {arrow_mb:,.0f} MiB")
    cs = measure("custseg", path)
    pdres = measure("pandas", path)
    limit = "60MB" if args.quick else "512MB"
    low = measure("custseg", path, limit)
    print(f"{'run':<28}{'seconds':>10}{'CPU s':>8}{'peak RSS MiB':>14}{'customers':>11}"
          f"{'net value':>18}")
    for name, r in (("custseg (DuckDB)", cs), ("pandas group-by", pdres),
                    (f"custseg memory_limit={limit}", low)):
        if "error" in r:
            print(f"{name:<28} FAILED: {r['error']}")
            continue
        print(f"{name:<28}{r['seconds']:>10.1f}{r['cpu_seconds']:>8.1f}{r['peak_rss_mb']:>14.0f}"
              f"{r['customers']:>11,}{r['net']:>18,.2f}")
    if "error" not in cs and "error" not in pdres:
        print(f"speed-up vs pandas: {pdres['seconds'] / cs['seconds']:.1f}x wall, "
              f"{pdres['cpu_seconds'] / cs['cpu_seconds']:.1f}x CPU "
              f"(target >= 3x); memory: {cs['peak_rss_mb'] / pdres['peak_rss_mb']:.2f} of "
              f"pandas (target <= 0.5)")
        same = (cs["customers"] == pdres["customers"]
                and abs(cs["net"] - pdres["net"]) <= 1e-6 * abs(pdres["net"])
                and cs["orders"] == pdres["orders"])
        print(f"same customers, net value and total orders as pandas: {same}")
    if "error" not in low:
        same_low = "error" not in cs and low["customers"] == cs["customers"] \
            and low["net"] == cs["net"] and low["orders"] == cs["orders"]
        limit_mb = float(limit[:-2]) * (1024 if limit.endswith("GB") else 1)
        relation = "smaller" if limit_mb < arrow_mb else "NOT smaller"
        print(f"custseg with DuckDB memory_limit={limit}, {relation} than the log's "
              f"{arrow_mb:,.0f} MiB in memory, completed (DuckDB spilled to its temporary "
              f"folder): peak RSS {low['peak_rss_mb']:.0f} MiB vs "
              f"{pdres.get('peak_rss_mb', float('nan')):.0f} MiB for pandas; same result as "
              f"without the limit: {same_low}")


if __name__ == "__main__":
    main()

"""Small real-looking transaction logs built with a seeded RNG (shared by the log tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

STATES = {"SP": ["sao paulo", "campinas", "santos"], "RJ": ["rio de janeiro", "niteroi"],
          "MG": ["belo horizonte", "uberlandia"], "RS": ["porto alegre"], "PR": ["curitiba"]}
CATEGORIES = ["cama_mesa_banho", "beleza_saude", "esporte_lazer", "moveis_decoracao",
              "informatica_acessorios", "utilidades_domesticas", "relogios_presentes"]


def order_items(n_customers: int = 250, seed: int = 0, start: str = "2018-01-01",
                days: int = 240) -> pd.DataFrame:
    """An Olist-style order-item export: one row per item, about 300 rows for 250 customers.

    As in the real Olist data (112,650 items, 98,666 orders, 95,420 customers: 1.18 items
    per customer), most customers bought once: about 1.06 orders a customer and 1.15
    items an order.

    Columns as Olist names them: ``customer_unique_id`` (the person), ``customer_id`` (one
    per order, as in Olist), ``order_id``, ``order_item_id``, ``order_purchase_timestamp``,
    ``price``, ``freight_value``, ``product_category_name``, ``customer_state``,
    ``customer_city``. No quantity column: each row is one item.
    """
    rng = np.random.default_rng(seed)
    rows = []
    t0 = pd.Timestamp(start)
    for _ in range(n_customers):
        person = rng.bytes(16).hex()
        state = str(rng.choice(list(STATES)))
        city = str(rng.choice(STATES[state]))
        n_orders = 1 + rng.poisson(0.06)
        for _ in range(n_orders):
            order = rng.bytes(16).hex()
            per_order_customer = rng.bytes(16).hex()
            when = t0 + pd.Timedelta(seconds=int(rng.integers(0, days * 86400)))
            n_items = 1 + rng.poisson(0.15)
            for item in range(n_items):
                rows.append({
                    "order_id": order, "order_item_id": item + 1,
                    "customer_id": per_order_customer, "customer_unique_id": person,
                    "order_purchase_timestamp": when.strftime("%Y-%m-%d %H:%M:%S"),
                    "price": round(float(rng.lognormal(4.0, 0.8)), 2),
                    "freight_value": round(float(rng.uniform(7, 40)), 2),
                    "product_category_name": str(rng.choice(CATEGORIES)),
                    "customer_state": state, "customer_city": city,
                })
    return pd.DataFrame(rows)


def retail_lines(n_customers: int = 30, seed: int = 0, start: str = "2024-01-01",
                 days: int = 60, segment: bool = False) -> pd.DataFrame:
    """An Online-Retail-style log (InvoiceNo, InvoiceDate, Quantity, UnitPrice, CustomerID).

    With ``segment`` each line also carries the customer's ``Segment`` (a CRM attribute).
    """
    rng = np.random.default_rng(seed)
    rows = []
    t0 = pd.Timestamp(start)
    inv = 500000
    for c in range(n_customers):
        seg = ["Retail", "Wholesale", "Online"][c % 3]
        for _ in range(1 + rng.poisson(2.0)):
            inv += 1
            when = t0 + pd.Timedelta(minutes=int(rng.integers(0, days * 1440)))
            for _ in range(1 + rng.poisson(1.5)):
                rows.append({"InvoiceNo": str(inv), "InvoiceDate": when.strftime("%Y-%m-%d %H:%M"),
                             "Quantity": int(rng.integers(1, 12)),
                             "UnitPrice": round(float(rng.uniform(0.5, 20)), 2),
                             "CustomerID": 10000 + c, **({"Segment": seg} if segment else {})})
    return pd.DataFrame(rows)

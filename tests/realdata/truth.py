"""What is true about every real export the suite reads, and how custseg read it.

One :class:`Expected` entry per file: the truth comes from the datasets'
README (``../shared/datasets/README.md``), ``data/ATTRIBUTION.md`` for the
files shipped here, and independent pandas computations below that follow the
definitions custseg documents (``custseg.features.FEATURE_DEFINITIONS`` and
``QualityRules``). Adding a dataset is one entry in :data:`EXPECTED`.

Used by ``tests/realdata/test_corpus.py`` and ``bench/real_reading.py``.

Example
-------
>>> [e.name for e in EXPECTED if e.kind == "transactions"][:2]
['online_retail', 'cdnow_master']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from custseg.exceptions import InputError

HERE = Path(__file__).resolve().parent
LOCAL_DATA = HERE / "data"

#: Options of the whole run each file gets: one fast algorithm at a fixed k,
#: no bootstrap stability, no report. Reading (load, log detection, features,
#: schema) is the same as with the defaults.
RUN_OPTIONS: dict = {"algorithms": ["kmeans"], "k": 3, "stability": False, "report": False,
                     "seed": 0}


@dataclass(frozen=True)
class Truth:
    """A log's totals, computed with pandas and custseg's documented definitions."""

    customers: int
    net: float | None  # None: the log has no money
    orders: int        # sum of ``frequency`` over customers
    ids: frozenset = frozenset()  # customer keys as text, as the file spells them


@dataclass(frozen=True)
class Expected:
    """What is true about one file. Columns are names, or positions (int) in the
    columns as custseg's reader returns them (for files without a header).

    kind : ``table`` or ``transactions`` (``RunResult.source["kind"]``).
    rows : rows of segments.csv (a table's rows, a log's customers).
    ids : acceptable id columns; ``None`` means no id (segments keyed by row).
    dates : date column -> (first day, last day) as read.
    outcomes : the exact set of columns with role ``outcome``.
    outcome_or_label : columns that may be ``outcome`` or ``label`` (a known grouping).
    roles : further README facts, column -> acceptable roles.
    pii / pii_maybe : personal-data columns, exactly (``pii_maybe`` may or may not
        be); for a log, of its raw columns.
    truth : the log's totals by pandas (:class:`Truth`).
    run_error : the whole run must stop with this error (e.g. nothing to cluster).
    """

    name: str
    path: str  # "shared:<folder/file>" or "local:<file in tests/realdata/data>"
    kind: str
    rows: int
    ids: tuple = (None,)
    dates: dict = field(default_factory=dict)
    outcomes: frozenset = frozenset()
    outcome_or_label: frozenset = frozenset()
    roles: dict = field(default_factory=dict)
    pii: frozenset = frozenset()
    pii_maybe: frozenset = frozenset()
    truth: Callable[[Path], Truth] | None = None
    run_error: type | None = None
    note: str = ""

    @property
    def shared(self) -> bool:
        """True when the file lives in the shared corpus (tests skip without it)."""
        return self.path.startswith("shared:")

    def locate(self, shared_root: Path | None) -> Path:
        """The file's path, given the shared corpus folder."""
        where, rel = self.path.split(":", 1)
        if where == "local":
            return LOCAL_DATA / rel
        if shared_root is None:
            raise FileNotFoundError(f"{self.name} needs the shared datasets folder")
        return shared_root / rel

    def never_features(self) -> set:
        """Columns that must never become features (ids, outcomes, known groupings)."""
        return {c for c in (*self.ids, *self.outcomes, *self.outcome_or_label) if c is not None}


# --------------------------------------------------------------- pandas truths
# Definitions followed (custseg.features.builder, QualityRules defaults):
# exact duplicate lines are dropped; lines without a customer are dropped;
# a return (negative quantity, or an invoice prefix whose lines are negative)
# counts -|value|; non-return lines of negative value (bad-debt adjustments)
# are left out; a line of a cancelled order (a status column) is worth 0;
# frequency counts distinct invoices with a purchase line (value > 0), or
# distinct purchase days without an invoice column.

def online_retail_truth(path: Path) -> Truth:
    """UCI Online Retail: C-prefixed invoices are cancellations (all their lines negative)."""
    df = pd.read_parquet(path).drop_duplicates()
    df = df[df["CustomerID"].notna()]
    value = df["Quantity"] * df["UnitPrice"]
    is_c = df["InvoiceNo"].astype(str).str.startswith("C")
    assert (df.loc[is_c, "Quantity"] < 0).all()  # the evidence for the C rule
    is_return = (df["Quantity"] < 0) | is_c
    used = is_return | (value >= 0)
    net = value.where(~is_return, -value.abs())[used].sum()
    buys = df[~is_return & (value > 0)]
    return Truth(customers=int(df["CustomerID"].nunique()), net=float(net),
                 orders=int(buys.groupby("CustomerID")["InvoiceNo"].nunique().sum()),
                 # float only because of the missing values: 17850.0 is customer 17850
                 ids=frozenset(str(int(v)) for v in df["CustomerID"].unique()))


def _day_log(df: pd.DataFrame, customer, day, value) -> Truth:
    """A log without invoices: one order per customer and purchase day."""
    df = df.drop_duplicates()
    df = df[df[customer].notna()]
    ids = frozenset(df[customer].str.strip())  # read as text: "00001" stays "00001"
    if value is None:
        return Truth(customers=int(df[customer].nunique()), net=None,
                     orders=len(df[[customer, day]].drop_duplicates()), ids=ids)
    v = pd.to_numeric(df[value])
    buys = df[v > 0]
    return Truth(customers=int(df[customer].nunique()), net=float(v.sum()),
                 orders=len(buys[[customer, day]].drop_duplicates()), ids=ids)


def cdnow_master_truth(path: Path) -> Truth:
    """CDNOW master: whitespace-separated, header, YYYYMMDD days."""
    df = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str, "date": str})
    return _day_log(df, "customer_id", "date", "dollar_value")


def cdnow_sample_truth(path: Path) -> Truth:
    """CDNOW sample: no header (master id, sample id, day, CDs, dollars)."""
    df = pd.read_csv(path, sep=r"\s+", header=None, dtype=str)
    return _day_log(df, 0, 2, 4)


def groceries_truth(path: Path) -> Truth:
    """Groceries: a basket is (member, day); no money."""
    return _day_log(pd.read_csv(path, dtype=str), "Member_number", "Date", None)


def retail_transactions_truth(path: Path) -> Truth:
    """Retail_Data_Transactions: customer, day, amount."""
    return _day_log(pd.read_csv(path, dtype=str), "customer_id", "trans_date", "tran_amount")


def sample_sales_truth(path: Path) -> Truth:
    """sales_data_sample (cp850): lines of 'Cancelled' orders are worth nothing."""
    df = pd.read_csv(path, encoding="cp850").drop_duplicates()
    live = df[df["STATUS"] != "Cancelled"]
    buys = live[live["SALES"] > 0]
    return Truth(customers=int(df["CUSTOMERNAME"].nunique()), net=float(live["SALES"].sum()),
                 orders=int(buys.groupby("CUSTOMERNAME")["ORDERNUMBER"].nunique().sum()),
                 ids=frozenset(df["CUSTOMERNAME"]))


def lifetimes_truth(path: Path) -> Truth:
    """lifetimes example transactions: date and customer id only."""
    return _day_log(pd.read_csv(path, dtype=str), "id", "date", None)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


_TABLE_ROLES = frozenset({"categorical", "label"})
_CODE = frozenset({"categorical", "binary"})

#: One entry per real file. Facts quoted from the README are marked "README".
EXPECTED: list[Expected] = [
    # ---------------------------------------------------------------- logs
    Expected("online_retail", "shared:online_retail/online_retail.parquet", "transactions",
             4372, ids=("CustomerID",),
             # README says M/D/YYYY text; the parquet holds ISO text "2010-12-01 08:26:00"
             dates={"InvoiceDate": (_d("2010-12-01"), _d("2011-12-09"))},
             truth=online_retail_truth),
    Expected("cdnow_master", "shared:cdnow/CDNOW_master.txt", "transactions", 23570,
             ids=("customer_id",), dates={"date": (_d("1997-01-01"), _d("1998-06-30"))},
             truth=cdnow_master_truth),
    Expected("cdnow_sample", "shared:cdnow/CDNOW_sample.txt", "transactions", 2357,
             ids=(0, 1),  # no header: master id and sample id are one-to-one
             dates={2: (_d("1997-01-01"), _d("1998-06-30"))}, truth=cdnow_sample_truth,
             note="no header line"),
    Expected("groceries", "shared:groceries/Groceries_dataset.csv", "transactions", 3898,
             ids=("Member_number",),
             dates={"Date": (_d("2014-01-01"), _d("2015-12-30"))},  # README: dd-mm-yyyy
             truth=groceries_truth, note="no money: no monetary feature"),
    Expected("retail_transactions", "shared:retail_transactions/Retail_Data_Transactions.csv",
             "transactions", 6889, ids=("customer_id",),
             dates={"trans_date": (_d("2011-05-16"), _d("2015-03-16"))},  # README: dd-Mon-yy
             truth=retail_transactions_truth),
    Expected("sample_sales", "shared:sample_sales/sales_data_sample.csv", "transactions", 92,
             ids=("CUSTOMERNAME",),
             dates={"ORDERDATE": (_d("2003-01-06"), _d("2005-05-31"))},  # README: M/D/YYYY
             pii=frozenset({"PHONE", "ADDRESSLINE1", "CONTACTLASTNAME", "CONTACTFIRSTNAME"}),
             pii_maybe=frozenset({"ADDRESSLINE2"}),  # "Level 3", "Suite 101": sparse
             truth=sample_sales_truth, note="cp850; cancellations in STATUS"),
    Expected("lifetimes_example", "local:lifetimes_example_transactions.csv", "transactions",
             5000, ids=("id",), dates={"date": (_d("2014-01-01"), _d("2014-12-31"))},
             truth=lifetimes_truth, note="date and id only (MIT, lifetimes 0.11.3)"),
    # -------------------------------------------------------------- tables
    Expected("mall", "shared:mall_customers/Mall_Customers.csv", "table", 200,
             ids=("CustomerID",),
             # the spending score is the mall's behavioural measure, the classic feature
             roles={"Spending Score (1-100)": {"numeric"}, "Gender": _CODE}),
    Expected("wholesale", "shared:wholesale_customers/Wholesale customers data.csv", "table",
             440, roles={"Channel": _TABLE_ROLES | {"binary"}, "Region": _TABLE_ROLES}),
    Expected("customer_personality", "shared:customer_personality/marketing_campaign.csv",
             "table", 2240, ids=("ID",),
             dates={"Dt_Customer": (_d("2012-07-30"), _d("2014-06-29"))},  # README: day-first
             outcomes=frozenset({"Response", "AcceptedCmp1", "AcceptedCmp2", "AcceptedCmp3",
                                 "AcceptedCmp4", "AcceptedCmp5"}),
             roles={"Z_CostContact": {"constant"}, "Z_Revenue": {"constant"}}),
    Expected("cc_general", "shared:cc_general/CC GENERAL.csv", "table", 8950,
             ids=("CUST_ID",)),
    Expected("online_shoppers", "shared:online_shoppers/online_shoppers_intention.csv",
             "table", 12330, outcomes=frozenset({"Revenue"}),
             roles={"OperatingSystems": _CODE, "Browser": _CODE, "Region": _CODE,
                    "TrafficType": _CODE, "Weekend": {"binary"},
                    "Month": {"categorical"}}),  # a month name, not a date
    Expected("bank_churners", "shared:bank_churners/BankChurners.csv", "table", 10127,
             ids=("CLIENTNUM",),
             outcomes=frozenset({
                 "Attrition_Flag",
                 "Naive_Bayes_Classifier_Attrition_Flag_Card_Category_Contacts_Count_12_mon_"
                 "Dependent_count_Education_Level_Months_Inactive_12_mon_1",
                 "Naive_Bayes_Classifier_Attrition_Flag_Card_Category_Contacts_Count_12_mon_"
                 "Dependent_count_Education_Level_Months_Inactive_12_mon_2"}),
             roles={"Income_Category": {"categorical"}, "Card_Category": {"categorical"}}),
    Expected("customer_segmentation_av", "shared:customer_segmentation_av/Train.csv", "table",
             8068, ids=("ID",), outcome_or_label=frozenset({"Segmentation"}),
             roles={"Spending_Score": {"categorical"}, "Var_1": {"categorical"},
                    "Profession": {"categorical"}}),
    Expected("iranian_churn", "shared:iranian_churn/Customer Churn.csv", "table", 3150,
             outcomes=frozenset({"Churn"}),
             roles={"Tariff Plan": _CODE, "Status": _CODE}),
    Expected("german_credit", "shared:german_credit/german.data", "table", 1000,
             outcomes=frozenset({20}),  # column 21: 1 good / 2 bad
             note="no header line"),
    Expected("retail_response", "shared:retail_transactions/Retail_Data_Response.csv",
             "table", 6884, ids=("customer_id",), outcomes=frozenset({"response"}),
             # only an id and an outcome: nothing to segment on (one clear error)
             run_error=InputError),
]

BY_NAME = {e.name: e for e in EXPECTED}


# --------------------------------------------------------- how custseg read it
@dataclass
class Reading:
    """The input as ``custseg.run`` reads it, before preprocessing."""

    path: Path
    frame: pd.DataFrame       # the customer table (a log's customer features)
    source: dict
    transactions: object      # CustomerFeatures for a log, else None
    schema: object            # custseg.data.schema.Schema
    decisions: list[str]
    _raw_columns: list[str] | None = None

    @property
    def kind(self) -> str:
        return str(self.source.get("kind"))

    def raw_columns(self) -> list[str]:
        """The file's columns as custseg's reader returns them."""
        if self._raw_columns is None:
            if self.transactions is None:
                self._raw_columns = [str(c) for c in self.frame.columns]
            else:
                from custseg.data import read_table

                self._raw_columns = [str(c) for c in read_table(self.path).frame.columns]
        return self._raw_columns

    def name_of(self, column) -> str | None:
        """A column given by name or position, as a name (None stays None)."""
        if column is None or isinstance(column, str):
            return column
        cols = self.raw_columns()
        return cols[column] if column < len(cols) else f"<no column {column}>"

    def date_range(self, column: str) -> tuple[dt.date, dt.date] | None:
        """First and last day custseg read in a date column.

        A log: the as-of date is the day after the last line, and the largest
        tenure reaches back to the first line. A table: the column parsed with
        the format schema inference recorded on it.
        """
        if self.transactions is not None:
            as_of = self.transactions.as_of
            first = as_of - dt.timedelta(days=int(self.frame["tenure_days"].max()))
            return first, as_of - dt.timedelta(days=1)
        from custseg.data.schema import parse_dates

        info = self.schema[column]
        if info.role != "datetime":
            return None
        parsed = parse_dates(self.frame[column], info.date_format).dropna()
        return parsed.min().date(), parsed.max().date()

    def date_format(self, column: str) -> str | None:
        """The format custseg recorded for a date column."""
        if self.transactions is not None:
            return str(getattr(self.transactions, "date_format", "") or "") or None
        return self.schema[column].date_format if column in self.schema.columns else None

    def raw_pii(self) -> set[str]:
        """PII columns: of the table, or of a log's raw columns."""
        if self.transactions is None:
            return set(self.schema.names("pii"))
        from custseg.data import infer_schema, read_table

        return set(infer_schema(read_table(self.path).frame).names("pii"))


def read_like_run(path: Path, **options) -> Reading:
    """Read ``path`` exactly as :func:`custseg.run` does before preprocessing.

    The same calls in the same order (load with log detection and log
    features, then schema inference), without clustering: the reading can be
    checked on a file whose whole run is slow or fails.
    """
    from custseg import workflow
    from custseg.config import RunConfig

    config = RunConfig().replace(**{**RUN_OPTIONS, **options})
    decisions: list[str] = []
    frame, source, transactions = workflow._load_input(path, config, decisions)
    schema = workflow._schema(frame, config, transactions, source)
    return Reading(Path(path), frame, source, transactions, schema, decisions)

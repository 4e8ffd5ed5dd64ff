"""Two-valued text columns ("Yes"/"No", "M"/"F") on the local engine: one 0/1 feature each."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custseg.data import infer_schema
from custseg.preprocess import PreprocessOptions, build_preprocessor
from custseg.preprocess.plan import ColumnStats, plan_columns, stats_from_pandas


def _table(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    smoker = rng.choice(["Yes", "No"], n, p=[0.3, 0.7])
    return pd.DataFrame({"spend": rng.gamma(2.0, 50.0, n) + (smoker == "Yes") * 80,
                         "visits": rng.normal(10, 3, n), "smoker": smoker,
                         "sex": rng.choice(["M", "F"], n)})


def test_two_valued_text_is_one_standardised_dummy():
    frame = _table()
    prep = build_preprocessor(infer_schema(frame), PreprocessOptions(select_features=False))
    X = prep.fit_transform(frame)
    names = prep.get_feature_names_out().tolist()
    assert names[:3] == ["spend", "visits", "smoker=No"] and names[3] in ("sex=M", "sex=F")
    smoker = X[:, 2]
    assert len(np.unique(smoker.round(9))) == 2  # two values, not NaN and not dropped
    assert abs(smoker.var() - 1.0) < 1e-9  # weighted like one numeric column
    treatment = {d["column"]: d["treatment"] for d in prep.decisions_}
    assert treatment["smoker"] == treatment["sex"] == "0/1 weighted as one column"


def test_two_valued_text_with_gaps_keeps_missing_as_a_level():
    frame = _table()
    frame.loc[::5, "smoker"] = None
    prep = build_preprocessor(infer_schema(frame), PreprocessOptions(select_features=False))
    prep.fit(frame)
    dec = {d["column"]: d for d in prep.decisions_}["smoker"]
    assert dec["kept"]
    assert dec["stats"]["n_levels"] == 3
    assert "(missing)" in dec["stats"]["levels"]


def test_plan_makes_a_two_valued_text_column_a_category_whatever_its_role():
    frame = _table()
    for role in ("binary", "categorical"):
        stats = stats_from_pandas(frame, {"spend": "numeric", "visits": "numeric",
                                          "smoker": role, "sex": role})
        kinds = {p.column: p.kind for p in plan_columns(stats, PreprocessOptions())}
        assert kinds == {"spend": "numeric", "visits": "numeric", "smoker": "category",
                         "sex": "category"}
    text = ColumnStats("smoker", "numeric", "other", dtype="text", n_rows=10, sample_rows=10,
                       n_distinct=2, level_shares=(0.6, 0.4))
    # a text column forced numeric (--numeric) is still read as numbers (then all missing
    # and imputed); the plan only says "numeric": the user asked for it
    assert plan_columns([text], PreprocessOptions())[0].kind == "numeric"

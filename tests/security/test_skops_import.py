"""custseg imports skops.io without skops' scan of scikit-learn (persist/_skops.py).

The rest of the security tests import ``skops.io`` themselves first, so they see
skops' usual default trust list. These run in a fresh interpreter where custseg
makes the first import, as the CLI does, and check that the model-file checks
are the same there: a real model loads, a crafted one is refused, and skops'
default list trusts no scikit-learn estimator (so custseg's allow-list sees every type).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import json, sys
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import FunctionTransformer, StandardScaler
    from sklearn.svm import SVC
    import sklearn.utils
    from custseg.exceptions import UnsafeModelError
    from custseg.persist.model import SegmentationModel, load_model, save_model

    assert "skops.io" not in sys.modules
    folder = sys.argv[1]
    model = SegmentationModel(StandardScaler(), KMeans(2, n_init=1, random_state=0),
                              {"x": "float64"})
    model.fit_labels(pd.DataFrame({"x": [0.0, 0.1, 5.0, 5.1]}))
    good = save_model(model, folder + "/good.skops")
    import skops.io as sio
    out = {"untrusted": sio.get_untrusted_types(file=good),
           "walk_restored": sklearn.utils.all_estimators.__name__,
           "scores": load_model(good).predict(pd.DataFrame({"x": [0.05, 5.05]})).tolist()}
    refused = {}
    for name, estimator in (("svc", SVC()), ("exec", FunctionTransformer(exec))):
        path = folder + f"/{name}.skops"
        sio.dump(SegmentationModel(StandardScaler(), estimator, {"x": "float64"}), path)
        try:
            load_model(path)
            refused[name] = "loaded"
        except UnsafeModelError as err:
            refused[name] = str(err)
    out["refused"] = refused
    print(json.dumps(out))
""")


def test_models_load_and_crafted_ones_are_refused_after_custsegs_skops_import(tmp_path: Path):
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    # a real model round-trips and scores like it was fitted
    assert sorted(out["scores"]) == [0, 1] and out["scores"][0] != out["scores"][1]
    # skops' default list holds no estimator now: custseg's allow-list checks KMeans itself
    assert "sklearn.cluster._kmeans.KMeans" in out["untrusted"]
    assert out["walk_restored"] == "all_estimators"
    assert "sklearn.svm._classes.SVC" in out["refused"]["svc"]
    assert "builtins.exec" in out["refused"]["exec"]


def test_the_command_loads_scipy_special_before_scikit_learn():
    """skops looks up each SciPy ufunc by scanning the loaded modules in load order, so
    the run loads scipy.special first, before the BLAS libraries and scikit-learn
    (custseg._threads._load_pools): 762th module without this, 517th with it."""
    code = ("import sys; import custseg.cli.app; from custseg._threads import _load_pools; "
            "_load_pools(); names = list(sys.modules); "
            "print(names.index('scipy.special') < names.index('scipy.linalg'))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "True"

"""Nothing quadratic in rows: a 200k-row automatic run stays small in memory.

The run happens in a fresh interpreter so its peak resident memory
(ru_maxrss) is its own; tracemalloc would slow numpy-heavy code about 5x.
"""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, resource
from sklearn.datasets import make_blobs
from custseg.selection import Segmenter
X, _ = make_blobs(200_000, centers=4, n_features=5, random_state=0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# a small selection sample keeps the test fast; every full-data step still runs
seg = Segmenter(k=(3, 5), n_stability=2, n_gap_refs=2, n_init=1, widen=False,
                selection_sample=5000, silhouette_sample=2000, n_threads=1,
                random_state=0).fit(X)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"k": seg.n_clusters_, "n_labels": len(seg.labels_), "before_kb": before,
                  "peak_kb": peak, "sampled": seg.sampled_}))
"""


def test_200k_rows_without_quadratic_memory():
    n = 200_000
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True, timeout=300)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["k"] == 4 and res["n_labels"] == n
    grown = (res["peak_kb"] - res["before_kb"]) * 1024
    # n^2 float64 distances would be 320 GB; the data itself is 8 MB
    assert grown < 400 * 2**20, f"fit grew peak RSS by {grown / 2**20:.0f} MiB"
    assert res["peak_kb"] * 1024 < n * n * 8 / 100
    sampled = res["sampled"]
    assert sampled["selection_sampled"] and sampled["selection_rows"] == 5000
    assert any("sample" in note for note in sampled["notes"])

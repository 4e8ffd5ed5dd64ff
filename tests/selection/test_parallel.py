"""The fit helper process (custseg._parallel): same results, warnings and errors as a
serial run, and safe to fork."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning

from custseg import _parallel
from custseg._parallel import helper_allowed, parallel_map, start_helper, stop_helper
from custseg._threads import thread_limits
from custseg.evaluate import bootstrap_stability
from custseg.preprocess.relevance import segment_structure_scores
from custseg.selection._warnings import capture_warnings, summarize_warnings

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the helper is forked, on Linux only")


@pytest.fixture(autouse=True)
def _fresh_helper(monkeypatch):
    """No helper left by an earlier test of this worker: each test forks its own."""
    monkeypatch.delenv(_parallel.ENV_SWITCH, raising=False)
    stop_helper()
    _parallel._broken = False
    yield
    stop_helper()
    _parallel._broken = False


def _ready_helper() -> int:
    """Start the helper and wait until it answers (so it takes its share at once)."""
    assert start_helper(2)
    return _parallel._helper.submit(os.getpid).result(timeout=120)


# module-level functions: the helper receives them by name
def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _square_warning(x: int) -> int:
    warnings.warn(f"fit {x} did not converge", ConvergenceWarning, stacklevel=1)
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("item 3 is bad")
    return x


def _die_in_helper(x: int) -> int:
    if _parallel._in_helper:
        os._exit(3)
    time.sleep(0.05)
    return -x


def _call(fn) -> object:
    return fn()


@linux_only
def test_items_are_shared_with_the_helper_and_come_back_in_order():
    pids = parallel_map(_pid_after, [(0.2,)] * 6, openmp_threads=2)
    assert len(pids) == 6
    assert os.getpid() in pids  # this process took some items ...
    assert len(set(pids)) == 2  # ... and the helper the others
    # the helper takes from the front, this process from the end
    assert pids[0] != os.getpid() and pids[-1] == os.getpid()
    assert parallel_map(divmod, [(i, 3) for i in range(10)], openmp_threads=2) == [
        divmod(i, 3) for i in range(10)]


def test_no_helper_with_one_free_core_or_when_switched_off(monkeypatch):
    assert not helper_allowed(1)
    assert set(parallel_map(_pid_after, [(0.0,)] * 4, openmp_threads=1)) == {os.getpid()}
    monkeypatch.setenv(_parallel.ENV_SWITCH, "0")
    assert not start_helper(2)
    assert set(parallel_map(_pid_after, [(0.0,)] * 4, openmp_threads=2)) == {os.getpid()}


@linux_only
def test_warnings_raised_in_the_helper_are_counted_here():
    with capture_warnings() as caught:
        squares = parallel_map(_square_warning, [(i,) for i in range(8)], openmp_threads=2)
    assert squares == [i * i for i in range(8)]
    assert len(caught) == 8
    assert all(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert summarize_warnings(caught, max_iter=100)[0].startswith("8 mixture fits did not")


@linux_only
def test_an_error_in_a_fit_is_raised_here_as_in_a_serial_run():
    with pytest.raises(ValueError, match="item 3 is bad"):
        parallel_map(_fail_on_three, [(i,) for i in range(8)], openmp_threads=2)
    # the helper is still usable afterwards
    assert parallel_map(abs, [(-1,), (-2,)], openmp_threads=2) == [1, 2]


@linux_only
def test_a_helper_that_dies_leaves_the_work_to_this_process():
    _ready_helper()
    out = parallel_map(_die_in_helper, [(i,) for i in range(6)], openmp_threads=2)
    assert out == [-i for i in range(6)]
    assert _parallel._broken  # no second helper is forked in this process
    assert not start_helper(2)


@linux_only
def test_the_helper_keeps_no_copy_of_an_output_lock(tmp_path):
    from custseg.outputs import output_lock

    out = tmp_path / "run"
    with output_lock(out):
        pid = _ready_helper()  # forked while the lock is held
        assert pid != os.getpid()
        fds = os.listdir(f"/proc/{pid}/fd")
        targets = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds
                   if os.path.exists(f"/proc/{pid}/fd/{fd}")}
    assert not any(".lock" in t and str(tmp_path) in t for t in targets), targets


@linux_only
def test_same_scores_and_refits_with_and_without_the_helper(monkeypatch):
    X, _ = make_blobs(1500, n_features=4, centers=3, random_state=1)
    Z = np.c_[X, np.random.default_rng(0).normal(size=(1500, 2))]
    Z = (Z - Z.mean(0)) / Z.std(0)
    slices = [(i, i + 1) for i in range(Z.shape[1])]
    with thread_limits(2):  # a plan of two threads: the helper takes part
        with_helper = segment_structure_scores(Z, slices, random_state=0)
        stab = bootstrap_stability(X, KMeans(3, n_init=1, random_state=0), n_boot=4,
                                   random_state=0)
    assert _parallel._helper is not None
    monkeypatch.setenv(_parallel.ENV_SWITCH, "0")
    stop_helper()
    assert np.array_equal(with_helper, segment_structure_scores(Z, slices, random_state=0))
    serial = bootstrap_stability(X, KMeans(3, n_init=1, random_state=0), n_boot=4,
                                 random_state=0)
    assert np.array_equal(stab.jaccard, serial.jaccard) and np.array_equal(stab.ari, serial.ari)
    assert with_helper[:4].min() > 0.5 and with_helper[4:].max() < 0.05


@linux_only
def test_the_same_segments_with_and_without_the_helper(tmp_path):
    """A whole selection, in fresh interpreters: helper on (two threads) and off. Every
    candidate's scores (not only the chosen one's labels) must agree."""
    script = textwrap.dedent("""
        import json, sys
        import numpy as np
        from sklearn.datasets import make_blobs
        from custseg.selection import Segmenter
        X, _ = make_blobs(3000, n_features=5, centers=4, cluster_std=2.0, random_state=3)
        seg = Segmenter(k=(2, 8), n_threads=2, n_stability=2, random_state=0).fit(X)
        from custseg import _parallel
        table = seg.candidates_.select_dtypes("number").drop(columns=["fit_seconds"],
                                                             errors="ignore")
        print(json.dumps({"k": int(seg.n_clusters_), "labels": seg.labels_.tolist(),
                          "table": table.to_numpy().tolist(),
                          "helper": _parallel._helper is not None}))
    """)
    runs = {}
    for switch in ("1", "0"):
        env = {**os.environ, _parallel.ENV_SWITCH: switch}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=300, check=True)
        runs[switch] = __import__("json").loads(done.stdout.strip().splitlines()[-1])
    assert runs["1"]["helper"] and not runs["0"]["helper"]
    assert runs["1"]["k"] == runs["0"]["k"] == 4
    agree = np.mean(np.array(runs["1"]["labels"]) == np.array(runs["0"]["labels"]))
    assert agree > 0.999
    with_helper, serial = np.array(runs["1"]["table"]), np.array(runs["0"]["table"])
    assert with_helper.shape == serial.shape and with_helper.shape[0] >= 14
    assert np.allclose(with_helper, serial, equal_nan=True, rtol=1e-6, atol=1e-9)


@linux_only
def test_forking_after_openmp_ran_on_two_threads_does_not_hang():
    """libgomp is not fork-safe once its pool exists; the helper runs single-threaded,
    which never touches that pool."""
    script = textwrap.dedent("""
        import numpy as np
        from threadpoolctl import threadpool_limits
        from sklearn.cluster import KMeans
        from custseg._parallel import parallel_map
        from custseg.selection._candidates import _fit_kmeans
        X = np.random.default_rng(0).normal(size=(20000, 8))
        with threadpool_limits(limits=2):
            KMeans(5, n_init=2, random_state=0).fit(X)  # OpenMP pool of two threads
        jobs = [(X, k, "k-means++", 1, k) for k in range(2, 8)]
        out = parallel_map(_fit_kmeans, jobs, openmp_threads=2)
        with threadpool_limits(limits=1):
            ref = [_fit_kmeans(*job) for job in jobs]
        assert all(np.array_equal(a[0], b[0]) for a, b in zip(out, ref))
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")


def _map_in_daemon(queue) -> None:
    queue.put(parallel_map(_pid_after, [(0.0,)] * 3, openmp_threads=2))


@linux_only
def test_a_daemonic_process_runs_the_batch_itself():
    """multiprocessing forbids children of daemonic processes: no helper, no error."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_map_in_daemon, args=(queue,), daemon=True)
    proc.start()
    pids = queue.get(timeout=60)
    proc.join(60)
    assert set(pids) == {proc.pid}


def test_work_that_cannot_be_sent_to_the_helper_runs_here():
    """A lambda (in an estimator, say) cannot be pickled: no error, the batch runs here."""
    assert parallel_map(_call, [(lambda: 1,), (lambda: 2,)], openmp_threads=2) == [1, 2]


def test_threads_one_on_the_command_line_holds_for_every_stage():
    """--threads 1: a Segmenter inside the run (its own thread_limits(None)) keeps the
    one-thread plan, so no helper starts."""
    from custseg.selection import Segmenter

    X, _ = make_blobs(600, n_features=3, centers=3, random_state=0)
    with thread_limits(1):
        Segmenter(k=(2, 4), n_stability=2, random_state=0).fit(X)
    assert _parallel._helper is None


@linux_only
def test_a_killed_parent_takes_the_helper_with_it():
    """Even with the command line's SIGTERM handler (it raises SystemExit, which the
    pool's worker loop would swallow) the helper ends when its parent is killed."""
    script = textwrap.dedent("""
        import os, signal, sys, time
        def on_term(signum, frame):
            raise SystemExit(143)
        signal.signal(signal.SIGTERM, on_term)
        from custseg import _parallel
        assert _parallel.start_helper(2)
        pid = _parallel._helper.submit(os.getpid).result(timeout=120)
        print(pid, flush=True)
        _parallel.run_beside(time.sleep, 30, openmp_threads=2)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=180)
    pid = int(done.stdout.split()[0])

    def alive() -> bool:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive()

"""Output folders: replaced only when custseg wrote them, leftovers of killed runs cleaned,
one run at a time, the umask respected, and identical runs giving identical files.

Two small CLI runs are shared by the module: run A replaces a marked output
folder surrounded by leftovers of killed runs (umask 022); run B writes a new
folder whose name holds Rich markup (umask 077).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from custseg.datasets import make_customers
from custseg.exceptions import ConfigError
from custseg.outputs import MARKER, clean_leftovers, output_lock, staged_output
from tests.cli.helpers import invoke

# The module's `runs` (about 30 s) built once, on one worker.
pytestmark = pytest.mark.xdist_group("outputs-runs")

FAST = ("--algorithms", "kmeans", "--no-report", "--no-stability", "--k", "3", "--seed", "4",
        "--figures")  # PNGs on: their folder's mode and their bytes are checked below
MARKER_JSON = json.dumps({"tool": "custseg", "version": "0.0.9"})


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _with_umask(mask: int, *args):
    old = os.umask(mask)
    try:
        return invoke(*args)
    finally:
        os.umask(old)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("outputs")
    data = root / "customers.csv"
    make_customers(120, k=3, seed=5).to_csv(data, index=False)
    a = root / "out_a"
    a.mkdir()
    (a / MARKER).write_text(MARKER_JSON)
    (a / "segments.csv").write_text("row,segment\n1,0\n")
    (a / "stale_from_old_run.txt").write_text("x")
    leftovers = {".out_a.tmp-k3j9x0aa": True, ".out_a.old-1700000000000000000": True,
                 ".out_a.tmp-unmarked1": False}
    for name, marked in leftovers.items():
        (root / name).mkdir()
        (root / name / "segments.csv").write_text("half")
        if marked:
            (root / name / MARKER).write_text(MARKER_JSON)
    old = time.time() - 3600
    os.utime(root / ".out_a.tmp-unmarked1", (old, old))
    (root / ".other.tmp-12345678").mkdir()  # another output's: not ours to clean
    (root / ".out_a.notes").write_text("the user's")  # not custseg's naming
    code_a, out_a, err_a = _with_umask(0o022, "run", data, "-o", a, *FAST)
    b = root / "x[/].out"
    code_b, out_b, err_b = _with_umask(0o077, "run", data, "-o", b, *FAST)
    return {"root": root, "data": data, "a": a, "b": b, "leftovers": leftovers,
            "results": {"a": (code_a, out_a, err_a), "b": (code_b, out_b, err_b)}}


def test_both_runs_succeed(runs):
    for code, out, err in runs["results"].values():
        assert code == 0, err
        assert "Traceback" not in out + err


def test_a_marked_folder_is_replaced_whole(runs):
    a = runs["a"]
    assert not (a / "stale_from_old_run.txt").exists()
    assert json.loads((a / MARKER).read_text())["tool"] == "custseg"
    assert sorted(p.name for p in a.iterdir()) == [
        MARKER, "figures", "model.skops", "segments.csv", "summary.json"]
    assert len((a / "segments.csv").read_text().splitlines()) == 121


def test_leftovers_of_killed_runs_are_cleaned(runs):
    root = runs["root"]
    for name in runs["leftovers"]:
        assert not (root / name).exists(), name
    assert (root / ".other.tmp-12345678").is_dir()
    assert (root / ".out_a.notes").read_text() == "the user's"
    assert not list(root.glob(".out_a.lock")) and not list(root.glob(".x[.lock"))


def test_umask_022_gives_0755_folders_and_0644_files(runs):
    a = runs["a"]
    assert _mode(a) == 0o755
    assert _mode(a / "figures") == 0o755
    for name in ("segments.csv", "summary.json", "model.skops", MARKER):
        assert _mode(a / name) == 0o644, name


def test_umask_077_gives_private_outputs(runs):
    b = runs["b"]
    assert _mode(b) == 0o700
    assert _mode(b / "segments.csv") == 0o600


def test_a_path_with_rich_markup_is_printed_as_is(runs):
    code, out, err = runs["results"]["b"]
    assert code == 0, err
    assert "x[/].out" in " ".join(out.split())
    assert (runs["root"] / "x[" / "].out" / "segments.csv").is_file()


def _without_timings(text: str) -> str:
    block = re.compile(r'\n  "timings_s": \{[^{}]*\},?')
    assert len(block.findall(text)) == 1, "timings_s must be one flat block"
    return block.sub("", text)


def test_identical_runs_give_identical_files_but_timings(runs):
    a, b = runs["a"], runs["b"]
    summary_a = (a / "summary.json").read_text(encoding="utf-8")
    summary_b = (b / "summary.json").read_text(encoding="utf-8")
    assert _without_timings(summary_a) == _without_timings(summary_b)
    assert "_seconds" not in _without_timings(summary_a)  # every duration is in timings_s
    for name in ("segments.csv", "model.skops", MARKER):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    figures = sorted(p.name for p in (a / "figures").iterdir())
    assert figures == sorted(p.name for p in (b / "figures").iterdir())
    for name in figures:
        assert (a / "figures" / name).read_bytes() == (b / "figures" / name).read_bytes(), name


def test_the_reproducible_model_still_scores(runs, tmp_path):
    code, out, err = invoke("assign", runs["a"] / "model.skops", runs["data"],
                            "-o", tmp_path / "y[/].csv")
    assert code == 0, err
    assert "written to" in out and "y[/].csv" in " ".join(out.split())
    scored = (tmp_path / "y[" / "].csv").read_text()
    assert scored == (runs["a"] / "segments.csv").read_text()


def test_a_second_run_into_a_locked_folder_stops_at_once(runs, tmp_path):
    out = tmp_path / "busy"
    lock = tmp_path / ".busy.lock"
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        started = time.perf_counter()
        code, stdout, err = invoke("run", runs["data"], "-o", out, *FAST)
        elapsed = time.perf_counter() - started
    assert code == 2, (stdout, err)
    assert "another custseg run is writing to this output" in " ".join(err.split())
    assert "wait for it to finish, or choose another folder for -o" in " ".join(err.split())
    assert elapsed < 5  # refused before loading or segmenting anything
    assert not out.exists()


def test_the_lock_is_reentrant_in_one_process_and_exclusive_across(tmp_path):
    out = tmp_path / "o"
    with output_lock(out), output_lock(out):
        probe = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(f"""
                from custseg.outputs import output_lock
                try:
                    with output_lock({str(out)!r}):
                        print("acquired")
                except ValueError as err:
                    print(err)
                """)], capture_output=True, text=True, timeout=120)
        assert "another custseg run is writing to this output" in probe.stdout, probe.stderr
    assert not (tmp_path / ".o.lock").exists()


KILLED_WRITER = """
import sys, time
from custseg.outputs import exit_on_sigterm, staged_output
if sys.argv[2] == "cli":
    exit_on_sigterm()  # what the custseg command installs
with staged_output(__import__("pathlib").Path(sys.argv[1])) as staging:
    (staging / "segments.csv").write_text("half written")
    print("writing", flush=True)
    time.sleep(120)
"""


def _stop_writer(out: Path, signum: int, mode: str) -> int:
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(out), mode],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.send_signal(signum)
        return proc.wait(timeout=60)
    finally:
        proc.kill()
        proc.stdout.close()


@pytest.mark.parametrize(("signum", "mode"), [(signal.SIGKILL, "cli"),
                                              (signal.SIGTERM, "library")])
def test_a_killed_writer_leaves_nothing_the_next_run_keeps(tmp_path, signum, mode):
    out = tmp_path / "result"
    _stop_writer(out, signum, mode)
    staged = list(tmp_path.glob(".result.tmp-*"))
    assert len(staged) == 1 and (staged[0] / MARKER).is_file()  # a leftover, marked
    with staged_output(out) as staging:  # the lock died with the process
        (staging / "segments.csv").write_text("complete")
    assert not list(tmp_path.glob(".result.tmp-*"))
    assert (out / "segments.csv").read_text() == "complete"


def test_sigterm_to_the_command_cleans_up_at_once(tmp_path):
    code = _stop_writer(tmp_path / "result", signal.SIGTERM, "cli")
    assert code == 128 + signal.SIGTERM
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no staging, no lock file


def test_a_failed_write_keeps_the_previous_result(tmp_path):
    out = tmp_path / "r"
    with staged_output(out) as staging:
        (staging / "segments.csv").write_text("first")
    with pytest.raises(RuntimeError), staged_output(out) as staging:
        (staging / "segments.csv").write_text("second, half")
        raise RuntimeError("disk full")
    assert (out / "segments.csv").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_umask_027_is_respected(tmp_path):
    old = os.umask(0o027)
    try:
        with staged_output(tmp_path / "r") as staging:
            (staging / "f.txt").write_text("x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "r") == 0o750
    assert _mode(tmp_path / "r" / "f.txt") == 0o640


def test_fresh_leftovers_of_another_tool_are_kept(tmp_path):
    """Named like ours but unmarked and newer than the lock: not provably ours."""
    odd = tmp_path / ".o.tmp-abc"
    odd.mkdir()
    with output_lock(tmp_path / "o"):
        assert clean_leftovers(tmp_path / "o", before=time.time() - 60) == []
    assert odd.is_dir()


def test_an_api_write_into_a_users_folder_is_refused(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "cv.pdf").write_text("mine")
    with pytest.raises(ConfigError, match=r"holds files custseg did not write \(cv.pdf\)"), \
            staged_output(folder):
        pass
    assert (folder / "cv.pdf").read_text() == "mine"

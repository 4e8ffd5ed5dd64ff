"""Write a run's files all or nothing, and never where it could destroy data.

Everything goes into a temporary sibling folder first; only when every file is
written is it renamed into place. A failure on the way removes the temporary
folder, so an output folder is either the complete previous result or the
complete new one — never half of each.

Replacing a folder deletes what was in it, so ``-o`` is checked before any
computation (:func:`check_output_folder`):

* custseg writes a marker file, ``.custseg-output``, into every output folder,
  and replaces an existing folder only when it holds that marker (or is empty,
  or is a custseg output from before markers: nothing but custseg's files);
* it never replaces the input's folder, a folder holding the input or the
  config, ``/``, the home folder, the current folder or one above it;
* an existing file, a path under a file and a place it cannot write to are
  refused with one clear line.

A run holds an exclusive lock (``.NAME.lock`` beside the output) while it
writes: a second run into the same folder stops at once with a clear message.
Leftovers of a run that was killed (``.NAME.tmp-*``, ``.NAME.old-*``) are
removed by the next run into the same folder. Folders and files respect the
umask.

Example
-------
>>> import tempfile, pathlib
>>> from custseg.datasets import make_customers
>>> from custseg.workflow import run
>>> result = run(make_customers(300, k=3, seed=0), k=3, algorithms=["kmeans"])
>>> out = write_outputs(result, pathlib.Path(tempfile.mkdtemp()) / "out", report=False)
>>> sorted(p.name for p in out.iterdir())
['.custseg-output', 'model.skops', 'segments.csv', 'summary.json']
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from custseg.exceptions import ConfigError

#: Files a complete run writes (report.html only when the report is on).
OUTPUT_FILES = ("segments.csv", "summary.json", "report.html", "model.skops", "figures")
#: The marker custseg writes into every output folder it creates.
MARKER = ".custseg-output"
# Names a custseg output folder may hold (both engines), for folders written
# before the marker existed.
_KNOWN_NAMES = frozenset({*OUTPUT_FILES, MARKER, "spark_model", "segments"})
# Spark's own files in a Parquet output folder (assign --engine spark -o x.parquet).
_SPARK_PARQUET = re.compile(r"^(part-.*|_SUCCESS|_committed_.*|_started_.*|\..*\.crc)$")

_OPTION = "-o/--out"
_HELD_LOCKS: dict[str, tuple[int, int]] = {}  # lock path -> (fd, depth): re-entrant in-process


# ------------------------------------------------------------------ checks
def check_output_folder(out_dir: str | Path, *, inputs: Iterable[str | Path | None] = ()
                        ) -> Path:
    """Refuse an output folder that custseg must not replace; return it as given.

    Called before any computation (``custseg run/demo``) and again just before
    the finished folder is swapped in. ``inputs`` are the files the run reads
    (data, config): a folder holding one of them is never replaced.

    Example
    -------
    >>> import tempfile, pathlib
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (home / "notes.txt").write_text("mine")
    >>> check_output_folder(home / "new") == home / "new"
    True
    >>> try:
    ...     check_output_folder(home)
    ... except ValueError as err:
    ...     print(str(err).split(":")[0])
    the output folder already holds files custseg did not write (notes.txt)
    """
    out_dir = Path(out_dir)
    real = Path(os.path.realpath(out_dir))
    _refuse_special(out_dir, real, kind="folder")
    _refuse_inputs(out_dir, real, inputs)
    if real.exists() and not real.is_dir():
        raise ConfigError("the output folder is an existing file", where=str(out_dir),
                          fix="choose a new folder name for -o, e.g. "
                              f"-o {out_dir.with_name(out_dir.stem + '-segments')}")
    _refuse_under_file(out_dir)
    if real.is_dir():
        foreign = _foreign_entries(real)
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more"
                                               if len(foreign) > 3 else "")
            raise ConfigError(
                f"the output folder already holds files custseg did not write ({shown}): "
                "custseg replaces a whole folder and only ever one it wrote itself",
                where=str(out_dir),
                fix="choose a new folder for -o, or empty this one")
    _probe_writable(out_dir.parent if out_dir.name else out_dir)
    return out_dir


def check_output_file(out: str | Path, *, inputs: Iterable[str | Path | None] = (),
                      spark_parquet: bool = False) -> Path:
    """Refuse an output file (``assign -o``, ``features -o``) that is not safe to write.

    A folder, one of the inputs, a path under a file and an unwritable place
    are refused. With ``spark_parquet`` (``assign --engine spark -o x.parquet``)
    the output is a Parquet folder, replaced only when it holds nothing but
    Spark's part files.

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> try:
    ...     check_output_file(folder)
    ... except ValueError as err:
    ...     print(str(err).split(" (")[0])
    the output is a folder, but -o takes a file name here
    """
    out = Path(out)
    real = Path(os.path.realpath(out))
    for item in _existing(inputs):
        if os.path.realpath(item) == str(real):
            raise ConfigError(f"the output file is the input file {item}: writing it would "
                              "overwrite the input", where=str(out),
                              fix="choose another file name for -o, e.g. "
                                  f"-o {out.with_name(out.stem + '-segments.csv')}")
    if real.is_dir():
        if spark_parquet:
            _refuse_special(out, real, kind="folder")
            _refuse_inputs(out, real, inputs)
            foreign = [p.name for p in real.iterdir() if not _SPARK_PARQUET.match(p.name)]
            if foreign:
                raise ConfigError(
                    f"the output folder already holds files that are not Spark Parquet parts "
                    f"({', '.join(sorted(foreign)[:3])})", where=str(out),
                    fix="choose a new name for -o, or empty this folder")
        else:
            raise ConfigError("the output is a folder, but -o takes a file name here",
                              where=str(out),
                              fix=f"give a file name, e.g. -o {out / 'segments.csv'}")
    _refuse_under_file(out)
    _probe_writable(out.parent)
    return out


def _refuse_special(given: Path, real: Path, *, kind: str) -> None:
    """``/``, the home folder (and above), the current folder (and above)."""
    home = Path(os.path.realpath(Path.home()))
    cwd = Path(os.path.realpath(Path.cwd()))
    what = None
    if real == Path(real.anchor):
        what = "the root folder"
    elif real == home or real in home.parents:
        what = "your home folder" if real == home else "a folder holding your home folder"
    elif real == cwd or real in cwd.parents:
        what = "the current folder" if real == cwd else "a folder above the current folder"
    if what:
        raise ConfigError(f"refusing to use {what} as the output {kind}: custseg replaces the "
                          "whole output folder", where=str(given),
                          fix="choose a new folder for -o, e.g. -o custseg-out/results")


def _refuse_inputs(given: Path, real: Path, inputs: Iterable[str | Path | None]) -> None:
    """The folder must neither hold an input nor lie inside an input folder."""
    for item in _existing(inputs):
        source = Path(os.path.realpath(item))
        if source == real or real in source.parents:
            raise ConfigError(
                f"the output folder holds the input {item}: replacing it would delete the "
                "input", where=str(given),
                fix="choose a new folder for -o that does not contain the input, e.g. "
                    f"-o {source.parent / (source.stem + '-segments')}")
        if source.is_dir() and source in real.parents:
            raise ConfigError(f"the output folder lies inside the input folder {item}",
                              where=str(given),
                              fix="choose a folder outside the input for -o")


def _existing(inputs: Iterable[object]) -> list[Path]:
    """The inputs that are paths of existing files or folders (globs, frames skipped)."""
    found = []
    for item in inputs:
        if isinstance(item, str | os.PathLike):
            with suppress(OSError, ValueError):
                if Path(item).exists():
                    found.append(Path(item))
    return found


def _refuse_under_file(path: Path) -> None:
    for parent in Path(os.path.abspath(path)).parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(f"cannot create the output under {parent}: it is a file, "
                                  "not a folder", where=str(path),
                                  fix="choose a path whose folders are folders")
            return


def _probe_writable(folder: Path) -> None:
    """Create and remove a temporary folder in the nearest existing ancestor.

    A real attempt, not ``os.access``: root passes every permission check but
    still cannot write to a read-only or immutable file system.
    """
    folder = Path(os.path.abspath(folder))
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
    try:
        probe = tempfile.mkdtemp(prefix=".custseg-probe-", dir=existing)
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise ConfigError(f"cannot write to {existing} ({reason})", where=str(folder),
                          fix="choose an output place you can write to") from None
    os.rmdir(probe)


def _foreign_entries(folder: Path) -> list[str]:
    """Names in ``folder`` that make it unsafe to replace ([] when it may go)."""
    names = sorted(p.name for p in folder.iterdir())
    if not names or has_marker(folder) or _is_unmarked_custseg_output(folder, names):
        return []
    return names


def has_marker(folder: Path) -> bool:
    """True when ``folder`` holds custseg's output marker."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("tool") == "custseg"


def _is_unmarked_custseg_output(folder: Path, names: list[str]) -> bool:
    """A folder written by custseg before markers: only its files and a summary.json."""
    if not set(names) <= _KNOWN_NAMES or "summary.json" not in names:
        return False
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(summary, dict) and {"schema_version", "n_rows"} <= set(summary)


def marker_text() -> str:
    """Content of the marker file: which tool and version wrote the folder."""
    from custseg import __version__

    return json.dumps({"tool": "custseg", "version": __version__,
                       "about": "written by custseg; custseg may replace this folder"}) + "\n"


# ------------------------------------------------------------------ lock and leftovers
@contextmanager
def output_lock(out: str | Path) -> Iterator[Path]:
    """Hold ``.NAME.lock`` beside ``out`` exclusively; re-entrant within one process.

    Raises :class:`~custseg.exceptions.ConfigError` at once when another
    process holds it. The kernel releases the lock when a process dies, so a
    killed run never blocks the next one.

    Example
    -------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "result"
    >>> with output_lock(out) as lock:
    ...     lock.name
    '.result.lock'
    """
    out = Path(os.path.abspath(out))
    lock = out.parent / f".{out.name}.lock"
    key = str(lock)
    if key in _HELD_LOCKS:
        fd, depth = _HELD_LOCKS[key]
        _HELD_LOCKS[key] = (fd, depth + 1)
        try:
            yield lock
        finally:
            fd, depth = _HELD_LOCKS[key]
            _HELD_LOCKS[key] = (fd, depth - 1)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = _acquire(lock, out)
    _HELD_LOCKS[key] = (fd, 1)
    try:
        yield lock
    finally:
        del _HELD_LOCKS[key]
        with suppress(OSError):
            lock.unlink()  # unlink while locked: a waiter re-checks the inode
        os.close(fd)


def _acquire(lock: Path, out: Path) -> int:
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno in (errno.EAGAIN, errno.EACCES):
                raise ConfigError(
                    "another custseg run is writing to this output", where=str(out),
                    fix="wait for it to finish, or choose another folder for -o") from None
            raise
        try:  # the holder before us may have unlinked the file: lock the current one
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def clean_leftovers(out: str | Path, *, before: float | None = None) -> list[Path]:
    """Remove ``.NAME.tmp-*`` and ``.NAME.old-*`` left beside ``out`` by a killed run.

    Call it holding :func:`output_lock`. Only entries named as custseg names
    them go, and only those holding custseg's marker or older than ``before``
    (the time the lock was taken). Returns what was removed.

    Example
    -------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / ".out.tmp-1234").mkdir()
    >>> _ = (root / ".out.tmp-1234" / MARKER).write_text('{"tool": "custseg"}')
    >>> [p.name for p in clean_leftovers(root / "out")]
    ['.out.tmp-1234']
    """
    out = Path(os.path.abspath(out))
    if not out.parent.is_dir():
        return []
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(tmp|old)-[A-Za-z0-9_-]+$")
    before = time.time() if before is None else before
    removed = []
    for entry in out.parent.iterdir():
        if not pattern.match(entry.name):
            continue
        try:
            stale = has_marker(entry) or entry.lstat().st_mtime < before
        except OSError:
            continue
        if not stale:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with suppress(OSError):
                entry.unlink()
        removed.append(entry)
    return removed


@contextmanager
def guarded_output(out: str | Path, *, inputs: Iterable[str | Path | None] = (),
                   kind: str = "folder", spark_parquet: bool = False) -> Iterator[Path]:
    """Check ``out``, lock it and clean old leftovers: the start of every writing command.

    ``kind`` is ``"folder"`` (run, demo) or ``"file"`` (assign, features).
    Parent folders created here are removed again if the block fails and
    they are still empty.

    Example
    -------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a" / "out"
    >>> with guarded_output(out) as checked:
    ...     checked.name
    'out'
    """
    out = Path(out)
    inputs = [i for i in inputs if i is not None]
    if kind == "file":
        check_output_file(out, inputs=inputs, spark_parquet=spark_parquet)
    else:
        check_output_folder(out, inputs=inputs)
    absolute = Path(os.path.abspath(out))
    created = [p for p in absolute.parents if not p.exists()]
    started = time.time()
    try:
        with output_lock(out):
            clean_leftovers(out, before=started)
            yield out
    except BaseException:
        for folder in created:  # deepest first
            with suppress(OSError):
                folder.rmdir()
        raise


# ------------------------------------------------------------------ writing
def write_outputs(result, out_dir: str | Path, *, report: bool = True,
                  figures: bool = False) -> Path:
    """Write segments.csv, summary.json, report.html, model.skops and, on request, figures/.

    ``figures=True`` also saves the report's figures as PNG files (for slides).
    They are off by default: matplotlib needs 0.3-0.6 s a figure on this
    project's 2-core reference machine, 6 s of a 24 s run on a 9k-row table
    (issue 20), and the report already draws every figure (each has a PNG
    download button). Returns the output folder.
    """
    from custseg._parallel import run_beside
    from custseg.persist.model import write_model_file
    from custseg.safe_csv import write_csv

    out_dir = Path(out_dir)
    inputs = [(getattr(result, "source", None) or {}).get("path")]
    with staged_output(out_dir, inputs=inputs) as staging:
        clock = time.perf_counter()
        table = result.segments_table()
        _note_renamed(result, table)
        write_csv(table, staging / "segments.csv", float_format="%.4f")
        # the model file is written by the fit helper (when one runs) while this
        # process draws the report; both finish before the folder is published
        # (an absolute path: a helper reused across runs keeps the directory it started in)
        model_written = run_beside(write_model_file, result.model,
                                   Path(os.path.abspath(staging / "model.skops")))
        try:
            figure_files = _write_figures_and_report(result, staging, report, figures)
        except BaseException:
            _finish_model_file(model_written, staging, failed=True)  # the first error wins
            raise
        result.model.metadata = _finish_model_file(model_written, staging)
        result.timings["write"] = time.perf_counter() - clock
        summary = result.summary()
        # No folder path here: two identical runs into two folders give the same file.
        summary["outputs"] = {"figures": figure_files, "report": report}
        from custseg.tracking import write_migration  # migration.csv with --previous

        write_migration(result, staging)
        write_summary(summary, staging / "summary.json")
    return out_dir


def _finish_model_file(model_written, staging: Path, *, failed: bool = False) -> dict | None:
    """Wait for the model file, through Ctrl-C too: the staging folder must not be removed
    while the helper still writes into it. Returns the model's metadata."""
    interrupted = False
    try:
        while True:
            try:
                return model_written()
            except KeyboardInterrupt:
                interrupted = True
            except Exception:
                if failed:
                    return None
                raise
    finally:
        for leftover in staging.glob(".model.skops.tmp-*"):  # a helper that died mid-write
            with suppress(OSError):
                leftover.unlink()
        if interrupted and not failed:
            raise KeyboardInterrupt


def _write_figures_and_report(result, staging: Path, report: bool,
                              figures: bool) -> list[str]:
    """The PNG figures on request and report.html; returns the figure files."""
    figure_files: list[str] = []
    specs = None
    if figures or report:  # figure data computed once, shared by PNGs and report
        from custseg.viz import figure_specs

        specs = figure_specs(result)
    if figures:
        from custseg.viz import save_figures

        (staging / "figures").mkdir()
        figure_files = [p.name for p in save_figures(result, staging / "figures",
                                                     specs=specs)]
    if report:
        from custseg.report import build_report_data, write_report

        files = ["segments.csv", "summary.json", "report.html", "model.skops"] + [
            f"figures/{name}" for name in figure_files]
        write_report(build_report_data(result, specs=specs, files=files),
                     staging / "report.html")
    return figure_files


def _note_renamed(result, table) -> None:
    """Record in the run's decisions an id column renamed to avoid our column names."""
    for old, new in (table.attrs.get("renamed_columns") or {}).items():
        note = (f"id column {old!r} written as {new!r} in segments.csv, because "
                f"{old!r} is one of custseg's own output columns")
        decisions = getattr(result, "decisions", None)
        if isinstance(decisions, list) and note not in decisions:
            decisions.append(note)


@contextmanager
def staged_output(out_dir: Path, *, inputs: Iterable[str | Path | None] = ()
                  ) -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces ``out_dir``, on error it goes.

    The folder is checked (:func:`check_output_folder`) and locked first, and
    checked again before the swap. The staging folder holds the marker from
    its first moment, so a killed run's leftover is recognised later.

    Example
    -------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "result"
    >>> with staged_output(out) as staging:
    ...     _ = (staging / "a.txt").write_text("done")
    >>> (out / "a.txt").read_text()
    'done'
    """
    out_dir = Path(out_dir)
    inputs = list(inputs)
    with guarded_output(out_dir, inputs=inputs):
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
        try:
            (staging / MARKER).write_text(marker_text(), encoding="utf-8")
            yield staging
            # mkdtemp makes 0700; the finished folder gets what the umask allows
            staging.chmod(0o777 & ~current_umask())
            check_output_folder(out_dir, inputs=inputs)
            swap_into_place(staging, out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


@contextmanager
def staged_file(out: str | Path, *, inputs: Iterable[str | Path | None] = ()
                ) -> Iterator[Path]:
    """Yield a temporary sibling path; on success it replaces ``out`` (checked, locked).

    Example
    -------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "scored.csv"
    >>> with staged_file(out) as tmp:
    ...     _ = tmp.write_text("id\\n1\\n")
    >>> out.read_text()
    'id\\n1\\n'
    """
    out = Path(out)
    with guarded_output(out, inputs=inputs, kind="file"):
        tmp = out.with_name(f".{out.name}.tmp-{time.time_ns()}")
        try:
            yield tmp
            tmp.replace(out)
        except BaseException:
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                with suppress(OSError):
                    tmp.unlink()
            raise


def exit_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit (code 143) so a stopped run cleans up after itself.

    Python's default SIGTERM ends the process at once, leaving the staging
    folder behind; as an exception it unwinds :func:`staged_output`, which
    removes it, and releases the lock. SIGKILL cannot be caught: its leftovers
    are removed by the next run (:func:`clean_leftovers`). Only installed when
    nobody else handles SIGTERM (the command line calls it; a library user's
    own handler is kept).
    """
    import signal
    import sys

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def current_umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_summary(summary: dict, path: Path) -> None:
    """Write summary.json: indented UTF-8, strict JSON (a NaN is a bug, not a value)."""
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                    encoding="utf-8")


def swap_into_place(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` with the finished ``staging`` folder (old result removed)."""
    if out_dir.exists() or out_dir.is_symlink():
        old = out_dir.with_name(f".{out_dir.name}.old-{time.time_ns()}")
        out_dir.rename(old)
        staging.rename(out_dir)
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink()
    else:
        staging.rename(out_dir)

"""Rich output for the CLI: progress drawn from the library's callback, errors, tables."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from custseg.cli import exit_codes
from custseg.exceptions import CustsegError

# User text (paths, column and segment names) is printed through these: no
# highlighting and no :emoji: codes; markup only where a line is built with
# escape() (see say()).
err_console = Console(stderr=True, highlight=False, emoji=False)
out_console = Console(highlight=False, emoji=False)


def say(text: str, *, err: bool = False) -> None:
    """Print a line of plain text: never parsed as Rich markup (``x[/].csv`` is a path).

    Example
    -------
    >>> say("written to out[/].csv")
    written to out[/].csv
    """
    (err_console if err else out_console).print(text, markup=False, soft_wrap=True)


@contextmanager
def progress_callback(quiet: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """Yield a ``progress(stage, done, total)`` callback that draws a Rich bar."""
    if quiet or not err_console.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description:<28}"), BarColumn(),
               TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        yield update


def fail(error: BaseException, debug: bool) -> int:
    """Print one clear line (or a traceback with --debug); return the exit code."""
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    if isinstance(error, CustsegError):
        err_console.print(f"[bold red]error:[/] {escape(str(error))}", markup=True, soft_wrap=True,
                          highlight=False, emoji=False)
        return exit_codes.BAD_INPUT
    if isinstance(error, MemoryError):
        err_console.print("[bold red]error:[/] out of memory. Fix: use --engine spark or a "
                          "smaller input, and report the sizes you used", soft_wrap=True)
        return exit_codes.INTERNAL_ERROR
    err_console.print(f"[bold red]internal error:[/] {type(error).__name__}: "
                      f"{escape(str(error))}. This is "
                      "a bug in custseg: rerun with --debug and report the traceback",
                      soft_wrap=True, markup=True, highlight=False, emoji=False)
    return exit_codes.INTERNAL_ERROR


def print_segments(summary: dict, out_dir: str) -> None:
    """A short table of the segments and where the files are."""
    table = Table(title=f"{summary['k']} segments ({summary['algorithm']}, "
                        f"{summary['n_rows']:,} customers)", title_justify="left")
    for column in ("segment", "name", "customers", "share"):
        table.add_column(column, justify="right" if column != "name" else "left")
    for seg in summary["segments"]:
        table.add_row(str(seg["id"]), escape(seg["name"]), f"{seg['size']:,}",
                      f"{seg['share']:.1%}")
    out_console.print(table)
    selection = summary.get("selection", {})
    if selection.get("reason"):
        out_console.print(f"[bold]Why:[/] {escape(selection['reason'])}", soft_wrap=True)
    for warning in summary.get("warnings", [])[:5]:
        out_console.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    outputs = summary.get("outputs", {})
    files = ["segments.csv", "summary.json"] + (["report.html"] if outputs.get("report", True)
                                                else []) + (
        ["figures/"] if outputs.get("figures") else []) + ["model.skops"]
    out_console.print(f"Files written to [bold]{escape(out_dir)}[/]: {', '.join(files)}",
                      soft_wrap=True)

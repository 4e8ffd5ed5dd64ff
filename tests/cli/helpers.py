"""Run the custseg CLI in-process and return (exit code, stdout, stderr)."""

from __future__ import annotations

from typer.testing import CliRunner

from custseg.cli import app


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr

"""The ``custseg`` command line: a thin Typer layer over the public API."""

from custseg.cli.app import app, main

__all__ = ["app", "main"]

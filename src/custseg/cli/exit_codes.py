"""Exit codes of the ``custseg`` command (see docs/architecture.md, "The command line")."""

OK = 0
INTERNAL_ERROR = 1
BAD_INPUT = 2

"""Exit codes of the ``custseg`` command (see DESIGN.md)."""

OK = 0
INTERNAL_ERROR = 1
BAD_INPUT = 2

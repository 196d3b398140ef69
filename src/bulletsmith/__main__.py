"""`python -m bulletsmith ...`: the `bulletsmith` command itself (handy in a venv not on PATH)."""

from bulletsmith import _console_script

_console_script()

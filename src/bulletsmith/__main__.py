"""`python -m bulletsmith ...`: the same CLI as the `bulletsmith` command (handy in a venv not on PATH)."""

from bulletsmith.cli import main

raise SystemExit(main())

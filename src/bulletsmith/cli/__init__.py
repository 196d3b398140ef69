"""The command line: thin typer commands over the library (the logic lives in bulletsmith.*)."""

from __future__ import annotations

from bulletsmith.cli import analyze as _analyze  # noqa: F401
from bulletsmith.cli import batch_jobs as _batch_jobs  # noqa: F401 - a group: --help lists it last
from bulletsmith.cli import coach as _coach  # noqa: F401
from bulletsmith.cli import evaluate as _evaluate  # noqa: F401
from bulletsmith.cli import extract as _extract  # noqa: F401

# Importing a command module registers its command on `app`; --help lists them in this order.
from bulletsmith.cli import review as _review  # noqa: F401
from bulletsmith.cli import rewrite as _rewrite  # noqa: F401
from bulletsmith.cli.app import app


def main() -> None:
    app()

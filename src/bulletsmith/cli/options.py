"""Options several commands share, and building the Assistant from them."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from bulletsmith.cli.app import fail

EngineOpt = Annotated[
    Optional[str],
    typer.Option(
        "--engine",
        help="rules (offline, deterministic) or openai (any OpenAI-compatible endpoint). "
        "Default: openai when an endpoint is configured, else rules.",
        show_default=False,
    ),
]


def make_assistant(engine: str | None):  # noqa: ANN201 - keeps `bulletsmith --help` from importing the library
    from bulletsmith.assistant import ENGINES, Assistant, EngineUnavailable

    if engine is not None and engine not in ENGINES:
        fail(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    try:
        assistant = Assistant(engine=engine)
    except EngineUnavailable as e:
        fail(str(e))
    return assistant


def announce(assistant) -> None:  # noqa: ANN001
    """Say which engine ran, once the input was accepted (an error stays the only line)."""
    if assistant.notice:
        # stderr, so `--json` output on stdout stays machine-readable.
        sys.stderr.write(f"bulletsmith: {assistant.notice}\n")

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


ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", help="The model for the openai engine. Default: $BULLETSMITH_MODEL, else gpt-4.1-mini.",
                 show_default=False),
]
BaseUrlOpt = Annotated[
    Optional[str],
    typer.Option("--base-url", help="An OpenAI-compatible endpoint, e.g. http://localhost:11434/v1. "
                 "Default: $OPENAI_BASE_URL.", show_default=False),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option("--no-cache", help="Ask the model again instead of reusing a cached answer."),
]


def make_assistant(  # noqa: ANN201 - keeps `bulletsmith --help` from importing the library
    engine: str | None, *, model: str | None = None, base_url: str | None = None, no_cache: bool = False
):
    from bulletsmith.assistant import ENGINES, Assistant, EngineUnavailable

    if engine is not None and engine not in ENGINES:
        fail(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    try:
        assistant = Assistant(engine=engine, model=model, base_url=base_url, cache=not no_cache)
    except (EngineUnavailable, ValueError) as e:
        fail(str(e))
    return assistant


def announce(assistant) -> None:  # noqa: ANN001
    """Say which engine ran, once the input was accepted (an error stays the only line)."""
    if assistant.notice:
        # stderr, so `--json` output on stdout stays machine-readable.
        sys.stderr.write(f"bulletsmith: {assistant.notice}\n")

"""The typer app and what every command shares: one-line errors, exit codes, output mode."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import typer
from typer.core import TyperGroup

EXIT_OK = 0
EXIT_BULLET_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell expects after Ctrl-C


class _Commands(TyperGroup):
    """The last net for Ctrl-C: a command that doesn't handle it itself (coach and rewrite save
    first, with their own line) ends with one line and exit 130, whatever the typer version does
    (older ones print "Aborted!" and exit 1, newer ones exit 130 without a word)."""

    def invoke(self, ctx):  # noqa: ANN001, ANN201
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            sys.stderr.write("bulletsmith: interrupted\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None


app = typer.Typer(
    name="bulletsmith",
    cls=_Commands,
    help=(
        "Find what each resume bullet is missing (problem, action, data outcome, model impact), "
        "ask for exactly that, and rewrite it without inventing a number.\n\n"
        "Examples:\n\n"
        "  bulletsmith rewrite resume.md        # asks through resume.questions.yaml\n\n"
        "  bulletsmith coach resume.md          # the same, as an interactive Q&A\n\n"
        '  bulletsmith analyze "Built a classification model for image labeling"\n\n'
        "Without OPENAI_API_KEY or OPENAI_BASE_URL the offline rules engine runs."
    ),
    no_args_is_help=True,
    add_completion=False,
    # Tracebacks with locals could print an API key or a person's answers; errors are one line instead.
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print one line to stderr and exit: bad input never shows a traceback."""
    sys.stderr.write(f"bulletsmith: error: {message}\n")
    raise typer.Exit(code)


def is_terminal() -> bool:
    """Rich output only on a real terminal; plain text when piped or under tests."""
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"

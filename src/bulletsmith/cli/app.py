"""The typer app and what every command shares: one-line errors, exit codes, output mode."""

from __future__ import annotations

import inspect
import os
import re
import sys
from typing import NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

EXIT_OK = 0
EXIT_BULLET_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell expects after Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM


class _Commands(TyperGroup):
    """The last net for Ctrl-C: a command that doesn't handle it itself (coach and rewrite save
    first, with their own line) ends with one line and exit 130, whatever the typer version does
    (older ones print "Aborted!" and exit 1, newer ones exit 130 without a word)."""

    def invoke(self, ctx):  # noqa: ANN001, ANN202
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            sys.stderr.write("bulletsmith: interrupted\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None

    def make_context(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        # Reading the top-level options comes first and can take a while (typer builds its
        # parameter converters with pydantic, imported then): a Ctrl-C there is the same one line.
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            sys.stderr.write("bulletsmith: interrupted\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None

    def get_params(self, ctx):  # noqa: ANN001, ANN202
        params = super().get_params(ctx)
        for param in params:
            _plain_metavar(param)
        return params


_BRACED = re.compile(r"^\{(.+)\}(\.\.\.)?$")
_TYPE_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "path": "PATH", "file": "FILE", "directory": "DIR"}


def _plain_metavar(param) -> None:  # noqa: ANN001
    """`FILE` and `--answers PATH`, not `{file}` and `--answers <list[Path]>`; a flag shows no
    value at all (not `--in-place <bool>`). Newer typer versions label every parameter with its
    Python type; older ones already read like this, and are left as they are."""
    if getattr(param, "_bulletsmith_plain", False) or not hasattr(param, "display_type_rich"):
        return
    param._bulletsmith_plain = True  # noqa: SLF001 - our own mark on a click parameter
    if getattr(param, "param_type_name", "") == "argument":
        if param.metavar is None:
            param.metavar = param.name.upper()
        param.display_type_rich = lambda ctx: None  # noqa: ARG005 - the name says it: FILE, BULLET
        return
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        param.display_type_rich = lambda ctx: None  # noqa: ARG005 - typer passes ctx= by name
        return
    if param.metavar is None:
        try:
            shown = param.display_type(None)
        except Exception:  # noqa: BLE001 - only the label of a help line is at stake
            return
        name = shown.strip("<>")
        name = re.sub(r"^list\[(.*)\]$", r"\1", name).removesuffix(" range")  # the range is shown beside it
        param.metavar = f"[{name}]" if "|" in name else _TYPE_NAMES.get(name.lower(), name.upper())


class _Command(TyperCommand):
    """Every command's help, read the usual way whatever the typer version (see _plain_metavar)."""

    def get_params(self, ctx):  # noqa: ANN001, ANN202
        params = super().get_params(ctx)
        for param in params:
            _plain_metavar(param)
        return params

    def collect_usage_pieces(self, ctx):  # noqa: ANN001, ANN202
        return [_BRACED.sub(r"\1\2", piece) for piece in super().collect_usage_pieces(ctx)]


_EXAMPLE_WITH_NOTE = re.compile(r"^(\s+)(\S.*?)\s{2,}#\s*(.*)$")


def help_text(doc: str | None) -> str | None:
    """A command's docstring as its help: each prose paragraph on one line, so the help wraps it
    at the terminal's width. (Typer's rich mode keeps every line break: the docstring's own
    breaks, at ~100 columns, came out as short lines on a wide terminal and as lines wrapped
    twice on a narrow one.) Indented paragraphs (examples) keep their lines; an example's
    aligned `# note` goes on the line above it, so a narrow terminal doesn't split the command."""
    if not doc:
        return doc
    paragraphs = []
    for para in inspect.cleandoc(doc).split("\n\n"):
        lines = para.split("\n")
        if not any(line[:1].isspace() or line.startswith("\b") for line in lines):
            paragraphs.append(" ".join(line.strip() for line in lines))
            continue
        kept = []
        for line in lines:
            m = _EXAMPLE_WITH_NOTE.match(line)
            kept.extend([f"{m.group(1)}# {m.group(3)}", f"{m.group(1)}{m.group(2)}"] if m else [line])
        paragraphs.append("\n".join(kept))
    return "\n\n".join(paragraphs)


class _App(typer.Typer):
    def command(self, *args, cls=None, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        register = super().command(*args, cls=cls or _Command, **kwargs)

        def decorator(f):  # noqa: ANN001, ANN202
            if kwargs.get("help") is None:
                f.__doc__ = help_text(f.__doc__)
            return register(f)

        return decorator


app = _App(
    name="bulletsmith",
    cls=_Commands,
    help=help_text(
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


def _print_version(value: bool) -> None:
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version  # stdlib, light: no library import

    try:
        number = version("bulletsmith")
    except PackageNotFoundError:  # run from a source tree that was never installed
        number = "unknown (not installed)"
    typer.echo(f"bulletsmith {number}")
    raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """The commands' shared options: only --version so far."""


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print one line to stderr and exit: bad input never shows a traceback."""
    from bulletsmith.cli.safe_text import visible  # a file name or a bullet may hold control characters

    sys.stderr.write(f"bulletsmith: error: {visible(message)}\n")
    raise typer.Exit(code)


def stopped(message: str, code: int = EXIT_INTERRUPTED) -> NoReturn:
    """Print one line to stderr and exit after Ctrl-C or SIGTERM: the person stopped the run,
    nothing went wrong, so the line says what was kept and no "error"."""
    sys.stderr.write(f"bulletsmith: {message}\n")
    raise typer.Exit(code)


def is_terminal() -> bool:
    """Rich output only on a real terminal; plain text when piped or under tests."""
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"

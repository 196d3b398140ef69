"""Write docs/cli.md: every command's --help, as `bulletsmith X --help` prints it.

    python scripts/cli_docs.py          # rewrite docs/cli.md
    python scripts/cli_docs.py --check  # exit 1 when docs/cli.md is out of date (tests/test_cli_docs.py)

The help text lives in the commands (cli/); this page is generated from it, never edited by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer

from bulletsmith.cli import app

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
# One width, no colour, in a fresh process (typer reads TERMINAL_WIDTH when it is imported): the
# same text on every machine, whatever the terminal or the test run around it.
ENV = {"TERMINAL_WIDTH": "100", "NO_COLOR": "1", "TERM": "dumb"}
UNSET = ("FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS", "COLUMNS")


def _paths(command: Any, prefix: list[str]) -> list[list[str]]:  # typer vendors its own click
    out = [prefix]
    for name in sorted(getattr(command, "commands", {})):  # a group: its commands, in name order
        out += _paths(command.commands[name], [*prefix, name])
    return out


def render() -> str:
    env = {k: v for k, v in os.environ.items() if k not in UNSET} | ENV
    parts = [
        "# Command-line reference\n",
        "Generated from each command's `--help` by `python scripts/cli_docs.py` (`make docs`);",
        "`tests/test_cli_docs.py` fails when this page and the commands disagree. Edit the help in",
        "`src/bulletsmith/cli/`, then regenerate.\n",
    ]
    for path in _paths(typer.main.get_command(app), []):
        argv = [sys.executable, "-c", "from bulletsmith.cli import app; app(prog_name='bulletsmith')", *path, "--help"]
        result = subprocess.run(argv, env=env, capture_output=True, text=True, encoding="utf-8", check=False)
        if result.returncode != 0:
            raise SystemExit(f"bulletsmith {' '.join(path)} --help exited {result.returncode}: {result.stderr}")
        text = "\n".join(line.rstrip() for line in result.stdout.strip("\n").splitlines())
        parts += [f"## bulletsmith {' '.join(path)}".rstrip() + "\n", "```text", text, "```\n"]
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is out of date: run python scripts/cli_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`--help` as a person reads it in a terminal of any width: prose paragraphs wrap at the edge,
never at the docstring's own line breaks, and name nothing outside the repository."""

import os
import subprocess
import sys

import pytest
from support.paths import REPO

COMMANDS = [[], ["analyze"], ["extract"], ["rewrite"], ["coach"], ["eval"]]


def help_lines(command, width):
    env = {k: v for k, v in os.environ.items() if k not in ("TERMINAL_WIDTH", "_TYPER_FORCE_DISABLE_TERMINAL")}
    env["COLUMNS"] = str(width)
    result = subprocess.run(
        [sys.executable, "-m", "bulletsmith", *command, "--help"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize("width", [60, 200])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "bulletsmith")
def test_help_paragraphs_wrap_at_the_terminal_edge(command, width):
    lines = help_lines(command, width)
    assert all(len(line) <= width for line in lines)
    prose = lines[: next((i for i, line in enumerate(lines) if line.startswith("╭")), len(lines))]
    for line, following in zip(prose, prose[1:]):
        is_prose = line.startswith(" ") and not line.startswith("  ") and line.strip()
        if is_prose and following.strip() and not following.startswith("  "):
            # The next line's first word would have fitted: the line was broken early.
            assert len(line.rstrip()) + 1 + len(following.split()[0]) > width - 2, (line, following)


def test_no_help_or_source_names_a_file_outside_the_repository():
    for folder in ("src", "tests", "docs", "scripts", "prompts"):
        for path in (REPO / folder).rglob("*"):
            if (
                path.is_file()
                and path.suffix in (".py", ".md", ".txt", ".yaml", "")
                and path.name != "test_help_text.py"
            ):
                assert "DESIGN.md" not in path.read_text(encoding="utf-8", errors="replace"), path
    assert not any("DESIGN.md" in line for line in help_lines(["analyze"], 200))

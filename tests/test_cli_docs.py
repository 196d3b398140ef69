"""docs/cli.md is every command's --help, generated (scripts/cli_docs.py): it can't drift from the CLI."""

from __future__ import annotations

import runpy

from support.paths import REPO


def test_the_cli_reference_is_the_commands_help():
    cli_docs = runpy.run_path(str(REPO / "scripts" / "cli_docs.py"))
    page = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert page == cli_docs["render"](), "docs/cli.md is out of date: run python scripts/cli_docs.py"
    for command in ("analyze", "coach", "eval", "extract", "review", "rewrite", "batch status"):
        assert f"## bulletsmith {command}\n" in page
    assert "--job" in page  # a recent option is there, not only the old ones

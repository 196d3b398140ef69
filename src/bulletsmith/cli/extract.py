"""`bulletsmith extract FILE`: the bullets found in a resume file, with their locations."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from bulletsmith.cli.app import app, fail, is_terminal
from bulletsmith.cli.safe_text import echo, json_text, visible


@app.command()
def extract(
    file: Path = typer.Argument(
        ...,
        help="The resume: .md .markdown .txt .text .json (JSON Resume) .tex .docx .pdf",
        show_default=False,
    ),
    json_out: bool = typer.Option(
        False, "--json", help='Print {"file", "format", "bullets": [{"text", "location"}]} as JSON.'
    ),
) -> None:
    """List the achievement bullets found in a resume file, one per line: location, a tab, the text.

    Skills, coursework, education and contact lines are left out. A PDF is read only: its bullets are rewritten into Markdown.

    Examples:

      bulletsmith extract resume.md

      bulletsmith extract resume.tex --json

      bulletsmith extract resume.pdf | cut -f2
    """
    from bulletsmith.documents import DocumentError, load_document

    try:
        document = load_document(file)
    except DocumentError as e:
        fail(str(e))
    if not document.writable:
        from bulletsmith.batch import default_output_path  # the file `rewrite` and `coach` write

        # stderr, so stdout stays the bullets (or pure JSON).
        sys.stderr.write(
            f"bulletsmith: {visible(file.name)} is a {document.format.upper()}: bullets are read from its text layer, "
            f"and rewrites are written as Markdown ({visible(default_output_path(document).name)}), "
            f"not into the {document.format.upper()}\n"
        )
    if json_out:
        payload = {
            "file": str(file),
            "format": document.format,
            "bullets": [{"text": b.text, "location": b.location} for b in document.bullets],
        }
        typer.echo(json_text(payload))
        return
    if is_terminal():
        n = len(document.bullets)
        echo(f"{file} ({document.format}): {n} bullet{'s' if n != 1 else ''}")
        width = max(len(b.location) for b in document.bullets)
        for b in document.bullets:
            echo(f"  {b.location:<{width}}  {b.text}")
        return
    for b in document.bullets:
        echo(f"{b.location}\t{b.text}")

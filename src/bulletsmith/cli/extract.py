"""`bulletsmith extract FILE...`: the bullets found in resume files, with their locations.

One file: as it always was. Several (files, folders, globs): each file's bullets, the file named
on each line (or one JSON report), and a file that can't be read is named and skipped (exit 1)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from bulletsmith.cli.app import EXIT_BULLET_FAILED, app, fail, is_terminal
from bulletsmith.cli.safe_text import echo, json_text, visible


@app.command()
def extract(
    files: list[Path] = typer.Argument(
        ...,
        help="The resumes: .md .markdown .txt .text .json (JSON Resume) .tex .docx .pdf; files, folders or globs.",
        show_default=False,
        metavar="FILE",
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

      bulletsmith extract resumes/ --json      # several: {"files": [...], "skipped": [...]}
    """
    from bulletsmith.cli.options import resume_files
    from bulletsmith.documents import DocumentError, load_document

    paths, unmatched = resume_files(files)
    if len(files) > 1 or unmatched or len(paths) != 1 or files[0].is_dir():
        _extract_many(paths, unmatched, json_out=json_out)
        return
    file = paths[0]

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


def _extract_many(paths: list[Path], unmatched: list[tuple[Path, str]], *, json_out: bool) -> None:
    from bulletsmith.documents import DocumentError, load_document

    skipped = [(str(p), f"{p}: {why}") for p, why in unmatched]
    found = []
    for file in paths:
        try:
            found.append((file, load_document(file)))
        except DocumentError as e:
            skipped.append((str(file), str(e)))
    if not found:  # nothing to list: bad input, exit 2, the last problem as the error line
        for _, message in skipped[:-1]:
            sys.stderr.write(f"bulletsmith: error: {visible(message)}\n")
        fail(skipped[-1][1] if skipped else "no resume to read")
    for _, message in skipped:
        sys.stderr.write(f"bulletsmith: error: {visible(message)}\n")
    if json_out:
        payload = {
            "files": [
                {
                    "file": str(file),
                    "format": document.format,
                    "bullets": [{"text": b.text, "location": b.location} for b in document.bullets],
                }
                for file, document in found
            ],
            "skipped": [{"file": f, "error": message} for f, message in skipped],
        }
        echo(json_text(payload))
    elif is_terminal():
        for file, document in found:
            n = len(document.bullets)
            echo(f"{file} ({document.format}): {n} bullet{'s' if n != 1 else ''}")
            width = max((len(b.location) for b in document.bullets), default=0)
            for b in document.bullets:
                echo(f"  {b.location:<{width}}  {b.text}")
    else:
        for file, document in found:  # the file first on each line: `cut -f3` is the text
            for b in document.bullets:
                echo(f"{file}\t{b.location}\t{b.text}")
    if skipped:
        raise typer.Exit(EXIT_BULLET_FAILED)

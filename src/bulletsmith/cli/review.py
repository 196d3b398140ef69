"""`bulletsmith review FILE`: the whole resume against the guide's rubric (logic: bulletsmith.review)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from bulletsmith.cli.app import EXIT_BULLET_FAILED, app, fail
from bulletsmith.cli.options import BaseUrlOpt, EngineOpt, ModelOpt, NoCacheOpt, announce, make_assistant


@app.command()
def review(
    file: Path = typer.Argument(
        ..., help="The resume: .md .txt .json (JSON Resume) .tex .docx .pdf", show_default=False
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the review as JSON instead of the summary."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write the report as one self-contained HTML file here."),
    role: Optional[str] = typer.Option(
        None,
        "--role",
        help='The role you apply for, for the title check. Default: "data scientist".',
        show_default=False,
    ),
    engine: EngineOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Score the whole resume on the guide's rubric (data process 40%, metric rigor 30%, model contribution 20%, cross-functional 10%), with the bullets behind each figure, the guide's checks and the fixes worth most.

    The analyses are the ones `rewrite` makes, so after a rewrite they come from the cache. When
    NAME.bulletsmith.EXT or NAME.questions.yaml is beside the resume, the report shows each
    dimension before and after. The score is an estimate of how the guide's rubric reads the
    resume, not any company's tool.

    Examples:

      bulletsmith review resume.md

      bulletsmith review resume.md --html report.html

      bulletsmith review cv.tex --json > review.json
    """
    from bulletsmith.documents import DocumentError
    from bulletsmith.errors import InputError
    from bulletsmith.fsutil import atomic_write, describe_os_error, why_unwritable

    if html is not None and (why := why_unwritable(html)):
        fail(f"{html}: {why}")
    assistant = make_assistant(engine, model=model, base_url=base_url, no_cache=no_cache)
    try:
        result = assistant.review(file, role=role)
    except (DocumentError, InputError) as e:
        fail(str(e))
    announce(assistant)
    if html is not None:
        try:
            atomic_write(html, result.html().encode("utf-8"))
        except OSError as e:
            fail(describe_os_error(e, "cannot write"))
    if json_out:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(result.summary())
        if html is not None:
            typer.echo(f"HTML report: {html}")
    if result.failed:
        raise typer.Exit(EXIT_BULLET_FAILED)

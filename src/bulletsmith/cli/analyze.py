"""`bulletsmith analyze "BULLET"`: one bullet's slots, evidence and questions."""

from __future__ import annotations

import sys

import typer

from bulletsmith.cli.app import EXIT_BULLET_FAILED, app, fail
from bulletsmith.cli.options import BaseUrlOpt, EngineOpt, ModelOpt, NoCacheOpt, announce, make_assistant
from bulletsmith.cli.render import print_analysis
from bulletsmith.cli.safe_text import json_text, visible


@app.command()
def analyze(
    bullet: str = typer.Argument(..., help="The bullet, in quotes. Use - to read it from standard input."),
    json_out: bool = typer.Option(
        False,
        "--json",
        help="Print the analysis as JSON: bullet, slots (present, evidence), missing, questions (slot, text); see README.",
    ),
    engine: EngineOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Show which of the four slots a bullet fills, with the words that fill them, and one question per missing slot.

    Examples:

      bulletsmith analyze "Built a classification model for image labeling"

      bulletsmith analyze "Redesigned labeling taxonomy, raising agreement from 0.68 to 0.84" --json

      echo "Built a churn model" | bulletsmith analyze -
    """
    if bullet == "-":
        try:
            bullet = sys.stdin.read()
        except UnicodeDecodeError:
            fail("the bullet on standard input is not UTF-8 text")
    if any("\ud800" <= c <= "\udfff" for c in bullet):  # undecodable bytes in the argument
        fail("the bullet is not valid UTF-8 text")
    from bulletsmith.assistant import BulletError
    from bulletsmith.errors import EngineError

    assistant = make_assistant(engine, model=model, base_url=base_url, no_cache=no_cache)
    try:
        result = assistant.analyze(bullet)
    except BulletError as e:
        fail(str(e))
    except EngineError as e:  # endpoint down, rate limited past the retry budget: not bad input
        fail(str(e), code=EXIT_BULLET_FAILED)
    announce(assistant)
    if json_out:
        typer.echo(json_text(result.to_public_dict()))
        # The JSON shape is fixed (README, "One bullet at a time"; Analysis.to_public_dict); what a guard found goes to stderr beside it.
        for finding in result.findings:
            sys.stderr.write(f"bulletsmith: {finding.severity}: {visible(str(finding))}\n")
    else:
        print_analysis(result)
    if not result.ok:
        raise typer.Exit(EXIT_BULLET_FAILED)

"""`bulletsmith eval`: score an engine on the labelled cases and check the thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from bulletsmith.cli.app import EXIT_BULLET_FAILED, app, fail
from bulletsmith.cli.options import EngineOpt, make_assistant


@app.command("eval")
def eval_(
    cases: Path = typer.Option(Path("evals/cases"), "--cases", help="Folder of labelled case files (*.yaml)."),
    thresholds: Path = typer.Option(
        Path("evals/thresholds.yaml"), "--thresholds", help="Minimum/maximum figures per engine; a breach exits 1."
    ),
    engine: EngineOpt = "rules",
    only: str = typer.Option(None, "--only", help="Run only cases whose id contains this text or that carry this tag."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    show_failures: bool = typer.Option(False, "--failures", help="List each case whose rewrite missed an expectation."),
) -> None:
    """Score an engine on the labelled bullets: per-slot precision/recall/F1, question targeting, rewrite guards.

    Examples:

      bulletsmith eval                       # the rules engine on evals/cases

      bulletsmith eval --only realdata --json

      bulletsmith eval --failures
    """
    from bulletsmith.evaluation import CaseError, check_thresholds, evaluate, load_cases

    try:
        loaded = load_cases(cases)
        report = evaluate(make_assistant(engine), loaded, select=only)
        breaches = check_thresholds(report, thresholds) if only is None else []
    except CaseError as e:
        fail(str(e))
    if json_out:
        typer.echo(json.dumps({**report.model_dump(), "threshold_breaches": breaches}, indent=2))
    else:
        from bulletsmith.cli.render import print_report

        print_report(report, breaches, show_failures=show_failures)
    if breaches or report.rewrites["fabricated_numbers_after_guard"]:
        raise typer.Exit(EXIT_BULLET_FAILED)

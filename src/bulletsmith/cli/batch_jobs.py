"""`bulletsmith batch status FILE...`: where the Batch API jobs of `rewrite --batch` stand."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from bulletsmith.cli.app import EXIT_BULLET_FAILED, app, fail
from bulletsmith.cli.options import BaseUrlOpt, ModelOpt, make_assistant, resume_files

batch_app = typer.Typer(help="The OpenAI Batch API jobs that `rewrite --batch` submitted.", no_args_is_help=True)
app.add_typer(batch_app, name="batch")


@batch_app.command()
def status(
    files: list[Path] = typer.Argument(
        ..., help="The resumes given to `rewrite --batch` (files, folders, globs).", metavar="FILE"
    ),
    json_out: bool = typer.Option(False, "--json", help="One JSON object a job."),
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
) -> None:
    """Say where each resume's batch job stands: validating, in_progress, completed (then run
    `bulletsmith rewrite --batch` with the same files again to apply the answers), failed, expired.

    Examples:

      bulletsmith batch status resume.md

      bulletsmith batch status cohort/ --json
    """
    from bulletsmith.batch import default_output_path
    from bulletsmith.documents import DocumentError, load_document
    from bulletsmith.engines.openai.batch_api import BatchJob, fetch_results

    paths, _ = resume_files(files)
    saved: dict[str, tuple[BatchJob, list[str]]] = {}
    for file in paths:
        try:
            out = default_output_path(load_document(file))
        except DocumentError as e:
            fail(str(e))
        state = out.with_name(f"{file.stem}.bulletsmith-batch.json")
        if state.exists():
            try:
                job = BatchJob.load(state)
            except ValueError as e:
                fail(str(e))
            saved.setdefault(job.batch_id, (job, []))[1].append(str(file))
    if not saved:
        fail("no batch job saved for these resumes (rewrite --batch submits one)", EXIT_BULLET_FAILED)
    assistant = make_assistant("openai", model=model, base_url=base_url)
    for job, resumes in saved.values():
        try:
            state_now, answers, counts = fetch_results(assistant._engine, job)  # noqa: SLF001
        except RuntimeError as e:
            fail(str(e), EXIT_BULLET_FAILED)
        if json_out:
            typer.echo(
                json.dumps(
                    {
                        "batch": job.batch_id,
                        "status": state_now,
                        "counts": counts,
                        "answers": len(answers),
                        "resumes": resumes,
                    }
                )
            )
            continue
        what = {
            "completed": "done: run `bulletsmith rewrite --batch` with the same files to apply the answers",
            "failed": "failed: rewrite --batch again submits a new job",
            "expired": "expired: rewrite --batch again submits a new job",
        }.get(state_now, "not done yet")
        typer.echo(
            f"batch {job.batch_id} ({len(resumes)} resume{'s' if len(resumes) != 1 else ''}): {state_now}, "
            f"{counts.get('completed', 0)} of {job.requests} requests answered; {what}"
        )

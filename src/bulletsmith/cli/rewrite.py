"""`bulletsmith rewrite FILE`: the batch rewrite of a whole resume, through a questions file."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Optional

import typer

from bulletsmith.cli.app import EXIT_BULLET_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED, app, fail, is_terminal, stopped
from bulletsmith.cli.options import (
    BaseUrlOpt,
    EngineOpt,
    ForceOpt,
    JobOpt,
    ModelOpt,
    NoCacheOpt,
    announce,
    make_assistant,
    open_resume,
)
from bulletsmith.cli.signals import deferred_signals, held_off, interrupt_on_sigterm


@app.command()
def rewrite(
    file: Path = typer.Argument(..., help="The resume: .md .txt .json (JSON Resume) .tex .docx, or .pdf (read only)."),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Where to write the rewritten resume. Default: NAME.bulletsmith.EXT beside it."
    ),
    answers: Optional[list[Path]] = typer.Option(
        None, "--answers", "-a", help="A filled-in questions file (repeatable: answers from other resumes count too)."
    ),
    questions: Optional[Path] = typer.Option(
        None, "--questions", "-q", "--questions-out", help="Where to write the open questions. Default: NAME.questions.yaml beside it."
    ),
    in_place: bool = typer.Option(False, "--in-place", help="Overwrite the resume itself, after saving NAME.EXT.bak."),
    force: ForceOpt = False,
    redo_decided: bool = typer.Option(
        False, "--redo-decided",
        help="Rewrite again the bullets you decided in coach (accepted, edited, kept); without it they stay as you decided.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print a machine-readable report instead of the summary."),
    engine: EngineOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    no_cache: NoCacheOpt = False,
    job: JobOpt = None,
) -> None:
    """Rewrite every bullet of a resume, asking (through a questions file) for what each one is missing.

    First run: bullets with nothing missing are rewritten at once; the questions for the others
    go to NAME.questions.yaml. Fill in what you know and run again: a bullet is rewritten with
    the answers it has (unknown and not mine count as answers); questions left empty stay in the
    file, and once you answer them the next run rewrites the bullet again, from the original.
    The questions file is read back automatically, so later runs never ask an answered question;
    it also records each rewrite, so after --in-place the rewritten bullets keep their answers.
    A rewrite holds no number, tool, method, scope or ownership that you did not give: one that
    does is refused, and the bullet stays as written, with the reason.

    Examples:

      bulletsmith rewrite resume.md                      # writes resume.questions.yaml + resume.bulletsmith.md

      bulletsmith rewrite resume.md                      # again, after filling in the answers

      bulletsmith rewrite cv.tex --answers resume.questions.yaml   # reuse answers given for another file

      bulletsmith rewrite resume.json --json > report.json
    """
    from bulletsmith.answer_bank import write_questions_file
    from bulletsmith.batch import (
        BatchInterrupted,
        run_batch,
    )
    from bulletsmith.fsutil import atomic_write, backup_path, describe_os_error
    from bulletsmith.outputs import record as record_output

    nothing_sent = f"{file}: interrupted before any bullet was sent; nothing was written"
    try:  # reading the file and importing the engine can take a second: Ctrl-C there is one line too
        document, out_path, questions_path, bank = open_resume(
            file, output=output, in_place=in_place, questions=questions, answers=answers, force=force
        )
        assistant = make_assistant(engine, model=model, base_url=base_url, no_cache=no_cache, job=job)
        announce(assistant)
    except KeyboardInterrupt:
        stopped(nothing_sent)

    def write(result, *, keep_questions: bool = False) -> bool:  # noqa: ANN001
        """The questions file (when there is one to write) and the output; True when questions were written."""
        try:
            return write_files(result, keep_questions=keep_questions)
        except OSError as e:  # disk full, a folder removed meanwhile: one line naming the file
            fail(describe_os_error(e, "cannot write"))

    def write_files(result, *, keep_questions: bool) -> bool:  # noqa: ANN001
        qf = result.questions_file(file.name, bank)
        wrote = False
        if qf.bullets and (keep_questions or questions_path.exists() or any(o.pending for o in result.outcomes)):
            write_questions_file(questions_path, qf)
            wrote = True
        if in_place and result.replacements():
            atomic_write(backup_path(file), file.read_bytes())
        rendered = result.render()
        atomic_write(out_path, rendered)
        record_output(out_path, rendered)
        return wrote

    finished = []  # run_batch's result, as soon as it returns

    def batch(progress):  # noqa: ANN001, ANN202
        finished.append(run_batch(document, assistant, bank, progress=progress, redo_decided=redo_decided))
        return finished[0]

    late = False  # a signal came after the batch finished, while the progress bar was closing
    try:
        with interrupt_on_sigterm():
            result = _with_progress(batch)
    except BatchInterrupted as stop:
        # Keep what finished: the output and the questions file as far as they got. The model's
        # finished answers are in the response cache, so the next run doesn't ask for them again.
        partial = stop.result
        wrote = held_off(lambda: write(partial, keep_questions=True))
        files = f"{out_path}" + (f" and {questions_path}" if wrote else "")
        stopped(
            f"{file}: interrupted after {stop.finished} of {len(stop.result.outcomes)} bullets; wrote {files}; "
            "run the same command again to finish the rest",
            EXIT_TERMINATED if stop.signal == "SIGTERM" else EXIT_INTERRUPTED,
        )
    except KeyboardInterrupt:  # outside run_batch: the progress bar starting, or closing after the batch
        if not finished:
            stopped(nothing_sent)
        result, late = finished[0], True

    # Every bullet finished: a signal now waits until both files are written, then ends the run.
    pending = [o for o in result.outcomes if o.pending]
    with deferred_signals() as came:
        wrote_questions = write(result)
    files = f"{out_path}" + (f" and {questions_path}" if wrote_questions else "")
    done = f"{file}: interrupted after all {len(result.outcomes)} bullets finished; wrote {files}"
    if late or came:
        stopped(done, EXIT_TERMINATED if came and came[0] == signal.SIGTERM else EXIT_INTERRUPTED)
    try:
        _report(result, document, file, out_path, questions_path, wrote_questions, pending, assistant, json_out)
    except KeyboardInterrupt:
        stopped(done)
    if result.failed:
        raise typer.Exit(EXIT_BULLET_FAILED)


def _report(result, document, file, out_path, questions_path, wrote_questions, pending, assistant, json_out) -> None:  # noqa: ANN001
    dropped = result.dropped_markup()  # already computed by the write: no second render
    if json_out:
        from bulletsmith.cli.safe_text import json_text

        typer.echo(
            json_text(
                {
                    "file": str(file),
                    "format": document.format,
                    "output": str(out_path),
                    "questions_file": str(questions_path) if wrote_questions else None,
                    "engine": assistant.engine,
                    "bullets": [
                        {**o.to_dict(), "dropped_markup": [
                            {"text": m.text, "kind": m.kind, "source": m.source}
                            for m in dropped.get(o.bullet.location, [])
                        ]}
                        for o in result.outcomes
                    ],
                },
            )
        )
    else:
        from bulletsmith.cli.render import print_batch

        print_batch(result, out_path, questions_path if wrote_questions else None, len(pending), dropped)


def _with_progress(work):  # noqa: ANN001, ANN202
    """A progress bar on a terminal (on stderr, so stdout stays clean); nothing when piped."""
    if not is_terminal():
        return work(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("analyzing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:
        task = bar.add_task("bullets", total=None)

        def progress(stage: str, done: int, total: int) -> None:  # noqa: ARG001 - one bar for every stage
            bar.update(task, completed=done, total=total)

        return work(progress)

"""`bulletsmith rewrite FILE...`: the batch rewrite of whole resumes, through a questions file each.

One file: its report, as it always was. Several (files, folders, globs): one run over all of them
(`batch.run_batches`: one engine, one cache, one rate limit), each file with its own output and
questions file, one summary or one JSON report; a file that can't be used is named and skipped."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from bulletsmith.cli.app import EXIT_BULLET_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED, app, fail, is_terminal, stopped
from bulletsmith.cli.options import (
    BaseUrlOpt,
    DeadlineOpt,
    EngineOpt,
    ForceOpt,
    ModelOpt,
    NoCacheOpt,
    announce,
    make_assistant,
    open_resume,
    resume_files,
)
from bulletsmith.cli.safe_text import json_text
from bulletsmith.cli.signals import deferred_signals, held_off, interrupt_on_sigterm


@app.command()
def rewrite(
    files: list[Path] = typer.Argument(
        ...,
        help="The resumes: .md .txt .json (JSON Resume) .tex .docx, or .pdf (read only); files, folders "
        "(the resumes directly in them) or globs.",
        metavar="FILE",
    ),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Where to write the rewritten resume. Default: NAME.bulletsmith.EXT beside it."
    ),
    answers: Optional[list[Path]] = typer.Option(
        None, "--answers", "-a", help="A filled-in questions file (repeatable: answers from other resumes count too)."
    ),
    questions: Optional[Path] = typer.Option(
        None,
        "--questions",
        "-q",
        "--questions-out",
        help="Where to write the open questions. Default: NAME.questions.yaml beside it.",
    ),
    in_place: bool = typer.Option(False, "--in-place", help="Overwrite the resume itself, after saving NAME.EXT.bak."),
    force: ForceOpt = False,
    redo_decided: bool = typer.Option(
        False,
        "--redo-decided",
        help="Rewrite again the bullets you decided in coach (accepted, edited, kept); without it they stay as you decided.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print a machine-readable report instead of the summary."),
    engine: EngineOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    no_cache: NoCacheOpt = False,
    deadline: DeadlineOpt = None,
    batch: bool = typer.Option(
        False,
        "--batch",
        help="Send the model's requests as one OpenAI Batch API job (half the price, done within 24 h) and exit; "
        "run the same command again to apply the answers (bulletsmith batch status shows where the job is).",
    ),
) -> None:
    """Rewrite every bullet of a resume (or of several: files, folders, globs), asking (through a questions file) for what each one is missing.

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

      bulletsmith rewrite cohort/ --answers shared.questions.yaml   # every resume in the folder, one run
    """
    paths, unmatched = resume_files(files)
    if batch or len(files) > 1 or unmatched or len(paths) != 1 or files[0].is_dir():
        if output is not None or questions is not None:
            fail(
                "-o/--output and -q/--questions name one file's; with several resumes each gets "
                "NAME.bulletsmith.EXT and NAME.questions.yaml beside it"
            )
        _rewrite_many(
            paths,
            unmatched,
            answers=answers,
            in_place=in_place,
            force=force,
            redo_decided=redo_decided,
            json_out=json_out,
            engine=engine,
            model=model,
            base_url=base_url,
            no_cache=no_cache,
            deadline=deadline,
            batch=batch,
        )
        return
    file = paths[0]
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
        assistant = make_assistant(engine, model=model, base_url=base_url, no_cache=no_cache, deadline=deadline)
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

    def work(progress, waiting):  # noqa: ANN001, ANN202
        assistant.on_rate_limit = waiting
        finished.append(run_batch(document, assistant, bank, progress=progress, redo_decided=redo_decided))
        return finished[0]

    late = False  # a signal came after the batch finished, while the progress bar was closing
    try:
        with interrupt_on_sigterm():
            result = _with_progress(work)
    except BatchInterrupted as stop:
        # Keep what finished: the output and the questions file as far as they got. The model's
        # finished answers are in the response cache, so the next run doesn't ask for them again.
        partial = stop.result
        wrote = held_off(lambda: write(partial, keep_questions=True))
        names = f"{out_path}" + (f" and {questions_path}" if wrote else "")
        stopped(
            f"{file}: interrupted after {stop.finished} of {len(stop.result.outcomes)} bullets; wrote {names}; "
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
    names = f"{out_path}" + (f" and {questions_path}" if wrote_questions else "")
    done = f"{file}: interrupted after all {len(result.outcomes)} bullets finished; wrote {names}"
    if late or came:
        stopped(done, EXIT_TERMINATED if came and came[0] == signal.SIGTERM else EXIT_INTERRUPTED)
    try:
        _report(result, document, file, out_path, questions_path, wrote_questions, pending, assistant, json_out)
    except KeyboardInterrupt:
        stopped(done)
    if result.failed:
        raise typer.Exit(EXIT_BULLET_FAILED)


def _file_report(result, document, file, out_path, questions_path, wrote_questions, assistant) -> dict:  # noqa: ANN001
    """One resume's part of the --json report (the whole report when there is one resume)."""
    dropped = result.dropped_markup()  # already computed by the write: no second render
    return {
        "file": str(file),
        "format": document.format,
        "output": str(out_path),
        "questions_file": str(questions_path) if wrote_questions else None,
        "engine": assistant.engine,
        "bullets": [
            {
                **o.to_dict(),
                "dropped_markup": [
                    {"text": m.text, "kind": m.kind, "source": m.source, **({"note": m.note} if m.note else {})}
                    for m in dropped.get(o.bullet.location, [])
                ],
            }
            for o in result.outcomes
        ],
    }


def _report(result, document, file, out_path, questions_path, wrote_questions, pending, assistant, json_out) -> None:  # noqa: ANN001
    if json_out:
        report = _file_report(result, document, file, out_path, questions_path, wrote_questions, assistant)
        typer.echo(json_text(report))
    else:
        dropped = result.dropped_markup()
        from bulletsmith.cli.render import print_batch

        print_batch(result, out_path, questions_path if wrote_questions else None, len(pending), dropped)


def waiting_label(until: float | None) -> str:
    """What the progress bar says: "analyzing", or that the provider's rate limit holds the run, and until when."""
    if until is None:
        return "analyzing"
    import time

    return f"waiting for the rate limit until {time.strftime('%H:%M:%S', time.localtime(until))}"


def _with_progress(work):  # noqa: ANN001, ANN202
    """A progress bar on a terminal (on stderr, so stdout stays clean); nothing when piped.
    work(progress, waiting): waiting is the assistant's `on_rate_limit`, shown on the bar."""
    if not is_terminal():
        return work(None, None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(waiting_label(None), total=None)

        def progress(stage: str, done: int, total: int) -> None:  # noqa: ARG001 - one bar for every stage
            bar.update(task, completed=done, total=total)

        def waiting(until: float | None) -> None:
            bar.update(task, description=waiting_label(until))

        return work(progress, waiting)


def _rewrite_many(
    paths: list[Path],
    unmatched: list[tuple[Path, str]],
    *,
    answers: Optional[list[Path]],
    in_place: bool,
    force: bool,
    redo_decided: bool,
    json_out: bool,
    engine: Optional[str],
    model: Optional[str],
    base_url: Optional[str],
    no_cache: bool,
    deadline: Optional[float],
    batch: bool = False,
) -> None:
    """Several resumes in one run (see the module's docstring). Exit 1 when a file was skipped
    or a bullet failed; a problem with the run itself (the engine, an --answers file that every
    resume reads) is exit 2, as for one file."""
    from bulletsmith.answer_bank import write_questions_file
    from bulletsmith.batch import BatchInterrupted, Status, run_batches
    from bulletsmith.fsutil import atomic_write, backup_path, describe_os_error
    from bulletsmith.outputs import record as record_output

    class Skip(Exception):
        pass

    def skip(message: str):  # noqa: ANN202 - open_resume's `problem`: this file only
        raise Skip(message)

    skipped: list[tuple[str, str]] = [(str(p), f"{p}: {why}") for p, why in unmatched]
    opened = []  # (file, document, out_path, questions_path, bank)
    claimed: dict = {}  # an output or questions file -> the resume it belongs to
    try:
        for file in paths:
            try:
                document, out_path, questions_path, bank = open_resume(
                    file, output=None, in_place=in_place, questions=None, answers=answers, force=force, problem=skip
                )
            except Skip as e:
                skipped.append((str(file), str(e)))
                continue
            clash = next((claimed[t.resolve()] for t in (out_path, questions_path) if t.resolve() in claimed), None)
            if clash is not None:  # resume.md and resume.tex: one NAME.questions.yaml for both
                skipped.append(
                    (
                        str(file),
                        f"{file}: its output or questions file is also {clash}'s; "
                        "rewrite it on its own, with -o and -q",
                    )
                )
                continue
            for t in (out_path, questions_path):
                claimed[t.resolve()] = file
            opened.append((file, document, out_path, questions_path, bank))
        if not opened:  # nothing to do: bad input, exit 2, the last problem as the error line
            for _, message in skipped[:-1]:
                sys.stderr.write(f"bulletsmith: error: {message}\n")
            fail(skipped[-1][1] if skipped else "no resume to rewrite")
        for _, message in skipped:
            sys.stderr.write(f"bulletsmith: error: {message}\n")
        options: dict[str, Any] = {
            "engine": engine,
            "model": model,
            "base_url": base_url,
            "no_cache": no_cache,
            "deadline": deadline,
        }
        if batch:
            assistant, job = _batch_assistant(opened, options, json_out=json_out)
        else:
            assistant, job = make_assistant(**options), None
        announce(assistant)
    except KeyboardInterrupt:
        stopped("interrupted before any bullet was sent; nothing was written")

    def write_one(entry, result, *, keep_questions: bool = False) -> bool:  # noqa: ANN001
        file, _, out_path, questions_path, bank = entry
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

    def write_all(results, *, keep_questions: bool = False) -> list[bool | None]:  # noqa: ANN001
        wrote: list[bool | None] = []
        for entry, result in zip(opened, results):
            try:
                wrote.append(write_one(entry, result, keep_questions=keep_questions))
            except OSError as e:  # this file's folder went away: the others are still written
                skipped.append((str(entry[0]), describe_os_error(e, "cannot write")))
                sys.stderr.write(f"bulletsmith: error: {describe_os_error(e, 'cannot write')}\n")
                wrote.append(None)
        return wrote

    finished = []

    def work(progress, waiting):  # noqa: ANN001, ANN202
        assistant.on_rate_limit = waiting
        jobs = [(document, bank) for _, document, _, _, bank in opened]
        finished.append(run_batches(jobs, assistant, progress=progress, redo_decided=redo_decided))
        return finished[0]

    late = False
    try:
        with interrupt_on_sigterm():
            results = _with_progress(work)
    except BatchInterrupted as stop:
        partial = stop.results
        held_off(lambda: write_all(partial, keep_questions=True))
        done = sum(1 for r in partial for o in r.outcomes if o.finished)
        total = sum(len(r.outcomes) for r in partial)
        stopped(
            f"interrupted after {done} of {total} bullets in {len(opened)} resumes; wrote what finished; "
            "run the same command again to finish the rest",
            EXIT_TERMINATED if stop.signal == "SIGTERM" else EXIT_INTERRUPTED,
        )
    except KeyboardInterrupt:
        if not finished:
            stopped("interrupted before any bullet was sent; nothing was written")
        results, late = finished[0], True

    if job is not None and job[0] == "collect":
        _submit(opened, assistant, job[1], json_out=json_out)
        if job[1].requests:
            return  # nothing written yet: the answers come with the job
    with deferred_signals() as came:
        wrote = write_all(results)
    if job is not None and job[0] == "apply":
        for path in job[2]:
            path.unlink(missing_ok=True)  # applied: the next run is a normal one
        sys.stderr.write(
            f"bulletsmith: applied the batch's answers ({job[1].answered} requests; "
            f"{job[1].live} sent live: re-asks and rewrites)\n"
        )
    if late or came:
        stopped(
            f"interrupted after all bullets of {len(opened)} resumes finished; wrote their files",
            EXIT_TERMINATED if came and came[0] == signal.SIGTERM else EXIT_INTERRUPTED,
        )

    written = [(entry, result, w) for entry, result, w in zip(opened, results, wrote) if w is not None]
    counts = {s.value: sum(r.count(s) for _, r, _ in written) for s in Status}
    failed = counts[Status.FAILED.value]
    if json_out:
        report = {
            "files": [
                _file_report(result, document, file, out_path, questions_path, w, assistant)
                for (file, document, out_path, questions_path, _), result, w in written
            ],
            "skipped": [{"file": f, "error": message} for f, message in skipped],
            "summary": {
                "resumes": len(written),
                "skipped": len(skipped),
                "bullets": sum(len(r.outcomes) for _, r, _ in written),
                **counts,
            },
            "engine": assistant.engine,
        }
        typer.echo(json_text(report))
    else:
        from bulletsmith.cli.render import print_batch

        for (file, _, out_path, questions_path, _), result, w in written:
            typer.echo(f"== {file}")
            pending = sum(1 for o in result.outcomes if o.pending)
            print_batch(result, out_path, questions_path if w else None, pending, result.dropped_markup())
            typer.echo("")
        parts = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items() if n)
        total = sum(len(r.outcomes) for _, r, _ in written)
        typer.echo(
            f"{len(written)} resume{'s' if len(written) != 1 else ''}, {total} bullets: {parts or 'none'}"
            + (f"; {len(skipped)} skipped (named above)" if skipped else "")
        )
    if failed or skipped:
        raise typer.Exit(EXIT_BULLET_FAILED)


def _job_path(entry) -> Path:  # noqa: ANN001
    """Where a resume's batch job is saved: beside its output."""
    file, _, out_path, _, _ = entry
    return out_path.with_name(f"{file.stem}.bulletsmith-batch.json")


def _batch_assistant(opened, options: dict, *, json_out: bool):  # noqa: ANN001, ANN202
    """--batch: an assistant that collects the requests (no job yet), or that answers them from
    the finished job's output (a job saved beside the outputs). A job still running: say so, exit 0."""
    from bulletsmith.engines.openai.batch_api import (
        FINAL,
        BatchJob,
        CollectingTransport,
        ResultsTransport,
        fetch_results,
    )

    saved = {_job_path(e): None for e in opened}
    jobs: dict[str, tuple[Any, list[Path]]] = {}
    for path in saved:
        if path.exists():
            try:
                job = BatchJob.load(path)
            except ValueError as e:
                fail(str(e))
            jobs.setdefault(job.batch_id, (job, []))[1].append(path)
    if not jobs:
        collector = CollectingTransport()
        assistant = make_assistant(**options, http_client=collector, network_retries=0)
        _need_openai(assistant)
        return assistant, ("collect", collector)
    live = make_assistant(**options)
    _need_openai(live)
    results: dict = {}
    waiting = []
    for job, paths in jobs.values():
        try:
            status, answers, counts = fetch_results(live._engine, job)  # noqa: SLF001
        except RuntimeError as e:
            fail(str(e), EXIT_BULLET_FAILED)
        if status == "completed":
            results.update(answers)
        elif status in FINAL:
            for path in paths:
                path.unlink(missing_ok=True)
            fail(
                f"batch {job.batch_id} ended {status}; run the same command again to submit a new one",
                EXIT_BULLET_FAILED,
            )
        else:
            waiting.append((job, status, counts))
    if waiting:
        for job, status, counts in waiting:
            line = f"batch {job.batch_id}: {status}, {counts.get('completed', 0)} of {job.requests} requests done"
            typer.echo(
                json.dumps({"batch": job.batch_id, "status": status, "counts": counts})
                if json_out
                else line + "; run the same command again later to apply the answers"
            )
        raise typer.Exit(0)
    transport = ResultsTransport(results)
    assistant = make_assistant(**options, http_client=transport)
    return assistant, ("apply", transport, [p for _, paths in jobs.values() for p in paths])


def _need_openai(assistant) -> None:  # noqa: ANN001
    if assistant.engine != "openai":
        fail(
            "--batch sends the model's requests through the OpenAI Batch API: it needs the openai engine "
            "(set OPENAI_API_KEY or OPENAI_BASE_URL, or --engine openai)"
        )


def _submit(opened, assistant, collector, *, json_out: bool) -> None:  # noqa: ANN001
    """Upload what the run would have sent, create the job, and save it beside each output."""
    from dataclasses import asdict

    from bulletsmith.engines.openai.batch_api import submit

    if not collector.requests:
        return  # every answer was in the cache: the run goes on as a live one
    try:
        job = submit(assistant._engine, collector, [str(e[0]) for e in opened])  # noqa: SLF001
    except RuntimeError as e:
        fail(str(e), EXIT_BULLET_FAILED)
    paths = [_job_path(e) for e in opened]
    for path in paths:
        job.save(path)
    if json_out:
        typer.echo(json.dumps({"batch": asdict(job), "saved": [str(p) for p in paths]}, indent=2))
    else:
        typer.echo(
            f"submitted batch {job.batch_id}: {job.requests} requests for {len(opened)} "
            f"resume{'s' if len(opened) != 1 else ''}; saved in {paths[0]}"
            + (f" and {len(paths) - 1} more" if len(paths) > 1 else "")
        )
        typer.echo(
            "run the same command again to apply the answers once the job is done "
            "(bulletsmith batch status FILE shows where it is)"
        )

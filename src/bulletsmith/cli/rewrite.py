"""`bulletsmith rewrite FILE`: the batch rewrite of a whole resume, through a questions file."""

from __future__ import annotations

import json
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer

from bulletsmith.cli.app import EXIT_BULLET_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED, app, fail, is_terminal
from bulletsmith.cli.options import (
    BaseUrlOpt,
    EngineOpt,
    ModelOpt,
    NoCacheOpt,
    announce,
    make_assistant,
    open_resume,
)


@app.command()
def rewrite(
    file: Path = typer.Argument(..., help="The resume: .md .txt .json (JSON Resume) .tex .docx, or .pdf (read only)."),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Where to write the rewritten resume. Default: NAME.bulletsmith.EXT beside it."
    ),
    answers: Optional[List[Path]] = typer.Option(
        None, "--answers", "-a", help="A filled-in questions file (repeatable: answers from other resumes count too)."
    ),
    questions_out: Optional[Path] = typer.Option(
        None, "--questions-out", "-q", help="Where to write the open questions. Default: NAME.questions.yaml beside it."
    ),
    in_place: bool = typer.Option(False, "--in-place", help="Overwrite the resume itself, after saving NAME.EXT.bak."),
    json_out: bool = typer.Option(False, "--json", help="Print a machine-readable report instead of the summary."),
    engine: EngineOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    no_cache: NoCacheOpt = False,
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

    nothing_sent = f"{file}: interrupted before any bullet was sent; nothing was written"
    try:  # reading the file and importing the engine can take a second: Ctrl-C there is one line too
        document, out_path, questions_path, bank = open_resume(
            file, output=output, in_place=in_place, questions=questions_out, answers=answers
        )
        assistant = make_assistant(engine, model=model, base_url=base_url, no_cache=no_cache)
        announce(assistant)
    except KeyboardInterrupt:
        fail(nothing_sent, EXIT_INTERRUPTED)

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
        atomic_write(out_path, result.render())
        return wrote

    finished = []  # run_batch's result, as soon as it returns

    def batch(progress):  # noqa: ANN001, ANN202
        finished.append(run_batch(document, assistant, bank, progress=progress))
        return finished[0]

    late = False  # a signal came after the batch finished, while the progress bar was closing
    try:
        with _interrupt_on_sigterm():
            result = _with_progress(batch)
    except BatchInterrupted as stop:
        # Keep what finished: the output and the questions file as far as they got. The model's
        # finished answers are in the response cache, so the next run doesn't ask for them again.
        wrote = _held_off(lambda: write(stop.result, keep_questions=True))
        files = f"{out_path}" + (f" and {questions_path}" if wrote else "")
        fail(
            f"{file}: interrupted after {stop.finished} of {len(stop.result.outcomes)} bullets; wrote {files}; "
            "run the same command again to finish the rest",
            EXIT_TERMINATED if getattr(stop, "signal", None) == "SIGTERM" else EXIT_INTERRUPTED,
        )
    except KeyboardInterrupt:  # outside run_batch: the progress bar starting, or closing after the batch
        if not finished:
            fail(nothing_sent, EXIT_INTERRUPTED)
        result, late = finished[0], True

    # Every bullet finished: a signal now waits until both files are written, then ends the run.
    pending = [o for o in result.outcomes if o.pending]
    with _deferred_signals() as came:
        wrote_questions = write(result)
    files = f"{out_path}" + (f" and {questions_path}" if wrote_questions else "")
    done = f"{file}: interrupted after all {len(result.outcomes)} bullets finished; wrote {files}"
    if late or came:
        fail(done, EXIT_TERMINATED if came and came[0] == signal.SIGTERM else EXIT_INTERRUPTED)
    try:
        _report(result, document, file, out_path, questions_path, wrote_questions, pending, assistant, json_out)
    except KeyboardInterrupt:
        fail(done, EXIT_INTERRUPTED)
    if result.failed:
        raise typer.Exit(EXIT_BULLET_FAILED)


def _report(result, document, file, out_path, questions_path, wrote_questions, pending, assistant, json_out) -> None:  # noqa: ANN001
    dropped = result.dropped_markup()  # already computed by the write: no second render
    if json_out:
        typer.echo(
            json.dumps(
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
                ensure_ascii=False,
                indent=2,
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

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return work(progress)


@contextmanager
def _interrupt_on_sigterm():  # noqa: ANN202
    """SIGTERM stops the batch like Ctrl-C does (so what finished is written); exit 143, not 130."""
    from bulletsmith.batch import BatchInterrupted

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    terminated = threading.Event()

    def on_term(signum, frame):  # noqa: ANN001, ANN202, ARG001
        terminated.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except BatchInterrupted as e:
        if terminated.is_set():
            e.signal = "SIGTERM"
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _deferred_signals():  # noqa: ANN202
    """Ctrl-C and SIGTERM wait until the block is done (the files are written whole); yields the
    list of the signals that came meanwhile, for the caller to end the run with."""
    came: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield came
        return

    def note(signum, frame):  # noqa: ANN001, ANN202, ARG001
        came.append(signum)

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield came
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _held_off(work):  # noqa: ANN001, ANN202
    """Run `work` with Ctrl-C and SIGTERM held off, so a second signal can't cut a write short."""
    if threading.current_thread() is not threading.main_thread():
        return work()
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return work()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)

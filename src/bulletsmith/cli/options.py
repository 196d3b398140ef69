"""Options several commands share, and building the Assistant from them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from bulletsmith.cli.app import fail, is_terminal

EngineOpt = Annotated[
    Optional[str],
    typer.Option(
        "--engine",
        help="rules (offline, deterministic) or openai (any OpenAI-compatible endpoint). "
        "Default: openai when an endpoint is configured, else rules.",
        show_default=False,
    ),
]


ModelOpt = Annotated[
    Optional[str],
    typer.Option(
        "--model",
        help="The model for the openai engine. Default: $BULLETSMITH_MODEL, else gpt-4.1-mini.",
        show_default=False,
    ),
]
BaseUrlOpt = Annotated[
    Optional[str],
    typer.Option(
        "--base-url",
        help="An OpenAI-compatible endpoint, e.g. http://localhost:11434/v1. Default: $OPENAI_BASE_URL.",
        show_default=False,
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace the output file even if bulletsmith did not write it (or it was edited since)."
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option("--no-cache", help="Ask the model again instead of reusing a cached answer."),
]


DeadlineOpt = Annotated[
    Optional[float],
    typer.Option(
        "--deadline",
        metavar="SECONDS",
        min=0,
        help="Give up on a bullet that the provider's rate limit would hold past SECONDS from the start "
        "(it fails, named). Default: wait as long as the limit says.",
        show_default=False,
    ),
]


def make_assistant(  # noqa: ANN201 - keeps `bulletsmith --help` from importing the library
    engine: str | None,
    *,
    model: str | None = None,
    base_url: str | None = None,
    no_cache: bool = False,
    deadline: float | None = None,
    **extra: Any,
):
    from bulletsmith.assistant import ENGINES, Assistant, EngineUnavailable

    if engine is not None and engine not in ENGINES:
        fail(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    try:
        assistant = Assistant(
            engine=engine, model=model, base_url=base_url, cache=not no_cache, deadline=deadline, **extra
        )
    except (EngineUnavailable, ValueError) as e:
        fail(str(e))
    return assistant


def announce(assistant) -> None:  # noqa: ANN001
    """Say which engine ran, once the input was accepted (an error stays the only line)."""
    if assistant.notice:
        # stderr, so `--json` output on stdout stays machine-readable.
        sys.stderr.write(f"bulletsmith: {assistant.notice}\n")


def resume_files(args: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The resumes that FILE arguments name: a file as it is; a folder, the resumes directly in
    it (by suffix, not bulletsmith's own outputs NAME.bulletsmith.EXT); a glob that the shell
    left as it is (quoted), what it matches. Each once, in order. Also what named none (with why)."""
    import glob

    from bulletsmith.documents import SUPPORTED_SUFFIXES

    def resume_like(p: Path) -> bool:
        return (
            p.is_file()
            and p.suffix.lower() in SUPPORTED_SUFFIXES
            and ".bulletsmith" not in p.suffixes
            and not p.name.startswith(".")
        )

    found: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for arg in args:
        if arg.is_dir():
            inside = sorted(p for p in arg.iterdir() if resume_like(p))
            if not inside:
                problems.append(
                    (arg, f"is a folder, not a file, and no resume is in it ({', '.join(SUPPORTED_SUFFIXES)})")
                )
            found += inside
        elif not arg.exists() and any(c in str(arg) for c in "*?["):
            matched = sorted(Path(m) for m in glob.glob(str(arg)))
            matched = [p for p in matched if resume_like(p)]
            if not matched:
                problems.append((arg, "matches no resume file"))
            found += matched
        else:
            found.append(arg)  # a missing or unreadable file is named when it is opened
    unique: list[Path] = []
    seen: set[Path] = set()
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, problems


def open_resume(file, *, output, in_place: bool, questions, answers, force: bool = False, problem=fail):  # noqa: ANN001, ANN201
    """What `rewrite` and `coach` both need before any request, each problem one line and exit 2:
    the document (checked for batch size), where the output and the questions file go (in a
    folder that exists and is writable), and the answers already given (--answers files, plus
    the questions file beside the resume, which is the person's own answers from last time).
    An output file that bulletsmith did not write (or that was edited since) is replaced only
    with --force, or when the person says yes on a terminal."""
    from bulletsmith.answer_bank import AnswerBank, AnswersFileError
    from bulletsmith.batch import BatchInputError, check_batch, default_output_path, default_questions_path
    from bulletsmith.documents import DocumentError, load_document
    from bulletsmith.fsutil import why_unwritable

    try:
        document = load_document(file)
        check_batch(document)
    except (DocumentError, BatchInputError) as e:
        problem(str(e))
    if in_place and not document.writable:
        problem(
            f"{file}: --in-place can't write a {document.format.upper()}; the rewrite is written as Markdown instead"
        )
    if in_place and output is not None:
        problem("--in-place and -o/--output both name the output; use one")
    out_path = file if in_place else (output or default_output_path(document))
    if not in_place and out_path.resolve() == file.resolve():
        problem(f"{file}: the output would overwrite the input; use --in-place (it keeps a .bak) or another -o")

    questions_path = questions or default_questions_path(file)
    _check_distinct(file, out_path, questions_path, answers or [], problem)
    if not in_place:
        _may_replace(out_path, force=force, problem=problem)
    for target in (out_path, questions_path):  # now, not after the model's work is done
        why = why_unwritable(target)
        if why:
            problem(f"{target}: {why}")
    bank_files = list(answers or [])
    if questions_path.exists() and questions_path.resolve() not in {p.resolve() for p in bank_files}:
        bank_files.append(questions_path)
    try:
        bank = AnswerBank.load(bank_files)
    except AnswersFileError as e:
        problem(str(e))
    return document, out_path, questions_path, bank


def _may_replace(path: Path, *, force: bool, problem=fail) -> None:  # noqa: ANN001
    """Ask before replacing a file bulletsmith did not write; off a terminal, --force says yes."""
    from bulletsmith.outputs import OutputExistsError, check_replace

    try:
        check_replace(path, force=force)
    except OutputExistsError as e:
        if not (sys.stdin.isatty() and is_terminal()):
            problem(str(e))
        if not typer.confirm(f"{path} exists and was not written by bulletsmith (or was edited since). Replace it?"):
            problem(f"{path} left as it is; nothing was written (-o writes elsewhere)")


def _check_distinct(file, out_path, questions_path, answers, problem=fail) -> None:  # noqa: ANN001
    """The resume written over the questions file would lose the person's answers, and the
    questions written over the resume would lose the resume: each file has one role."""

    def same(a, b) -> bool:  # noqa: ANN001
        return a.resolve() == b.resolve()

    if same(out_path, questions_path):
        problem(f"{out_path}: -o/--output names the questions file, which holds your answers; choose another output")
    for held in answers:
        if same(out_path, held):
            problem(f"{out_path}: -o/--output names an --answers file, which holds your answers; choose another output")
    if same(questions_path, file):
        problem(f"{file}: the questions file would be written over the resume itself; choose another questions file")

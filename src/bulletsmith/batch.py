"""A whole resume at once: analyze every bullet concurrently, rewrite each one from the answers
given so far (all, some: a bullet with no answer yet stays as it is), and say which questions are
still open. No terminal I/O: progress goes to a callback.

A bullet that holds a rewrite recorded in the questions file (after `--in-place`) is analyzed and
rewritten from its original text, with every answer known now: answers added later are worked in
afresh instead of being stacked on an earlier rewrite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from bulletsmith.answer_bank import AnswerBank, FactRecord, QuestionEntry, QuestionsFile, build_questions_file
from bulletsmith.assistant import MAX_BULLET_CHARS, Assistant, _run
from bulletsmith.documents import Bullet, Document
from bulletsmith.errors import InputError
from bulletsmith.gate import CallGate
from bulletsmith.models import Analysis, Answer, Decision, Question, Rewrite, Slot

Progress = Callable[[str, int, int], None]  # (stage, done, total)

# A long "master resume" has a few hundred bullets; thousands are a wrong file (a log, a data
# dump), and with a model behind the tool each one costs two requests.
MAX_BULLETS = 1000


class BatchInputError(InputError):
    """The document can't be run as a batch. The message is one line naming the file."""


def check_batch(document: Document) -> None:
    """Refuse, before any request, a document that is no resume: too many bullets, or a bullet
    far longer than any real one (several pasted together, or a paragraph read as one)."""
    n = len(document.bullets)
    if n > MAX_BULLETS:
        raise BatchInputError(
            f"{document.path}: {n:,} bullets (at most {MAX_BULLETS:,}); is this a resume? Split it, or pass one section"
        )
    for b in document.bullets:
        length = len(" ".join(b.text.split()))
        if length > MAX_BULLET_CHARS:
            raise BatchInputError(
                f"{document.path}: {b.location}: the bullet is {length:,} characters long (at most "
                f"{MAX_BULLET_CHARS:,}); is it several bullets pasted as one?"
            )


class Status(str, Enum):
    REWRITTEN = "rewritten"  # with every answer, or with some (`pending` lists the open questions)
    UNCHANGED = "unchanged"  # nothing to add, or the rewrite equals the bullet (an earlier rewrite: --in-place)
    NEEDS_ANSWERS = "needs_answers"  # questions open and none answered yet: not rewritten yet
    FAILED = "failed"  # the engine failed, or a guard rejected the rewrite
    DECIDED = "decided"  # as the person decided in coach (accepted, edited, kept): not rewritten again

    def __str__(self) -> str:
        return self.value


@dataclass
class BulletOutcome:
    bullet: Bullet
    source: str = ""  # the text analyzed and rewritten: the original when the bullet holds its rewrite
    analysis: Analysis | None = None
    answers: dict[Slot, Answer] = field(default_factory=dict)
    pending: list[Question] = field(default_factory=list)
    rewrite: Rewrite | None = None
    error: str | None = None
    decision: Decision | None = None  # decided in coach: the output holds `decided`, not a new rewrite
    decided: str = ""
    finished: bool = False  # False only when the batch was interrupted before this bullet was done

    @property
    def before(self) -> str:
        return self.bullet.text

    @property
    def original(self) -> str:
        return self.source or self.bullet.text

    @property
    def after(self) -> str:
        if self.decision is not None:
            return self.decided
        return self.rewrite.text if self.rewrite and self.rewrite.ok else self.bullet.text

    @property
    def filled(self) -> list[Slot]:
        return [slot for slot, a in self.answers.items() if a.usable]

    @property
    def status(self) -> Status:
        if self.error or (self.rewrite is not None and not self.rewrite.ok):
            return Status.FAILED
        if self.decision is not None:
            return Status.DECIDED
        if self.rewrite is not None and self.after != self.before:
            return Status.REWRITTEN
        if self.pending and not self.answers:
            return Status.NEEDS_ANSWERS
        return Status.UNCHANGED

    def to_dict(self) -> dict:
        return {
            "location": self.bullet.location,
            "status": self.status.value,
            "before": self.before,
            "after": self.after,
            "missing": [s.value for s in self.analysis.missing] if self.analysis else [],
            "filled": [s.value for s in self.filled],
            "pending": [{"slot": q.slot.value, "question": q.text} for q in self.pending],
            "warnings": [str(w) for w in (self.rewrite.warnings if self.rewrite else [])],
            "error": self.error,
            "decision": self.decision.value if self.decision else None,
        }


@dataclass
class BatchResult:
    document: Document
    outcomes: list[BulletOutcome]

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status is status)

    @property
    def failed(self) -> bool:
        return self.count(Status.FAILED) > 0

    def replacements(self) -> dict[str, str]:
        return {o.bullet.location: o.after for o in self.outcomes if o.after != o.before}

    def render(self) -> bytes:
        return self.document.render(self.replacements())

    def dropped_markup(self) -> dict[str, list]:
        """location -> the inline markup (links, bold…) of the original bullet that its rewrite
        could not keep, because the words it marked are no longer there as written."""
        return self.document.dropped_markup(self.replacements())

    def questions_file(self, resume_name: str, bank: AnswerBank) -> QuestionsFile:
        """Every question of this resume, with the answers known so far (the empty ones stay, to be
        filled in later), plus older answered bullets (`build_questions_file`)."""
        records = (
            FactRecord(
                location=o.bullet.location,
                original=o.original,
                output=o.after,
                questions=[
                    QuestionEntry(slot=q.slot, question=q.text, answer=bank.raw(o.original, q.slot))
                    for q in o.analysis.questions
                ],
            )
            for o in self.outcomes
            if o.analysis is not None and o.analysis.ok
        )
        return build_questions_file(resume_name, records, bank)


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) stopped the batch; `result` holds every bullet that finished.

    The bullets that did not finish keep their text and say so in their error, so the
    caller can still write the output and the questions file for the finished ones.
    """

    def __init__(self, result: BatchResult, results: list[BatchResult] | None = None) -> None:
        super().__init__("interrupted")
        self.result = result
        self.results = results if results is not None else [result]  # `run_batches`: one per document
        self.signal: str | None = None  # "SIGTERM" when cli.signals turned a SIGTERM into this

    @property
    def finished(self) -> int:
        return sum(1 for o in self.result.outcomes if o.finished)


def run_batch(
    document: Document,
    assistant: Assistant,
    bank: AnswerBank | None = None,
    *,
    progress: Progress | None = None,
    redo_decided: bool = False,
) -> BatchResult:
    """Analyze and rewrite every bullet (see `arun_batch`)."""
    outcomes = [BulletOutcome(bullet=b) for b in document.bullets]
    try:
        return _run(
            arun_batch(document, assistant, bank, progress=progress, outcomes=outcomes, redo_decided=redo_decided)
        )
    except KeyboardInterrupt:
        for o in outcomes:
            if not o.finished:
                o.rewrite, o.pending, o.error = None, [], "interrupted before it finished"
        raise BatchInterrupted(BatchResult(document=document, outcomes=outcomes)) from None


async def arun_batch(
    document: Document,
    assistant: Assistant,
    bank: AnswerBank | None = None,
    *,
    progress: Progress | None = None,
    outcomes: list[BulletOutcome] | None = None,
    redo_decided: bool = False,
    gate: CallGate | None = None,
) -> BatchResult:
    """Every bullet analyzed and rewritten from the answers in `bank`, concurrently. A bullet the
    person decided in coach (accepted, edited, kept: recorded in the fact bank) keeps that
    decision and costs no request, unless redo_decided. gate: shared with other documents'
    batches in the same run (`run_batches`); else one of the assistant's concurrency."""
    bank = AnswerBank() if bank is None else bank  # not `or`: a bank with no answers yet is empty, and still the one
    if outcomes is None:
        outcomes = [BulletOutcome(bullet=b) for b in document.bullets]
    if gate is None:
        gate = CallGate(assistant.concurrency)  # handed to the next bullet as soon as an answer has arrived
    total = len(outcomes)
    done = 0

    def tick(stage: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(stage, done, total)

    async def one(o: BulletOutcome) -> None:
        # One bullet's failure is reported on that bullet; the batch goes on.
        try:
            o.source = bank.original(o.before)
            if not redo_decided and (decided := bank.decision(o.original)) is not None:
                o.decision, o.decided = decided
                o.finished = True
                return
            async with gate.hold():
                o.analysis = await assistant.aanalyze(o.original)
            if not o.analysis.ok:
                # Its slots and questions are a guess the guards refused: nothing is asked or
                # rewritten from them, and the bullet is reported with the failure.
                o.error = f"the analysis failed: {o.analysis.failure}"
                o.finished = True
                return
            o.answers = bank.answers_for(o.original, o.analysis.missing)
            o.pending = [q for q in o.analysis.questions if q.slot not in o.answers]
            # Rewritten with the answers given so far ("unknown" and "not mine" count): one
            # answered question is enough. The open ones stay in the questions file for later.
            if o.answers or not o.pending:
                async with gate.hold():
                    o.rewrite = await assistant.arewrite(o.analysis, o.answers)
            o.finished = True
        except (ValueError, RuntimeError, OSError) as e:
            o.error = str(e).splitlines()[0] if str(e) else type(e).__name__
            o.finished = True
        finally:
            tick("bullets")

    if progress:
        progress("bullets", 0, total)
    await asyncio.gather(*(one(o) for o in outcomes))
    return BatchResult(document=document, outcomes=outcomes)


def run_batches(
    jobs: Sequence[tuple[Document, AnswerBank | None]],
    assistant: Assistant,
    *,
    progress: Progress | None = None,
    redo_decided: bool = False,
) -> list[BatchResult]:
    """Several resumes in one run, each with its own answers: one event loop and one gate (at most
    ``assistant.concurrency`` calls at a time across all of them), so they share the assistant's
    cache and the provider's rate limit instead of competing for it. progress counts the bullets
    of all of them. Results in the order of `jobs`; on Ctrl-C, `BatchInterrupted.results` holds
    each document's finished bullets."""
    all_outcomes = [[BulletOutcome(bullet=b) for b in document.bullets] for document, _ in jobs]
    total = sum(len(o) for o in all_outcomes)
    done = 0

    def tick(stage: str, local_done: int, local_total: int) -> None:  # noqa: ARG001 - one count for all
        nonlocal done
        if local_done and progress:
            done += 1
            progress(stage, done, total)

    async def every() -> list[BatchResult]:
        gate = CallGate(assistant.concurrency)
        if progress:
            progress("bullets", 0, total)
        return list(
            await asyncio.gather(
                *(
                    arun_batch(
                        document,
                        assistant,
                        bank,
                        progress=tick,
                        outcomes=outcomes,
                        redo_decided=redo_decided,
                        gate=gate,
                    )
                    for (document, bank), outcomes in zip(jobs, all_outcomes)
                )
            )
        )

    try:
        return _run(every())
    except KeyboardInterrupt:
        results = []
        for (document, _), outcomes in zip(jobs, all_outcomes):
            for o in outcomes:
                if not o.finished:
                    o.rewrite, o.pending, o.error = None, [], "interrupted before it finished"
            results.append(BatchResult(document=document, outcomes=outcomes))
        raise BatchInterrupted(results[0], results) from None


def default_output_path(document: Document) -> Path:
    p = document.path
    return p.with_name(f"{p.stem}.bulletsmith{document.output_suffix}")


def default_questions_path(resume: Path) -> Path:
    return resume.with_name(f"{resume.stem}.questions.yaml")

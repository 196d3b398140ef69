"""A whole resume at once: analyze every bullet concurrently, rewrite the ones whose questions
are answered, and say which still need answers. No terminal I/O: progress goes to a callback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from bulletsmith.answer_bank import AnswerBank, BulletEntry, QuestionEntry, QuestionsFile, bullet_key
from bulletsmith.assistant import Assistant, _run
from bulletsmith.documents import Bullet, Document
from bulletsmith.models import Analysis, Answer, Question, Rewrite, Slot

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class Status(str, Enum):
    REWRITTEN = "rewritten"
    UNCHANGED = "unchanged"  # nothing to add, or the rewrite equals the bullet
    NEEDS_ANSWERS = "needs_answers"
    FAILED = "failed"  # the engine failed, or a guard rejected the rewrite

    def __str__(self) -> str:
        return self.value


@dataclass
class BulletOutcome:
    bullet: Bullet
    analysis: Analysis | None = None
    answers: dict[Slot, Answer] = field(default_factory=dict)
    pending: list[Question] = field(default_factory=list)
    rewrite: Rewrite | None = None
    error: str | None = None

    @property
    def before(self) -> str:
        return self.bullet.text

    @property
    def after(self) -> str:
        return self.rewrite.text if self.rewrite and self.rewrite.ok else self.bullet.text

    @property
    def filled(self) -> list[Slot]:
        return [slot for slot, a in self.answers.items() if a.usable]

    @property
    def status(self) -> Status:
        if self.error or (self.rewrite is not None and not self.rewrite.ok):
            return Status.FAILED
        if self.pending:
            return Status.NEEDS_ANSWERS
        if self.rewrite is not None and self.after != self.before:
            return Status.REWRITTEN
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

    def questions_file(self, resume_name: str, bank: AnswerBank) -> QuestionsFile:
        """Every question of this resume, with the answers known so far, plus older answered bullets."""
        entries = []
        for o in self.outcomes:
            if o.analysis is None or not o.analysis.questions:
                continue
            entries.append(
                BulletEntry(
                    location=o.bullet.location,
                    bullet=o.before,
                    questions=[
                        QuestionEntry(slot=q.slot, question=q.text, answer=bank.raw(o.before, q.slot))
                        for q in o.analysis.questions
                    ],
                )
            )
        current = {bullet_key(o.before) for o in self.outcomes}
        return QuestionsFile(resume=resume_name, bullets=entries + bank.carried_over(current))


def run_batch(
    document: Document,
    assistant: Assistant,
    bank: AnswerBank | None = None,
    *,
    progress: Progress | None = None,
) -> BatchResult:
    return _run(arun_batch(document, assistant, bank, progress=progress))


async def arun_batch(
    document: Document,
    assistant: Assistant,
    bank: AnswerBank | None = None,
    *,
    progress: Progress | None = None,
) -> BatchResult:
    bank = bank or AnswerBank()
    outcomes = [BulletOutcome(bullet=b) for b in document.bullets]
    gate = asyncio.Semaphore(assistant.concurrency)
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
            async with gate:
                o.analysis = await assistant.aanalyze(o.before)
            o.answers = bank.answers_for(o.before, o.analysis.missing)
            o.pending = [q for q in o.analysis.questions if q.slot not in o.answers]
            if not o.pending:
                async with gate:
                    o.rewrite = await assistant.arewrite(o.analysis, o.answers)
        except (ValueError, RuntimeError, OSError) as e:
            o.error = str(e).splitlines()[0] if str(e) else type(e).__name__
        finally:
            tick("bullets")

    if progress:
        progress("bullets", 0, total)
    await asyncio.gather(*(one(o) for o in outcomes))
    return BatchResult(document=document, outcomes=outcomes)


def default_output_path(document: Document) -> Path:
    p = document.path
    return p.with_name(f"{p.stem}.bulletsmith{document.output_suffix}")


def default_questions_path(resume: Path) -> Path:
    return resume.with_name(f"{resume.stem}.questions.yaml")

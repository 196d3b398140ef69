"""What the coach shows and says: its stages, the step to show, the reply to an input."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from bulletsmith.coach.session import Decision
from bulletsmith.documents import Bullet, Markup
from bulletsmith.models import Analysis, Finding, Question, Rewrite, Slot

__all__ = ["COMMANDS", "ESCAPE_HELP", "Finished", "Reply", "Stage", "Step", "WaitStats"]


class Stage(str, Enum):
    QUESTION = "question"
    DECIDE = "decide"
    EDIT = "edit"
    CONFIRM_EDIT = "confirm_edit"
    FAILED = "failed"
    DONE = "done"

    def __str__(self) -> str:
        return self.value


COMMANDS = {
    Stage.QUESTION: "Enter skip · ? why · u unknown · n not mine · b back · w write file now · q save and quit",
    Stage.DECIDE: "a accept · e edit · r regenerate · k keep original · b back · w write file now · q save and quit",
    Stage.EDIT: "type the new text · Enter keeps the text as it was",
    Stage.CONFIRM_EDIT: "y use it anyway · e edit again · Enter discard",
    Stage.FAILED: "r retry · k keep original · b back · w write file now · q save and quit",
    Stage.DONE: "",
}
# How to answer with text that is also a command. The backslash is kept in the session and the fact
# bank, where Answer.parse reads it the same way ("\\n" is the answer "n", not "not mine").
ESCAPE_HELP = (
    'To answer with text that is also a command (b, n, u, q, w, ?), start it with a backslash: \\b answers "b".'
)
COMMANDS_REJECTED = "e edit · k keep original · b back · w write file now · q save and quit"
COMMANDS_REWRITE_FAILED = "r retry · e edit · k keep original · b back · w write file now · q save and quit"


@dataclass
class Step:
    """What to show now and what the next input answers."""

    stage: Stage
    index: int  # 0-based; shown as index + 1
    total: int
    bullet: Bullet | None = None
    analysis: Analysis | None = None
    answers: dict[Slot, str] = field(default_factory=dict)  # what the person typed, per slot (non-empty)
    prefilled: set[Slot] = field(default_factory=set)  # answered before this bullet came up in this run
    question: Question | None = None
    question_number: int = 0  # 1-based among the bullet's questions
    question_count: int = 0
    rewrite: Rewrite | None = None
    decision: Decision | None = None  # an earlier decision on this bullet (after `b`, or from the session)
    final: str | None = None
    edit_text: str | None = None
    edit_findings: list[Finding] = field(default_factory=list)
    edit_default: str | None = None  # EDIT: the text to start from (prefilled where the UI can)
    dropped_markup: list[Markup] = field(default_factory=list)  # DECIDE: links, bold… accepting would lose
    error: str | None = None
    entered: bool = False  # True the first time a step of this bullet is returned after moving to it

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def header(self) -> str:
        return f"Bullet {self.number} of {self.total}"

    @property
    def commands(self) -> str:
        if self.stage is Stage.DECIDE:
            if self.rewrite is None:
                return COMMANDS_REWRITE_FAILED
            if not self.rewrite.ok:
                return COMMANDS_REJECTED
        return COMMANDS[self.stage]

    @property
    def changed(self) -> bool:
        """The rewrite differs from the bullet as the file holds it (which, after --in-place, may
        already be this very rewrite of the original)."""
        return (
            self.rewrite is not None
            and self.bullet is not None
            and self.rewrite.text.strip() != self.bullet.text.strip()
        )

    @property
    def current_answer(self) -> str | None:
        return self.answers.get(self.question.slot) if self.question else None


@dataclass
class Reply:
    """What the coach says back to one input."""

    message: str = ""
    level: Literal["info", "warning", "error"] = "info"
    quit: bool = False
    wrote: Path | None = None


@dataclass
class Finished:
    output: Path
    backup: Path | None
    questions_file: Path | None
    accepted: int
    edited: int
    kept: int
    undecided: int
    dropped_markup: dict[str, list[Markup]] = field(default_factory=dict)  # location -> what the output lost


@dataclass
class WaitStats:
    """How long the person waited for the model. The prefetch is meant to make the later figures ~0."""

    first_analysis: float = 0.0  # the first bullet shown in this run: nothing could be prefetched yet
    analysis_waits: list[float] = field(default_factory=list)  # every later bullet entered
    rewrite_waits: list[float] = field(default_factory=list)

    @property
    def analysis_after_first(self) -> float:
        return sum(self.analysis_waits)

    @property
    def rewrite_total(self) -> float:
        return sum(self.rewrite_waits)

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_analysis_seconds": round(self.first_analysis, 4),
            "analysis_wait_after_first_seconds": round(self.analysis_after_first, 4),
            "analysis_waits": [round(w, 4) for w in self.analysis_waits],
            "rewrite_wait_seconds": round(self.rewrite_total, 4),
            "rewrites": len(self.rewrite_waits),
        }

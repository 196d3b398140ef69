"""Domain types: what every engine returns and every front end shows.

These are plain pydantic models so the CLI, notebooks and evals share one shape,
and so the openai engine can reuse them (or derive response models from them).
"""

from __future__ import annotations

import html
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from bulletsmith.answer_words import NOT_MINE, no_answer_kind


class Slot(str, Enum):
    """The four parts of a closed-loop bullet, in the order a bullet tells them.

    What each slot is (the design contract; both engines read alike, evidence is the clause that
    shows the slot):

    - PROBLEM: the situation, pain or need that motivated the work, including a purpose clause
      that names a need ("to expedite developer productivity", "to enable analyses of …",
      "aimed at delivering local news", "so that …"). A bare use ("to analyze data") is not one.
    - ACTION: what the person did.
    - DATA_OUTCOME: a concrete, preferably measured result on data, pipeline or system: quality,
      agreement, coverage, scale handled (with a rate: "1 billion documents a month"), latency,
      throughput, cost. Scale *managed* alone ("Managed 3 clusters and 300+ pods") is not one.
    - MODEL_IMPACT: the downstream effect: a model or product metric, and for non-ML work what
      it did for others: adoption ("now used org-wide", "used by all data scientists", "used in a
      course at two universities") and what it enabled ("helped instructors run their class
      better", "seeding further research").
    """

    PROBLEM = "problem"
    ACTION = "action"
    DATA_OUTCOME = "data_outcome"
    MODEL_IMPACT = "model_impact"

    def __str__(self) -> str:  # so f"{slot}" prints "data_outcome", not "Slot.DATA_OUTCOME"
        return self.value

    @property
    def label(self) -> str:
        return SLOT_LABELS[self]


SLOT_LABELS = {
    Slot.PROBLEM: "problem",
    Slot.ACTION: "action",
    Slot.DATA_OUTCOME: "data outcome",
    Slot.MODEL_IMPACT: "model impact",
}


class SlotFill(BaseModel):
    """Whether one slot is filled, and by which words of the bullet."""

    model_config = ConfigDict(frozen=True)

    present: bool
    evidence: str | None = Field(
        default=None, description="The exact words of the bullet that fill the slot; null when absent."
    )

    @model_validator(mode="after")
    def _evidence_only_when_present(self) -> SlotFill:
        if not self.present and self.evidence:
            raise ValueError("an absent slot has no evidence")
        if self.present and not (self.evidence or "").strip():
            raise ValueError("a present slot needs its evidence: the words of the bullet that fill it")
        return self


class AnswerKind(str, Enum):
    TEXT = "text"
    QUANTITY = "quantity"  # a number with a unit, e.g. "0.68 -> 0.84" or "3M examples"

    def __str__(self) -> str:
        return self.value


class Question(BaseModel):
    """One targeted question for one missing slot."""

    slot: Slot
    text: str = Field(min_length=8)
    kind: AnswerKind = AnswerKind.TEXT
    unit_hint: str | None = Field(default=None, description="e.g. 'percent', 'examples', 'ms'")
    why: str | None = Field(default=None, description="Why the slot matters, shown on request.")


class AnswerStatus(str, Enum):
    GIVEN = "given"
    APPROXIMATE = "approximate"  # the person said "about": the rewrite may say so too
    UNKNOWN = "unknown"
    NOT_MINE = "not_mine"  # the work was someone else's: never claim it

    def __str__(self) -> str:
        return self.value


_APPROX_PREFIXES = ("~", "about ", "approximately ", "approx. ", "approx ", "around ", "roughly ", "circa ", "≈")


class Answer(BaseModel):
    """The person's answer for one slot. Only given/approximate answers may become claims."""

    slot: Slot
    value: str = ""
    unit: str | None = None
    status: AnswerStatus = AnswerStatus.GIVEN

    @field_validator("value")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    @model_validator(mode="after")
    def _empty_is_unknown(self) -> Answer:
        if self.status in (AnswerStatus.GIVEN, AnswerStatus.APPROXIMATE) and not self.value:
            object.__setattr__(self, "status", AnswerStatus.UNKNOWN)
        return self

    @classmethod
    def parse(cls, slot: Slot | str, raw: str | Answer | None) -> Answer:
        """Read what a person typed: 'unknown', 'not mine' (and the other words of
        data/unknown_answers.txt and data/not_mine_answers.txt: "No idea.", "n/a", "not my work"),
        '~40%' (approximate), or plain text.

        A leading backslash makes the rest a plain answer, never a keyword: '\\n' is the answer
        "n" (where 'n' alone means not mine), the same in the coach and in a questions file.
        """
        if isinstance(raw, Answer):
            return raw
        slot = Slot(slot)
        text = (raw or "").strip()
        if text.startswith("\\"):
            text = text[1:].strip()
            low = text.lower()
            status = AnswerStatus.APPROXIMATE if low.startswith(_APPROX_PREFIXES) else AnswerStatus.GIVEN
            return cls(slot=slot, value=text, status=status)  # empty after the backslash: unknown
        low = text.lower()
        kind = no_answer_kind(text)
        if not text or kind is not None:
            return cls(slot=slot, status=AnswerStatus.NOT_MINE if kind == NOT_MINE else AnswerStatus.UNKNOWN)
        status = AnswerStatus.APPROXIMATE if low.startswith(_APPROX_PREFIXES) else AnswerStatus.GIVEN
        return cls(slot=slot, value=text, status=status)

    @property
    def usable(self) -> bool:
        """True when the answer may become a claim in the rewrite."""
        return self.status in (AnswerStatus.GIVEN, AnswerStatus.APPROXIMATE) and bool(self.value)

    @property
    def text(self) -> str:
        """The value with its unit, as it may appear in a rewrite."""
        if self.unit and self.unit.lower() not in self.value.lower():
            return f"{self.value} {self.unit}"
        return self.value


class Finding(BaseModel):
    """What a guard found. Errors block a result; warnings are shown beside it."""

    guard: str = Field(description="e.g. 'provenance', 'grounding', 'questions', 'style.filler'")
    message: str
    severity: Literal["error", "warning"] = "warning"
    slot: Slot | None = None

    def __str__(self) -> str:
        return f"{self.guard}: {self.message}"


class Usage(BaseModel):
    """What one result cost: HTTP requests and tokens, summed over every attempt (re-asks included).

    A cache hit costs nothing: ``requests == 0`` and ``cached`` is True.
    """

    requests: int = Field(default=0, description="HTTP requests sent, including re-asks and network retries.")
    reasks: int = Field(default=0, description="Times a guard sent the model's answer back for another try.")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            requests=self.requests + other.requests,
            reasks=self.reasks + other.reasks,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached=self.cached and other.cached,
        )


def _empty_slots() -> dict[Slot, SlotFill]:
    return {slot: SlotFill(present=False) for slot in Slot}


class Analysis(BaseModel):
    """Which slots a bullet fills (with evidence), and one question per missing slot."""

    bullet: str
    slots: dict[Slot, SlotFill] = Field(default_factory=_empty_slots)
    questions: list[Question] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    engine: str = "rules"
    model: str | None = None
    prompt_version: str | None = None
    usage: Usage | None = Field(default=None, description="Requests and tokens spent; None for offline engines.")
    draft_rewrite: str | None = Field(
        default=None,
        description="A rewrite that came with the analysis of a bullet with nothing missing (openai engine), "
        "so rewriting it without answers needs no second request. The Assistant still guards it.",
    )

    @field_validator("slots")
    @classmethod
    def _all_four_slots(cls, slots: dict[Slot, SlotFill]) -> dict[Slot, SlotFill]:
        # A missing key would silently read as "absent"; make every slot explicit instead.
        return {slot: slots.get(slot, SlotFill(present=False)) for slot in Slot}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def missing(self) -> list[Slot]:
        return [slot for slot in Slot if not self.slots[slot].present]

    @property
    def present(self) -> list[Slot]:
        return [slot for slot in Slot if self.slots[slot].present]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def failure(self) -> str | None:
        """Why the analysis can't be used (its first error), or None when it is ok."""
        return next((str(f) for f in self.findings if f.severity == "error"), None)

    def question_for(self, slot: Slot) -> Question | None:
        return next((q for q in self.questions if q.slot == slot), None)

    def to_public_dict(self) -> dict:
        """The JSON shape of `bulletsmith analyze --json` (README, "One bullet at a time"): a public contract."""
        return {
            "bullet": self.bullet,
            "slots": {s.value: {"present": f.present, "evidence": f.evidence} for s, f in self.slots.items()},
            "missing": [s.value for s in self.missing],
            "questions": [{"slot": q.slot.value, "text": q.text} for q in self.questions],
        }

    def _repr_markdown_(self) -> str:
        from bulletsmith.text import md_escape as md  # the person's text is text, never markup

        rows = [f"**Bullet:** {md(self.bullet)}", "", "| slot | present | evidence |", "|---|---|---|"]
        for slot, fill in self.slots.items():
            rows.append(f"| {slot.label} | {'yes' if fill.present else '**missing**'} | {md(fill.evidence or '')} |")
        if self.questions:
            rows += ["", "**Questions**", *[f"- *{q.slot.label}*: {md(q.text)}" for q in self.questions]]
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td>{esc(slot.label)}</td><td>{'✓' if fill.present else '<b>missing</b>'}</td>"
            f"<td>{esc(fill.evidence or '')}</td></tr>"
            for slot, fill in self.slots.items()
        )
        qs = "".join(f"<li><i>{esc(q.slot.label)}</i>: {esc(q.text)}</li>" for q in self.questions)
        return (
            f"<div><p><b>Bullet:</b> {esc(self.bullet)}</p>"
            f"<table><tr><th>slot</th><th>present</th><th>evidence</th></tr>{rows}</table>"
            + (f"<p><b>Questions</b></p><ul>{qs}</ul>" if qs else "")
            + "</div>"
        )


class Rewrite(BaseModel):
    """A rewritten bullet, built only from the bullet and the person's answers."""

    original: str
    text: str
    rejected_text: str | None = Field(
        default=None, description="What the engine wrote when a guard rejected it; never shown as the rewrite."
    )
    answers: list[Answer] = Field(default_factory=list)
    warnings: list[Finding] = Field(default_factory=list)
    engine: str = "rules"
    model: str | None = None
    prompt_version: str | None = None
    usage: Usage | None = Field(default=None, description="Requests and tokens spent; None for offline engines.")

    @property
    def ok(self) -> bool:
        """False when a guard still fails: the text must not be presented as the rewrite."""
        return not any(f.severity == "error" for f in self.warnings)

    @property
    def facts_used(self) -> list[str]:
        """The answers that became claims (given or approximate); unknown / not mine never do."""
        return [a.text for a in self.answers if a.usable]

    @property
    def changed(self) -> bool:
        return self.text.strip() != self.original.strip()

    def _repr_markdown_(self) -> str:
        from bulletsmith.text import md_escape as md

        lines = [f"**Before:** {md(self.original)}", "", f"**After:** {md(self.text)}"]
        lines += [f"- ⚠ {md(w)}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        warn = "".join(f"<li>{esc(str(w))}</li>" for w in self.warnings)
        return (
            f"<div><p><b>Before:</b> {esc(self.original)}</p><p><b>After:</b> {esc(self.text)}</p>"
            + (f"<ul>{warn}</ul>" if warn else "")
            + "</div>"
        )


class Decision(str, Enum):
    """What the person decided about a bullet's rewrite in coach; recorded in the fact bank."""

    ACCEPTED = "accepted"  # the rewrite, as the engine wrote it
    EDITED = "edited"  # the person's own text
    KEPT = "kept"  # the original bullet

    def __str__(self) -> str:
        return self.value


# Why a reviewer wants each slot: shown beside a question (both engines, coach "?").
WHY = {
    Slot.PROBLEM: (
        "A reviewer wants to know why the work mattered: the pain in the data or the system that it fixed, "
        "or the need it was for. Example: 'edge-case mislabels were leaking into training'."
    ),
    Slot.ACTION: (
        "The action says what you yourself built or changed in the data system, not what the team did. "
        "Example: 'redesigned the labeling taxonomy'."
    ),
    Slot.DATA_OUTCOME: (
        "Data-infrastructure teams hire for measured change in the data: quality, agreement, coverage, scale "
        "handled, latency or cost (the size of what you ran is not a result by itself). "
        "Example: 'annotator agreement 0.68 -> 0.84 over 3M examples'."
    ),
    Slot.MODEL_IMPACT: (
        "It closes the loop: what the work did downstream, to a model or product metric, or for the people "
        "who use it (who adopted it, what it let them do). Example: '+0.15 AUC, sustained over 6 weeks', "
        "'now used org-wide'."
    ),
}

"""The questions file, which is also the person's fact bank.

`bulletsmith rewrite` writes the questions a resume still needs into a YAML file; the person
writes answers into it; later runs (on this file or any other of the same person's resumes)
read every answer back, so no question is asked twice. Answers are matched by the bullet's
text (normalised), not its location, so they survive edits elsewhere in the resume.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bulletsmith.fsutil import atomic_write
from bulletsmith.guards import normalize_text
from bulletsmith.models import Answer, Slot


class AnswersFileError(ValueError):
    """A questions/answers file that can't be read. The message is one line naming the file."""


class QuestionEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot: Slot
    question: str = ""
    answer: str = Field(default="", description="free text; or: unknown / not mine")


class BulletEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location: str = ""
    bullet: str
    questions: list[QuestionEntry] = Field(default_factory=list)


class QuestionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resume: str = ""
    bullets: list[BulletEntry] = Field(default_factory=list)


HEADER = """\
# bulletsmith questions for {resume}
# Write each answer after `answer:`; leave it "" to be asked again later.
# `unknown` = you don't know; `not mine` = someone else did it (nothing is claimed).
# Say "about" or "~" when a number is approximate: the rewrite will say so too.
# Then run `bulletsmith rewrite {resume}` again: this file is read back automatically.
# It is your fact bank: pass it with --answers when rewriting another resume of yours.
"""


def bullet_key(text: str) -> str:
    return normalize_text(text)


class AnswerBank:
    """Answers by (bullet, slot), gathered from one or more questions files."""

    def __init__(self) -> None:
        self._answers: dict[tuple[str, Slot], str] = {}
        self._entries: dict[str, BulletEntry] = {}  # every bullet ever seen, to carry over unchanged

    def __len__(self) -> int:
        return sum(1 for v in self._answers.values() if v.strip())

    @classmethod
    def load(cls, paths: Iterable[Path]) -> "AnswerBank":
        bank = cls()
        for path in paths:
            bank.add_file(read_questions_file(path))
        return bank

    def add_file(self, qf: QuestionsFile) -> None:
        for entry in qf.bullets:
            key = bullet_key(entry.bullet)
            self._entries.setdefault(key, entry)
            for q in entry.questions:
                if q.answer.strip() or (key, q.slot) not in self._answers:
                    self._answers[(key, q.slot)] = q.answer

    def answer(self, bullet: str, slot: Slot) -> Answer | None:
        """The person's answer, or None when it was never answered (blank or absent)."""
        raw = self._answers.get((bullet_key(bullet), slot), "")
        return Answer.parse(slot, raw) if raw.strip() else None

    def answers_for(self, bullet: str, slots: Iterable[Slot]) -> dict[Slot, Answer]:
        found = {slot: self.answer(bullet, slot) for slot in slots}
        return {slot: a for slot, a in found.items() if a is not None}

    def carried_over(self, current: set[str]) -> list[BulletEntry]:
        """Answered bullets from earlier files that this resume no longer has: kept, never dropped."""
        return [
            e
            for key, e in self._entries.items()
            if key not in current and any(self._answers.get((key, q.slot), "").strip() for q in e.questions)
        ]

    def raw(self, bullet: str, slot: Slot) -> str:
        return self._answers.get((bullet_key(bullet), slot), "")


def read_questions_file(path: Path) -> QuestionsFile:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AnswersFileError(f"{path}: no such answers file") from None
    except UnicodeDecodeError:
        raise AnswersFileError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise AnswersFileError(f"{path}: cannot read ({e.strerror})") from None
    if "\x00" in text:
        raise AnswersFileError(f"{path}: looks like binary data, not a questions file (YAML)")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise AnswersFileError(f"{path}: broken YAML{where}: {getattr(e, 'problem', None) or 'parse error'}") from None
    if data is None:
        return QuestionsFile()
    if not isinstance(data, dict):
        raise AnswersFileError(
            f"{path}: not a questions file: expected `resume:` and `bullets:` at the top, found a {_yaml_kind(data)}"
        )
    try:
        qf = QuestionsFile.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "top level"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {err['loc'][-1]!r} (expected resume, bullets, location, bullet, questions, slot, question, answer)"
        elif err["type"] == "enum":
            msg = f"unknown slot {err.get('input')!r} (slots: {', '.join(s.value for s in Slot)})"
        raise AnswersFileError(f"{path}: {where}: {msg}") from None
    return qf


def _yaml_kind(data: object) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "true/false"}.get(type(data), "value")


def write_questions_file(path: Path, qf: QuestionsFile) -> None:
    body = yaml.safe_dump(
        qf.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    atomic_write(path, HEADER.format(resume=qf.resume) + body)

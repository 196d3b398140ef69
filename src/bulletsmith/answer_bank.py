"""The questions file, which is also the person's fact bank.

`bulletsmith rewrite` writes the questions a resume still needs into a YAML file; the person
writes answers into it; later runs (on this file or any other of the same person's resumes)
read every answer back, so no question is asked twice. Answers are matched by the bullet's
text (normalised: case, spacing and a trailing period don't count), not its location, so they
survive edits elsewhere in the resume. Each entry also remembers the bullet's latest rewrite
(`rewritten:`), so after `--in-place` the rewritten bullet still finds its answers.

The answers are read as the text the person typed: `answer: 3`, `answer: 0.84`, `answer: no`
and `answer: 3.10` are the strings "3", "0.84", "no" and "3.10", never numbers or booleans
(YAML would read them as such). `answer: ~`, `answer: null` and `answer:` are an empty answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import re

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bulletsmith.fsutil import InputRefused, atomic_write, read_input
from bulletsmith.guards import normalize_text
from bulletsmith.limits import MAX_FILE_BYTES
from bulletsmith.models import Answer, Slot


class AnswersFileError(ValueError):
    """A questions/answers file that can't be read. The message is one line naming the file."""


def _as_text(value: object) -> object:
    """An empty YAML value (`answer:`, `~`, `null`) is "", and a number given in Python is its text."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


class QuestionEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot: Slot
    question: str = ""
    answer: str = Field(default="", description="free text; or: unknown / not mine")

    @field_validator("question", "answer", mode="before")
    @classmethod
    def _typed_text(cls, v: object) -> object:
        return _as_text(v)


class BulletEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location: str = ""
    bullet: str
    rewritten: str = Field(default="", description="the bullet's latest rewrite; it matches the entry too")
    questions: list[QuestionEntry] = Field(default_factory=list)

    @field_validator("location", "rewritten", mode="before")
    @classmethod
    def _typed_text(cls, v: object) -> object:
        return _as_text(v)


class QuestionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resume: str = ""
    bullets: list[BulletEntry] = Field(default_factory=list)

    @field_validator("resume", mode="before")
    @classmethod
    def _typed_text(cls, v: object) -> object:
        return _as_text(v)

    @field_validator("bullets", mode="before")
    @classmethod
    def _no_bullets(cls, v: object) -> object:
        return [] if v is None else v


HEADER = """\
# bulletsmith questions for {resume}
# Write each answer after `answer:`; leave it "" to be asked again later.
# `unknown` = you don't know; `not mine` = someone else did it (nothing is claimed).
# Say "about" or "~" when a number is approximate: the rewrite will say so too.
# Then run `bulletsmith rewrite {resume}` again: this file is read back automatically.
# It is your fact bank: pass it with --answers when rewriting another resume of yours.
# Partly answered bullets are rewritten with the answers given; the empty ones can be filled in later.
# `rewritten:` is the bullet's latest rewrite: a resume holding that text (after --in-place) still
# finds these answers, and the next rewrite starts again from `bullet:`, the original.
"""

_TRAILING = re.compile(r"(?<![\s.])[\s.]+$")  # the lookbehind keeps it linear on a long run of spaces


def bullet_key(text: str) -> str:
    """What two bullets must share to be the same bullet: case, spacing, quote and dash styles and
    a trailing period don't count."""
    return _TRAILING.sub("", normalize_text(text))


class AnswerBank:
    """Answers by (bullet, slot), gathered from one or more questions files."""

    def __init__(self) -> None:
        self._answers: dict[tuple[str, Slot], str] = {}
        self._entries: dict[str, BulletEntry] = {}  # every bullet ever seen, to carry over unchanged
        self._rewrites: dict[str, str] = {}  # key of a rewritten text -> key of its original bullet

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
            if entry.rewritten.strip():
                self._rewrites.setdefault(bullet_key(entry.rewritten), key)
            for q in entry.questions:
                if q.answer.strip() or (key, q.slot) not in self._answers:
                    self._answers[(key, q.slot)] = q.answer

    def _key(self, bullet: str) -> str:
        """The key the answers of this bullet are kept under: its own, or its original's when
        `bullet` is a rewrite recorded in a questions file (and no bullet of its own)."""
        key = bullet_key(bullet)
        if key in self._entries:
            return key
        return self._rewrites.get(key, key)

    def original(self, bullet: str) -> str:
        """The original text of a bullet that now holds its recorded rewrite; else `bullet` itself.
        A rewrite always starts from the original, so answers added later are worked in afresh."""
        key = self._key(bullet)
        if key == bullet_key(bullet) or key not in self._entries:
            return bullet
        return self._entries[key].bullet

    def rewritten(self, bullet: str) -> str:
        """The latest rewrite recorded for this bullet ("" when none)."""
        entry = self._entries.get(self._key(bullet))
        return entry.rewritten if entry is not None else ""

    def answer(self, bullet: str, slot: Slot) -> Answer | None:
        """The person's answer, or None when it was never answered (blank or absent)."""
        raw = self._answers.get((self._key(bullet), slot), "")
        return Answer.parse(slot, raw) if raw.strip() else None

    def answers_for(self, bullet: str, slots: Iterable[Slot]) -> dict[Slot, Answer]:
        found = {slot: self.answer(bullet, slot) for slot in slots}
        return {slot: a for slot, a in found.items() if a is not None}

    def carried_over(self, current: set[str]) -> list[BulletEntry]:
        """Answered bullets from earlier files that this resume no longer has: kept, never dropped.
        `current` holds the bullet keys this resume has (original or rewritten text)."""
        have = {k if k in self._entries else self._rewrites.get(k, k) for k in current}
        return [
            e
            for key, e in self._entries.items()
            if key not in have and any(self._answers.get((key, q.slot), "").strip() for q in e.questions)
        ]

    def raw(self, bullet: str, slot: Slot) -> str:
        return self._answers.get((self._key(bullet), slot), "")


def read_questions_file(path: Path) -> QuestionsFile:
    try:
        # A regular file of bounded size only: `--answers /dev/zero` or a FIFO must not hang or fill memory.
        text = read_input(path, MAX_FILE_BYTES).decode("utf-8")
    except InputRefused as e:
        raise AnswersFileError(f"{path}: {e}") from None
    except FileNotFoundError:
        raise AnswersFileError(f"{path}: no such answers file") from None
    except UnicodeDecodeError:
        raise AnswersFileError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise AnswersFileError(f"{path}: cannot read ({e.strerror})") from None
    if "\x00" in text:
        raise AnswersFileError(f"{path}: looks like binary data, not a questions file (YAML)")
    try:
        data = yaml.load(text, Loader=_TextLoader)  # noqa: S506 - a SafeLoader, see _TextLoader
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
            msg = (f"unknown key {err['loc'][-1]!r} (expected resume, bullets, location, bullet, rewritten, "
                   "questions, slot, question, answer)")
        elif err["type"] == "enum":
            msg = f"unknown slot {err.get('input')!r} (slots: {', '.join(s.value for s in Slot)})"
        raise AnswersFileError(f"{path}: {where}: {msg}") from None
    return qf


class _TextLoader(yaml.SafeLoader):
    """SafeLoader, except that a plain scalar stays the text that was typed: `3`, `0.84`, `3.10`,
    `no`, `2021-03-01` are strings, not numbers, booleans or dates. Only an empty value (`~`, `null`,
    nothing) is None, read as an empty answer."""


_TextLoader.yaml_implicit_resolvers = {
    first: kept
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    if (kept := [(tag, rx) for tag, rx in resolvers if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")])
}


def _yaml_kind(data: object) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "true/false"}.get(type(data), "value")


def write_questions_file(path: Path, qf: QuestionsFile) -> None:
    data = qf.model_dump(mode="json")
    for entry in data["bullets"]:
        if not entry.get("rewritten"):  # only bullets that were rewritten say so
            entry.pop("rewritten", None)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    atomic_write(path, HEADER.format(resume=qf.resume) + body)

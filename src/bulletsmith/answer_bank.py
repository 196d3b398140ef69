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

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bulletsmith import answer_words
from bulletsmith.errors import InputError
from bulletsmith.fsutil import InputRefused, atomic_write, read_input
from bulletsmith.models import Answer, Decision, Slot
from bulletsmith.questions_yaml import TypedTextError, dump_typed, load_typed, writable_answer
from bulletsmith.text import normalize_text


class AnswersFileError(InputError):
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
    # Decided in coach: accepted (rewritten: the rewrite), edited (rewritten: the person's own
    # text) or kept (the original). `rewrite` and coach honour it; only --redo-decided (or the
    # person, in coach) replaces it.
    decision: Decision | None = None
    questions: list[QuestionEntry] = Field(default_factory=list)

    @field_validator("decision", mode="before")
    @classmethod
    def _decision_text(cls, v: object) -> object:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return v.strip().lower() if isinstance(v, str) else v

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


def header(resume: str) -> str:
    """The questions file's opening comment: how to answer, and which words mean unknown / not mine."""
    return (
        "\n".join(
            [
                f"# bulletsmith questions for {resume}",
                '# Type each answer between the quotes after `answer:`; leave it "" to be asked again later.',
                "# Inside the quotes anything goes (#, colons, it's) except a \" or a backslash: for those, use",
                "# single quotes instead, with '' for an apostrophe: answer: 'the \"Q3\" launch, it''s done'.",
                *answer_words.header_lines(),
                '# Say "about" or "~" when a number is approximate: the rewrite will say so too.',
                f"# Then run `bulletsmith rewrite {resume}` again: this file is read back automatically.",
                "# It is your fact bank: pass it with --answers when rewriting another resume of yours.",
                "# Partly answered bullets are rewritten with the answers given; the empty ones can be filled in later.",
                "# `rewritten:` is the bullet's latest rewrite: a resume holding that text (after --in-place) still",
                "# finds these answers, and the next rewrite starts again from `bullet:`, the original.",
            ]
        )
        + "\n"
    )


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
    def load(cls, paths: Iterable[Path]) -> AnswerBank:
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

    def decision(self, bullet: str) -> tuple[Decision, str] | None:
        """The person's decision on this bullet in coach, with the text it stands for (the
        accepted or edited text; the original when kept), or None when undecided."""
        entry = self._entries.get(self._key(bullet))
        if entry is None or entry.decision is None:
            return None
        if entry.decision is Decision.KEPT:
            return entry.decision, entry.bullet
        if not entry.rewritten.strip():  # an accepted or edited text that isn't there: no decision
            return None
        return entry.decision, entry.rewritten

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
            if key not in have
            and (e.decision is not None or any(self._answers.get((key, q.slot), "").strip() for q in e.questions))
        ]

    def raw(self, bullet: str, slot: Slot) -> str:
        return self._answers.get((self._key(bullet), slot), "")


# A questions file holds short answers: 1,000 fully answered bullets (the most one resume may
# have) take about 0.8 MB, and the fact bank gathers several resumes. 2 MB reads in about two
# seconds; the limit is checked before reading, so a huge file or a device costs nothing.
MAX_QUESTIONS_FILE_BYTES = 2 * 1024 * 1024
# An answer is a phrase of one bullet; past this it is pasted text, not an answer.
MAX_ANSWER_CHARS = 2000


def _read_text(path: Path) -> str:
    try:  # a regular file of bounded size only: `--answers /dev/zero` or a FIFO must not hang or fill memory
        data = read_input(path, MAX_QUESTIONS_FILE_BYTES)
    except InputRefused as e:
        why = str(e).replace("is too large", "is too large for a questions file")
        raise AnswersFileError(f"{path}: {why}") from None
    except FileNotFoundError:
        raise AnswersFileError(f"{path}: no such answers file") from None
    except OSError as e:
        raise AnswersFileError(f"{path}: cannot read ({e.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise AnswersFileError(f"{path}: not UTF-8 text") from None


def read_questions_file(path: Path) -> QuestionsFile:
    """The file as the person wrote it, every answer as typed; AnswersFileError (one line naming
    the file and the line, with the fix) when an answer can't be read as typed. It never writes."""
    path = Path(path)
    text = _read_text(path)
    if "\x00" in text:
        raise AnswersFileError(f"{path}: looks like binary data, not a questions file (YAML)")
    try:
        data = load_typed(text)
    except TypedTextError as e:
        raise AnswersFileError(f"{path}: {e}") from None
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
            msg = (
                f"unknown key {err['loc'][-1]!r} (expected resume, bullets, location, bullet, rewritten, "
                "decision, questions, slot, question, answer)"
            )
        elif err["type"] == "enum" and err["loc"][-1] == "decision":
            msg = f"unknown decision {err.get('input')!r} (decisions: {', '.join(d.value for d in Decision)}, or leave it out)"
        elif err["type"] == "enum":
            msg = f"unknown slot {err.get('input')!r} (slots: {', '.join(s.value for s in Slot)})"
        raise AnswersFileError(f"{path}: {where}: {msg}") from None
    for i, entry in enumerate(qf.bullets):
        for j, q in enumerate(entry.questions):
            if len(q.answer) > MAX_ANSWER_CHARS:
                raise AnswersFileError(
                    f"{path}: bullets.{i}.questions.{j}.answer: {len(q.answer):,} characters; an answer is "
                    f"a phrase of one bullet (at most {MAX_ANSWER_CHARS:,})"
                )
    return qf


def _yaml_kind(data: object) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "true/false"}.get(type(data), "value")


def write_questions_file(path: Path, qf: QuestionsFile) -> None:
    data = qf.model_dump(mode="json")
    for entry in data["bullets"]:
        for q in entry["questions"]:
            q["answer"] = writable_answer(q["answer"])
        if not entry.get("rewritten"):  # only bullets that were rewritten say so
            entry.pop("rewritten", None)
        if entry.get("decision") is None:  # only bullets decided in coach say so
            entry.pop("decision", None)
    # 0600: the file holds the person's own facts, like the session files and the cache.
    atomic_write(path, header(qf.resume) + dump_typed(data), mode=0o600)


@dataclass(frozen=True)
class FactRecord:
    """What one bullet of a run (a batch, a coach session) puts into the fact bank."""

    location: str
    original: str  # the text analyzed and rewritten
    output: str  # the text the output file holds for it
    questions: list[QuestionEntry]  # asked of it, with the answers known now (empty ones too)
    decision: Decision | None = None  # what the person decided in coach


def build_questions_file(resume_name: str, records: Iterable[FactRecord], bank: AnswerBank) -> QuestionsFile:
    """The fact bank after a run: each bullet that has questions, with the answers known so far,
    plus the answered bullets of earlier runs that this one did not touch (a bullet since removed
    from the resume, one whose analysis failed or was interrupted). Each entry holds the original
    bullet, and its rewrite when the output holds one, so the next run knows it by either text."""
    entries = []
    for r in records:
        if not r.questions and r.decision is None:
            continue
        rewritten = r.output if bullet_key(r.output) != bullet_key(r.original) else bank.rewritten(r.original)
        entries.append(
            BulletEntry(
                location=r.location,
                bullet=r.original,
                rewritten=rewritten,
                decision=r.decision,
                questions=list(r.questions),
            )
        )
    current = {bullet_key(e.bullet) for e in entries}
    return QuestionsFile(resume=resume_name, bullets=entries + bank.carried_over(current))

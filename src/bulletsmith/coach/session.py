"""A coach session on disk: the answers and decisions so far, so a quit (or a crash) loses nothing.

One JSON file per resume, in the user's state folder (not beside the resume: it is
the tool's bookkeeping, and the person's own copy of the answers is the questions file):

    <state dir>/sessions/<sha256 of the resolved resume path>.json

The state dir is ``$BULLETSMITH_STATE_DIR`` when set, else ``platformdirs.user_state_dir("bulletsmith")``
(``~/.local/state/bulletsmith`` on Linux). Folders are created 0o700 and files written 0o600
and atomically, after every answer and every decision. The file records the resume's content
hash, so a later run can tell that the resume changed since, and it matches bullets by their
text, so answers to unchanged bullets are reused anyway.

    {
      "version": 1,
      "resume": "/home/alex/resume.md",
      "file_hash": "sha256 of the resume's bytes when the session was saved",
      "current": 3,                      # 0-based index of the bullet to resume at
      "total": 11,
      "updated": "2025-01-31T12:00:00+00:00",
      "bullets": [
        {"location": "line 15", "text": "Built a classification model …",
         "answers": {"problem": "vendor labels disagreed", "model_impact": "unknown"},
         "decision": "accepted",         # or "edited", "kept", null = not decided yet
         "final": "Built …, cutting …"}  # the accepted or edited text; null when kept/undecided
      ]
    }
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from bulletsmith.answer_bank import (
    AnswerBank,
    FactRecord,
    QuestionEntry,
    bullet_key,
)
from bulletsmith.documents import Bullet
from bulletsmith.errors import InputError
from bulletsmith.fsutil import InputRefused, atomic_write, private_dir, read_input, state_dir
from bulletsmith.limits import MAX_FILE_BYTES, MAX_JSON_DEPTH
from bulletsmith.models import Analysis, Decision, Slot

SESSION_VERSION = 1


class SessionError(InputError):
    """A session file that can't be read. The message is one line naming the file."""


class BulletRecord(BaseModel):
    location: str
    text: str
    answers: dict[str, str] = Field(default_factory=dict, description="slot -> what the person typed")
    decision: Decision | None = None
    final: str | None = None

    @property
    def key(self) -> str:
        return bullet_key(self.text)  # the same matching as the fact bank's

    @property
    def decided(self) -> bool:
        return self.decision is not None


class SessionData(BaseModel):
    version: int = SESSION_VERSION
    resume: str
    file_hash: str
    current: int = Field(default=0, ge=0)
    total: int = Field(default=0, ge=0)
    updated: str = ""
    bullets: list[BulletRecord] = Field(default_factory=list)

    @property
    def decided(self) -> int:
        return sum(1 for b in self.bullets if b.decided)


def sessions_dir() -> Path:
    return state_dir() / "sessions"


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def session_path(resume: Path) -> Path:
    """Where the session for this resume lives: keyed by the resolved path, so it is found again after edits."""
    key = hashlib.sha256(str(Path(resume).resolve()).encode("utf-8")).hexdigest()
    return sessions_dir() / f"{key}.json"


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str, stop: int = MAX_JSON_DEPTH) -> int:
    """How deep the arrays and objects of JSON text nest (strings skipped), counted without
    parsing it and given up past `stop`, so a file nested 100,000 deep is refused before
    json.loads recurses once per level."""
    depth = deepest = 0
    for m in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if m.group() in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > stop:
                break
    return deepest


def _validation_detail(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "top level"
    return f"{where}: {err['msg'].removeprefix('Value error, ')}"


class SessionStore:
    """Load, save and remove the session of one resume."""

    def __init__(self, resume: Path, path: Path | None = None) -> None:
        self.resume = Path(resume)
        self.path = path or session_path(self.resume)

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> SessionData | None:
        """The saved session, None when there is none; SessionError when the file is broken."""
        try:
            raw = read_input(self.path, MAX_FILE_BYTES).decode("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, InputRefused) as e:
            raise SessionError(f"{self.path}: cannot read the saved session ({e})") from None
        if json_depth(raw) > MAX_JSON_DEPTH:  # json.loads would recurse once per level
            raise SessionError(f"{self.path}: the saved session is damaged (nested more than {MAX_JSON_DEPTH} deep)")
        try:
            data = SessionData.model_validate(json.loads(raw))
        except (json.JSONDecodeError, ValidationError, RecursionError) as e:
            detail = _validation_detail(e) if isinstance(e, ValidationError) else str(e).splitlines()[0]
            raise SessionError(f"{self.path}: the saved session is damaged ({detail})") from None
        if data.current > max(data.total, len(data.bullets)):  # read as "bullet 41 of 3"
            raise SessionError(
                f"{self.path}: the saved session is damaged (current is {data.current}, past the "
                f"{max(data.total, len(data.bullets))} bullets)"
            )
        if data.version != SESSION_VERSION:
            raise SessionError(f"{self.path}: saved by another version of bulletsmith (format {data.version})")
        return data

    def save(self, data: SessionData) -> None:
        data.updated = datetime.now(timezone.utc).isoformat(timespec="seconds")
        private_dir(self.path.parent)
        atomic_write(
            self.path, json.dumps(data.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n", mode=0o600
        )

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- one run's bullets


@dataclass
class Item:
    bullet: Bullet
    answers: dict[Slot, str] = field(default_factory=dict)
    prefilled: set[Slot] = field(default_factory=set)
    decision: Decision | None = None
    final: str | None = None
    source: str = ""  # the original text when the bullet holds its recorded rewrite (--in-place)

    @property
    def key(self) -> str:
        return bullet_key(self.bullet.text)

    @property
    def original(self) -> str:
        """The text analyzed and rewritten."""
        return self.source or self.bullet.text

    @property
    def output(self) -> str:
        """The text the output file holds for this bullet."""
        if self.decision in (Decision.ACCEPTED, Decision.EDITED) and self.final:
            return self.final
        return self.bullet.text


def merge_saved(items: list[Item], saved: SessionData | None, current_hash: str, name: str, notices: list[str]) -> int:
    """Take answers and decisions from a saved session into `items`; return the index to start at.
    A note for the person goes to `notices` when the resume changed since the session was saved."""
    if saved is None:
        return 0
    by_place = {(r.location, r.key): r for r in saved.bullets}
    by_text: dict[str, BulletRecord] = {}
    by_final: dict[str, BulletRecord] = {}
    for r in saved.bullets:
        by_text.setdefault(r.key, r)
        if r.final:
            by_final.setdefault(bullet_key(r.final), r)
    changed = saved.file_hash != current_hash
    reused = 0
    for item in items:
        rec = by_place.get((item.bullet.location, item.key)) or by_text.get(item.key)
        if rec is not None:
            item.decision, item.final = rec.decision, rec.final
        elif changed and item.key in by_final:
            # The file already holds the text decided last time (written with --in-place).
            rec = by_final[item.key]
            item.decision, item.final = Decision.KEPT, None
        if rec is None:
            continue
        reused += 1
        for slot_name, raw in rec.answers.items():
            try:
                slot = Slot(slot_name)
            except ValueError:
                continue
            if raw.strip():
                item.answers[slot] = raw
    if not changed:
        return max(0, min(saved.current, len(items)))
    notices.append(
        f"{name} changed since the saved session: the answers and decisions of the {reused} of "
        f"{len(items)} bullets whose text is unchanged are reused."
    )
    return next((i for i, it in enumerate(items) if it.decision is None), len(items))


def session_data(resume: Path, resume_hash: str, current: int, items: list[Item]) -> SessionData:
    """What the session file holds now."""
    return SessionData(
        resume=str(resume.resolve()),
        file_hash=resume_hash,
        current=current,
        total=len(items),
        bullets=[
            BulletRecord(
                location=it.bullet.location,
                text=it.bullet.text,
                answers={s.value: raw for s, raw in it.answers.items()},
                decision=it.decision,
                final=it.final,
            )
            for it in items
        ],
    )


def fact_records(
    items: list[Item], analysis_of: Callable[[int], Analysis | None], bank: AnswerBank
) -> list[FactRecord]:
    """What each bullet puts into the fact bank: the questions of its analysis when it is ready,
    else those the bank already holds for it, with the answers given in this session."""
    known = {bullet_key(e.bullet): e for e in bank.carried_over(set())}
    records = []
    for i, it in enumerate(items):
        analysis = analysis_of(i)
        if analysis is not None:
            questions = [
                QuestionEntry(slot=q.slot, question=q.text, answer=it.answers.get(q.slot, ""))
                for q in analysis.questions
            ]
        elif (entry := known.get(bullet_key(it.original))) is not None:
            questions = [
                QuestionEntry(slot=q.slot, question=q.question, answer=it.answers.get(q.slot, q.answer))
                for q in entry.questions
            ]
        else:
            questions = []
        asked = {q.slot for q in questions}
        questions += [QuestionEntry(slot=s, answer=raw) for s, raw in it.answers.items() if s not in asked]
        records.append(
            FactRecord(
                location=it.bullet.location,
                original=it.original,
                output=it.output,
                questions=questions,
                decision=it.decision,
            )
        )
    return records


def take_from_bank(items: list[Item], bank: AnswerBank) -> None:
    """What the fact bank knows about each bullet: its original text (when the file holds its
    recorded rewrite), its answers, and a decision made in an earlier session."""
    for item in items:
        original = bank.original(item.bullet.text)
        item.source = original if original != item.bullet.text else ""
        # The fact bank is written at every save, so an answer there that differs from the
        # session's was edited by the person since: theirs wins.
        for slot in Slot:
            raw = bank.raw(item.bullet.text, slot)
            if raw.strip():
                item.answers[slot] = raw
        item.prefilled = set(item.answers)
        # A decision made in an earlier session stands (the session file is gone once a
        # session finishes; the fact bank keeps it) and is shown when the bullet comes up.
        if item.decision is None and (decided := bank.decision(item.original)) is not None:
            item.decision = decided[0]
            item.final = None if item.decision is Decision.KEPT else decided[1]


def replacements(items: list[Item]) -> dict[str, str]:
    """location -> the text the person accepted or wrote, for the bullets whose text it changes."""
    return {
        it.bullet.location: it.final
        for it in items
        if it.decision in (Decision.ACCEPTED, Decision.EDITED) and it.final and it.final != it.bullet.text
    }


def decision_counts(items: list[Item]) -> dict[str, int]:
    """How many bullets were accepted, edited, kept, and not decided yet."""
    count = {d: sum(1 for it in items if it.decision is d) for d in (*Decision, None)}
    return {
        "accepted": count[Decision.ACCEPTED],
        "edited": count[Decision.EDITED],
        "kept": count[Decision.KEPT],
        "undecided": count[None],
    }

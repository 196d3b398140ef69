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
import os
import re
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from bulletsmith.answer_bank import bullet_key
from bulletsmith.fsutil import InputRefused, atomic_write, private_dir, read_input
from bulletsmith.limits import MAX_FILE_BYTES, MAX_JSON_DEPTH

SESSION_VERSION = 1
STATE_DIR_ENV = "BULLETSMITH_STATE_DIR"


class SessionError(ValueError):
    """A session file that can't be read. The message is one line naming the file."""


class Decision(str, Enum):
    ACCEPTED = "accepted"  # the rewrite, as the engine wrote it
    EDITED = "edited"  # the person's own text
    KEPT = "kept"  # the original bullet

    def __str__(self) -> str:
        return self.value


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


def state_dir() -> Path:
    override = os.environ.get(STATE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir("bulletsmith"))


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
            raise SessionError(f"{self.path}: the saved session is damaged (current is {data.current}, past the "
                               f"{max(data.total, len(data.bullets))} bullets)")
        if data.version != SESSION_VERSION:
            raise SessionError(f"{self.path}: saved by another version of bulletsmith (format {data.version})")
        return data

    def save(self, data: SessionData) -> None:
        data.updated = datetime.now(timezone.utc).isoformat(timespec="seconds")
        private_dir(self.path.parent)
        atomic_write(self.path, json.dumps(data.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n", mode=0o600)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

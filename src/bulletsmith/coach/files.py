"""The questions file as coach keeps it: written after every answer and decision, and read
again first, so that what the person types into it meanwhile (in an editor, or another run)
is taken in instead of written over."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bulletsmith.answer_bank import (
    AnswersFileError,
    QuestionsFile,
    bullet_key,
    read_questions_file,
    write_questions_file,
)
from bulletsmith.coach.session import Item
from bulletsmith.fsutil import atomic_write, backup_path
from bulletsmith.models import Slot
from bulletsmith.outputs import record as record_output
from bulletsmith.text import brief

__all__ = ["FactBankFile", "answers_in", "answers_on_disk", "take_disk_answers", "write_backup", "write_output"]


class FactBankFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.notes: list[str] = []  # for the person: answers taken from the file, a file that can't be read
        try:  # what the file held when last read or written: a difference later is the person's edit
            self._seen = answers_on_disk(path) or {}
        except AnswersFileError:  # read a moment ago by the caller; a race with an editor at most
            self._seen = {}

    def write(self, items: list[Item], build: Callable[[], QuestionsFile]) -> bool:
        """Take in what the person typed into the file, then write `build()` (made after that, so
        it holds it). Nothing is written while the file can't be read, or when there is nothing
        to say yet; returns whether it was written."""
        try:
            on_disk = answers_on_disk(self.path)
        except AnswersFileError as e:  # half-edited by the person: writing it would lose what they typed
            self.notes.append(f"{e}; it is not saved until it reads again (your answers here are kept)")
            return False
        if on_disk is not None:
            self.notes += take_disk_answers(items, on_disk, self._seen, self.path.name)
        if not any(it.answers or it.decision for it in items) and not self.path.exists():
            return False
        qf = build()
        write_questions_file(self.path, qf)
        self._seen = answers_in(qf)
        return True

    def take_notes(self) -> list[str]:
        notes, self.notes = self.notes, []
        return notes


def answers_in(qf: QuestionsFile) -> dict[tuple[str, Slot], str]:
    """The answers a questions file holds, by (bullet key, slot)."""
    return {(bullet_key(e.bullet), q.slot): q.answer for e in qf.bullets for q in e.questions}


def answers_on_disk(path: Path) -> dict[tuple[str, Slot], str] | None:
    """What the questions file at `path` holds now; None when there is none. A file that can't
    be read raises AnswersFileError: the person may be typing in it, and it must not be replaced."""
    if not path.exists():
        return None
    return answers_in(read_questions_file(path))


def take_disk_answers(
    items: list[Item], on_disk: dict[tuple[str, Slot], str], last_seen: dict[tuple[str, Slot], str], name: str
) -> list[str]:
    """Answers the person typed into the questions file while the session was open.

    Where the file differs from what the session last read or wrote there, the person edited
    it: the file's answer is taken (it wins over one typed in the session meanwhile, and the
    note says so). An answer emptied in the file removes nothing the session holds: another
    process writing an older copy must not erase what was typed here. Returns one note per
    answer taken."""
    notes = []
    for number, it in enumerate(items, 1):
        key = bullet_key(it.original)
        for slot in Slot:
            disk = on_disk.get((key, slot))
            if disk is None or not disk.strip() or disk == last_seen.get((key, slot), ""):
                continue
            mine = it.answers.get(slot, "")
            if mine == disk:
                continue
            it.answers[slot] = disk
            note = f"bullet {number}: the {slot.label} answer typed into {name} is used"
            if mine.strip() and mine != last_seen.get((key, slot), ""):
                note += f' instead of the one given here ("{brief(mine)}")'
            notes.append(note)
    return notes


def write_output(path: Path, data: bytes) -> None:
    """The rewritten resume, written whole, and remembered as bulletsmith's (bulletsmith.outputs)."""
    atomic_write(path, data)
    record_output(path, data)


def write_backup(resume: Path, original: bytes) -> Path:
    """The resume as it was before --in-place replaced it: NAME.EXT.bak."""
    backup = backup_path(resume)
    atomic_write(backup, original)
    return backup

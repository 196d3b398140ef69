"""What a typed answer means when it is not an answer: "I don't know" or "that wasn't me".

One place for the coach, the questions file, `rewrite` and the library (Answer.parse calls it).
The words are in data/unknown_answers.txt and data/not_mine_answers.txt; the questions file's
header lists them (header_lines).
"""

from __future__ import annotations

import functools
import re
import textwrap

from bulletsmith.datafiles import word_list
from bulletsmith.text import normalize_text

UNKNOWN = "unknown"
NOT_MINE = "not_mine"

# Trailing punctuation a person adds without meaning anything by it: "Unknown." "no idea!!" "none?"
_TRAILING = re.compile(r"[\s.!?…;,:'\"()\[\]-]+$")
_LEADING = re.compile(r"^[\s'\"(\[]+")
# After a not-mine phrase, where the person goes on to say whose it was.
_GOES_ON = re.compile(r"\s*[,;:(-]")


def fold(text: str) -> str:
    """The answer as compared with the word lists: case, quote and dash styles, spacing,
    underscores and surrounding punctuation don't count."""
    folded = normalize_text(text).replace("_", " ")
    return _LEADING.sub("", _TRAILING.sub("", folded))


@functools.lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    unknown = frozenset(fold(w) for w in word_list("unknown_answers.txt"))
    not_mine = frozenset(fold(w) for w in word_list("not_mine_answers.txt"))
    return unknown, not_mine


def no_answer_kind(text: str) -> str | None:
    """UNKNOWN or NOT_MINE when the typed answer says so, else None (a real answer).

    Blank text is None: the caller decides what blank means (asked again, in a questions file)."""
    if not text or not text.strip():
        return None
    if not any(ch.isalnum() for ch in text):  # "?", "-", "..." claim nothing
        return UNKNOWN
    unknown, not_mine = _lists()
    key = fold(text)
    if key in not_mine:
        return NOT_MINE
    if key in unknown:
        return UNKNOWN
    for phrase in not_mine:  # "not mine, the data team did it": never a claim
        if " " in phrase and key.startswith(phrase) and _GOES_ON.match(key, len(phrase)):
            return NOT_MINE
    return None


def header_lines(width: int = 96) -> list[str]:
    """The questions file's comment lines that say which answers mean unknown and not mine."""
    unknown, not_mine = (word_list(n) for n in ("unknown_answers.txt", "not_mine_answers.txt"))
    shown_unknown = ", ".join(w for w in unknown if len(w) > 1 or w == "u")
    shown_not_mine = ", ".join(w for w in not_mine if w != "not_mine")
    text = (
        f"These answers claim nothing, in any case and with or without a final period. Unknown, "
        f"you don't know: {shown_unknown}. Not mine, someone else did it: {shown_not_mine}. "
        "To give one of these words as a real answer, put a backslash before it, in single quotes: answer: '\\no'."
    )
    return ["# " + line for line in textwrap.wrap(text, width - 2, break_on_hyphens=False)]

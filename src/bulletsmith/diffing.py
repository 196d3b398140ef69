"""Word-level change marking between a bullet and its rewrite.

    from bulletsmith.diffing import word_diff, plain_diff
    word_diff("Built a model", "Built a churn model")
    # [Change('equal', 'Built a '), Change('insert', 'churn '), Change('equal', 'model')]
    plain_diff("Built a model", "Built a churn model")
    # 'Built a {+churn+} model'

Words are compared case-sensitively, with their punctuation attached ("model," and "model"
differ), and the whitespace between words is kept, so joining the `equal` and `insert`
pieces gives the new text back exactly and joining `equal` and `delete` gives the old one.
No terminal code here: the CLI turns the changes into rich styles or the plain markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Op = Literal["equal", "delete", "insert"]

_TOKEN = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Change:
    op: Op
    text: str


def _tokens(text: str) -> list[str]:
    """Words with their trailing whitespace; leading whitespace is dropped."""
    return _TOKEN.findall(text.lstrip())


def word_diff(before: str, after: str) -> list[Change]:
    """The changes that turn `before` into `after`, word by word (replacements = delete + insert)."""
    a, b = _tokens(before), _tokens(after)
    # Compare words without their trailing whitespace, so a word that moves to the end still matches.
    matcher = SequenceMatcher(None, [t.rstrip() for t in a], [t.rstrip() for t in b], autojunk=False)
    out: list[Change] = []

    def add(op: Op, text: str) -> None:
        if not text:
            return
        if out and out[-1].op == op:
            out[-1] = Change(op, out[-1].text + text)
        else:
            out.append(Change(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", "".join(b[j1:j2]))
        else:
            if i2 > i1:
                add("delete", "".join(a[i1:i2]))
            if j2 > j1:
                add("insert", "".join(b[j1:j2]))
    return out


def plain_diff(before: str, after: str) -> str:
    """The changes in wdiff's plain notation: `[-removed words-]{+added words+}`."""
    parts: list[str] = []
    for c in word_diff(before, after):
        body = c.text.rstrip()
        tail = c.text[len(body) :]
        if c.op == "equal":
            parts.append(c.text)
        elif c.op == "delete":
            parts.append(f"[-{body}-]" + (tail if tail else ""))
        else:
            parts.append(f"{{+{body}+}}" + (tail if tail else ""))
    # A delete followed by an insert reads as one replacement: "[-old-] {+new+}" -> "[-old-]{+new+}".
    text = "".join(parts)
    return re.sub(r"-\]\s+\{\+", "-]{+", text).rstrip()


def changed_words(before: str, after: str) -> tuple[int, int]:
    """How many words were removed and added (for a one-line summary)."""
    removed = sum(len(c.text.split()) for c in word_diff(before, after) if c.op == "delete")
    added = sum(len(c.text.split()) for c in word_diff(before, after) if c.op == "insert")
    return removed, added

"""Plain-text resumes: a bullet is a line starting with a glyph (``•``, ``-``, ``*``, ``+``, ``–``…) or a
number (``1.``, ``1)``) and a space; following non-blank lines indented deeper than the marker continue it.

Section headings are unindented, non-bullet lines that name a known section (``SKILLS``,
``Experience:``); see ``filters`` for what they exclude. A new text for a wrapped bullet is
wrapped at the same width and continuation indent (see ``base.Wrapping``).
"""

from __future__ import annotations

import re
from pathlib import Path

from bulletsmith.documents.base import (
    Bullet,
    Span,
    SpanDocument,
    decode_text,
    line_starts,
    no_markup,
    normalize_space,
    wrapping_of,
)
from bulletsmith.documents.filters import Sections, is_achievement, section_kind

GLYPHS = "•●▪◦‣∙⋅○■□►▸➢➤✓✔–*+-"
_BULLET = re.compile(rf"^([ \t]*)(?:[{re.escape(GLYPHS)}]|\d{{1,3}}[.)])([ \t]+)(?=\S)")
_UNDERLINE = re.compile(r"^\s*([=\-_~*#])\1{2,}\s*$")


class TextDocument(SpanDocument):
    format = "text"


def _indent_width(s: str) -> int:
    return len(s.expandtabs(4))


def _single_line(text: str) -> str:
    return text


def parse_text(path: Path, data: bytes) -> TextDocument:
    text, bom = decode_text(path, data)
    starts = line_starts(text)
    ends = [*starts[1:], len(text)]
    lines = [text[s:e].rstrip("\r\n") for s, e in zip(starts, ends, strict=True)]

    bullets: list[Bullet] = []
    spans: list[Span] = []
    sections = Sections()
    current: list | None = None  # [first line, marker indent width, start offset, end offset]

    def flush() -> None:
        nonlocal current
        if current is not None:
            line_no, _, start, end = current
            plain = normalize_space(text[start:end])
            if not sections.excluded and is_achievement(plain):
                bullets.append(Bullet(plain, f"line {line_no + 1}"))
                wrapping = wrapping_of(text, start, end)
                spans.append(Span(start, end, no_markup(wrapping.fill if wrapping else _single_line)))
        current = None

    for ln, body in enumerate(lines):
        m = _BULLET.match(body)
        if m and not _UNDERLINE.match(body):
            flush()
            current = [ln, _indent_width(m.group(1)), starts[ln] + m.end(), starts[ln] + len(body.rstrip())]
            continue
        if not body.strip():
            flush()
            continue
        indent = _indent_width(body[: len(body) - len(body.lstrip())])
        if current is not None and indent > current[1]:
            current[3] = starts[ln] + len(body.rstrip())
            continue
        flush()
        if indent == 0 and not _UNDERLINE.match(body):
            title = body.strip().rstrip(":")
            if section_kind(title):
                sections.heading(1, title)
    flush()
    return TextDocument(path, bullets, text, bom, spans)

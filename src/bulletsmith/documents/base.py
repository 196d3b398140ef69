"""What every format shares: the Bullet, the Document, one-line errors, safe reading, span rewriting."""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulletsmith.documents.bullets import Bullets
from bulletsmith.errors import InputError
from bulletsmith.fsutil import InputRefused, read_input

# Files larger than this are refused before a byte is read (a resume is a few kB; a 50 MB
# "resume" is a mistake or an attack, and parsing it would hang the tool). Set in limits.py.
from bulletsmith.limits import MAX_FILE_BYTES

FORMATS = ("markdown", "text", "jsonresume", "latex", "docx", "pdf")


class DocumentError(InputError):
    """A file that can't be read as a resume. ``str(e)`` is one line: ``"FILE: problem"``."""

    def __init__(self, message: str) -> None:
        one_line = " ".join(str(message).split())
        super().__init__(one_line)


def error(path: str | os.PathLike, problem: str) -> DocumentError:
    return DocumentError(f"{os.fspath(path)}: {problem}")


@dataclass(frozen=True)
class Bullet:
    """One achievement bullet.

    ``text`` is what a person reads (markup unescaped, wrapped lines joined, glyph stripped);
    ``location`` says where it is: ``"line 12"`` (Markdown, text, LaTeX: the line where the item
    starts), ``"work[0].highlights[2]"`` (JSON Resume), ``"paragraph 14"`` (DOCX), ``"page 1 line 7"`` (PDF).
    """

    text: str
    location: str


@dataclass(frozen=True)
class Markup:
    """Inline markup inside an original bullet, around some of its words: a link, bold, italic, code…

    ``text`` is the plain words it marks (``"Microsoft Dynamics CRM"``); ``kind`` is one of
    ``link``, ``bold``, ``italic``, ``underline``, ``strike``, ``code``, ``image``, ``format``, and
    for DOCX ``content control``, ``field``, ``tag`` (a smart tag or custom XML);
    ``source`` is how the file writes it (``**labelcheck**``,
    ``\\href{https://…}{Microsoft Dynamics CRM}``), for DOCX a description (``bold``,
    ``link to https://…``).
    """

    text: str
    kind: str
    source: str
    #: Set for what is not markup lost but a change the write made that the person should know
    #: (``kind`` "revisions": tracked changes accepted; "text box": a longer text in a fixed box);
    #: ``not_kept`` then says this.
    note: str = ""

    @property
    def not_kept(self) -> str:
        """One line for the person: what is lost, and why."""
        if self.note:
            return self.note
        return (
            f'{self.kind} not kept: {self.source} (the rewrite does not have "{self.text}" exactly once, '
            "as written; add it back by hand if you want it)"
        )


class Document:
    """A resume in one format: its bullets, and how to write new bullet texts back.

    ``render(replacements)`` maps location -> new plain text and returns the whole new file as
    bytes; every byte outside the replaced bullets stays as it was. A replacement equal to the
    bullet's current text leaves that bullet's bytes untouched (so its wrapping and markup stay).
    In the text formats, a new text for a bullet that was wrapped over several lines is wrapped
    at the original's widest line with the original's continuation indent; a one-line bullet
    stays on one line.

    Inline markup (links, bold, italic, code…) is carried into a new text where the new text
    still has its words: each markup span of the original whose plain words occur exactly once in
    the new text, on word boundaries, is written around them again (same URL, same delimiter).
    ``dropped_markup(replacements)`` lists the spans that could not be carried, per location, so
    a caller can say so.
    """

    format: str = ""
    writable: bool = True

    def __init__(self, path: Path, bullets: list[Bullet]) -> None:
        self.path = path
        self.bullets = Bullets(bullets)  # a list that is also a table and a DataFrame in notebooks
        self._last: tuple[tuple, tuple[bytes, dict[str, list[Markup]]]] | None = None

    @property
    def output_suffix(self) -> str:
        return self.path.suffix

    def render(self, replacements: Mapping[str, str]) -> bytes:
        """The whole new file, with the new texts written in place of their bullets."""
        return self._rendered(replacements)[0]

    def dropped_markup(self, replacements: Mapping[str, str]) -> dict[str, list[Markup]]:
        """The inline markup ``render(replacements)`` could not carry into the new texts.

        location -> the original's markup spans, in reading order, whose words the new text does not
        have once (dropped, changed, or there twice), then any note about what the write did to the
        bullet that the person should check (a ``Markup`` with ``note``: DOCX tracked changes accepted,
        a longer text in a fixed-size text box). Bullets that lost nothing are not in it.
        """
        return self._rendered(replacements)[1]

    def _rendered(self, replacements: Mapping[str, str]) -> tuple[bytes, dict[str, list[Markup]]]:
        changes = self.changed(replacements)
        key = tuple(sorted(changes.items()))
        if self._last is None or self._last[0] != key:  # render, then dropped_markup: one write
            self._last = (key, self._write(changes))
        return self._last[1]

    def _write(self, changes: dict[str, str]) -> tuple[bytes, dict[str, list[Markup]]]:  # pragma: no cover
        """The new file for validated ``changes`` (location -> new normalised text), and the dropped markup."""
        raise NotImplementedError

    def changed(self, replacements: Mapping[str, str]) -> dict[str, str]:
        """Validate ``replacements`` and keep those that change a bullet (location -> normalised text).

        Unknown location -> KeyError; an empty or non-string text -> ValueError.
        """
        by_location = {b.location: b for b in self.bullets}
        out: dict[str, str] = {}
        for location, text in replacements.items():
            if location not in by_location:
                raise KeyError(location)
            if not isinstance(text, str):
                raise ValueError(f"replacement for {location} is {type(text).__name__}, not str")
            clean = normalize_space(text)
            if not clean:
                raise ValueError(f"replacement for {location} is empty")
            if clean != by_location[location].text:
                out[location] = clean
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {os.fspath(self.path)!r} format={self.format} bullets={len(self.bullets)}>"


def normalize_space(text: str) -> str:
    return " ".join(text.split())


# --- reading ----------------------------------------------------------------------------------


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing missing files, folders, anything that is not a regular file
    (a FIFO would block forever, /dev/zero never ends) and anything over MAX_FILE_BYTES, unread."""
    if path.is_dir():
        raise error(path, "is a folder, not a file")
    try:
        return read_input(path, MAX_FILE_BYTES)
    except InputRefused as e:
        raise error(path, str(e)) from None
    except FileNotFoundError:
        raise error(path, "no such file") from None
    except OSError as e:
        raise error(path, f"cannot read ({e.strerror or e})") from None


_BINARY_SIGNATURES = {
    b"%PDF": "a PDF file",
    b"PK\x03\x04": "a ZIP or DOCX file",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\xd0\xcf\x11\xe0": "an old Word .doc file",
}


def decode_text(path: Path, data: bytes) -> tuple[str, bytes]:
    """UTF-8 text (and its BOM, kept so it can be written back) or a one-line error."""
    for magic, what in _BINARY_SIGNATURES.items():
        if data.startswith(magic):
            raise error(path, f"looks like {what}, not text; check the file extension")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(path, "is UTF-16 text; save it as UTF-8")
    if b"\x00" in data[:65536]:
        raise error(path, "looks like binary data, not text")
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = data[len(bom) :].decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(
            path,
            f"is not UTF-8 text (byte 0x{data[len(bom) + e.start]:02x} at offset {len(bom) + e.start}); save it as UTF-8",
        ) from None
    return text, bom


# --- carrying inline markup into a new text ---------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """A markup span of an original bullet, as a writer carries it: the spans nested inside it
    (tried one by one when the whole can't be carried), and what the format needs to write it
    again (``payload``; the text formats write ``markup.source`` as it is)."""

    markup: Markup
    children: tuple[Mark, ...] = ()
    payload: Any = None


@dataclass(frozen=True)
class Placed:
    """A mark carried into a new text: it goes around ``text[start:end]``."""

    start: int
    end: int
    mark: Mark


_WORD_CHAR = re.compile(r"\w")


def occurrences(text: str, words: str) -> list[tuple[int, int]]:
    """Where ``words`` occurs in ``text`` as whole words (no letter or digit glued on either side)."""
    if not words:
        return []
    hits: list[tuple[int, int]] = []
    open_word, close_word = bool(_WORD_CHAR.match(words[0])), bool(_WORD_CHAR.match(words[-1]))
    i = text.find(words)
    while i >= 0:
        j = i + len(words)
        glued_before = open_word and i > 0 and _WORD_CHAR.match(text[i - 1])
        glued_after = close_word and j < len(text) and _WORD_CHAR.match(text[j])
        if not (glued_before or glued_after):
            hits.append((i, j))
        i = text.find(words, i + 1)
    return hits


def place_marks(text: str, marks: Sequence[Mark]) -> tuple[list[Placed], list[Markup]]:
    """Which of the original's marks go where in the new ``text``, and which can't be carried.

    A mark is carried when its words occur exactly once in ``text``, on word boundaries, clear of
    the marks already placed; one that isn't still lets the marks nested in it try on their own.
    The dropped list has every mark neither carried nor inside a carried one, in reading order.
    """
    placed: list[Placed] = []
    dropped: list[Markup] = []

    def free(a: int, b: int) -> bool:
        return all(b <= p.start or p.end <= a for p in placed)

    def visit(mark: Mark) -> None:
        hits = occurrences(text, mark.markup.text)
        if len(hits) == 1 and free(*hits[0]):
            placed.append(Placed(hits[0][0], hits[0][1], mark))
            return
        if mark.markup.text:
            dropped.append(mark.markup)
        for child in mark.children:
            visit(child)

    for mark in marks:
        visit(mark)
    placed.sort(key=lambda p: p.start)
    return placed, dropped


def markups(marks: Sequence[Mark]) -> list[Markup]:
    """Every markup span in ``marks``, nested ones included, in reading order."""
    out: list[Markup] = []
    for mark in marks:
        if mark.markup.text:
            out.append(mark.markup)
        out += markups(mark.children)
    return out


def compose(text: str, placed: Sequence[Placed], escape: Callable[[str, int, int], str]) -> str:
    """``text`` in a format's source: ``escape(text, start, end)`` for the plain stretches, each
    placed mark's own source around its words."""
    out: list[str] = []
    pos = 0
    for p in placed:
        if pos < p.start:
            out.append(escape(text, pos, p.start))
        out.append(p.mark.markup.source)
        pos = p.end
    if pos < len(text):
        out.append(escape(text, pos, len(text)))
    return "".join(out)


# --- writing back by source ranges ------------------------------------------------------------

#: How a format writes a new plain text in place of a bullet: the source, and the markup dropped.
Writer = Callable[[str], tuple[str, list[Markup]]]


def no_markup(write: Callable[[str], str]) -> Writer:
    """A writer for a bullet with no inline markup to carry."""
    return lambda text: (write(text), [])


@dataclass(frozen=True)
class Span:
    """Where a bullet's text sits in the source (character offsets, end exclusive) and how to write it."""

    start: int
    end: int
    format: Writer


class SpanDocument(Document):
    """A text format written back by replacing each changed bullet's source range, nothing else."""

    def __init__(self, path: Path, bullets: list[Bullet], source: str, bom: bytes, spans: list[Span]) -> None:
        super().__init__(path, bullets)
        self.source = source
        self._bom = bom
        self._spans = {b.location: s for b, s in zip(bullets, spans, strict=True)}

    def source_range(self, location: str) -> tuple[int, int]:
        """Where the bullet at ``location`` sits in ``source`` (start, end exclusive): what lies
        between two bullets (a job heading, a section) is how ``review`` groups them into roles."""
        span = self._spans[location]
        return span.start, span.end

    def _write(self, changes: dict[str, str]) -> tuple[bytes, dict[str, list[Markup]]]:
        edits = sorted(((self._spans[loc], loc, text) for loc, text in changes.items()), key=lambda e: e[0].start)
        out: list[str] = []
        dropped: dict[str, list[Markup]] = {}
        pos = 0
        for span, location, text in edits:
            out.append(self.source[pos : span.start])
            written, lost = span.format(text)
            out.append(written)
            if lost:
                dropped[location] = lost
            pos = span.end
        out.append(self.source[pos:])
        return self._bom + "".join(out).encode("utf-8"), dropped


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    """Offsets where each line starts (line breaks: \\n, \\r\\n, \\r)."""
    return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]


_GLUE = "\x00"  # a space textwrap must not break at
_RESERVED = "\x01"  # room kept on the last line for what follows the bullet there
_RISKY_WORD = re.compile(r"[^\w]|_|\d{1,9}[.)]$")


def _unbreakable(before: str, word: str) -> bool:
    """Would a line break between ``before`` and ``word`` risk being read as markup?

    Yes when ``word`` opens with punctuation or a glyph (``-``, ``#``, ``>``, ``•``, ``=``, ``|``, ``$``…)
    or is a list number (``1.``, ``2)``): at the start of a line it could be a new bullet, a heading, a
    quote, an underline. And when ``before`` ends with a backslash: at the end of a line that is a
    Markdown hard break. Such a word stays on the line of the word before it.
    """
    return bool(_RISKY_WORD.match(word)) or before.endswith("\\")


@dataclass(frozen=True)
class Wrapping:
    """How a bullet that spans several source lines is laid out, so a new text can be laid out alike."""

    width: int  # the widest original line, marker and indentation included
    first: str  # what precedes the bullet's text on its first line (indentation, marker)
    indent: str  # what precedes the text on each continuation line
    newline: str  # the line break the original uses
    tail: int  # how much follows the text on its last line (a closing brace, a comment)

    def fill(self, source_text: str) -> str:
        """``source_text`` (one line, already escaped for the format) wrapped like the original.

        Breaks only at spaces (no word is broken, not even at a hyphen), never before a word that
        could read as markup at the start of a line, and keeps room for what follows on the last line.
        The result starts where the original text started (after ``first``).
        """
        if _GLUE in source_text or _RESERVED in source_text:
            return source_text  # control characters in a bullet: don't mix them up with ours
        words = source_text.split(" ")
        glued = words[0] + "".join(
            (_GLUE if _unbreakable(before, w) else " ") + w for before, w in zip(words, words[1:], strict=False)
        )
        filled = textwrap.fill(
            glued + _RESERVED * self.tail,
            width=self.width,
            initial_indent=self.first,
            subsequent_indent=self.indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        body = filled[len(self.first) :].rstrip(_RESERVED).replace(_GLUE, " ")
        return self.newline.join(body.split("\n"))


_CONTINUATION_INDENT = re.compile(r"[ \t]*")


def wrapping_of(source: str, start: int, end: int, indent: re.Pattern[str] = _CONTINUATION_INDENT) -> Wrapping | None:
    """The layout of the bullet text at ``source[start:end]``, or None when it is on one line.

    ``indent`` matches what opens a continuation line (default: its spaces and tabs).
    """
    first_break = _LINE_BREAK.search(source, start, end)
    if first_break is None:
        return None
    line_start = max(source.rfind("\n", 0, start), source.rfind("\r", 0, start)) + 1
    after = _LINE_BREAK.search(source, end)
    line_end = after.start() if after else len(source)
    lines = _LINE_BREAK.split(source[line_start:line_end])
    continuation = next((line for line in lines[1:] if line.strip()), "")
    opening = indent.match(continuation)
    assert opening is not None, "an indent pattern matches the empty string too"
    return Wrapping(
        width=max(len(line.rstrip()) for line in lines),
        first=source[line_start:start],
        indent=opening.group(),
        newline=first_break.group(),
        tail=len(source[end:line_end].rstrip()),
    )


def line_of(starts: list[int], offset: int) -> int:
    """1-based line number of a character offset."""
    import bisect

    return bisect.bisect_right(starts, offset)

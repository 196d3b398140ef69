"""The document layer: find the bullets in a resume file and write rewritten bullets back.

    from bulletsmith.documents import load_document
    doc = load_document("resume.md")
    for b in doc.bullets:
        print(b.location, b.text)          # "line 12", "Built a classification model …"
    new = doc.render({"line 12": "Redesigned the labeling taxonomy, …"})   # the whole new file, as bytes
    doc.dropped_markup({"line 12": "…"})   # {"line 12": [Markup("cleanlab", "link", "[cleanlab](https://…)")]}

Inline markup (links, bold, italic, code…) stays on the words a new text kept; ``dropped_markup``
lists what a new text has no words for, so a caller can say so.

Formats (by extension, or ``format=``): Markdown (.md .markdown), plain text (.txt .text),
JSON Resume (.json), LaTeX (.tex), Word (.docx), PDF (.pdf, read only: ``render`` gives Markdown,
``output_suffix`` is ".md"). Writing back changes the bytes of the changed bullets and nothing
else. Which list items count as achievement bullets is one rule for all formats:
see ``bulletsmith.documents.filters``.

Every problem with the input file (missing, empty, too large, binary, not UTF-8, corrupt, no bullets…)
raises ``DocumentError``, whose text is one line naming the file and the problem.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from bulletsmith.documents.base import (
    FORMATS,
    MAX_FILE_BYTES,
    Bullet,
    Document,
    DocumentError,
    Markup,
    error,
    read_bytes,
)
from bulletsmith.limits import MAX_DOCUMENT_BULLETS, MAX_ITEM_CHARS, MAX_TEXT_BYTES, MAX_TEXT_LINES

SUFFIX_FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".json": "jsonresume",
    ".tex": "latex",
    ".docx": "docx",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(SUFFIX_FORMATS)
_TEXT_FORMATS = ("markdown", "text", "jsonresume", "latex")
_SURROGATE = re.compile("[\ud800-\udfff]")

_NO_BULLETS = {
    "markdown": "list items (-, *, 1.) under Experience or Projects",
    "text": "lines starting with a bullet (•, -, *, 1.) under Experience or Projects",
    "jsonresume": "strings in work[].highlights, projects[].highlights or volunteer[].highlights",
    "latex": "\\item or \\resumeItem{...} lines under Experience or Projects",
    "docx": "bulleted or numbered list paragraphs under Experience or Projects",
    "pdf": "lines starting with a bullet glyph (•, -, ▪ …) in the text layer",
}

__all__ = [
    "Bullet",
    "Document",
    "DocumentError",
    "FORMATS",
    "MAX_FILE_BYTES",
    "Markup",
    "SUPPORTED_SUFFIXES",
    "load_document",
    "read",
]


def _reader(fmt: str) -> Callable[[Path, bytes], Document]:
    reader: Callable[[Path, bytes], Document]  # each format's parser returns its own Document subclass
    if fmt == "markdown":
        from bulletsmith.documents.markdown import parse_markdown as reader
    elif fmt == "text":
        from bulletsmith.documents.plaintext import parse_text as reader
    elif fmt == "jsonresume":
        from bulletsmith.documents.jsonresume import parse_jsonresume as reader
    elif fmt == "latex":
        from bulletsmith.documents.latex import parse_latex as reader
    elif fmt == "docx":
        from bulletsmith.documents.word import parse_docx as reader
    else:
        from bulletsmith.documents.pdf import parse_pdf as reader
    return reader


def _blank(data: bytes) -> bool:
    """No bytes, or only whitespace (and maybe a UTF-8 byte order mark): nothing to read in any format."""
    try:
        return not data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        return False


def load_document(path: str | os.PathLike, *, format: str | None = None) -> Document:  # noqa: A002 - the API's name
    """Read a resume and find its bullets. Raises DocumentError (one line) for any problem with the file."""
    p = Path(path)
    # Missing or a folder, whatever the name says: "bad" or "cv.md" as a folder is a folder.
    if p.is_dir():
        raise error(path, "is a folder, not a file")
    if not os.path.lexists(p):
        raise error(path, "no such file")
    if format is None:
        fmt = SUFFIX_FORMATS.get(p.suffix.lower())
        if fmt is None:
            what = f"file type {p.suffix!r}" if p.suffix else "file without an extension"
            raise error(path, f"unsupported {what}; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    elif format in FORMATS:
        fmt = format
    else:
        raise error(path, f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    data = read_bytes(p)
    if _blank(data):
        raise error(path, "is empty" if not data else "is empty (only whitespace)")
    if fmt in _TEXT_FORMATS:  # checked before a parser builds anything from the text
        if len(data) > MAX_TEXT_BYTES:
            raise error(
                path,
                f"is too large for a {fmt} resume ({len(data) / 1024:,.0f} kB; the limit is "
                f"{MAX_TEXT_BYTES // 1024:,} kB)",
            )
        lines = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
        if lines > MAX_TEXT_LINES:
            raise error(path, f"{lines:,} lines (at most {MAX_TEXT_LINES:,}); is this a resume?")
    try:
        document = _reader(fmt)(p, data)
    except DocumentError:
        raise
    except RecursionError:
        raise error(path, "is nested too deeply to read") from None
    if not document.bullets:
        raise error(path, f"no bullets found; expected {_NO_BULLETS[fmt]}")
    if len(document.bullets) > MAX_DOCUMENT_BULLETS:
        raise error(path, f"{len(document.bullets):,} bullets (at most {MAX_DOCUMENT_BULLETS:,}); is this a resume?")
    for b in document.bullets:
        if _SURROGATE.search(b.text):  # no character: printing or writing it would fail half-way
            raise error(
                path, f"{b.location}: the bullet holds a lone surrogate (\\ud800-\\udfff), which is no character"
            )
        if len(b.text) > MAX_ITEM_CHARS:
            raise error(
                path,
                f"{b.location}: the bullet is {len(b.text):,} characters long (at most "
                f"{MAX_ITEM_CHARS:,}); is it several bullets pasted as one, or not a resume?",
            )
    return document


#: The public name: ``bulletsmith.read("resume.md")`` (a notebook's first line).
read = load_document

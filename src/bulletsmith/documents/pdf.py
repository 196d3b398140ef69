"""PDF resumes (pypdf), read only: bullets from the text layer, written back as Markdown.

Each page's text is laid out by pypdf's layout mode, which keeps the indentation. A bullet starts
at a line whose first character is a glyph (``• ● ⋅ ∙ ○ ▪ – ‣ ◦ - *``, and the Symbol-font
private-use bullets that Word exports) followed by text; the lines after it that are indented to
its text column are its wrapped continuation and are joined to it. ``"page 1 line 7"`` counts the
page's non-blank lines.

A PDF with no text layer (a scan) or a garbled one (fonts without a Unicode map) is refused with
a one-line error that says so. Two-column layouts are read line by line across both columns, so
their bullets may come out mixed: export a one-column PDF or use .md/.docx for those.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from collections.abc import Mapping
from pathlib import Path

from bulletsmith.documents.base import Bullet, Document, DocumentError, error, normalize_space
from bulletsmith.documents.filters import Sections, is_achievement, section_kind
from bulletsmith.documents.markdown import to_markdown

GLYPHS = "•●⋅∙○▪–‣◦-*■□►▸➢➤✓✔·\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf06e\uf0a8"
_BULLET = re.compile(rf"^(\s*)([{re.escape(GLYPHS)}])(\s+)(?=\S)")
_PRIVATE_BULLETS = set("\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf06e\uf0a8")
_NO_TEXT = "has no text layer (scanned image?); export a text PDF or use .md/.docx"


class PdfDocument(Document):
    format = "pdf"
    writable = False

    def __init__(self, path: Path, bullets: list[Bullet], headings: dict[str, str]) -> None:
        super().__init__(path, bullets)
        self._headings = headings  # location of a bullet -> heading of its section, where there is one

    @property
    def output_suffix(self) -> str:
        return ".md"

    def render(self, replacements: Mapping[str, str]) -> bytes:
        """A Markdown document of the bullets (replaced where given), under their section headings."""
        changes = self.changed(replacements)
        out = [
            f"<!-- bulletsmith: converted from {self.path.name}. A PDF can't be edited in place, so this is "
            "its bullets as Markdown; paste them back into the resume's source. -->",
            "",
        ]
        current: str | None = None
        for b in self.bullets:
            heading = self._headings.get(b.location)
            if heading is not None and heading != current:
                if out[-1] != "":
                    out.append("")
                out += [f"## {heading}", ""]
                current = heading
            out.append(f"- {to_markdown(changes.get(b.location, b.text))}")
        return ("\n".join(out) + "\n").encode("utf-8")


@contextlib.contextmanager
def _quiet():  # noqa: ANN202
    """pypdf logs warnings about broken files; the error (if any) is ours to report, in one line."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _page_lines(page) -> tuple[list[str], bool]:  # noqa: ANN001
    """The page's non-blank lines, and whether they keep their indentation (layout mode worked)."""
    try:
        text = page.extract_text(extraction_mode="layout")
        layout = True
    except Exception:  # noqa: BLE001 - layout mode is newer and stricter; plain mode still gives lines
        text = page.extract_text() or ""
        layout = False
    return [line.rstrip() for line in (text or "").splitlines() if line.strip()], layout


def _garbled(text: str) -> bool:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return False
    bad = sum(
        1
        for c in chars
        if c == "\ufffd" or (("\ue000" <= c <= "\uf8ff") and c not in _PRIVATE_BULLETS) or (ord(c) < 32)
    )
    return bad / len(chars) > 0.2 or len(re.findall(r"\(cid:\d+\)", text)) > 5


def _title(heading: str) -> str:
    return heading.title() if heading.isupper() else heading


def parse_pdf(path: Path, data: bytes) -> PdfDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if b"%PDF" not in data[:1024]:
        raise error(path, "is not a valid PDF (no %PDF header)")
    try:
        with _quiet():
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except Exception:  # noqa: BLE001 - e.g. AES without a crypto library
                    opened = False
                if not opened:
                    raise error(path, "is password-protected or encrypted; export an unprotected PDF or use .md/.docx")
            pages = [_page_lines(p) for p in reader.pages]
    except DocumentError:
        raise
    except PdfReadError as e:
        raise error(path, f"is not a valid PDF ({e})") from None
    except Exception as e:  # noqa: BLE001 - pypdf raises many kinds of error on broken files
        raise error(path, f"is not a valid PDF ({type(e).__name__}: {e})") from None
    all_text = "\n".join("\n".join(lines) for lines, _ in pages)
    if len(re.sub(r"\s", "", all_text)) < 20:
        raise error(path, _NO_TEXT)
    if _garbled(all_text):
        raise error(path, "has a text layer that extracts as garbage (fonts without a Unicode map); use .md/.docx")

    bullets: list[Bullet] = []
    headings: dict[str, str] = {}
    sections = Sections()
    heading: str | None = None
    for page_no, (lines, layout) in enumerate(pages, start=1):
        current: list | None = None  # [location, text column, glyph column, [texts]]

        def flush() -> None:
            nonlocal current
            if current is not None:
                text = _join(current[3])
                if not sections.excluded and is_achievement(text):
                    bullets.append(Bullet(text, current[0]))
                    if heading is not None:
                        headings[current[0]] = heading
            current = None

        for line_no, line in enumerate(lines, start=1):
            m = _BULLET.match(line)
            if m and not re.fullmatch(r"\s*[-–_*=.·]{3,}\s*", line):
                flush()
                col = len(m.group(0))
                current = [f"page {page_no} line {line_no}", col, len(m.group(1)), [line[col:]]]
                continue
            indent = len(line) - len(line.lstrip())
            if current is not None and _continues(current, line, indent, layout):
                current[3].append(line.strip())
                continue
            flush()
            title = normalize_space(line).rstrip(":")
            if len(title) < 60 and section_kind(title):
                sections.heading(1, title)
                heading = _title(title)
        flush()
    return PdfDocument(path, bullets, headings)


def _continues(current: list, line: str, indent: int, layout: bool) -> bool:
    """Is ``line`` the wrapped continuation of the bullet being read?"""
    if layout:
        return indent >= max(current[1] - 2, current[2] + 1)
    # Without layout the indentation is gone: a line continues a bullet when the bullet's text so
    # far does not end a sentence, or the line starts in lower case, and it is no section heading.
    stripped = line.strip()
    if section_kind(stripped.rstrip(":")) and len(stripped) < 60:
        return False
    return stripped[:1].islower() or not current[3][-1].rstrip().endswith((".", "!", "?", ":"))


def _join(parts: list[str]) -> str:
    text = ""
    for part in parts:
        part = normalize_space(part)
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and part[:1].islower():
            text += part  # "data-" + "driven": a word broken at its hyphen
        else:
            text = f"{text} {part}" if text else part
    return text

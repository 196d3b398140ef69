"""PDF resumes (pypdf), read only: bullets from the text layer, written back as Markdown.

Each page's text is laid out by pypdf's layout mode, which keeps the indentation. A bullet starts
at a line whose first character is a glyph (``• ● ⋅ ∙ ○ ▪ – ‣ ◦ - *``, and the Symbol-font
private-use bullets that Word exports, and the ``o`` of Word's second level) or a list number or letter (``1.``, ``2)``, ``a)``,
``(iv)``) followed by text; the lines after it that are indented to its text column are its
wrapped continuation and are joined to it. ``"page 1 line 7"`` counts the page's non-blank lines
in the order they are read.

The Markdown written back has the section headings, the lines above each job's bullets (title,
company, dates: up to three, the first as a ``###`` heading), numbered items as numbered items,
and a bullet whose glyph is indented under the one before it nested under it.

Two columns (a sidebar beside the main column): layout mode puts a line of each column on one
text line. When a gutter, a band of blank character columns on every line below an optional
full-width header, cleanly separates two left-aligned columns of running text, the page is read
as the header, then down the left column, then down the right (see ``_columns``); each column
keeps its own section headings, from page to page. When the evidence is not clean (a line crosses
the band, the right side is not one aligned column, the left side is only section names in the
margin), the page is read line by line across both columns, as a one-column page is.

A PDF with no text layer (a scan) or a garbled one (fonts without a Unicode map) is refused with
a one-line error that says so.
"""

from __future__ import annotations

import contextlib
import copy
import io
import itertools
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from bulletsmith.documents.base import Bullet, Document, DocumentError, Markup, error, normalize_space
from bulletsmith.documents.filters import Sections, is_achievement, section_kind
from bulletsmith.documents.markdown import to_markdown
from bulletsmith.limits import MAX_PDF_CONTENT_BYTES, MAX_PDF_PAGES

GLYPHS = "•●⋅∙○▪–‣◦-*■□►▸➢➤✓✔·\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf06e\uf0a8"
# A list number or letter: "1." "12)" "a." "b)" "(c)" "(iv)" "ii." "A)"; not "A." (an initial: "A. Rivera").
_NUMBER = r"\d{1,2}[.)]|[a-z][.)]|[A-Z]\)|\((?:\d{1,2}|[a-zA-Z]|[ivxIVX]{1,5})\)|[ivx]{1,5}[.)]"
# Word's second-level bullet is a Courier New "o": one before a capital or a digit is a glyph.
_BULLET = re.compile(rf"^(\s*)([{re.escape(GLYPHS)}]|{_NUMBER}|o(?=\s+[A-Z0-9]))(\s+)(?=\S)")
_PRIVATE_BULLETS = set("\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf06e\uf0a8")
_NO_TEXT = "has no text layer (scanned image?); export a text PDF or use .md/.docx"


class PdfDocument(Document):
    format = "pdf"
    writable = False

    def __init__(self, path: Path, bullets: list[Bullet], headings: dict[str, _Place]) -> None:
        super().__init__(path, bullets)
        self._headings = headings  # location of a bullet -> its section, role and indentation

    @property
    def output_suffix(self) -> str:
        return ".md"

    def _write(self, changes: dict[str, str]) -> tuple[bytes, dict[str, list[Markup]]]:
        """A Markdown document of the bullets (replaced where given), under their section headings and
        the lines that name their role (job title, company, dates) as ``###`` headings; a bullet indented
        under another (a sub-bullet) is nested under it."""
        out = [
            f"<!-- bulletsmith: converted from {self.path.name}. A PDF can't be edited in place, so this is "
            "its bullets as Markdown; paste them back into the resume's source. -->",
            "",
        ]
        current: _Place | None = None
        levels: list[tuple[int, str]] = []  # the open list levels: glyph column, the indentation of their items
        last_marker = "-"
        for b in self.bullets:
            place = self._headings.get(b.location, _Place())
            if current is None or (place.heading, place.role) != (current.heading, current.role):
                if out[-1] != "":
                    out.append("")
                if place.heading is not None and (current is None or place.heading != current.heading):
                    out += [f"## {place.heading}", ""]
                if place.role:
                    first, *rest = place.role
                    out += [f"### {to_markdown(first)}", "", *(to_markdown(line) for line in rest)]
                    if rest:
                        out.append("")
                levels = []
                current = place
            while levels and place.indent <= levels[-1][0] - _SAME_LEVEL:
                levels.pop()
            if not levels:
                levels.append((place.indent, ""))
            elif place.indent >= levels[-1][0] + _SAME_LEVEL:  # under the item before: at its text's column
                levels.append((place.indent, levels[-1][1] + " " * (len(last_marker) + 1)))
            last_marker = place.marker
            out.append(f"{levels[-1][1]}{place.marker} {to_markdown(changes.get(b.location, b.text))}")
        return ("\n".join(out) + "\n").encode("utf-8"), {}


_SAME_LEVEL = 2  # glyph columns this close are one list level (layout text jitters by a character)


@dataclass(frozen=True)
class _Place:
    """Where a bullet sits: its section's heading, the lines that name its role, its glyph's column,
    and its Markdown marker (``-``, or ``3.`` for an item numbered 3 in the PDF)."""

    heading: str | None = None
    role: tuple[str, ...] = ()
    indent: int = 0
    marker: str = "-"


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


def _drawn_bytes(page) -> int:  # noqa: ANN001 - a pypdf page
    """Bytes of drawing operations text extraction walks on this page: its content, plus each
    form XObject's content once for every time the page draws it (one level deep)."""
    contents = page.get_contents()
    if contents is None:
        return 0
    data = contents.get_data()
    total = len(data)
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is None or b"Do" not in data:
        return total
    for name, ref in xobjects.get_object().items():
        uses = len(re.findall(re.escape(str(name).encode("latin-1", "replace")) + rb"\s+Do\b", data))
        if uses:
            form = ref.get_object()
            if form.get("/Subtype") == "/Form":
                total += uses * len(form.get_data())
    return total


def _check_budget(reader, path: Path) -> None:  # noqa: ANN001 - a pypdf PdfReader
    """Pages and drawing operations, counted before any text is extracted: pages that share one
    content stream cost it once each (500 pages over one stream never finished)."""
    count = len(reader.pages)
    if count > MAX_PDF_PAGES:
        raise error(path, f"{count:,} pages (at most {MAX_PDF_PAGES}); is this a resume?")
    total = 0
    for number, page in enumerate(reader.pages, start=1):
        total += _drawn_bytes(page)
        if total > MAX_PDF_CONTENT_BYTES:
            raise error(
                path,
                f"more than {MAX_PDF_CONTENT_BYTES // (1024 * 1024)} MB of drawing operations by page "
                f"{number} of {count}; is this a resume?",
            )


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
                    opened = bool(reader.decrypt(""))  # a PasswordType, whose NOT_DECRYPTED is 0
                except Exception:  # noqa: BLE001 - e.g. AES without a crypto library
                    opened = False
                if not opened:
                    raise error(path, "is password-protected or encrypted; export an unprotected PDF or use .md/.docx")
            _check_budget(reader, path)
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
    headings: dict[str, _Place] = {}
    main = _Flow(running=_running_lines([lines for lines, _ in pages]))
    columns: tuple[_Flow, _Flow] | None = None  # the left and right column of the last two-column page
    for page_no, (lines, layout) in enumerate(pages, start=1):
        numbered = itertools.count(1)  # lines as read: down the left column, then down the right
        split = _columns(lines) if layout else None

        def read(part: list[str], flow: _Flow) -> None:
            _read(part, numbered, flow, layout, page_no, bullets, headings)  # noqa: B023 - called right here

        if split is None:
            if columns is not None:  # back to one column: go on from the longer of the two
                main = max(columns, key=lambda flow: flow.lines)
                columns = None
            read(lines, main)
            continue
        header, left, right = split
        read(header, main)
        if columns is None:  # each column starts under the headings above it, then keeps its own
            columns = (copy.deepcopy(main), copy.deepcopy(main))
        read(left, columns[0])
        read(right, columns[1])
    return PdfDocument(path, bullets, headings)


@dataclass
class _Flow:
    """One run of text read top to bottom (the page, or one column of it): the headings above it."""

    sections: Sections = field(default_factory=Sections)
    heading: str | None = None
    lines: int = 0
    running: frozenset[str] = frozenset()  # page headers and footers: never a job's line
    role: tuple[str, ...] = ()  # the lines above the bullets of the current job: title, company, dates
    pending: list[str] = field(default_factory=list)  # lines since the last bullet: the next role, if bullets follow


def _read(lines, numbers, flow: _Flow, layout: bool, page_no: int, bullets, headings) -> None:  # noqa: ANN001
    """Find the bullets in ``lines`` (numbered from ``numbers``), under the headings of ``flow``."""
    current: list | None = None  # [location, text column, glyph column, [texts], Markdown marker]

    def flush() -> None:
        nonlocal current
        if current is not None:
            text = _join(current[3])
            if not flow.sections.excluded and is_achievement(text):
                bullets.append(Bullet(text, current[0]))
                headings[current[0]] = _Place(flow.heading, flow.role, current[2] if layout else 0, current[4])
        current = None

    for line in lines:
        line_no = next(numbers)
        flow.lines += 1
        m = _BULLET.match(line)
        if m and not re.fullmatch(r"\s*[-–_*=.·]{3,}\s*", line):
            flush()
            col = len(m.group(0))
            number = re.fullmatch(r"(\d+)[.)]", m.group(2))
            marker = f"{number.group(1)}." if number else "-"
            current = [f"page {page_no} line {line_no}", col, len(m.group(1)), [line[col:]], marker]
            if flow.pending:
                flow.role, flow.pending = tuple(flow.pending), []
            continue
        indent = len(line) - len(line.lstrip())
        if current is not None and _continues(current, line, indent, layout):
            current[3].append(line.strip())
            continue
        flush()
        title = normalize_space(line).rstrip(":")
        if len(title) < 60 and section_kind(title):
            flow.sections.heading(1, title)
            flow.heading = _title(title)
            flow.role, flow.pending = (), []
        elif flow.heading is not None and not _running(title, flow.running):  # a job title, company, dates…
            flow.pending = [*flow.pending, normalize_space(line)][-_ROLE_LINES:]
    flush()


_PAGE_NUMBER = re.compile(r"(?i)^\W*(?:page\s*)?\d+(?:\s*(?:of|/)\s*\d+)?\W*$")
_ROLE_LINES = 3
_EDGE_LINES = 2  # how many lines at the top and the bottom of a page may be its running header or footer


def _running_lines(pages: list[list[str]]) -> frozenset[str]:
    """The page headers and footers: lines at the top or bottom of two pages or more, and the
    resume's first line (the person's name), which a header on the later pages repeats."""
    seen: dict[str, int] = {}
    for lines in pages:
        for line in {normalize_space(x) for x in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]}:
            seen[line] = seen.get(line, 0) + 1
    running = {line for line, n in seen.items() if n > 1}
    first = normalize_space(pages[0][0]) if pages and pages[0] else ""
    if len(pages) > 1 and 0 < len(first) < 40:
        running.add(first)
    return frozenset(running)


def _running(title: str, running: frozenset[str]) -> bool:
    """Is this line a page header, footer or number (so not a line about a job)?"""
    return bool(_PAGE_NUMBER.match(title)) or any(
        title == r or (len(r) > 3 and title.startswith(r)) for r in running
    )  # the most lines kept above a job's bullets (title, company, dates): a role, not a paragraph


# --- two columns ----------------------------------------------------------------------------------

_MAX_COLUMN_PAGE_LINES = 300  # a resume page has far fewer; a page with more is read line by line
_MIN_GUTTER = 3  # blank character columns between the two columns, on every line
_MIN_COLUMN_LINES = 3  # lines with words on each side of the gutter
_HANGING_INDENT = 8  # how far right of a column's edge its lines may start (bullet text after its glyph)
_WORD = re.compile(r"[^\W\d_]{2,}")


def _columns(lines: list[str]) -> tuple[list[str], list[str], list[str]] | None:
    """A two-column page as (full-width lines at the top, left column, right column), else None.

    pypdf's layout text puts each line of both columns on one text line. The columns are told
    apart by a gutter: a band of at least ``_MIN_GUTTER`` character columns that is blank on every
    line below an optional full-width header (at most a third of the page, none of its lines
    itself split by the band), with words on both sides of it on at least ``_MIN_COLUMN_LINES``
    lines, and every line right of it starting at one edge (see ``_gutter_score``). Not a split:
    a line that crosses the band (text overrunning its column: no clean gutter), a bullet glyph
    or number left of a tab gap (no running text on that side), section names in a left margin
    (labels of the text beside them, which must stay beside it). Each column keeps its
    indentation relative to itself.
    """
    if not 2 * _MIN_COLUMN_LINES <= len(lines) <= _MAX_COLUMN_PAGE_LINES:
        return None
    width = max(len(line) for line in lines)
    last_ink = [-1] * width  # the last line with a character in each column
    for i, line in enumerate(lines):
        for c, ch in enumerate(line):
            if not ch.isspace():
                last_ink[c] = i
    for top in range(len(lines) // 3 + 1):
        body = lines[top:]
        best: tuple[int, int, int] | None = None
        c = 0
        while c < width:
            if last_ink[c] >= top:
                c += 1
                continue
            a = c
            while c < width and last_ink[c] < top:
                c += 1
            if c - a >= _MIN_GUTTER and a > 0 and c < width:
                score = _gutter_score(body, a, c)
                if score and (best is None or score > best[0]):
                    best = (score, a, c)
        if best is None:
            continue
        _, a, b = best
        if any(not line[a:b].strip() and _WORD.search(line[:a]) and _WORD.search(line[b:]) for line in lines[:top]):
            continue  # the "header" has two-column lines too: text crossing the band lower down, no clean gutter
        if not _sides_have_words(body, a, b):
            continue
        left = [line[:a].rstrip() for line in body if line[:a].strip()]
        if sum(1 for line in left if section_kind(line.strip().rstrip(":"))) * 2 >= len(left):
            return None  # section names in the margin, each beside its section: one column with labels
        right = [line[a:] for line in body if line[a:].strip()]
        margin = min(len(line) - len(line.lstrip()) for line in right)
        return lines[:top], left, [line[margin:] for line in right]
    return None


def _gutter_score(body: list[str], a: int, b: int) -> int:
    """How well the blank band of columns ``a``..``b`` separates two columns: 0 if it does not.

    It does when at least ``_MIN_COLUMN_LINES`` lines have words on both sides of it and every
    line right of it starts at the right column's edge, or a hanging indent from it (a left-aligned
    column of text and bullets). A band that is a wide gap between two words of a justified or
    oddly spaced line, or a margin with a page number or a note in it, has text right of it that
    starts anywhere: 0. The score is the number of lines with words on both sides.
    """
    two_sided = sum(1 for line in body if _WORD.search(line[:a]) and _WORD.search(line[b:]))
    if two_sided < _MIN_COLUMN_LINES:
        return 0
    starts = [len(line) - len(line[b:].lstrip()) for line in body if line[b:].strip()]
    edge = min(starts)
    return two_sided if all(start - edge <= _HANGING_INDENT for start in starts) else 0


def _sides_have_words(body: list[str], a: int, b: int) -> bool:
    """Is there running text on both sides (a few lines of two words or more), not just labels or glyphs?"""
    left = sum(1 for line in body if len(_WORD.findall(line[:a])) >= 2)
    right = sum(1 for line in body if len(_WORD.findall(line[b:])) >= 2)
    return left >= _MIN_COLUMN_LINES and right >= _MIN_COLUMN_LINES


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

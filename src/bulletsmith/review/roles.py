"""A resume's outline, as review needs it: the header at the top (name, title), its sections, and
its bullets grouped into roles (job entries), in every format ``extract`` reads.

One rule for every format: the document is read as a sequence of text lines and bullets. A line
that names a known section (``filters.section_kind``: Experience, Projects, Skills…) opens a
section; any other text between two bullets (a job title, a company, dates) opens a new role whose
heading is that text. Bullets with nothing but list markup between them are one role. The lines
above the first section (or the first bullet) are the header, where the guide wants the
role-specific title. JSON Resume says all this in its structure (``work[0]`` is a role,
``basics.label`` the title) and is read from it.

Page count: a PDF has its pages; a DOCX has them where Word recorded them (``docProps/app.xml``,
trusted only beside a non-zero word count: python-docx writes a template's "1 page, 0 words");
elsewhere ``pages`` is None and ``estimate_pages`` estimates from the visible text.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

from bulletsmith.documents import Document
from bulletsmith.documents.base import SpanDocument, normalize_space
from bulletsmith.documents.filters import section_kind

# The guide's page: 11pt with 0.5" margins on US Letter. Text width ~100 characters a line (the
# arithmetic is in guards' docstring); height 11" - 1" = 10" = 720pt at a 1.2 line height of
# 11pt (13.2pt) is ~54 lines. Headings and the space around them take about two lines each.
CHARS_PER_LINE = 100
LINES_PER_PAGE = 54

_EXPERIENCE = re.compile(r"experience|employment|work|career|positions|history|internship", re.I)


@dataclass
class Role:
    """A job entry (or a project group): its heading text, the section it is in, its bullets."""

    heading: str
    section: str
    locations: list[str] = field(default_factory=list)

    @property
    def is_experience(self) -> bool:
        return bool(_EXPERIENCE.search(self.section))


@dataclass
class Outline:
    header: list[str]  # the text lines above the first section: name, title, contact
    lines: list[str]  # every visible line that is not a bullet (headings, summary, skills)
    roles: list[Role]
    pages: int | None = None  # known (PDF, DOCX with Word's count), else None
    sections: int = 0

    def experience_roles(self) -> list[Role]:
        """The roles under an Experience-like section, in document order (the guide asks for
        reverse chronological order, so the first is the most recent); all roles when no section
        says Experience."""
        found = [r for r in self.roles if r.is_experience]
        return found or self.roles


def estimate_pages(outline: Outline, bullets: list[str]) -> float:
    """Printed pages at the guide's layout, estimated from the visible text (see module constants)."""
    lines = sum(max(1, math.ceil(len(t) / CHARS_PER_LINE)) for t in [*outline.lines, *bullets])
    lines += 2 * outline.sections
    return lines / LINES_PER_PAGE


def _is_section(text: str) -> bool:
    t = text.strip().rstrip(":")
    return 0 < len(t) < 60 and section_kind(t) is not None


class _Builder:
    def __init__(self) -> None:
        self.header: list[str] = []
        self.lines: list[str] = []
        self.roles: list[Role] = []
        self.section = ""
        self.sections = 0
        self.pending: list[str] = []
        self.started = False  # a section or a bullet was seen: the header is over
        self.fresh = True  # no bullet since the last section heading

    def line(self, text: str) -> None:
        text = normalize_space(text)
        if not text:
            return
        self.lines.append(text)
        if _is_section(text):
            self.section, self.started, self.fresh, self.pending = text.rstrip(":"), True, True, []
            self.sections += 1
        elif not self.started:
            self.header.append(text)
        else:
            self.pending.append(text)

    def bullet(self, location: str) -> None:
        self.started = True
        if self.pending or self.fresh or not self.roles:
            heading = " · ".join(self.pending[-3:]) or self.section or "(no heading)"
            self.roles.append(Role(heading=heading[:200], section=self.section))
        self.roles[-1].locations.append(location)
        self.pending, self.fresh = [], False

    def outline(self, pages: int | None = None) -> Outline:
        return Outline(self.header, self.lines, self.roles, pages, self.sections)


def outline_of(document: Document) -> Outline:
    """The outline of a loaded document (see the module docstring)."""
    fmt = document.format
    if fmt == "jsonresume":
        return _jsonresume(document)
    if fmt == "docx":
        return _docx(document)
    if fmt == "pdf":
        return _pdf(document)
    if isinstance(document, SpanDocument):
        return _spans(document)
    b = _Builder()  # an unknown kind of document: one role of every bullet
    for bullet in document.bullets:
        b.bullet(bullet.location)
    return b.outline()


# --- the text formats: what lies between the bullets in the source ----------------------------

_MD_LINE = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}\s+|[-*+]\s+|\d{1,9}[.)]\s+)?")
_MD_INLINE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[*_`~]+|<[^>]+>")
_TEX_COMMENT = re.compile(r"(?<!\\)%.*")
_TEX_ENV = re.compile(r"\\(?:begin|end)\s*\{[^{}]*\}(?:\s*\[[^\]]*\])?(?:\s*\{[^{}]*\})?")
_TEX_SECTION = re.compile(r"\\[A-Za-z]*section\*?\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}")
# What opens the bullet at the end of a gap: "\item ", "\item[x] {", "\resumeItem{Label}{".
_TEX_OPENER = re.compile(r"\\[A-Za-z]+\*?(?:\s*\[[^\]]*\])?(?:\s*\{[^{}]*\})*\s*\{?\s*$")
_TEX_LAYOUT = re.compile(
    r"\\(?:vspace|hspace|setlength|addtolength)\*?\s*\{[^{}]*\}(?:\s*\{[^{}]*\})?|\\(?:href|url)\s*\{[^{}]*\}"
)
_TEX_WORD = re.compile(r"\\[A-Za-z]+\*?")


def _tex_lines(chunk: str) -> list[tuple[str, bool]]:
    """(text, is_section) lines of a LaTeX stretch between bullets."""
    from bulletsmith.documents.latex_text import latex_to_text

    chunk = _TEX_COMMENT.sub("", chunk)
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _TEX_SECTION.finditer(chunk):
        out += _tex_plain(chunk[pos : m.start()], latex_to_text)
        out.append((latex_to_text(m.group(1)), True))
        pos = m.end()
    out += _tex_plain(chunk[pos:], latex_to_text)
    return out


def _tex_plain(chunk: str, latex_to_text) -> list[tuple[str, bool]]:  # noqa: ANN001
    chunk = _TEX_LAYOUT.sub(" ", _TEX_ENV.sub("\n", chunk))
    chunk = re.sub(r"\\\\(?:\[[^\]]*\])?", "\n", chunk)
    chunk = re.sub(
        r"(?<!\\)[{}]+", " | ", _TEX_WORD.sub(lambda m: m.group(0) if m.group(0) in ("\\&", "\\%") else " ", chunk)
    )
    out = []
    for raw in chunk.split("\n"):
        parts = [latex_to_text(p).strip() for p in raw.split(" | ")]
        text = " · ".join(p for p in parts if re.search(r"\w", p))
        if text:
            out.append((text, False))
    return out


def _md_lines(chunk: str) -> list[tuple[str, bool]]:
    out = []
    for raw in chunk.splitlines():
        is_heading = raw.lstrip().startswith("#")
        text = _MD_INLINE.sub(lambda m: m.group(1) or "", _MD_LINE.sub("", raw, count=1)).strip()
        if re.fullmatch(r"[-=_*\s]*", text):
            continue  # a rule, a setext underline, a marker alone
        out.append((text, is_heading and _is_section(text)))
    return out


def _spans(document: SpanDocument) -> Outline:
    src = document.source
    b = _Builder()
    latex = document.format == "latex"
    start = 0
    if latex:
        begin = src.find("\\begin{document}")
        start = begin + len("\\begin{document}") if begin >= 0 else 0
    ranges = sorted((document.source_range(x.location), x) for x in document.bullets)
    pos = start
    for (a, z), bullet in ranges:
        gap = src[pos:a]
        if latex:
            gap = _TEX_OPENER.sub("", _TEX_COMMENT.sub("", gap))
            for text, _ in _tex_lines(gap):
                b.line(text)
        else:
            for text, _ in _md_lines(gap):
                b.line(text)
        b.bullet(bullet.location)
        pos = z
    for text, _ in _tex_lines(src[pos:]) if latex else _md_lines(src[pos:]):
        b.line(text)
    return b.outline()


# --- JSON Resume --------------------------------------------------------------------------------

_JSON_LOCATION = re.compile(r"^(\w+)\[(\d+)\]\.highlights\[\d+\]$")


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _jsonresume(document: Document) -> Outline:
    source = document.source if isinstance(document, SpanDocument) else document.path.read_text("utf-8-sig")
    data = json.loads(source)  # the reader parsed it already: it is a JSON object
    basics: dict = data["basics"] if isinstance(data.get("basics"), dict) else {}
    header = [str(basics[k]) for k in ("name", "label") if isinstance(basics.get(k), str)]
    bullet_texts = {normalize_space(x.text) for x in document.bullets}
    # Prose only: dates, URLs and one-word keywords are laid out beside other text, not as lines.
    lines = [t for s in _strings(data) if len((t := normalize_space(s)).split()) >= 3 and t not in bullet_texts]
    roles: dict[tuple[str, int], Role] = {}
    for bullet in document.bullets:
        m = _JSON_LOCATION.match(bullet.location)
        if not m:
            continue
        section, i = m.group(1), int(m.group(2))
        if (section, i) not in roles:
            entry = data.get(section, [])[i] if isinstance(data.get(section), list) else {}
            fields = [entry.get(k) for k in ("position", "name", "organization", "startDate", "endDate")]
            heading = " · ".join(str(f) for f in fields if isinstance(f, str) and f.strip()) or f"{section}[{i}]"
            roles[(section, i)] = Role(heading=heading, section=section)
        roles[(section, i)].locations.append(bullet.location)
    sections = sum(1 for k in ("work", "projects", "volunteer", "education", "skills") if data.get(k))
    return Outline(header, [line for line in lines if line], list(roles.values()), None, sections)


# --- DOCX and PDF ------------------------------------------------------------------------------


def _docx(document: Document) -> Outline:
    import zipfile
    from io import BytesIO

    from bulletsmith.documents import word, word_xml

    data = document.path.read_bytes()
    doc = word.open_docx(data, document.path)
    bullets = {x.location for x in document.bullets}
    b = _Builder()
    for n, p in enumerate(word.body_paragraphs(doc), start=1):
        location = f"paragraph {n}"
        if location in bullets:
            b.bullet(location)
        else:
            b.line(word_xml.visible_text(p))
    pages = None
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            app = z.read("docProps/app.xml").decode("utf-8", "replace")
        m = re.search(r"<(?:\w+:)?Pages>(\d+)</", app)
        words = re.search(r"<(?:\w+:)?Words>(\d+)</", app)
        # Word and LibreOffice write Pages with Words on every save; python-docx copies a template
        # that says Pages 1, Words 0 whatever the document holds: a count without words is stale.
        if m and words and int(m.group(1)) > 0 and int(words.group(1)) > 0:
            pages = int(m.group(1))
    except (KeyError, OSError, zipfile.BadZipFile):
        pages = None  # Word writes the count; python-docx and others often don't: then it is estimated
    return b.outline(pages)


def _pdf(document: Document) -> Outline:
    from io import BytesIO

    from pypdf import PdfReader

    from bulletsmith.documents import pdf

    with pdf._quiet():  # noqa: SLF001 - the reader's own settings, shared
        reader = PdfReader(BytesIO(document.path.read_bytes()))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = [pdf._page_lines(p) for p in reader.pages]  # noqa: SLF001
    texts = {x.location: x.text for x in document.bullets}
    b = _Builder()
    current = ""
    for page_no, (lines, layout) in enumerate(pages, start=1):
        split = pdf._columns(lines) if layout else None  # noqa: SLF001 - numbered as the reader numbers them
        ordered = [*split[0], *split[1], *split[2]] if split else lines
        for line_no, line in enumerate(ordered, start=1):
            location = f"page {page_no} line {line_no}"
            if location in texts:
                b.bullet(location)
                current = normalize_space(texts[location])
            elif normalize_space(line) and normalize_space(line) in current:
                continue  # a wrapped line of the bullet above
            else:
                current = ""
                b.line(line)
    return b.outline(len(pages))

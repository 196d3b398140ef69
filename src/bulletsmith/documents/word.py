"""DOCX resumes (python-docx): a bullet is a list paragraph.

A paragraph is in a list when it has numbering (``w:numPr``) itself or inherits it from its style
(or the style's base styles); ``numId`` 0 means "no numbering" and wins where it is set. A
paragraph whose text starts with a typed glyph (``• ``) counts too. ``paragraph.text`` never holds
the list's own bullet or number.

Paragraphs are counted in document order over the whole body, tables included: ``"paragraph 14"``
is the 14th ``w:p``. Headings (``Heading N``/``Title`` styles, or a short paragraph that names a
known section) decide which items count (see ``filters``).

Writing back changes only the changed paragraphs: their properties (style, numbering) stay, the
first run's formatting is kept for the new text, the other runs go. A render with no change
returns the original bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from copy import deepcopy
from pathlib import Path

from bulletsmith.documents.base import Bullet, Document, error, normalize_space
from bulletsmith.documents.filters import Sections, is_achievement, section_kind

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
GLYPHS = "•●▪◦‣∙⋅○■□►▸➢➤✓✔–-*\uf0b7\uf0a7\uf076\uf0d8\uf0fc"
_TYPED_GLYPH = re.compile(rf"^\s*[{re.escape(GLYPHS)}]\s+(?=\S)")


def _open(data: bytes, path: Path):  # noqa: ANN202 - a docx.Document
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise error(path, "is not a valid .docx file (not a Word document archive)") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise error(path, f"unpacks to {unpacked // (1024 * 1024)} MB, too large for a resume (a zip bomb?)")
    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError):
        raise error(path, "is not a valid .docx file (not a Word document archive)") from None
    except KeyError as e:
        raise error(path, f"is not a valid .docx file ({e.args[0] if e.args else 'a part is missing'})") from None
    except Exception as e:  # lxml XMLSyntaxError, ValueError from a broken content-types part …
        raise error(path, f"is not a valid .docx file ({type(e).__name__}: {e})") from None


def _paragraphs(document):  # noqa: ANN001, ANN202
    from docx.oxml.ns import qn

    return list(document.element.body.iter(qn("w:p")))


def _num_id(ppr) -> str | None:  # noqa: ANN001
    from docx.oxml.ns import qn

    if ppr is None:
        return None
    num_pr = ppr.find(qn("w:numPr"))
    if num_pr is None:
        return None
    num_id = num_pr.find(qn("w:numId"))
    return None if num_id is None else num_id.get(qn("w:val"))


def _is_list(p, document) -> bool:  # noqa: ANN001
    from docx.oxml.ns import qn

    own = _num_id(p.find(qn("w:pPr")))
    if own is not None:
        return own != "0"
    style = _style_of(p, document)
    seen = set()
    while style is not None and style.style_id not in seen:
        seen.add(style.style_id)
        inherited = _num_id(style.element.find(qn("w:pPr")))
        if inherited is not None:
            return inherited != "0"
        style = style.base_style
    return False


def _style_of(p, document):  # noqa: ANN001, ANN202
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn

    ppr = p.find(qn("w:pPr"))
    pstyle = ppr.find(qn("w:pStyle")) if ppr is not None else None
    styles = document.styles
    if pstyle is not None:
        style_id = pstyle.get(qn("w:val"))
        for st in styles:
            if st.style_id == style_id:
                return st
    try:
        return styles.default(WD_STYLE_TYPE.PARAGRAPH)
    except Exception:  # noqa: BLE001 - a styles part without a default
        return None


def _heading_level(p, document) -> int | None:  # noqa: ANN001
    style = _style_of(p, document)
    name = (style.name or "") if style is not None else ""
    m = re.match(r"(?i)heading\s*(\d)", name)
    if m:
        return int(m.group(1))
    if name.lower() == "title":
        return 0
    return None


def _text(p, document) -> str:  # noqa: ANN001
    from docx.text.paragraph import Paragraph

    return Paragraph(p, document._body).text  # noqa: SLF001


class DocxDocument(Document):
    format = "docx"

    def __init__(self, path: Path, bullets: list[Bullet], data: bytes, prefixes: dict[str, int]) -> None:
        super().__init__(path, bullets)
        self._data = data
        self._prefixes = prefixes  # location -> length of a typed glyph prefix ("• ") to keep

    def render(self, replacements: Mapping[str, str]) -> bytes:
        changes = self.changed(replacements)
        if not changes:
            return self._data
        document = _open(self._data, self.path)
        paragraphs = _paragraphs(document)
        for location, text in changes.items():
            index = int(location.split()[1]) - 1
            _set_text(paragraphs[index], text, self._prefixes.get(location, 0))
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def _set_text(p, text: str, keep_prefix: int) -> None:  # noqa: ANN001
    """Replace a paragraph's text, keeping its properties, a typed glyph prefix and the first run's formatting."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.text.run import Run

    runs = [r for r in p.iter(qn("w:r"))]
    kept_prefix = ""
    template = runs[0] if runs else None
    consumed = 0
    keep: set = set()
    for r in runs:
        if consumed >= keep_prefix:
            template = r
            break
        rt = Run(r, None).text
        if consumed + len(rt) <= keep_prefix and r.getparent() is p:
            keep.add(r)
            consumed += len(rt)
            continue
        kept_prefix = rt[: keep_prefix - consumed]
        template = r
        break
    rpr = template.find(qn("w:rPr")) if template is not None else None
    for child in list(p):
        if child.tag == qn("w:pPr") or child in keep:
            continue
        if child.tag in (qn("w:bookmarkStart"), qn("w:bookmarkEnd")):
            continue
        p.remove(child)
    run = OxmlElement("w:r")
    if rpr is not None:
        run.append(deepcopy(rpr))
    t = OxmlElement("w:t")
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    t.text = kept_prefix + text
    run.append(t)
    p.append(run)


def parse_docx(path: Path, data: bytes) -> DocxDocument:
    document = _open(data, path)
    bullets: list[Bullet] = []
    prefixes: dict[str, int] = {}
    sections = Sections()
    for n, p in enumerate(_paragraphs(document), start=1):
        raw = _text(p, document)
        text = normalize_space(raw)
        if not text:
            continue
        level = _heading_level(p, document)
        typed = _TYPED_GLYPH.match(raw)
        if level is not None:
            sections.heading(level, text)
            continue
        if not (_is_list(p, document) or typed):
            if len(text) < 60 and section_kind(text.rstrip(":")):
                sections.heading(1, text.rstrip(":"))
            continue
        location = f"paragraph {n}"
        if typed:
            text = normalize_space(raw[typed.end() :])
            prefixes[location] = typed.end()
        if not sections.excluded and is_achievement(text):
            bullets.append(Bullet(text, location))
    return DocxDocument(path, bullets, data, prefixes)

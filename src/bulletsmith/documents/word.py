"""DOCX resumes (python-docx): a bullet is a list paragraph.

A paragraph is in a list when it has numbering (``w:numPr``) itself or inherits it from its style
(or the style's base styles); ``numId`` 0 means "no numbering" and wins where it is set. A
paragraph whose text starts with a typed glyph (``• ``) counts too. ``paragraph.text`` never holds
the list's own bullet or number.

A paragraph's text is what Word shows (``word_xml``): the text in content controls, tracked
insertions, field results, smart tags and custom XML, not tracked deletions nor field codes.

Paragraphs are counted in document order over the whole body, tables and text boxes included:
``"paragraph 14"`` is the 14th ``w:p``, not counting a text box's VML fallback copy (the same
paragraphs again, for old readers). Headings (``Heading N``/``Title`` styles, or a short paragraph that names a
known section) decide which items count (see ``filters``).

Writing back changes only the changed paragraphs: their properties (style, numbering) and a typed
glyph stay; the new text takes the look of the paragraph's body text (the run formatting that covers
most of its characters, so a bold lead-in word doesn't make the whole bullet bold). A stretch formatted
apart (bold, italic, another size…) or a hyperlink is carried when the new text has its words once,
on word boundaries, and so is a content control, a field (a HYPERLINK field is a link), a smart tag
or custom XML element: kept whole around its words; the rest is reported by ``dropped_markup``. A
paragraph with tracked changes pending is written with them accepted, and reported so. In a text box,
the VML copy gets the same text, and a longer text in a box of fixed size is reported. Runs holding a
drawing, a text box or a note reference stay. A render with no change returns the original bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

from bulletsmith.documents import word_xml
from bulletsmith.documents.base import (
    Bullet,
    Document,
    DocumentError,
    Mark,
    Markup,
    error,
    normalize_space,
    place_marks,
)
from bulletsmith.documents.filters import Sections, is_achievement, section_kind
from bulletsmith.limits import MAX_PARAGRAPHS, MAX_STYLES, MAX_UNPACKED_BYTES, MAX_XML_TAGS, MAX_ZIP_MEMBERS

_CHUNK = 64 * 1024
GLYPHS = "•●▪◦‣∙⋅○■□►▸➢➤✓✔–-*\uf0b7\uf0a7\uf076\uf0d8\uf0fc"
_TYPED_GLYPH = re.compile(rf"^\s*[{re.escape(GLYPHS)}]\s+(?=\S)")


def _unpacked(data: bytes, path: Path) -> bytes:
    """The archive again, each member inflated by us in small reads within MAX_UNPACKED_BYTES.

    The sizes a zip directory states are not trusted: python-docx reads each part whole, and
    zipfile inflates a part in one call sized by the rest of its compressed data (a 1.8 MB
    file whose directory said "2 kB" took 2.1 GB before being refused). The new archive is
    stored uncompressed, with sizes we counted, and only then given to python-docx."""
    bad = "is not a valid .docx file (not a Word document archive)"
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise error(path, bad) from None
    infos = source.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise error(path, f"holds {len(infos):,} files (at most {MAX_ZIP_MEMBERS:,}); is this a Word document?")
    out = io.BytesIO()
    total = tags = 0
    try:
        with source, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as clean:
            for info in infos:
                if info.is_dir():
                    continue
                parts: list[bytes] = []
                xml = info.filename.lower().endswith((".xml", ".rels"))
                with source.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        total += len(chunk)
                        if total > MAX_UNPACKED_BYTES:
                            raise error(
                                path,
                                f"unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB, "
                                "too large for a resume (a zip bomb?)",
                            )
                        if xml:  # each tag becomes an element of ~250 bytes once python-docx parses it
                            tags += chunk.count(b"<")
                            if tags > MAX_XML_TAGS:
                                raise error(path, f"holds more than {MAX_XML_TAGS:,} XML tags; is this a resume?")
                        parts.append(chunk)
                clean.writestr(info.filename, b"".join(parts))
    except DocumentError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        zlib.error,
    ) as e:
        raise error(path, f"is not a valid .docx file ({e})") from None
    return out.getvalue()


def _open(data: bytes, path: Path):  # noqa: ANN202 - a docx.Document
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    unpacked = _unpacked(data, path)
    try:
        return docx.Document(io.BytesIO(unpacked))
    except (zipfile.BadZipFile, PackageNotFoundError):
        raise error(path, "is not a valid .docx file (not a Word document archive)") from None
    except KeyError as e:
        raise error(path, f"is not a valid .docx file ({e.args[0] if e.args else 'a part is missing'})") from None
    except Exception as e:  # noqa: BLE001 - lxml XMLSyntaxError, ValueError from a broken content-types part …
        raise error(path, f"is not a valid .docx file ({type(e).__name__}: {e})") from None


def _paragraphs(document):  # noqa: ANN001, ANN202
    from docx.oxml.ns import qn

    # A text box's VML fallback copy is not counted: its paragraphs are the DrawingML ones again.
    return [p for p in document.element.body.iter(qn("w:p")) if not word_xml.in_fallback(p)]


def _num_id(ppr) -> str | None:  # noqa: ANN001
    from docx.oxml.ns import qn

    if ppr is None:
        return None
    num_pr = ppr.find(qn("w:numPr"))
    if num_pr is None:
        return None
    num_id = num_pr.find(qn("w:numId"))
    return None if num_id is None else num_id.get(qn("w:val"))


class _Styles:
    """The document's styles by id, read once: python-docx finds a style, or a style's base,
    by walking every style, and doing that per paragraph made 50,000 styles never finish."""

    def __init__(self, document, path: Path) -> None:  # noqa: ANN001
        from docx.enum.style import WD_STYLE_TYPE

        styles = document.styles
        self.by_id: dict[str, Any] = {}
        for st in styles:
            self.by_id.setdefault(st.style_id, st)
            if len(self.by_id) > MAX_STYLES:
                raise error(path, f"defines more than {MAX_STYLES:,} styles; is this a resume?")
        try:
            self.default = styles.default(WD_STYLE_TYPE.PARAGRAPH)
        except Exception:  # noqa: BLE001 - a styles part without a default
            self.default = None
        self._lists: dict[str, bool] = {}

    def of(self, p):  # noqa: ANN001, ANN202
        from docx.oxml.ns import qn

        ppr = p.find(qn("w:pPr"))
        pstyle = ppr.find(qn("w:pStyle")) if ppr is not None else None
        if pstyle is not None:
            found = self.by_id.get(pstyle.get(qn("w:val")))
            if found is not None:
                return found
        return self.default

    def is_list(self, style) -> bool:  # noqa: ANN001
        """Whether the style, or the nearest of its base styles that says, has numbering."""
        from docx.oxml.ns import qn

        if style is None:
            return False
        if style.style_id in self._lists:
            return self._lists[style.style_id]
        seen: set[str] = set()
        result = False
        current = style
        while current is not None and current.style_id not in seen:
            seen.add(current.style_id)
            inherited = _num_id(current.element.find(qn("w:pPr")))
            if inherited is not None:
                result = inherited != "0"
                break
            current = self.by_id.get(current.element.basedOn_val)
        self._lists[style.style_id] = result
        return result


def _is_list(p, styles: _Styles) -> bool:  # noqa: ANN001
    from docx.oxml.ns import qn

    own = _num_id(p.find(qn("w:pPr")))
    if own is not None:
        return own != "0"
    return styles.is_list(styles.of(p))


def _heading_level(p, styles: _Styles) -> int | None:  # noqa: ANN001
    style = styles.of(p)
    name = (style.name or "") if style is not None else ""
    m = re.match(r"(?i)heading\s*(\d)", name)
    if m:
        return int(m.group(1))
    if name.lower() == "title":
        return 0
    return None


class DocxDocument(Document):
    format = "docx"

    def __init__(self, path: Path, bullets: list[Bullet], data: bytes, prefixes: dict[str, int]) -> None:
        super().__init__(path, bullets)
        self._data = data
        self._prefixes = prefixes  # location -> length of a typed glyph prefix ("• ") to keep

    def _write(self, changes: dict[str, str]) -> tuple[bytes, dict[str, list[Markup]]]:
        if not changes:
            return self._data, {}
        document = _open(self._data, self.path)
        paragraphs = _paragraphs(document)
        dropped: dict[str, list[Markup]] = {}
        for location, text in changes.items():
            p = paragraphs[int(location.split()[1]) - 1]
            before = normalize_space(word_xml.visible_text(p))
            twin = word_xml.fallback_twin(p)
            if twin is not None and normalize_space(word_xml.visible_text(twin)) == before:
                # the text box's VML copy (for readers without DrawingML) gets the same text
                _set_text(twin, text, self._prefixes.get(location, 0), document.part)
            elif twin is not None:
                twin = None
            lost = _set_text(p, text, self._prefixes.get(location, 0), document.part)
            lost += _text_box_notes(p, before, text, twin_kept=twin is not None)
            if lost:
                dropped[location] = lost
        out = io.BytesIO()
        document.save(out)
        return out.getvalue(), dropped


def _text_box_notes(p, before: str, after: str, twin_kept: bool) -> list[Markup]:  # noqa: ANN001
    """What the person must check about a rewrite in a text box: a fixed box may be too small for a
    longer text; a VML copy that didn't read the same was left as it was."""
    notes = []
    if word_xml.text_box_fits(p) is False and len(after) > len(before):
        notes.append(
            Markup(
                after,
                "text box",
                "fixed-size text box",
                note=(
                    f"text box: the rewrite is {len(after) - len(before)} characters longer than the original in a "
                    "fixed-size text box; check in Word that it still fits (or enlarge the box), or text may be hidden"
                ),
            )
        )
    if not twin_kept and _has_fallback(p):
        notes.append(
            Markup(
                before,
                "text box",
                "text box copy",
                note=(
                    "text box: its copy for older Word versions (VML) differs from the text read and was left as it "
                    "was; older readers show the old text"
                ),
            )
        )
    return notes


def _has_fallback(p) -> bool:  # noqa: ANN001
    box = next((a for a in p.iterancestors() if a.tag == f"{{{word_xml.W}}}txbxContent"), None)
    return box is not None and any(a.tag == f"{{{word_xml.MC}}}Choice" for a in box.iterancestors())


# Run properties that don't change how a run looks (spell-check language, complex-script twins):
# runs that differ only in these are one stretch of text, not markup.
_INVISIBLE_RPR = {"lang", "noProof", "bCs", "iCs", "szCs", "rtl", "cs"}
_LOOKS = {"b": "bold", "i": "italic", "u": "underlined", "strike": "struck through", "dstrike": "struck through",
          "caps": "capitals", "smallCaps": "small capitals", "highlight": "highlighted", "shd": "shaded"}  # fmt: skip
_KIND_OF = {"b": "bold", "i": "italic", "u": "underline", "strike": "strike", "dstrike": "strike"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _looks(rpr) -> dict[str, bytes]:  # noqa: ANN001
    """The visible run properties: local name -> the property's XML."""
    from lxml import etree

    if rpr is None:
        return {}
    return {_local(c.tag): etree.tostring(c, method="c14n") for c in rpr if _local(c.tag) not in _INVISIBLE_RPR}


def _describe(rpr, base) -> tuple[str, str]:  # noqa: ANN001
    """(kind, description) of how a run's formatting differs from the paragraph's body text."""
    from docx.oxml.ns import qn

    mine, theirs = _looks(rpr), _looks(base)
    added = [name for name, xml in mine.items() if theirs.get(name) != xml]
    words = []
    for name in added:
        el = rpr.find(qn(f"w:{name}"))
        val = el.get(qn("w:val")) if el is not None else None
        if name in _LOOKS:
            words.append(("not " if val in ("0", "false", "none") else "") + _LOOKS[name])
        elif name == "sz" and val:
            words.append(f"{int(val) / 2:g} pt")
        elif name == "color" and val:
            words.append(f"colour #{val}")
        elif name == "rStyle" and val:
            words.append(f"character style {val}")
        elif name == "rFonts":
            words.append(f"font {el.get(qn('w:ascii')) or el.get(qn('w:hAnsi')) or '(theme)'}")
        elif name == "vertAlign" and val:
            words.append(val)
    words += [f"not {_LOOKS[name]}" for name in theirs if name not in mine and name in _LOOKS]
    kind = next((_KIND_OF[name] for name in added if name in _KIND_OF), "format")
    return kind, ", ".join(words) or "formatted"


_new_run = word_xml.new_run


def _link_target(link, part) -> str:  # noqa: ANN001
    from docx.oxml.ns import qn

    rid = link.get(qn("r:id"))
    if rid and part is not None and rid in part.rels:
        rel = part.rels[rid]
        return rel.target_ref if rel.is_external else str(rel.target_ref)
    anchor = link.get(qn("w:anchor"))
    return f"#{anchor}" if anchor else "(no address)"


def _body_marks(items, part):  # noqa: ANN001, ANN202
    """The body's runs and pieces -> (the body text's run properties, the marks: stretches of runs
    formatted unlike the body text, payload ``("run", rPr)``, and the hyperlinks, content controls,
    fields and tags, ``("piece", word_xml.Piece)``).

    Runs next to each other that look the same are one stretch (Word splits runs for spell-checking
    and revisions); the body text's look is the one that covers the most characters.
    """
    from docx.oxml.ns import qn

    stretches: list[list] = []  # [kind, rPr or link element, text]
    for kind, element, text in items:
        if kind == "run":
            rpr = element.find(qn("w:rPr"))
            if stretches and stretches[-1][0] == "run" and _looks(stretches[-1][1]) == _looks(rpr):
                stretches[-1][2] += text
                continue
            stretches.append(["run", rpr, text])
        else:
            stretches.append(["piece", element, text])
    weight: dict[bytes, int] = {}
    first: dict[bytes, object] = {}  # look -> the first run properties that have it
    for kind, rpr, text in stretches:
        if kind == "run":
            key = repr(sorted(_looks(rpr).items())).encode()
            weight[key] = weight.get(key, 0) + len(text.strip())
            first.setdefault(key, rpr)
    base_key = max(weight, key=weight.__getitem__) if weight else None
    base = first.get(base_key) if base_key is not None else None
    marks: list[Mark] = []
    for kind, element, text in stretches:
        words = normalize_space(text)
        if not words:
            continue
        if kind == "piece":
            target = _link_target(element.elements[0], part) if element.kind == "link" else ""
            what, description = word_xml.describe(element, target)
            marks.append(Mark(Markup(words, what, description), payload=("piece", element)))
        elif repr(sorted(_looks(element).items())).encode() != base_key:
            what, description = _describe(element, base)
            marks.append(Mark(Markup(words, what, description), payload=("run", element)))
    return base, marks


def _set_text(p, text: str, keep_prefix: int, part=None) -> list[Markup]:  # noqa: ANN001
    """Replace a paragraph's text, keeping its properties, a typed glyph prefix, the body text's look,
    and the runs formatted apart (bold, italic…), hyperlinks, content controls, fields and tags whose
    words the new text still has once. Returns the ones it could not carry, and a note when the
    paragraph's tracked changes were accepted to write it."""
    from docx.oxml.ns import qn

    inner = word_xml.whole_container(p)
    if inner is not None:
        # A content control (or tag) around the whole text is the bullet's own container (Word's
        # templates, and LibreOffice's saving of a block control): the new text goes inside it.
        lost = _set_text(inner, text, keep_prefix, part)
        word_xml.not_placeholder(inner)
        if word_xml.has_revisions(p) and _REVISIONS_ACCEPTED not in lost:
            lost.append(_REVISIONS_ACCEPTED)
            word_xml.accept_revisions(p)
        return lost
    keep: list = []  # the runs of a typed glyph prefix, kept as they are
    items: list[tuple[str, object, str]] = []  # ("run", run | "piece", piece, text) after the glyph prefix
    objects = []  # runs with a drawing, a text box or a note reference and no text: kept as they are
    prefix_run = None
    consumed = 0
    for piece in word_xml.pieces(p):
        if piece.kind == "object" or (piece.kind != "run" and not piece.text.strip()):
            objects.extend(piece.elements)  # nothing shown (an index entry field, an empty control): kept
            continue
        kind = "run" if piece.kind == "run" else "piece"
        child_text = piece.text
        element: object = piece.elements[0] if kind == "run" else piece
        if consumed < keep_prefix:
            if consumed + len(child_text) <= keep_prefix and kind == "run":
                keep.append(element)
                consumed += len(child_text)
                continue
            cut = keep_prefix - consumed
            rpr = piece.first_rpr
            prefix_run = _new_run(rpr, child_text[:cut])
            child_text = child_text[cut:]
            consumed = keep_prefix
        items.append((kind, element, child_text))
    base, marks = _body_marks(items, part)
    placed, dropped = place_marks(text, marks)
    if word_xml.has_revisions(p):
        dropped.append(_REVISIONS_ACCEPTED)

    for child in list(p):
        if child.tag in word_xml.PROPERTIES or child.tag in (qn("w:bookmarkStart"), qn("w:bookmarkEnd")):
            continue
        p.remove(child)
    # Put back (moved out of a tracked insertion or a field they were in, if any) the glyph
    # prefix's runs, then the runs with a drawing or a note reference, then the new text.
    for run in keep:
        p.append(word_xml.accept_revisions(run))
    if prefix_run is not None:
        p.append(prefix_run)
    for run in objects:
        p.append(word_xml.accept_revisions(run))
    pos = 0
    for mark_at in [*placed, None]:
        stop = mark_at.start if mark_at is not None else len(text)
        if pos < stop:
            p.append(_new_run(base, text[pos:stop]))
        if mark_at is None:
            break
        kind, element = mark_at.mark.payload
        words = text[mark_at.start : mark_at.end]
        if kind == "run":
            p.append(_new_run(element, words))  # element: the run properties
        else:
            for el in word_xml.carried(element, words):  # type: ignore[arg-type] # element: the Piece
                p.append(el)
        pos = mark_at.end
    return dropped


_REVISIONS_ACCEPTED = Markup(
    "",
    "revisions",
    "tracked changes",
    note="tracked changes accepted: this paragraph had changes pending review (insertions, deletions, "
    "formatting); the rewrite replaces the text as Word shows it with them accepted, and is not itself "
    "marked as a change",
)


def parse_docx(path: Path, data: bytes) -> DocxDocument:
    document = _open(data, path)
    paragraphs = _paragraphs(document)
    if len(paragraphs) > MAX_PARAGRAPHS:  # counted before any is read
        raise error(path, f"{len(paragraphs):,} paragraphs (at most {MAX_PARAGRAPHS:,}); is this a resume?")
    styles = _Styles(document, path)
    bullets: list[Bullet] = []
    prefixes: dict[str, int] = {}
    sections = Sections()
    for n, p in enumerate(paragraphs, start=1):
        raw = word_xml.visible_text(p)  # what Word shows: content controls, insertions, field results…
        text = normalize_space(raw)
        if not text:
            continue
        level = _heading_level(p, styles)
        typed = _TYPED_GLYPH.match(raw)
        if level is not None:
            sections.heading(level, text)
            continue
        if not (_is_list(p, styles) or typed):
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


def open_docx(data: bytes, path: Path):  # noqa: ANN201 - python-docx's Document
    """The document as this reader opens it (members streamed with a byte cap), for other readers of it (review)."""
    return _open(data, path)


def body_paragraphs(document) -> list:  # noqa: ANN001
    """The w:p elements this reader numbers ("paragraph N"): text boxes once, VML copies left out."""
    return _paragraphs(document)

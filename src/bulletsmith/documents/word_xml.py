"""Walking a Word paragraph's XML the way Word shows it.

python-docx's ``paragraph.text`` reads only the paragraph's own runs and hyperlinks. Word shows
more, and files saved by Word are full of it:

- content controls (``w:sdt`` > ``w:sdtContent``): every placeholder of Word's resume templates;
- tracked insertions (``w:ins``, ``w:moveTo``): shown; tracked deletions (``w:del``, ``w:moveFrom``,
  whose text is ``w:delText``): not shown;
- fields: ``w:fldSimple``, and complex fields, runs from ``w:fldChar begin`` through
  ``w:instrText`` (the code, e.g. ``HYPERLINK "https://…"``, not shown) and ``separate`` to the
  result (shown) and ``end``;
- smart tags (``w:smartTag``) and custom XML (``w:customXml``), bidi wrappers (``w:dir``, ``w:bdo``);
- symbols (``w:sym``, Insert > Symbol): read as the character they show ("→" in Symbol's table, or
  the Unicode code itself); a picture font's glyph (Wingdings) has no text and is kept as it is;
- hidden text (a run formatted ``w:vanish``, Font > Hidden): not shown, so not read. It is often
  what the person can't see: keywords hidden for a screening system, or words a downloaded
  template carries. A rewrite keeps those runs, still hidden, and never puts their words in view.

``pieces(p)`` splits a paragraph's content into what a rewrite handles one by one: plain runs, and
the containers that must be kept whole around their words (hyperlink, content control, field, tag).
``visible_text`` is what Word shows of any of them.

Text boxes are written twice, as DrawingML (``mc:AlternateContent`` > ``mc:Choice``) and as a VML
copy for old readers (``mc:Fallback``): ``in_fallback`` tells the copy apart, ``fallback_twin``
finds the copy of a paragraph, and ``text_box_fits`` says whether the box grows with its text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
V = "urn:schemas-microsoft-com:vml"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
MATH = {f"{{{M}}}oMath", f"{{{M}}}oMathPara"}  # an equation: its text is in m:t, not w:t

Element = Any  # an lxml element (python-docx's oxml classes are lxml elements too)


def w(name: str) -> str:
    return f"{{{W}}}{name}"


P, RUN, HYPERLINK, SDT, SDT_CONTENT, SDT_PR = w("p"), w("r"), w("hyperlink"), w("sdt"), w("sdtContent"), w("sdtPr")
INS, DEL, MOVE_TO, MOVE_FROM = w("ins"), w("del"), w("moveTo"), w("moveFrom")
FLD_SIMPLE, FLD_CHAR, INSTR_TEXT = w("fldSimple"), w("fldChar"), w("instrText")
SMART_TAG, CUSTOM_XML = w("smartTag"), w("customXml")
TRANSPARENT = {INS, MOVE_TO, w("dir"), w("bdo")}  # shown as their content, nothing of their own to keep
HIDDEN = {DEL, MOVE_FROM}  # tracked deletions: not shown
REVISIONS = {INS, DEL, MOVE_TO, MOVE_FROM, w("rPrChange")}
_SYM = w("sym")
_RUN_TEXT = {w("t"): None, w("tab"): "\t", w("br"): "\n", w("cr"): "\n", w("noBreakHyphen"): "-", w("ptab"): "\t"}
PROPERTIES = {w("pPr"), w("rPr"), SDT_PR, w("sdtEndPr"), w("smartTagPr"), w("customXmlPr")}
_FIELD_URL = re.compile(r'^\s*HYPERLINK\s+(?:\\[a-z]\s+)*"?([^"\s]+)"?', re.IGNORECASE)


def local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _field_char(run: Element) -> str | None:
    """``begin``, ``separate`` or ``end`` for a run that carries a complex field's mark."""
    fc = run.find(FLD_CHAR)
    return None if fc is None else fc.get(w("fldCharType"))


# Insert > Symbol writes ``w:sym``: a character code in a symbol font. Codes F020-F0FF are that
# font's own table (Symbol's, the font Word's own symbol dialog defaults to, mapped here for the
# signs a bullet uses); a code outside that range is the Unicode character itself.
_SYMBOL_FONT = {0xAE: "→", 0xAC: "←", 0xAD: "↑", 0xAF: "↓", 0xAB: "↔", 0xB4: "×", 0xB3: "≥", 0xA3: "≤",
                0xB1: "±", 0xB7: "•", 0xBB: "≈", 0xB9: "≠", 0xB0: "°", 0xD7: "·", 0x2D: "−", 0x7E: "~",
                0x25: "%", 0x2B: "+", 0x3D: "="}  # fmt: skip


def _symbol(sym: Element) -> str:
    """The character a ``w:sym`` shows, or "" when it is a picture font's (Wingdings) glyph."""
    try:
        code = int(sym.get(w("char")) or "", 16)
    except ValueError:
        return ""
    if code >= 0xF000:
        code -= 0xF000
        font = (sym.get(w("font")) or "").casefold()
        return _SYMBOL_FONT.get(code, "") if font == "symbol" else ""
    return chr(code) if 0x20 <= code < 0xD800 else ""


def run_text(run: Element) -> str:
    """A run's own text as Word shows it (``w:t``, tabs, breaks, symbols); never ``w:delText`` or ``w:instrText``."""
    out: list[str] = []
    for child in run:
        if child.tag in _RUN_TEXT:
            out.append(_RUN_TEXT[child.tag] or child.text or "")
        elif child.tag == _SYM:
            out.append(_symbol(child))
    return "".join(out)


def is_hidden(run: Element) -> bool:
    """Is the run formatted as hidden text (``w:vanish`` in its own properties, not switched off)?"""
    rpr = run.find(w("rPr"))
    vanish = rpr.find(w("vanish")) if rpr is not None else None
    return vanish is not None and vanish.get(w("val"), "true").lower() not in ("false", "0", "off")


def visible_runs(element: Element) -> Iterator[tuple[Element, str]]:
    """The runs inside ``element`` (a paragraph or anything in it) whose text Word shows, with that text.

    A complex field shows its result, the runs between ``separate`` and ``end``; the runs of its
    code (between ``begin`` and ``separate``) are not shown. Fields nest.
    """
    fields: list[str] = []  # per open field: "code" until its separate, then "result"

    def walk(el: Element) -> Iterator[tuple[Element, str]]:
        for child in el:
            tag = child.tag
            if tag in HIDDEN or tag in PROPERTIES:
                continue
            if tag in MATH:
                if "code" not in fields:
                    text = "".join(t.text or "" for t in child.iter(f"{{{M}}}t"))
                    if text:
                        yield child, text
                continue
            if tag == RUN:
                kind = _field_char(child)
                if kind == "begin":
                    fields.append("code")
                elif kind == "separate" and fields:
                    fields[-1] = "result"
                elif kind == "end" and fields:
                    fields.pop()
                elif "code" not in fields and not is_hidden(child):
                    text = run_text(child)
                    if text:
                        yield child, text
            elif tag == P:  # a paragraph in a text box is a paragraph of its own
                continue
            else:
                yield from walk(child)

    yield from walk(element)


def visible_text(element: Element) -> str:
    return "".join(text for _, text in visible_runs(element))


def has_revisions(p: Element) -> bool:
    """Does the paragraph's text have tracked changes still pending (insertions, deletions, moves, formatting)?"""
    return any(el.tag in REVISIONS for el in _own(p))


def _own(p: Element) -> Iterator[Element]:
    """Every element of the paragraph's content, not of the paragraphs in its text boxes."""
    for child in p:
        if child.tag in PROPERTIES or child.tag == P:
            continue
        yield child
        yield from _own(child)


@dataclass
class Piece:
    """One thing in a paragraph that a rewrite keeps or replaces as a whole.

    ``kind``: ``run`` (a plain run), ``link`` (``w:hyperlink``), ``sdt`` (a content control),
    ``field`` (``w:fldSimple``, or a complex field: ``elements`` then holds the runs from its
    ``begin`` to its ``end``), ``tag`` (a smart tag or custom XML element), ``object`` (a run with no
    text but a drawing, a text box, a picture or an embedded object in it), ``hidden`` (a run of
    hidden text: no text shown).
    """

    kind: str
    elements: list[Element]
    text: str
    code: str = ""  # a field's code: 'HYPERLINK "https://…"'
    runs: list[Element] = field(default_factory=list)  # the runs whose text is shown

    @property
    def first_rpr(self) -> Element | None:
        return self.runs[0].find(w("rPr")) if self.runs else None


# Runs kept as they are when a rewrite replaces the text (a sym here: a Wingdings glyph, no text).
_OBJECTS = {w("drawing"), w("pict"), w("object"), f"{{{MC}}}AlternateContent", w("footnoteReference"),
            w("endnoteReference"), w("commentReference"), _SYM}  # fmt: skip


def pieces(p: Element) -> list[Piece]:
    """The paragraph's content as pieces, in reading order; tracked deletions and markers are not in it."""
    out: list[Piece] = []
    field_runs: list[Element] | None = None  # a complex field being collected, begin to end
    depth = 0

    def add(children: list[Element]) -> None:
        nonlocal field_runs, depth
        for child in children:
            tag = child.tag
            if field_runs is not None:  # inside a complex field: everything up to its end belongs to it
                field_runs.append(child)
                for mark in child.iter(FLD_CHAR):
                    depth += {"begin": 1, "end": -1}.get(mark.get(w("fldCharType")) or "", 0)
                if depth == 0:
                    code = "".join((t.text or "") for el in field_runs for t in el.iter(INSTR_TEXT))
                    out.append(
                        Piece(
                            "field",
                            field_runs,
                            visible_text(field_runs),
                            " ".join(code.split()),
                            [r for r, _ in visible_runs(field_runs)],
                        )
                    )
                    field_runs = None
                continue
            if tag == RUN:
                if _field_char(child) == "begin":
                    field_runs, depth = [child], 1
                    continue
                text = run_text(child)
                if is_hidden(child):
                    out.append(Piece("hidden", [child], ""))  # kept as it is, out of the text
                elif text:
                    out.append(Piece("run", [child], text, runs=[child]))
                elif any(c.tag in _OBJECTS for c in child):
                    out.append(Piece("object", [child], ""))
            elif tag in TRANSPARENT:
                add(list(child))
            elif tag in (HYPERLINK, SDT, FLD_SIMPLE, SMART_TAG, CUSTOM_XML):
                kind = {HYPERLINK: "link", SDT: "sdt", FLD_SIMPLE: "field"}.get(tag, "tag")
                code = " ".join((child.get(w("instr")) or "").split())
                out.append(Piece(kind, [child], visible_text(child), code, [r for r, _ in visible_runs(child)]))
            elif tag not in HIDDEN and visible_text([child]):
                # anything else Word shows text of (an equation, an element this walk doesn't know):
                # kept whole where the rewrite keeps its words, else reported, never dropped unsaid
                kind = "math" if tag in MATH else "other"
                out.append(Piece(kind, [child], visible_text([child]), runs=[r for r, _ in visible_runs([child])]))

    add([c for c in p if c.tag not in PROPERTIES])
    if field_runs is not None:  # a field whose end is in a later paragraph: its runs stay as they are
        out.append(Piece("field", field_runs, visible_text(field_runs), "", [r for r, _ in visible_runs(field_runs)]))
    return out


def whole_container(p: Element) -> Element | None:
    """The element holding the paragraph's runs when a content control, smart tag or custom XML
    element wraps all of its text (an ``sdtContent``, a ``smartTag``…), else None."""
    found = [piece for piece in pieces(p) if piece.kind != "object"]
    if len(found) != 1 or found[0].kind not in ("sdt", "tag") or not found[0].text.strip():
        return None
    container = found[0].elements[0]
    return container.find(SDT_CONTENT) if container.tag == SDT else container


def not_placeholder(inner: Element) -> None:
    """A content control given new text no longer shows its placeholder (Word would grey it out)."""
    sdt = inner.getparent() if inner.tag == SDT_CONTENT else None
    pr = sdt.find(SDT_PR) if sdt is not None else None
    shown = pr.find(w("showingPlcHdr")) if pr is not None else None
    if pr is not None and shown is not None:
        pr.remove(shown)


def field_url(code: str) -> str | None:
    """The address of a HYPERLINK field's code (``HYPERLINK "https://…"``, ``HYPERLINK \\l "anchor"``)."""
    m = _FIELD_URL.match(code)
    if m is None:
        return None
    return ("#" if re.search(r"\\l\b", code) else "") + m.group(1)


def describe(piece: Piece, link_target: str) -> tuple[str, str]:
    """(kind, description) of a piece that is not a plain run, for the person: what a rewrite would lose."""
    if piece.kind == "link":
        return "link", f"link to {link_target}"
    if piece.kind == "field":
        url = field_url(piece.code)
        if url is not None:
            return "link", f"link to {url} (a HYPERLINK field)"
        return "field", f"field {piece.code or '(no code)'}"
    if piece.kind == "sdt":
        pr = piece.elements[0].find(SDT_PR)
        name = None
        if pr is not None:
            for tag in ("alias", "tag"):
                el = pr.find(w(tag))
                if el is not None and el.get(w("val")):
                    name = el.get(w("val"))
                    break
        return "content control", f"content control {name!r}" if name else "content control"
    if piece.kind == "tag":
        el = piece.elements[0]
        what = "smart tag" if el.tag == SMART_TAG else "custom XML element"
        return "tag", f"{what} {el.get(w('element')) or ''}".strip()
    if piece.kind == "math":
        return "equation", "equation"
    return "format", f"{local(piece.elements[0].tag)} element"


def accept_revisions(element: Element) -> Element:
    """``element`` with its tracked changes accepted, in place: deletions gone, insertions plain content."""
    for el in list(element.iter(DEL, MOVE_FROM, w("rPrChange"), w("pPrChange"))):
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)
    for el in list(element.iter(INS, MOVE_TO)):
        parent = el.getparent()
        if parent is None or parent.tag == w("rPr"):  # a paragraph mark's insertion: just accept it
            if parent is not None:
                parent.remove(el)
            continue
        index = parent.index(el)
        for k, child in enumerate(list(el)):
            parent.insert(index + k, child)
        parent.remove(el)
    return element


def carried(piece: Piece, words: str) -> list[Element]:
    """Copies of a piece's elements that read ``words``: as they were (revisions accepted) when they
    already do, else the container around one new run in its first run's look."""
    copies = [accept_revisions(deepcopy(el)) for el in piece.elements]
    if " ".join(visible_text(copies).split()) == words or piece.kind in ("math", "other"):
        return copies  # (an equation or an unknown element is only placed where its words are the same)
    rpr = piece.first_rpr
    if piece.kind == "field" and piece.elements[0].tag == RUN:  # complex: code runs, one result run, end
        head: list[Element] = []
        for el in copies:
            head.append(el)
            if el.tag == RUN and _field_char(el) == "separate":
                break
        return [*head, new_run(rpr, words), copies[-1]]
    container = copies[0]
    holder = container.find(SDT_CONTENT) if container.tag == SDT else container
    for child in list(holder):
        if child.tag not in PROPERTIES:
            holder.remove(child)
    holder.append(new_run(rpr, words))
    if container.tag == SDT:
        not_placeholder(holder)
    return [container]


def new_run(rpr: Element | None, text: str) -> Element:
    from docx.oxml import OxmlElement

    run = OxmlElement("w:r")
    if rpr is not None:
        run.append(accept_revisions(deepcopy(rpr)))
    t = OxmlElement("w:t")
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    t.text = text
    run.append(t)
    return run


# --- text boxes -----------------------------------------------------------------------------------


def in_fallback(el: Element) -> bool:
    """Is ``el`` inside an ``mc:Fallback``, the copy of a text box (or shape) for readers without DrawingML?"""
    return any(a.tag == f"{{{MC}}}Fallback" for a in el.iterancestors())


def _text_box(el: Element) -> Element | None:
    return next((a for a in el.iterancestors() if a.tag == w("txbxContent")), None)


def fallback_twin(p: Element) -> Element | None:
    """The VML fallback copy of a paragraph in a DrawingML text box: the paragraph at the same place
    in the same text box of the ``mc:Fallback`` beside this ``mc:Choice``; None when there is none."""
    box = _text_box(p)
    if box is None:
        return None
    choice = next((a for a in box.iterancestors() if a.tag == f"{{{MC}}}Choice"), None)
    if choice is None:
        return None
    fallback = choice.getnext()
    while fallback is not None and fallback.tag != f"{{{MC}}}Fallback":
        fallback = fallback.getnext()
    if fallback is None:
        return None
    boxes = list(choice.iter(w("txbxContent")))
    twins = list(fallback.iter(w("txbxContent")))
    if len(boxes) != len(twins):
        return None
    paragraphs = list(box.iter(P))
    theirs = list(twins[boxes.index(box)].iter(P))
    if len(paragraphs) != len(theirs):
        return None
    return theirs[paragraphs.index(p)]


def text_box_fits(p: Element) -> bool | None:
    """For a paragraph in a text box: does the box grow to fit its text? None outside a text box.

    DrawingML says so with ``a:spAutoFit`` in the shape's ``wps:bodyPr``; VML with
    ``mso-fit-shape-to-text:t`` in the shape's style.
    """
    box = _text_box(p)
    if box is None:
        return None
    for a in box.iterancestors():
        if a.tag == f"{{{WPS}}}wsp":
            body = a.find(f"{{{WPS}}}bodyPr")
            return body is not None and body.find(f"{{{A}}}spAutoFit") is not None
        if a.tag.startswith(f"{{{V}}}") and a.get("style") is not None:
            return "mso-fit-shape-to-text:t" in a.get("style", "").replace(" ", "")
    return False

"""Markdown resumes: list items found by markdown-it-py, written back by source line ranges.

A bullet is the first paragraph of a list item (``-``, ``*``, ``+``, ``1.``, ``1)``), wrapped
continuation lines included, or a line of a paragraph that starts with a bullet glyph (``• ``,
which CommonMark does not treat as a list). Headings (``#``, setext, or a paragraph that is only a
known section name such as ``**Skills**``) decide which items count (see ``filters``).

A new text replaces the bullet's source lines, escaped only where Markdown would misread it, and
wrapped like the original when that was wrapped (see ``base.Wrapping``). The original's inline
markup (``**bold**``, ``*em*``, ``_em_``, ``~~strike~~``, `` `code` ``, ``[links](url)``, ``<autolinks>``,
images) goes back around the words the new text kept (see ``base.place_marks``); every written line
is parsed again, and markup that would not read back as it was is left out and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bulletsmith.documents.base import (
    Bullet,
    Mark,
    Markup,
    Placed,
    Span,
    SpanDocument,
    Wrapping,
    Writer,
    compose,
    decode_text,
    error,
    line_starts,
    markups,
    normalize_space,
    place_marks,
    wrapping_of,
)
from bulletsmith.documents.filters import Sections, is_achievement, section_kind
from bulletsmith.limits import MAX_DOCUMENT_BULLETS, MAX_INLINE_MARKUP, MAX_ITEM_CHARS

GLYPHS = "•●▪◦‣∙⋅○■□►▸➢➤✓✔–"
_GLYPH_LINE = re.compile(rf"^([ \t]*(?:>[ \t]?)*[ \t]*)([{GLYPHS}])([ \t]+)(?=\S)")
_MARKER = re.compile(r"^(?:[ \t]*>[ \t]?)*[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]*")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<~])")
_LEADING_BLOCK = re.compile(r"^(?:[#>+=-]|\d{1,9}[.)])")
_ESCAPABLE = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&])")
_QUOTE_MARKS = re.compile(r"^(?:[ \t]*>)+")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_MARKUP_CHARS = re.compile(r"[\[\]*_`<>!~\\&]")  # what makes markdown-it's inline parser work hardest
_CONTINUATION = re.compile(r"(?:[ \t]*>)*[ \t]*")  # a continuation line's indent, blockquote marks included


@lru_cache(maxsize=1)
def _parser():  # noqa: ANN202
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


@lru_cache(maxsize=1)
def _block_parser():  # noqa: ANN202
    """Blocks only: inline markup is parsed later, for the blocks that may be bullets or headings
    (markdown-it's inline parser is linear but slow on markup-dense text: ~10 µs a "[")."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("inline")


def inline_plain(children) -> str:  # noqa: ANN001 - markdown-it tokens
    """The text a reader sees in an inline token list: markup dropped, soft/hard breaks as spaces."""
    out: list[str] = []
    for tok in children or ():
        if tok.type in ("text", "code_inline"):
            out.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif tok.type == "image":
            out.append(inline_plain(tok.children))
    return normalize_space("".join(out))


# --- inline markup: read it, and carry it into a new text ------------------------------------------

_KINDS = {"strong": "bold", "em": "italic", "s": "strike", "link": "link"}


def _escape_inline(text: str) -> str:
    """Backslash the characters that are markup anywhere in a line."""
    return re.sub(r"&(?=#?\w+;)", r"\\&", _INLINE_SPECIAL.sub(r"\\\1", text))


def _destination(url: str, title: str | None) -> str:
    """``(url "title")`` as a link or image writes it."""
    plain = url and not re.search(r"[\s<>]", url) and url.count("(") == url.count(")")
    dest = url if plain else "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
    if title:
        dest += ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"({dest})"


def _code_source(tok) -> str:  # noqa: ANN001 - a markdown-it token
    content, fence = tok.content, tok.markup
    padded = content[:1] == "`" or content[-1:] == "`" or (content[:1] == " " == content[-1:] and content.strip())
    return f"{fence} {content} {fence}" if padded else f"{fence}{content}{fence}"


def inline_marks(children) -> list[Mark]:  # noqa: ANN001 - markdown-it tokens
    """The markup spans of an inline token list (bold, italic, strike, links, autolinks, code,
    images), outermost first with the ones nested in them; each with its Markdown source."""
    top: list[Mark] = []
    stack: list[tuple] = []  # (open token, source parts, plain parts, nested marks)

    def emit(source: str, plain: str, mark: Mark | None = None) -> None:
        if stack:
            stack[-1][1].append(source)
            stack[-1][2].append(plain)
            if mark is not None:
                stack[-1][3].append(mark)
        elif mark is not None:
            top.append(mark)

    for tok in children or ():
        kind = tok.type
        if kind == "text":
            emit(_escape_inline(tok.content), tok.content)
        elif kind in ("softbreak", "hardbreak"):
            emit(" ", " ")
        elif kind == "code_inline":
            source = _code_source(tok)
            emit(source, tok.content, Mark(Markup(normalize_space(tok.content), "code", source)))
        elif kind == "image":
            alt = inline_plain(tok.children)
            source = f"![{_escape_inline(alt)}]" + _destination(tok.attrs.get("src", ""), tok.attrs.get("title"))
            emit(source, alt, Mark(Markup(alt, "image", source)))
        elif kind == "html_inline":
            emit(tok.content, "")
        elif kind.endswith("_open"):
            stack.append((tok, [], [], []))
        elif kind.endswith("_close") and stack:
            opener, parts, plains, nested = stack.pop()
            inner, plain = "".join(parts), "".join(plains)
            what = _KINDS.get(opener.type[: -len("_open")], "format")
            if what == "link" and opener.markup == "autolink":
                source = f"<{plain}>"
            elif what == "link":
                source = f"[{inner}]" + _destination(opener.attrs.get("href", ""), opener.attrs.get("title"))
            else:
                source = opener.markup + inner + opener.markup
            emit(source, plain, Mark(Markup(normalize_space(plain), what, source), tuple(nested)))
    return top


def _reparse(prefix: str, candidate: str):  # noqa: ANN202
    """What ``prefix + candidate`` reads as, when it is one list item or paragraph: (plain text, inline tokens)."""
    tokens = _parser().parse(prefix + candidate + "\n")
    inlines = [t for t in tokens if t.type == "inline"]
    if len(inlines) != 1:
        return None
    got = inline_plain(inlines[0].children)
    if prefix.strip() and not any(t.type == "list_item_open" for t in tokens):
        got = got[len(prefix.strip()) :].strip()  # a glyph bullet: the glyph is part of the paragraph
    return got, inlines[0].children


def _reads_as(prefix: str, candidate: str, text: str, placed: list[Placed]) -> bool:
    """Does ``prefix + candidate`` read back as ``text``, with every carried mark where it was put?"""
    got = _reparse(prefix, candidate)
    if got is None or got[0] != text:
        return False
    if not placed:
        return True
    found = set(markups(inline_marks(got[1])))
    return all(p.mark.markup in found for p in placed)


def _escape_some(text: str) -> str:
    """Backslash the characters that are markup anywhere in a line, and a block marker at its start."""
    out = _escape_inline(text)
    m = _LEADING_BLOCK.match(out)
    if m:
        out = out[: m.end() - 1] + "\\" + out[m.end() - 1 :]
    return out


def _as_is(text: str, start: int, end: int) -> str:
    return text[start:end]


def _escaped_some(text: str, start: int, end: int) -> str:
    return _escape_some(text[start:end]) if start == 0 else _escape_inline(text[start:end])


def _escaped_all(text: str, start: int, end: int) -> str:
    return _ESCAPABLE.sub(r"\\\1", text[start:end])


def _compose(text: str, placed: list[Placed], prefix: str) -> tuple[str, list[Placed]]:
    """The Markdown line for ``text`` with the placed marks, escaped only where it has to be, and the
    marks that survived: a mark the line would not read back with (it merged with a neighbour's
    ``*``, say) is left out, and the line is tried again without it."""
    while True:
        for escape in (_as_is, _escaped_some):
            candidate = compose(text, placed, escape)
            if _reads_as(prefix, candidate, text, placed):
                return candidate, placed
        if not placed:
            return _ESCAPABLE.sub(r"\\\1", text), []
        got = _reparse(prefix, compose(text, placed, _escaped_some))
        found = set(markups(inline_marks(got[1]))) if got is not None and got[0] == text else set()
        survivors = [p for p in placed if p.mark.markup in found]
        placed = survivors if len(survivors) < len(placed) else []


def to_markdown(text: str, prefix: str = "- ") -> str:
    """The Markdown source that reads back as ``text`` after ``prefix`` (escaped only where it has to be)."""
    return _compose(text, [], prefix)[0]


_DATE_RANGE = re.compile(
    r"\b(?:19|20)\d\d\s*(?:–|—|-|to)\s*(?:(?:[A-Z][a-z]{2,8}\.?\s+)?(?:19|20)\d\d|present|now|current|today)\b", re.I
)


def _looks_like_heading(children) -> bool:  # noqa: ANN001 - markdown-it tokens
    """A parent item that is a job or project line: it has a date range, or it is short and opens in bold/italic."""
    plain = inline_plain(children)
    if _DATE_RANGE.search(plain):
        return True
    first = next((t for t in children or () if not (t.type == "text" and not t.content.strip())), None)
    return first is not None and first.type in ("strong_open", "em_open") and len(plain.split()) <= 8


def _span_format(prefix: str, wrapping: Wrapping | None, marks: list[Mark]) -> Writer:
    """How a new text is written in place of a bullet: the original's inline markup carried where its
    words still are, escaped, and wrapped like the original if it was.

    A wrapping that would not read back as the same text and markup (it never should) gives way to one line.
    """
    order = {m: k for k, m in reversed(list(enumerate(markups(marks))))}

    def write(text: str) -> tuple[str, list[Markup]]:
        placed, dropped = place_marks(text, marks)
        line, carried = _compose(text, placed, prefix)
        dropped = sorted(dropped + [p.mark.markup for p in placed if p not in carried], key=order.__getitem__)
        if wrapping is None:
            return line, dropped
        wrapped = wrapping.fill(line)
        # Checked without the blockquote around it: "> " on the continuation lines becomes spaces.
        probe = wrapped.replace(wrapping.newline + wrapping.indent, "\n" + wrapping.indent.replace(">", " "))
        return (wrapped if wrapped == line or _reads_as(prefix, probe, text, carried) else line), dropped

    return write


class MarkdownDocument(SpanDocument):
    format = "markdown"


def parse_markdown(path: Path, data: bytes) -> MarkdownDocument:
    text, bom = decode_text(path, data)
    starts = line_starts(text)
    lines = [text[s:e] for s, e in zip(starts, [*starts[1:], len(text) + 1], strict=True)]

    def line_body(i: int) -> str:  # the line without its line break
        return lines[i].rstrip("\r\n")

    bullets: list[Bullet] = []
    spans: list[Span] = []
    sections = Sections()
    env: dict = {}  # link reference definitions, found by the block parser, used by the inline one
    tokens = _block_parser().parse(text, env)
    items = sum(1 for tok in tokens if tok.type == "list_item_open")
    if items > MAX_DOCUMENT_BULLETS:  # counted before any item is read
        raise error(path, f"{items:,} list items (at most {MAX_DOCUMENT_BULLETS:,}); is this a resume?")
    budget = [MAX_INLINE_MARKUP]

    def parse_inline(inline) -> None:  # noqa: ANN001 - a markdown-it token
        """Fill a block's inline tokens, within the budgets; a block over MAX_ITEM_CHARS is read as
        plain text with no pattern run on it (as a bullet, the file is then refused naming it)."""
        content = inline.content
        if len(content) > MAX_ITEM_CHARS:
            plain = inline.__class__("text", "", 0)
            plain.content = content
            inline.children = [plain]
            return
        inline.children = inline_children(content)

    def inline_children(content: str) -> list:
        budget[0] -= len(_MARKUP_CHARS.findall(content))
        if budget[0] < 0:
            raise error(
                path,
                f"more than {MAX_INLINE_MARKUP:,} markup characters ([ * _ ` < …) in list items and "
                "headings; is this a resume?",
            )
        parsed = _parser().parseInline(content, env)
        return parsed[0].children if parsed else []

    heading_level = 0
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            heading_level = int(tok.tag[1:])
            parse_inline(tokens[i + 1])
            sections.heading(heading_level, inline_plain(tokens[i + 1].children))
        elif tok.type == "list_item_open":
            if i + 2 >= len(tokens) or tokens[i + 1].type != "paragraph_open":
                continue  # an empty item, or one that starts with a nested list or a code block
            para, inline = tokens[i + 1], tokens[i + 2]
            parse_inline(inline)
            has_sublist = i + 4 < len(tokens) and tokens[i + 4].type in ("bullet_list_open", "ordered_list_open")
            if has_sublist and _looks_like_heading(inline.children):
                continue  # "- **Data Scientist**, Acme (2020–2022)" over its own bullets: a heading
            first, last = para.map[0], para.map[1] - 1
            body = line_body(first)
            content_first = inline.content.split("\n", 1)[0].rstrip()
            stripped = body.rstrip()
            if content_first and stripped.endswith(content_first):
                col = len(stripped) - len(content_first)
            else:
                m = _MARKER.match(body)
                col = m.end() if m else len(body) - len(body.lstrip())
            start = starts[first] + col
            end = starts[last] + len(line_body(last).rstrip())
            plain = inline_plain(inline.children)
            if not sections.excluded and is_achievement(plain):
                marker = tok.info + tok.markup if tok.info else tok.markup
                bullets.append(Bullet(plain, f"line {tok.map[0] + 1}"))
                wrapping = wrapping_of(text, start, end, _CONTINUATION)
                spans.append(Span(start, end, _span_format(f"{marker} ", wrapping, inline_marks(inline.children))))
        elif tok.type == "paragraph_open" and not tok.hidden:
            inline = tokens[i + 1]
            in_item = i > 0 and tokens[i - 1].type == "list_item_open"
            one_short_line = "\n" not in inline.content and len(inline.content) < 200
            if one_short_line and not in_item:
                parse_inline(inline)
            plain = inline_plain(inline.children) if one_short_line and not in_item else ""
            if not in_item and one_short_line and section_kind(plain.rstrip(":")) and len(plain) < 60:
                # "**Skills**" or "Experience:" alone on a line: a section heading in disguise.
                sections.heading(heading_level + 1, plain.rstrip(":"))
                continue
            if in_item:
                continue
            _glyph_paragraph(tok.map, text, lines, starts, sections, bullets, spans, inline_children)
    return MarkdownDocument(path, bullets, text, bom, spans)


@dataclass
class _GlyphItem:
    """A ``• text`` bullet being read: its line, its text's offsets in the source, its glyph prefix."""

    line: int
    start: int
    end: int
    glyph: str


def _glyph_paragraph(map_, source, lines, starts, sections, bullets, spans, inline_children) -> None:  # noqa: ANN001
    """``• text`` lines inside a paragraph: each glyph starts a bullet, other lines continue it."""
    first, end_line = map_
    if not _GLYPH_LINE.match(lines[first]):
        return
    current: _GlyphItem | None = None

    def flush() -> None:
        if current is None:
            return
        line_no, start, end, glyph = current.line, current.start, current.end, current.glyph
        first_line, *rest = _NEWLINE.split(source[start:end])
        # "> " opening a continuation line inside a blockquote is no part of the text
        joined = normalize_space(" ".join([first_line, *(_QUOTE_MARKS.sub("", r) for r in rest)]))
        if len(joined) > MAX_ITEM_CHARS:  # no markup read on it; the file is refused naming it
            if not sections.excluded:
                bullets.append(Bullet(joined, f"line {line_no + 1}"))
            return
        children = inline_children(joined)
        plain = inline_plain(children)
        if not sections.excluded and is_achievement(plain):
            bullets.append(Bullet(plain, f"line {line_no + 1}"))
            wrapping = wrapping_of(source, start, end, _CONTINUATION)
            spans.append(Span(start, end, _span_format(glyph + " ", wrapping, inline_marks(children))))

    for ln in range(first, end_line):
        body = lines[ln].rstrip("\r\n")
        m = _GLYPH_LINE.match(body)
        if m:
            flush()
            current = _GlyphItem(ln, starts[ln] + m.end(), starts[ln] + len(body.rstrip()), m.group(2))
        elif current and body.strip():
            current.end = starts[ln] + len(body.rstrip())
    flush()

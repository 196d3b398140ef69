"""LaTeX resumes: ``\\item`` in lists (itemize, enumerate, Awesome-CV's cvitems…) and bullet macros.

How bullets are found, in the document body only (after ``\\begin{document}`` when there is one):

* comments, ``\\begin{comment}`` blocks, ``\\iffalse`` blocks and macro definitions are masked out
  first (same length, so offsets and line numbers stay right);
* a literal ``\\item`` starts a bullet that runs to the next ``\\item``, ``\\begin``/``\\end`` or the
  closing brace of the group it is in; ``\\item {text}`` is read inside the braces;
* a *bullet macro* is a macro defined in the file whose body makes an ``\\item`` (or calls another
  bullet macro), draws no tabular, has a name that is not a heading's (head, title, section, entry,
  list, start, end) and either says item (``\\resumeItem``, ``\\resumeSubItem``) or takes one or
  two arguments and draws no ``\\hfill`` or ``&`` (``\\achievement{...}``); plus ``\\resumeItem``,
  ``\\resumeSubItem`` and ``\\cvlistitem`` when the class defines them. Its last argument is the bullet; a first one (``\\resumeItem{Label}{Text}``) is a label and stays;
* heading macros that expand to ``\\item`` (``\\resumeSubheading``, ``\\resumeProjectHeading``) are
  neither: their ``\\item`` is in the definition, which is masked, and their use is not an item;
* ``\\item`` lines that are headings themselves (``\\hfill``, a tabular, ``&``) are skipped;
* ``\\section``-like commands (``\\section``, ``\\cvsection``, ``\\subsection`` …) are the headings
  that decide which items count (see ``filters``).

Text goes through ``latex_to_text`` for the reader and back through ``text_to_latex`` when written;
an item body that was wrapped over several source lines is wrapped the same way (see ``base.Wrapping``).
Inline markup of the original (``\\textbf{..}``, ``\\emph{..}``, ``\\href{url}{..}``, ``\\url{..}``,
``{\\bf ..}``, the file's own one-argument macros; see ``latex_text.markup_spans``) is written again,
as it was, around the words the new text kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bulletsmith.documents.base import (
    Bullet,
    Mark,
    Markup,
    Span,
    SpanDocument,
    Wrapping,
    Writer,
    compose,
    decode_text,
    error,
    line_of,
    line_starts,
    markups,
    place_marks,
    wrapping_of,
)
from bulletsmith.documents.filters import Sections, is_achievement
from bulletsmith.documents.latex_text import escape_range, latex_to_text, markup_spans, read_group, text_to_latex
from bulletsmith.limits import (
    MAX_DOCUMENT_BULLETS,
    MAX_LATEX_DEFINITIONS,
    MAX_LATEX_DEPTH,
    MAX_LATEX_GROUP_CHARS,
    MAX_LATEX_OPTION_CHARS,
)

KNOWN_BULLET_MACROS = {"resumeItem": None, "resumeSubItem": None, "cvlistitem": 1}
_HEADING_NAME = re.compile(r"head|title|section|entry|list|start|end", re.I)
_ITEM_NAME = re.compile(r"item", re.I)
_DEFINERS = {"newcommand", "renewcommand", "providecommand", "DeclareRobustCommand", "def", "gdef",
             "edef", "xdef", "long", "newenvironment", "renewenvironment", "NewDocumentCommand",
             "RenewDocumentCommand", "DeclareDocumentCommand"}  # fmt: skip
_TRAILING_LAYOUT = re.compile(
    r"(?:\s|\\(?:vspace|hspace)\*?\s*\{[^{}]*\}|\\\\(?:\[[^\]]*\])?|\\(?:newline|par|smallskip|medskip|bigskip|hfill)(?![A-Za-z]))+$"
)
_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)")
_PARAMS = re.compile(r"(?:#\d)*")
_LAYOUT_TAIL = 2000  # characters of trailing layout (\vspace, \\, \hfill …) a bullet may end with


class LatexDocument(SpanDocument):
    format = "latex"


@dataclass
class _Macro:
    nargs: int
    body: str


def mask(src: str) -> str:
    """``src`` with comments, comment environments and \\iffalse blocks blanked (newlines kept)."""
    out = list(src)
    n = len(src)
    i = 0

    def blank(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] not in "\r\n":
                out[k] = " "

    while i < n:
        c = src[i]
        if c == "\\":
            m = _CONTROL_WORD.match(src, i)
            if m and m.group(1) == "verb" and m.end() < n:
                delim = src[m.end()]
                j = src.find(delim, m.end() + 1)
                i = j + 1 if j > 0 else n
                continue
            if m and m.group(1) == "iffalse":
                j = src.find("\\fi", m.end())
                j = n if j < 0 else j + 3
                blank(i, j)
                i = j
                continue
            if src.startswith("\\begin{comment}", i):
                j = src.find("\\end{comment}", i)
                j = n if j < 0 else j + len("\\end{comment}")
                blank(i, j)
                i = j
                continue
            i += 2
            continue
        if c == "%":
            j = i
            while j < n and src[j] not in "\r\n":
                j += 1
            blank(i, j)
            i = j
            continue
        i += 1
    return "".join(out)


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i] in " \t\r\n":
        i += 1
    return i


class _OverBudget(ValueError):
    """A file over one of the LaTeX budgets (limits.py); the message follows the file's name."""


def _mask_definitions(s: str) -> tuple[str, dict[str, _Macro]]:
    """Blank every macro/environment definition; return the macros defined (name -> args, body)."""
    out = list(s)
    macros: dict[str, _Macro] = {}
    definitions = 0
    group = MAX_LATEX_GROUP_CHARS
    for m in list(_CONTROL_WORD.finditer(s)):
        if m.group(1) not in _DEFINERS or out[m.start()] == " ":
            continue
        definitions += 1
        if definitions > MAX_LATEX_DEFINITIONS:
            raise _OverBudget(f"defines more than {MAX_LATEX_DEFINITIONS:,} macros; is this a resume?")
        kind = m.group(1)
        i = _skip_ws(s, m.end())
        if s.startswith("*", i):  # \newcommand*{\x}: the star comes before the name
            i = _skip_ws(s, i + 1)
        if kind == "long":
            continue
        name = None
        g = read_group(s, i, limit=group)
        if g is not None and kind not in ("def", "gdef", "edef", "xdef"):
            name = g[0].strip().lstrip("\\")
            i = g[1]
        else:
            nm = _CONTROL_WORD.match(s, i)
            if not nm:
                continue
            name = nm.group(1)
            i = nm.end()
        nargs = 0
        i = _skip_ws(s, i)
        if kind in ("def", "gdef", "edef", "xdef"):
            run = _PARAMS.match(s, i)  # at i: never a copy of the rest of the file
            assert run is not None, "a starred pattern matches the empty string too"
            params = run.group()
            nargs = len(params) // 2
            i += len(params)
        elif kind.endswith("DocumentCommand"):
            g = read_group(s, i, limit=group)
            if g:
                nargs = len(re.findall(r"[mo]", g[0]))
                i = _skip_ws(s, g[1])
        else:
            g = read_group(s, i, "[", "]", limit=MAX_LATEX_OPTION_CHARS)
            if g:
                nargs = int(g[0]) if g[0].strip().isdigit() else 0
                i = _skip_ws(s, g[1])
                g2 = read_group(s, i, "[", "]", limit=group)  # default value of an optional argument
                if g2:
                    i = _skip_ws(s, g2[1])
        body = read_group(s, i, limit=group)
        if body is None:
            continue
        end = body[1]
        if kind.endswith("environment"):
            second = read_group(s, _skip_ws(s, end), limit=group)
            if second:
                end = second[1]
        else:
            macros[name] = _Macro(nargs, body[0])
        for k in range(m.start(), end):
            if out[k] not in "\r\n":
                out[k] = " "
    return "".join(out), macros


def _bullet_macros(macros: dict[str, _Macro], body: str) -> dict[str, int | None]:
    """Macros whose use is one bullet: name -> number of arguments (None: count the brace groups)."""
    found: dict[str, int | None] = {}
    words_of = {name: set(_CONTROL_WORD.findall(macro.body)) for name, macro in macros.items()}
    changed = True
    while changed:
        changed = False
        for name, macro in macros.items():
            if name in found or not macro.nargs or _HEADING_NAME.search(name) or "tabular" in macro.body:
                continue
            words = words_of[name]
            if not ("item" in words or words & set(found)):
                continue
            draws_heading = macro.nargs > 2 or re.search(r"\\hfill|(?<!\\)&", macro.body)
            if _ITEM_NAME.search(name) or not draws_heading:
                found[name] = macro.nargs
                changed = True
    for name, nargs in KNOWN_BULLET_MACROS.items():
        if name not in macros and re.search(rf"\\{name}(?![A-Za-z])", body):
            found[name] = nargs
    return found


def parse_latex(path: Path, data: bytes) -> LatexDocument:
    text, bom = decode_text(path, data)
    try:
        masked, macros = _mask_definitions(mask(text))
    except _OverBudget as e:
        raise error(path, str(e)) from None
    begin = masked.find("\\begin{document}")
    body_start = begin + len("\\begin{document}") if begin >= 0 else 0
    end_doc = masked.find("\\end{document}", body_start)
    body_end = end_doc if end_doc >= 0 else len(masked)
    bullet_macros = _bullet_macros(macros, masked[body_start:body_end])
    # The file's own one-argument macros (\\company{Acme}) are markup a new text keeps, like \\textbf.
    markup_macros = {name: "format" for name, m in macros.items() if m.nargs == 1 and name not in bullet_macros}
    starts = line_starts(text)

    bullets: list[Bullet] = []
    spans: list[Span] = []
    sections = Sections()

    def add(cmd_pos: int, start: int, end: int, *, item: bool) -> None:
        if end - start > MAX_LATEX_GROUP_CHARS:  # before any pattern or conversion runs on it
            where = line_of(starts, cmd_pos)
            raise error(
                path,
                f"line {where}: a bullet of {end - start:,} characters of LaTeX (at most "
                f"{MAX_LATEX_GROUP_CHARS:,}); is an \\item or a brace missing?",
            )
        start, end = _trim(masked, start, end)
        if start >= end:
            return
        raw = masked[start:end]
        if item and (re.search(r"\\hfill|\\begin\{tabular|(?<!\\)&", raw)):
            return  # a heading drawn with \item (name \hfill dates), not a bullet
        plain = latex_to_text(raw)
        if sections.excluded or not is_achievement(plain):
            return
        # An \item is where its line starts; a macro's text may start lines below the macro
        # (\resumeItem{Title}<newline>{Text}): say where the text is.
        bullets.append(Bullet(plain, f"line {line_of(starts, cmd_pos if item else start)}"))
        spans.append(Span(start, end, _writer(wrapping_of(text, start, end), _marks(raw, markup_macros))))

    open_items: dict[int, tuple[int, int]] = {}  # brace depth -> (\item position, content start)

    def close(depth: int, at: int) -> None:
        item = open_items.pop(depth, None)
        if item is not None:
            add(item[0], item[1], at, item=True)

    depth = 0
    opened: list[int] = []  # where each open brace is, to name the line of an unclosed one
    items = 0
    i = body_start
    s = masked
    while i < body_end:
        c = s[i]
        if c == "{":
            depth += 1
            if depth > MAX_LATEX_DEPTH:  # reading nested groups costs their depth times their length
                raise error(
                    path,
                    f"braces nested more than {MAX_LATEX_DEPTH} deep (line {line_of(starts, i)}); is this a resume?",
                )
            opened.append(i)
            i += 1
        elif c == "}":
            if not opened:
                # Writing a rewrite back into a file whose groups don't nest would break it further.
                raise error(path, f"unbalanced braces: the '}}' on line {line_of(starts, i)} closes nothing")
            opened.pop()
            close(depth, i)
            depth -= 1
            i += 1
        elif c == "\\":
            m = _CONTROL_WORD.match(s, i)
            if not m:
                i += 2
                continue
            name = m.group(1)
            j = m.end()
            if name == "item":
                items += 1
                if items > MAX_DOCUMENT_BULLETS:
                    raise error(path, f"more than {MAX_DOCUMENT_BULLETS:,} \\item lines; is this a resume?")
                close(depth, i)
                if s.startswith("[", j):
                    g = read_group(s, j, "[", "]", limit=MAX_LATEX_OPTION_CHARS)
                    j = g[1] if g else j
                open_items[depth] = (i, j)
                i = j
            elif name in ("begin", "end"):
                close(depth, i)
                i = j
            elif name.lower().endswith("section") and name not in bullet_macros:
                close(depth, i)
                k = j + 1 if s.startswith("*", j) else j
                k = _skip_ws(s, k)
                if s.startswith("[", k):
                    g = read_group(s, k, "[", "]", limit=MAX_LATEX_OPTION_CHARS)
                    k = _skip_ws(s, g[1]) if g else k
                g = read_group(s, k)
                if g:
                    level = 3 if "subsub" in name.lower() else 2 if "sub" in name.lower() else 1
                    sections.heading(level, latex_to_text(g[0]))
                    i = g[1]
                else:
                    i = j
            elif name in bullet_macros:
                close(depth, i)
                groups: list[tuple[int, int]] = []
                k = j
                limit = bullet_macros[name] or 2
                while len(groups) < limit:
                    k2 = _skip_ws(s, k)
                    g = read_group(s, k2, limit=MAX_LATEX_GROUP_CHARS)
                    if g is None and s.startswith("{", k2):
                        raise error(
                            path,
                            f"line {line_of(starts, k2)}: the argument of \\{name} is longer than "
                            f"{MAX_LATEX_GROUP_CHARS:,} characters; is a brace missing?",
                        )
                    if g is None:
                        break
                    if s[g[1] - 1] != "}":  # read_group ran to the end: the argument never closes
                        raise error(path, f"unbalanced braces: the '{{' on line {line_of(starts, k2)} is never closed")
                    groups.append((k2 + 1, g[1] - 1))
                    k = g[1]
                if groups:
                    add(i, groups[-1][0], groups[-1][1], item=False)
                    i = k
                else:
                    i = j
            else:
                i = j
        else:
            i += 1
    if opened:
        raise error(path, f"unbalanced braces: the '{{' on line {line_of(starts, opened[-1])} is never closed")
    for d in sorted(open_items, reverse=True):
        close(d, body_end)
    return LatexDocument(path, bullets, text, bom, spans)


def _marks(src: str, commands: dict[str, str]) -> list[Mark]:
    """The inline markup of a bullet's LaTeX (``\\textbf{…}``, ``\\href{url}{…}``…), nested ones inside."""
    marks = []
    for start, end, a, b, kind in markup_spans(src, commands):
        source = " ".join(src[start:end].split())  # comments are masked already; line breaks are spaces
        marks.append(Mark(Markup(latex_to_text(src[a:b]), kind, source), tuple(_marks(src[a:b], commands))))
    return marks


def _writer(wrapping: Wrapping | None, marks: list[Mark]) -> Writer:
    """How a new text is written in place of a bullet: the original's markup carried where its words
    still are, the rest escaped, and wrapped like the original if it was."""
    order = {m: k for k, m in reversed(list(enumerate(markups(marks))))}

    def write(text: str) -> tuple[str, list[Markup]]:
        placed, dropped = place_marks(text, marks)
        source = compose(text, placed, escape_range)
        if placed and latex_to_text(source) != text:  # a carried span would change the words: write none
            source = text_to_latex(text)
            dropped = sorted(dropped + [p.mark.markup for p in placed], key=order.__getitem__)
        return (wrapping.fill(source) if wrapping else source), dropped

    return write


def _trim(s: str, start: int, end: int) -> tuple[int, int]:
    """Narrow a content range: no surrounding space or layout commands; inside ``{...}`` if it is all one group."""
    while True:
        while start < end and s[start] in " \t\r\n":
            start += 1
        # Only the tail: the pattern retries from each character of a long run of layout commands.
        m = _TRAILING_LAYOUT.search(s, max(start, end - _LAYOUT_TAIL), end)
        if m and m.start() < end:
            end = m.start()
        while end > start and s[end - 1] in " \t\r\n":
            end -= 1
        if start < end and s[start] == "{":
            g = read_group(s, start)
            if g and g[1] == end:
                start, end = start + 1, end - 1
                continue
        return start, end

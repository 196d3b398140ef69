"""LaTeX <-> plain text for bullet contents.

``latex_to_text`` gives what a reader of the PDF sees (``50\\% faster \\& cheaper`` -> ``50% faster &
cheaper``; ``\\textbf{x}`` -> ``x``; ``--`` -> ``–``; ``$\\times$`` -> ``×``; ``$\\sim$3`` -> ``~3``);
``text_to_latex`` gives LaTeX that typesets as the given text (``~3`` -> ``$\\sim$3``, "about 3").
For every plain text ``t``: ``latex_to_text(text_to_latex(t)) == " ".join(t.split())``.
"""

from __future__ import annotations

import re
import unicodedata

# Control words that print a character or a word.
SYMBOLS = {
    "textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^", "textless": "<",
    "textgreater": ">", "textbar": "|", "textbullet": "•", "textendash": "–", "textemdash": "—",
    "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”",
    "textquotedbl": '"', "textasciigrave": "`", "textunderscore": "_", "ldots": "…", "dots": "…",
    "textellipsis": "…", "textregistered": "®", "texttrademark": "™", "copyright": "©",
    "textcopyright": "©", "textdegree": "°", "euro": "€", "texteuro": "€", "pounds": "£",
    "textsterling": "£", "S": "§", "P": "¶", "LaTeX": "LaTeX", "TeX": "TeX", "LaTeXe": "LaTeX2e",
    "XeTeX": "XeTeX", "slash": "/", "textperiodcentered": "·", "cdotp": "·", "textdollar": "$",
    "textpercent": "%", "textsection": "§", "i": "ı", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "quad": " ",
    "qquad": " ", "enskip": " ", "hfill": " ", "newline": " ", "linebreak": " ", "par": " ",
    "space": " ", "textvisiblespace": "␣", "checkmark": "✓",
}  # fmt: skip
# In math mode.
MATH_SYMBOLS = {
    "times": "×", "sim": "~", "approx": "≈", "rightarrow": "→", "to": "→", "leftarrow": "←",
    "Rightarrow": "⇒", "leftrightarrow": "↔", "uparrow": "↑", "downarrow": "↓", "leq": "≤",
    "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "pm": "±", "cdot": "·", "bullet": "•",
    "circ": "∘", "infty": "∞", "mu": "μ", "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ",
    "Delta": "Δ", "epsilon": "ε", "lambda": "λ", "sigma": "σ", "theta": "θ", "pi": "π", "mid": "|",
    "vert": "|", "lvert": "|", "rvert": "|", "ll": "≪", "gg": "≫", "%": "%", "degree": "°",
    "textbullet": "•", "cdotp": "·", "ldots": "…", "dots": "…", "cdots": "⋯", "log": "log",
    "sqrt": "√", "times10": "×10", "lt": "<", "gt": ">", "star": "⋆", "ast": "∗",
}  # fmt: skip
# Commands whose arguments are not text: (number of {} arguments dropped).
DROP = {
    "vspace": 1, "hspace": 1, "vskip": 0, "hskip": 0, "label": 1, "ref": 1, "pageref": 1,
    "color": 1, "includegraphics": 1, "setlength": 2, "addtolength": 2, "fontsize": 2,
    "phantom": 1, "hphantom": 1, "vphantom": 1, "rule": 2, "raisebox": 1, "faIcon": 1,
    "index": 1, "cite": 1, "footnote": 1, "hypersetup": 1, "smallskip": 0, "medskip": 0,
    "bigskip": 0, "noindent": 0, "centering": 0, "raggedright": 0, "selectfont": 0,
    "usefont": 4, "fontfamily": 1, "fontseries": 1, "fontshape": 1, "textcolor": 1,
    "colorbox": 1, "href": 1, "protect": 0, "nolinkurl": 0, "item": 0, "kern": 0,
}  # fmt: skip
ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
           ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
           "r": "\u030a", "d": "\u0323", "b": "\u0331"}  # fmt: skip
_ESCAPED = {"%": "%", "&": "&", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " ",
            ",": " ", ";": " ", ":": " ", "!": "", "-": "", "/": "", "@": "", "\\": " "}  # fmt: skip


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i] in " \t\r\n":
        i += 1
    return i


def read_group(
    s: str, i: int, open_: str = "{", close: str = "}", *, limit: int | None = None
) -> tuple[str, int] | None:
    """The balanced group starting at ``s[i]`` (contents, index after it), or None. With `limit`,
    a group that does not close within `limit` characters is None too: a reader that tries one
    group per command must not scan the rest of the file from each of a million commands."""
    if i >= len(s) or s[i] != open_:
        return None
    depth = 0
    j = i
    stop = len(s) if limit is None else min(len(s), i + limit)
    while j < stop:
        c = s[j]
        if c == "\\":
            j += 2
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return s[i + 1 : j], j + 1
        j += 1
    if stop < len(s):
        return None
    return s[i + 1 :], len(s)


def _read_argument(s: str, i: int) -> tuple[str, int]:
    """One macro argument: a {group} or a single token (after optional spaces)."""
    i = _skip_ws(s, i)
    g = read_group(s, i)
    if g is not None:
        return g
    if i < len(s) and s[i] == "\\":
        m = re.match(r"\\(?:[A-Za-z]+|.)", s[i:])
        return (m.group() if m else s[i]), i + (m.end() if m else 1)
    return (s[i] if i < len(s) else ""), i + 1


def _math_to_text(s: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            name = m.group(1) if m else ""
            i += m.end() if m else 1
            if name in MATH_SYMBOLS:
                out.append(MATH_SYMBOLS[name])
            elif name in SYMBOLS:
                out.append(SYMBOLS[name])
            elif name in _ESCAPED:
                out.append(_ESCAPED[name])
            elif name in (
                "mathbf",
                "mathrm",
                "text",
                "textrm",
                "mathit",
                "textbf",
                "mathsf",
                "operatorname",
                "hbox",
                "mbox",
            ):
                pass  # the argument follows as a group
            elif name in ("vcenter", "tiny", "small", "scriptsize", "left", "right", "big", "Big", "displaystyle"):
                pass
            continue
        if c in "{}":
            i += 1
            continue
        if c == "$":
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out).strip()


def _accent(base: str, mark: str) -> str:
    if not base:
        return ""
    first = {"ı": "i", "ȷ": "j"}.get(base[0], base[0])  # \\"{\\i}: the dotless i takes the accent
    return unicodedata.normalize("NFC", first + mark) + base[1:]


def latex_to_text(src: str) -> str:
    """The plain text a reader sees for a LaTeX fragment (comments must already be removed)."""
    return " ".join(_to_text(src).split())


def _to_text(s: str) -> str:
    out: list[str] = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            # A control word's name is ASCII letters only: "\é" is a control symbol, read below.
            if i + 1 < n and (m := re.match(r"[A-Za-z]+", s[i + 1 :])):
                name = m.group()
                i += 1 + len(name)
                if name in ACCENTS and len(name) == 1:
                    arg, i = _read_argument(s, i)
                    out.append(_accent(_to_text(arg), ACCENTS[name]))
                    continue
                if i < n and s[i] == "*":
                    i += 1
                if name in SYMBOLS:
                    out.append(SYMBOLS[name])
                    if s.startswith("{}", i):
                        i += 2
                    continue
                if name in DROP:
                    for _ in range(DROP[name]):
                        j = _skip_ws(s, i)
                        while j < n and s[j] == "[":
                            g = read_group(s, j, "[", "]")
                            j = _skip_ws(s, g[1]) if g else j + 1
                        _, i = _read_argument(s, j)
                    if name in ("vspace", "hspace", "hfill", "smallskip", "medskip", "bigskip"):
                        out.append(" ")
                    continue
                # Formatting commands (\textbf, \emph, \small, \url …): drop the command, keep its
                # arguments, which the loop reads as ordinary groups.
                continue
            if i + 1 < n:
                sym = s[i + 1]
                if sym in ACCENTS:
                    arg, i = _read_argument(s, i + 2)
                    out.append(_accent(_to_text(arg), ACCENTS[sym]))
                    continue
                i += 2
                if sym == "\\":  # \\ line break, maybe with [length] or *
                    if i < n and s[i] == "*":
                        i += 1
                    if i < n and s[i] == "[":
                        g = read_group(s, i, "[", "]")
                        i = g[1] if g else i
                    out.append(" ")
                    continue
                out.append(_ESCAPED.get(sym, sym))
                continue
            i += 1
            continue
        if c == "$":
            double = s.startswith("$$", i)
            delim = "$$" if double else "$"
            j = i + len(delim)
            while j < n:
                if s[j] == "\\":
                    j += 2
                    continue
                if s.startswith(delim, j):
                    break
                j += 1
            out.append(_math_to_text(s[i + len(delim) : j]))
            i = j + len(delim)
            continue
        if c in "{}":
            i += 1
            continue
        if c == "~":
            out.append(" ")
            i += 1
            continue
        if c == "-":
            if s.startswith("---", i):
                out.append("—")
                i += 3
            elif s.startswith("--", i):
                out.append("–")
                i += 2
            else:
                out.append("-")
                i += 1
            continue
        if c == "`":
            if s.startswith("``", i):
                out.append("“")
                i += 2
            else:
                out.append("‘")
                i += 1
            continue
        if c == "'" and s.startswith("''", i):
            out.append("”")
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


_TO_LATEX = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#",
    "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
    ">": r"\textgreater{}", "|": r"\textbar{}", "•": r"\textbullet{}", "–": "--", "—": "---",
    "“": "``", "”": "''", "‘": "`", "`": r"\textasciigrave{}", "…": r"\ldots{}", "×": r"$\times$",
    "≈": r"$\approx$", "→": r"$\rightarrow$", "←": r"$\leftarrow$", "⇒": r"$\Rightarrow$",
    "≤": r"$\leq$", "≥": r"$\geq$", "≠": r"$\neq$", "±": r"$\pm$", "·": r"$\cdot$", "∞": r"$\infty$",
}  # fmt: skip


_DIGITS = tuple("0123456789")


def text_to_latex(text: str) -> str:
    """LaTeX that typesets as ``text`` (whitespace normalised)."""
    text = " ".join(text.split())
    return escape_range(text, 0, len(text))


def escape_range(text: str, start: int, end: int) -> str:
    """LaTeX for ``text[start:end]``, a piece of a bullet whose other pieces are written elsewhere.

    The whole ``text`` is the context: a ``[`` opening the bullet is braced (``\\item [x]`` would read
    ``[x]`` as the item's label) and a ``~`` before a digit is ``$\\sim$`` ("~3 hours" means about 3;
    ``\\textasciitilde{}`` prints a raised tilde).
    """
    out: list[str] = []
    for k in range(start, end):
        ch = text[k]
        if ch == "[" and k == 0:
            piece = "{[}"
        elif ch == "~" and text[k + 1 : k + 2] in _DIGITS:
            piece = r"$\sim$"
        else:
            piece = _TO_LATEX.get(ch, ch)
        if out and piece[:1] in "-'`" and out[-1][-1:] == piece[:1]:
            out.append("{}")  # "--", "''", "``" are ligatures (–, ”, “): keep the characters apart
        out.append(piece)
    return "".join(out)


# --- inline markup inside a bullet ------------------------------------------------------------------

#: Commands whose one argument is text with a look: the markup a writer carries into a new text.
MARKUP_COMMANDS = {
    "textbf": "bold", "textit": "italic", "emph": "italic", "textsl": "italic", "underline": "underline",
    "uline": "underline", "texttt": "code", "url": "link", "nolinkurl": "link", "sout": "strike",
    "textsc": "format", "textsf": "format", "textrm": "format", "textup": "format", "textmd": "format",
    "textnormal": "format", "textsuperscript": "format", "textsubscript": "format", "hl": "format",
    "mbox": "format",
}  # fmt: skip
#: Commands whose first argument is not text (a URL, a colour) and whose second is.
MARKUP_COMMANDS_2 = {"href": "link", "textcolor": "format", "colorbox": "format"}
#: Declarations that style the rest of their group: ``{\bf text}``.
MARKUP_SWITCHES = {
    "bf": "bold", "bfseries": "bold", "it": "italic", "itshape": "italic", "em": "italic", "sl": "italic",
    "slshape": "italic", "tt": "code", "ttfamily": "code", "sc": "format", "scshape": "format",
    "sf": "format", "sffamily": "format",
}  # fmt: skip


def markup_spans(src: str, commands: dict[str, str] | None = None) -> list[tuple[int, int, int, int, str]]:
    """The inline markup of a bullet's LaTeX: ``(start, end, text start, text end, kind)`` for each
    ``\\textbf{…}``, ``\\href{url}{…}``, ``{\\bf …}``… at the top level of ``src`` (nested ones are in
    the text range). ``commands``: more one-argument commands (the file's own), name -> kind.
    """
    one = {**MARKUP_COMMANDS, **(commands or {})}
    out: list[tuple[int, int, int, int, str]] = []
    n = len(src)
    i = 0
    while i < n:
        c = src[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+)\*?", src[i:])
            if not m:
                i += 2
                continue
            name, after = m.group(1), i + m.end()
            wanted = 2 if name in MARKUP_COMMANDS_2 else 1 if name in one else 0
            groups: list[tuple[int, int]] = []
            j = after
            while wanted and len(groups) < wanted:
                j = _skip_ws(src, j)
                while len(groups) == 0 and j < n and src[j] == "[":
                    g = read_group(src, j, "[", "]")
                    j = _skip_ws(src, g[1]) if g else n
                g = read_group(src, j)
                if g is None or src[g[1] - 1] != "}":
                    break
                groups.append((j + 1, g[1] - 1))
                j = g[1]
            if wanted and len(groups) == wanted:
                out.append((i, j, *groups[-1], MARKUP_COMMANDS_2.get(name) or one[name]))
                i = j
            else:
                i = after
            continue
        if c == "{":
            m = re.match(r"\{\s*\\([A-Za-z]+)(?![A-Za-z])", src[i:])
            g = read_group(src, i)
            if m and m.group(1) in MARKUP_SWITCHES and g and src[g[1] - 1] == "}":
                out.append((i, g[1], i + m.end(), g[1] - 1, MARKUP_SWITCHES[m.group(1)]))
                i = g[1]
                continue
            i += 1
            continue
        if c == "$":  # math: no text markup inside
            j = i + 1
            while j < n and src[j] != "$":
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            continue
        i += 1
    return out

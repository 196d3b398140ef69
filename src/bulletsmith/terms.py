"""Terms: how a word or phrase is matched against the vocabularies and the person's words.

The claims guard (``bulletsmith.claims``) and job-posting targeting (``bulletsmith.job``) must
agree on what a term is, so both use these: the forms of a concept in the vocabularies
(src/bulletsmith/data/claims/: "k8s" and "Kubernetes" are one concept), matched in any case,
plural or hyphenation ("real-time", "real time", "realtime"), and word stems for comparing
phrases in any order and inflection ("sequential testing" / "tested sequentially").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib.resources import files

__all__ = [
    "WORD_RE",
    "Form",
    "compact",
    "content_stems",
    "data_lines",
    "forms",
    "forms_of",
    "is_acronym",
    "stem",
    "stems",
    "vocab_matches",
]

_VOCABULARIES = {"named": "named.txt", "method": "methods.txt", "scope": "scope.txt"}


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Form:
    concept: str  # kind:canonical form
    text: str
    capital: bool  # only when written with a capital ("*Spark", and every all-caps form)
    report: bool  # False: supports only ("~live")


_COMMENT_RE = re.compile(r"(?:^|\s)#.*$")  # "# …" and "… # …", never the "#" of "C#" or "F#"


def data_lines(name: str) -> list[str]:
    text = (files("bulletsmith") / "data" / "claims" / name).read_text(encoding="utf-8")
    lines = (_COMMENT_RE.sub("", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def is_acronym(form: str) -> bool:
    letters = [c for c in form if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _parse_form(concept: str, raw: str) -> Form:
    raw = raw.strip()
    capital = raw.startswith("*")
    report = not raw.startswith("~")
    text = raw.lstrip("*~").strip()
    # An all-caps form ("CLIP", "RAG", "CV") is an ordinary word in lower case.
    return Form(concept, text, capital or is_acronym(text), report)


@functools.cache
def forms() -> tuple[Form, ...]:
    out = []
    for kind, name in _VOCABULARIES.items():
        for line in data_lines(name):
            parts = [p for p in line.split("|") if p.strip()]
            concept = f"{kind}:{parts[0].strip().lstrip('*~')}"
            out += [_parse_form(concept, p) for p in parts]
    return tuple(out)


def _pattern(form: str) -> str:
    # "real-time" also matches "real time" and "realtime"; a plural "s"/"es" may follow.
    body = r"[\s-]*".join(re.escape(p) for p in re.split(r"[\s-]+", form))
    # Not inside a longer name: "js" in "Node.js", "Spark" in "PySpark".
    return r"(?<![\w.-])" + body + r"(?:e?s)?(?![\w+#]|\.\w)"


def compact(s: str) -> str:
    return re.sub(r"[\s\-_./’']+", "", s.casefold())


@functools.cache
def _vocab_re() -> re.Pattern[str]:
    texts = sorted({f.text for f in forms()}, key=len, reverse=True)
    return re.compile("|".join(_pattern(t) for t in texts), re.IGNORECASE)


@functools.cache
def _by_compact() -> dict[str, tuple[Form, ...]]:
    out: dict[str, list[Form]] = {}
    for f in forms():
        out.setdefault(compact(f.text), []).append(f)
    return {k: tuple(v) for k, v in out.items()}


def forms_of(written: str) -> tuple[Form, ...]:
    key = compact(written)
    table = _by_compact()
    for candidate in (key, key[:-1] if key.endswith("s") else None, key[:-2] if key.endswith("es") else None):
        if candidate and candidate in table:
            return table[candidate]
    return ()


def vocab_matches(text: str, *, cased: bool) -> list[tuple[int, int, Form]]:
    """(start, end, form) of every vocabulary form in the text, longest first, no overlaps.
    cased=False (a source): any case supports, "spark" as much as "Spark"."""
    out = []
    for m in _vocab_re().finditer(text):
        written = m.group(0)
        forms = forms_of(written)
        if cased:
            letters = written[:-1] if written.endswith("s") and len(written) > 2 else written
            forms = tuple(
                f
                for f in forms
                if not f.capital or ((letters.isupper() or not is_acronym(f.text)) and written[0].isupper())
            )
        if forms:
            out.append((m.start(), m.end(), forms[0]))
    return out


# --------------------------------------------------------------------------- words

WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#&]*(?:[./’'-][A-Za-z0-9+#&]+)*\+*")
_SUFFIXES = ("ically", "ally", "ly", "ings", "ing", "ied", "ies", "ed", "es", "s", "ial", "al")


def stem(word: str) -> str:
    w = word.casefold().replace("’", "'").removesuffix("'s")
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    return w[:7]


def stems(text: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[A-Za-z0-9+#]+", text)}


_FUNCTION_WORDS = frozenset("a an the of in on for to and or with by at from as into across every all each".split())


def content_stems(phrase: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[A-Za-z0-9+#]+", phrase) if w.casefold() not in _FUNCTION_WORDS}

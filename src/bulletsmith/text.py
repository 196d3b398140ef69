"""Text helpers every layer shares: normalising for comparison, and finding what a text
addresses to a model (prompt injection), which is data, never a claim or an order.

The guards, both engines and the fact bank use these, so "the same words" and "an order to a
model" mean one thing everywhere.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from bulletsmith.datafiles import word_list

__all__ = [
    "brief",
    "injected_spans",
    "injection_phrase",
    "md_escape",
    "looks_like_injection",
    "mask_injection",
    "normalize_text",
    "without_injection",
]

_QUOTES = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"'}
)
_DASHES_RE = re.compile(r"[‐‑‒–—―−]")  # hyphen variants, en/em dash, minus sign
_SPACE_RE = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096)  # a bullet is normalised a dozen times while it is checked
def normalize_text(s: str) -> str:
    """Casefold, unify quotes and dashes, collapse whitespace, strip.

    NFKC first, so text pasted from a PDF (ligatures such as "ﬁ", no-break spaces)
    compares equal to what the person typed.
    """
    s = unicodedata.normalize("NFKC", s or "").casefold().translate(_QUOTES)
    s = _DASHES_RE.sub("-", s)
    return _SPACE_RE.sub(" ", s).strip()


def brief(s: str, limit: int = 60) -> str:
    s = _SPACE_RE.sub(" ", s or "").strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


@functools.cache
def _injection_re() -> re.Pattern[str]:
    # Not folded: a pattern may ask for capitals with (?-i:…).
    return re.compile("|".join(f"(?:{p})" for p in word_list("injection_phrases.txt")), re.I)


def injection_phrase(text: str) -> str | None:
    """The first words of the text that address a model, or None."""
    m = _injection_re().search(text or "")
    return m.group(0) if m else None


def looks_like_injection(text: str) -> bool:
    """True when the text addresses a model ("ignore previous instructions", "Answer: …")."""
    return _injection_re().search(text) is not None


# A sentence ends at . ! or ? before a capital, a quote or the end; "0.14" and "e.g.," don't.
_SENTENCE_END_RE = re.compile(r"[.!?]+(?=\s+[A-Z'\"“]|\s*$)")
_PIECE_START_RE = re.compile(r"[,;]\s+")


@functools.lru_cache(maxsize=1024)  # asked of one bullet several times while it is checked
def injected_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Where the text addresses a model, as (start, end) offsets: from the start of the part
    (sentence, or comma-separated piece of one) that carries the phrase to the end of its
    sentence, since what follows such a phrase in the sentence is its payload ("Answer: 90%").
    A JSON object ("{"problem": true, …}") ends at its closing brace."""
    found = list(_injection_re().finditer(text))
    if not found:  # nearly every bullet: no sentence scan
        return ()
    spans: list[tuple[int, int]] = []
    ends = [m.end() for m in _SENTENCE_END_RE.finditer(text)]
    for m in found:
        if spans and m.start() < spans[-1][1]:
            continue
        start = max((e for e in ends if e <= m.start()), default=0)
        start = max((p.end() for p in _PIECE_START_RE.finditer(text, start, m.start())), default=start)
        brace = text.find("}", m.end()) if m.group(0).startswith("{") else -1
        end = brace + 1 if brace >= 0 else min((e for e in ends if e >= m.end()), default=len(text))
        spans.append((start, end))
    return tuple(spans)


def mask_injection(text: str) -> str:
    """The text with what addresses a model blanked out, offsets kept (for slicing evidence)."""
    for start, end in injected_spans(text):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def without_injection(text: str) -> str:
    """What the text claims: itself less what addresses a model. A number there is the
    person's; one inside "Answer: 90%" or "SYSTEM NOTE: add …" is not, and may not be used."""
    return _SPACE_RE.sub(" ", mask_injection(text)).strip().rstrip(",;").rstrip()


# CommonMark's backslash escapes for what would change a table cell: emphasis, code, links, raw
# HTML, a column break, and `$` (Jupyter renders $…$ as math).
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|$~"})


def md_escape(text: object) -> str:
    """Text for Markdown (a table cell, a line): on one line, with no markup of its own."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)

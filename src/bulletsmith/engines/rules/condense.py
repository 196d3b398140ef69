"""Shorter wording for the bullet's own words when a rules rewrite runs past two printed lines.

Only words that state no fact go: "in order to" -> "to", an adverb that only intensifies
("successfully", "easily"), "that are" before a participle ("libraries that are shared by" ->
"libraries shared by"), and the second spelling of a name written twice ("Tensor Processing
Units (TPU)" -> "TPU", "IaC(Infrastructure as Code)" -> "IaC"). Every number, name and claim
of the person's stays; the person's answers are never touched here.
"""

from __future__ import annotations

import re

_IN_ORDER_TO = re.compile(r"\bin\s+order\s+to\b", re.IGNORECASE)
# Adverbs that only intensify: dropping one never removes a fact or adds a claim.
_SOFT = re.compile(r"\b(?:successfully|effectively|easily|greatly|actively)\s+(?=[a-z])", re.IGNORECASE)
# "libraries that are shared by all data scientists" -> "libraries shared by all data scientists":
# a relative clause of "to be" and a participle says the same as the participle alone.
_WHIZ = re.compile(
    r",?\s+(?:that|which|who)\s+(?:is|are|was|were)\s+(?=(?:[a-z]+ed|[a-z]+en|built|run|used|based|made|kept|held|sent|shared)\b)"
)
_MINOR = frozenset({"of", "and", "as", "for", "the", "a", "an", "to", "in", "on", "&"})
# "Long Name (LN)" / "LN (Long Name)" / "LN(Long Name)": one name, spelled twice.
_PAREN = re.compile(r"\s*\((?P<inner>[^()]{1,60})\)")
_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w.lower() not in _MINOR).upper()


def _acronym(text: str) -> str:
    """An acronym's spelled-out name goes when both are written: the acronym is the name the
    person chose to repeat, and the shorter."""
    out, pos = [], 0
    for m in _PAREN.finditer(text):
        inner = m.group("inner").strip()
        before = text[pos : m.start()]
        words_before = _WORD.findall(before)
        if re.fullmatch(r"[A-Z][A-Za-z]{1,7}", inner) and sum(c.isupper() for c in inner) >= 2:
            # "Tensor Processing Units (TPU)": the words before whose initials spell it go
            n = len([c for c in inner if c.isupper()])
            for k in range(n, min(len(words_before), n + 3) + 1):
                tail = words_before[-k:]
                if _initials(tail) == "".join(c for c in inner if c.isupper()):
                    start = before.rfind(tail[0])
                    out.append(before[:start] + inner)
                    pos = m.end()
                    break
            continue
        last = words_before[-1] if words_before else ""
        acr = "".join(c for c in last if c.isupper())
        if len(acr) >= 2 and before.rstrip().endswith(last) and _initials(_WORD.findall(inner)) == acr:
            out.append(before)  # "IaC(Infrastructure as Code)", "DLQ (Dead Letter Queue)"
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _without_soft(text: str) -> str:
    parts, pos = [], 0
    for m in _SOFT.finditer(text):
        before = text[pos : m.start()]
        if re.search(r"\b(?:a|an)\s+$", before):
            continue  # "an easily managed …": the article would no longer fit
        parts.append(before)
        opens = m.group(0)[0].isupper()  # "Successfully built" -> "Built"
        pos = m.end()
        if opens:
            parts.append(text[pos].upper())
            pos += 1
    parts.append(text[pos:])
    return "".join(parts)


def condensed(text: str) -> str:
    """The bullet's words with what states no fact taken out (see the module docstring)."""
    out = _IN_ORDER_TO.sub(lambda m: "To" if m.group(0)[0].isupper() else "to", text)
    out = _without_soft(out)
    out = _WHIZ.sub(" ", out)
    out = _acronym(out)
    return re.sub(r"\s{2,}", " ", out).strip()

"""Claim provenance: what a rewrite claims besides numbers must come from the person.

A rewrite may not add a tool ("Built a PyTorch classification model"), a method ("with active
learning"), more ownership ("Helped" -> "Led"), a wider scope or audience ("company-wide",
"in production", "for the VP of Engineering"), a team ("with a cross-functional team") or a
recognition ("earning a spot award"). `unsupported_claims(text, sources)` lists the phrases
of `text`, as written there, that no source supports; `claim_findings` turns them into the
error findings `guards.check_rewrite` returns, so they block a rewrite and drive the re-ask.

Three rules, all data-driven (src/bulletsmith/data/claims/, README.md there):

* Vocabularies (named things, methods, scope): a form of a concept in the text is supported
  when any form of the same concept is in a source ("k8s" / "Kubernetes", "ML" / "machine
  learning"), in any case, plural or hyphenation, or when every content word of it is in one
  source, in any order and inflection ("sequential testing" / "tested sequentially").
* Ownership levels (helped < built < led): the text may claim the sources' level or lower.
* Unknown names: a word no list knows that looks like a name (a capital mid-sentence, an inner
  capital or an acronym, a digit or a dot inside a word) must be one of the person's own words.

Ordinary words are never claims: a faithful paraphrase passes. `sources` are the bullet and
the usable answers, as `guards.rewrite_sources` gives them (a "not mine" answer is not there).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bulletsmith.models import Finding
from bulletsmith.quantities import extract_quantities
from bulletsmith.terms import (
    WORD_RE,
    Form,
    compact,
    content_stems,
    data_lines,
    stems,
    vocab_matches,
)
from bulletsmith.text import mask_injection

__all__ = [
    "Claim",
    "claim_findings",
    "claims_reask_message",
    "find_claims",
    "question_claim_findings",
    "question_claims",
    "unsupported_claims",
]


@dataclass(frozen=True)
class Claim:
    """One unsupported claim: its words as written in the text, where, and what kind."""

    phrase: str
    start: int
    end: int
    kind: str  # named, method, scope, name (unknown-name rule), ownership
    supported_by: str | None = None  # ownership: the level the sources do state

    @property
    def message(self) -> str:
        if self.kind == "ownership":
            said = f' ("{self.supported_by}")' if self.supported_by else ""
            return f'"{self.phrase}" claims more ownership than the bullet or the answers{said}'
        return f'"{self.phrase}" is not in the bullet or the answers'


# --------------------------------------------------------------------------- data


@functools.cache
def _ownership() -> tuple[tuple[str, int], ...]:
    out = []
    for line in data_lines("ownership.txt"):
        level, _, forms = line.partition(":")
        out += [(f.strip(), int(level)) for f in forms.split("|") if f.strip()]
    return tuple(out)


@functools.cache
def _not_names() -> frozenset[str]:
    return frozenset(data_lines("not_names.txt"))


# --------------------------------------------------------------------------- the rules


@dataclass
class _Sources:
    concepts: set[str]
    stems: list[set[str]]
    compacts: set[str]
    level: int
    level_word: str | None


def _prepare(sources: Iterable[str]) -> _Sources:
    texts = [s for s in sources if s]
    concepts = {f.concept for s in texts for _, _, f in vocab_matches(s, cased=False)}
    compacts: set[str] = set()
    for s in texts:
        words = [w.casefold() for w in WORD_RE.findall(s)]
        for n in (1, 2, 3):  # "Node.js" / "node js", "scikit-learn" / "scikit learn"
            compacts |= {compact("".join(words[i : i + n])) for i in range(len(words) - n + 1)}
    compacts |= {c.removesuffix("s") for c in compacts}  # "APIs" supports "API"
    levels = [_level(s) for s in texts]
    best = max(levels, key=lambda x: x[0], default=(0, None))
    level, word = best
    return _Sources(concepts, [stems(s) for s in texts], compacts, level or 2, word if level else None)


def _supported_form(phrase: str, form: Form, src: _Sources) -> bool:
    if form.concept in src.concepts:
        return True
    wanted = content_stems(phrase)
    # Word order alone: only for a phrase of two content words or more ("end-to-end" is not
    # supported by "month-end").
    return len(wanted) >= 2 and any(wanted <= stems for stems in src.stems)


def _word_supported(word: str, src: _Sources) -> bool:
    word = word.replace("’", "'").removesuffix("'s")
    key = compact(word)
    if any(k in src.compacts for k in (key, key.removesuffix("s"), key.removesuffix("es"))):
        return True
    # "F1-score" where a source says "F1": each part that looks like a name is the person's.
    parts = [p for p in word.split("-") if p]
    return len(parts) > 1 and all(_word_supported(p, src) for p in parts if any(c.isupper() or c.isdigit() for c in p))


_CAUSAL_TO = re.compile(r"\s+to\b", re.IGNORECASE)
# A level-2 verb right after a level-1 one is level 1: "helped build", "assisted in designing".
_GOVERNED_GAP = re.compile(r"^[\s,]*(?:(?:to|in|on|with|the|a|an)\s+){0,2}$", re.IGNORECASE)


@functools.cache
def _ownership_re() -> re.Pattern[str]:
    forms = sorted({f for f, _ in _ownership()}, key=len, reverse=True)
    return re.compile(
        "|".join(r"(?<![\w-])" + r"[\s-]+".join(map(re.escape, f.split())) + r"(?![\w-])" for f in forms), re.IGNORECASE
    )


def _ownership_key(form: str) -> str:
    return re.sub(r"[\s-]+", " ", form.casefold())  # "worked-on", "co-led" / "co led"


def _ownership_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end, level) of each ownership verb, a governed one read at level 1."""
    table = {_ownership_key(f): lvl for f, lvl in _ownership()}
    out: list[tuple[int, int, int]] = []
    for m in _ownership_re().finditer(text):
        form = _ownership_key(m.group(0))
        if form == "led" and _CAUSAL_TO.match(text, m.end()):  # "which led to a 3% lift" names a cause
            continue
        if form == "lead" and m.start() != _body_start(text):  # only the opening verb: "the lead designer" is no claim
            continue
        level = table[form]
        if out and out[-1][2] == 1 and _GOVERNED_GAP.match(text[out[-1][1] : m.start()]):
            level = 1
        out.append((m.start(), m.end(), level))
    return out


_GLYPH_RE = re.compile(r"^\s*(?:[-–—•·▪*]+\s*)?")


def _body_start(text: str) -> int:
    """Where the text starts after a leading bullet glyph (the pattern matches the empty string too)."""
    m = _GLYPH_RE.match(text)
    return m.end() if m else 0


def _opening_verb(text: str) -> re.Match[str] | None:
    from bulletsmith.guards import starts_with_strong_past_tense_verb

    body_start = _body_start(text)
    m = re.compile(r"[A-Za-z][A-Za-z'’-]*").match(text, body_start)
    return m if m and starts_with_strong_past_tense_verb(text) else None


def _level(text: str) -> tuple[int, str | None]:
    """The highest ownership a text claims, and the words that claim it. An opening strong
    past-tense verb ("Cleaned") claims level 2 unless a level-1 word keeps it a contribution."""
    spans = _ownership_spans(text)
    best = max(spans, key=lambda s: s[2], default=None)
    level, word = (best[2], text[best[0] : best[1]]) if best else (0, None)
    if level < 2 and not any(lvl == 1 for _, _, lvl in spans) and (m := _opening_verb(text)):
        level, word = 2, m.group(0)
    return level, word


_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;]\s+|[\"“(]\s*)$")
# Between two parts of one claim: "VP of Engineering", "AWS SageMaker".
_JOIN_RE = re.compile(r"^(?:\s+|\s+(?:of|of the)\s+)$", re.IGNORECASE)


def _looks_like_name(word: str, text: str, start: int) -> bool:
    core = word.replace("’", "'").removesuffix("'s").rstrip("'")
    if core in _not_names() or not any(c.isalpha() for c in core):
        return False
    if any(c.isdigit() for c in core) or re.search(r"[A-Za-z]\.[A-Za-z]", core):
        return True
    if any(c.isupper() for c in core[1:].removesuffix("s")):  # CamelCase, an acronym ("PMs")
        return True
    body_start = _body_start(text)
    return core[0].isupper() and start > body_start and not _SENTENCE_START_RE.search(text[body_start:start])


def find_claims(
    text: str,
    sources: Iterable[str] | str,
    *,
    ownership: bool = True,
    kinds: tuple[str, ...] = ("named", "method", "scope", "name"),
) -> list[Claim]:
    """The claims of `text` that no source supports, in reading order, adjacent parts of one
    name joined ("VP of Engineering")."""
    # What addresses a model ("… output 'hired'") is the form guard's business, not a claim.
    text = mask_injection(text or "")
    src = _prepare([sources] if isinstance(sources, str) else list(sources))
    found: list[Claim] = []
    covered: list[tuple[int, int]] = []
    for start, end, form in vocab_matches(text, cased=True):
        covered.append((start, end))
        kind = form.concept.split(":", 1)[0]
        phrase = text[start:end]
        if kind in kinds and form.report and not _supported_form(phrase, form, src):
            found.append(Claim(phrase, start, end, kind))
    if "name" in kinds:
        quantities = [(q.start, q.end) for q in extract_quantities(text) if q.kind != "version"]
        for m in WORD_RE.finditer(text):
            s, e = m.start(), m.end()
            if any(a <= s < b or a < e <= b for a, b in covered + quantities):
                continue
            if _looks_like_name(m.group(0), text, s) and not _word_supported(m.group(0), src):
                found.append(Claim(m.group(0), s, e, "name"))
    if ownership:
        for s, e, level in _ownership_spans(text):
            if level > src.level:
                found.append(Claim(text[s:e], s, e, "ownership", src.level_word))
        opening = _opening_verb(text)
        if src.level < 2 and not any(lvl == 1 for _, _, lvl in _ownership_spans(text)) and opening:
            if not any(c.start == opening.start() for c in found):
                found.append(Claim(opening.group(0), opening.start(), opening.end(), "ownership", src.level_word))
    return _joined(sorted(found, key=lambda c: c.start), text)


def _joined(claims: list[Claim], text: str) -> list[Claim]:
    out: list[Claim] = []
    for c in claims:
        prev = out[-1] if out else None
        if (
            prev
            and prev.kind != "ownership"
            and c.kind != "ownership"
            and c.start >= prev.end
            and _JOIN_RE.match(text[prev.end : c.start])
        ):
            out[-1] = Claim(text[prev.start : c.end], prev.start, c.end, prev.kind)
        elif not (prev and c.start < prev.end):
            out.append(c)
    return out


def unsupported_claims(text: str, sources: Iterable[str] | str) -> list[str]:
    """The claims of `text` that are not numbers (tools, methods, names, scope, audience,
    recognition, ownership), as written there, that none of the `sources` supports. Each
    is listed once, in reading order."""
    out: list[str] = []
    for c in find_claims(text, sources):
        if c.phrase not in out:
            out.append(c.phrase)
    return out


def claim_findings(text: str, sources: Iterable[str] | str) -> list[Finding]:
    """One error per unsupported claim: it blocks a rewrite, and its message names the phrase."""
    seen: set[str] = set()
    out = []
    for c in find_claims(text, sources):
        if c.phrase.casefold() in seen:
            continue
        seen.add(c.phrase.casefold())
        out.append(Finding(guard=f"claims.{c.kind}", severity="error", message=c.message))
    return out


_REASK_NAMES = 4  # a small model's rewrite can hold a dozen; the re-ask names the first few


def claims_reask_message(text: str, sources: Iterable[str] | str) -> str | None:
    """What a re-ask tells the model about the claims of its rewrite, in one short sentence (each
    re-ask carries the growing error history): the phrases no source supports, a few by name,
    and the first ownership it raised. None when there is nothing to say."""
    claims = find_claims(text, sources)
    if not claims:
        return None
    names: list[str] = []
    for c in claims:
        if c.kind != "ownership" and c.phrase not in names:
            names.append(c.phrase)
    parts = []
    if names:
        shown = ", ".join(f'"{n}"' for n in names[:_REASK_NAMES])
        more = len(names) - _REASK_NAMES
        if more > 0:
            parts.append(f"{shown} and {more} more are not in the bullet or the answers")
        elif len(names) > 1:
            head, _, last = shown.rpartition(", ")
            parts.append(f"{head} and {last} are not in the bullet or the answers")
        else:
            parts.append(f"{shown} is not in the bullet or the answers")
    if owned := next((c for c in claims if c.kind == "ownership"), None):
        parts.append(owned.message)
    return "; ".join(parts)


def question_claims(question: str, bullet: str) -> list[str]:
    """What a question proposes that the bullet does not contain: a tool, a method, a name or a
    number ("Did you use PyTorch?", "Did accuracy reach 95%?"). A question asks; it may not
    suggest the answer."""
    from bulletsmith.guards import unsupported_quantities

    proposed = [c.phrase for c in find_claims(question, [bullet], ownership=False, kinds=("named", "method"))]
    return proposed + unsupported_quantities(question, [bullet])


def question_claim_findings(bullet: str, questions: Iterable[object]) -> list[Finding]:
    """One error per question that proposes what the bullet does not contain (`question_claims`)."""
    out = []
    for q in questions:
        proposed = question_claims(q.text, bullet)  # type: ignore[attr-defined]
        if proposed:
            out.append(
                Finding(
                    guard="questions.claims",
                    severity="error",
                    slot=q.slot,  # type: ignore[attr-defined]
                    message=f'the {q.slot} question proposes "{proposed[0]}", which the bullet '  # type: ignore[attr-defined]
                    "does not contain: ask, don't suggest",
                )
            )
    return out

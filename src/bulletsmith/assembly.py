"""The rules engine's rewrite: the bullet plus the person's answers, joined, never added to.

It does not rephrase the person's words (that is the model's job in the openai engine); it
only joins them into one bullet, so every fact in the result is one the person wrote.
"""

from __future__ import annotations

import re

from bulletsmith.guards import is_filler, looks_like_injection
from bulletsmith.models import Analysis, Answer, Slot
from bulletsmith.slot_detection import split_clauses

# A finite verb makes an answer a clause ("labels were inconsistent"), which reads after
# "because"; a noun phrase ("inconsistent vendor labels") reads after "to address".
_FINITE_VERB = re.compile(
    r"\b(?:was|were|is|are|had|has|have|did|kept|took|fell|rose|went|grew|caused|leaked|broke|"
    r"could|couldn't|would|didn't|wasn't|weren't|lacked|missed|disagreed|failed|drifted|needed)\b",
    re.IGNORECASE,
)
_INTENT = re.compile(r"^(?:to|because|since|after|when|as)\b", re.IGNORECASE)
_LEADS_TO = re.compile(r"^(?:[+\-−~≈]?\d|\+|a\s|an\s|the\s|higher|lower|better|fewer|more|less)", re.IGNORECASE)


def _clean(value: str) -> str:
    value = value.strip().rstrip(".;, ")
    # Lower the first letter of a sentence-case answer so it can follow a comma; keep "AUC", "I".
    if len(value) > 1 and value[0].isupper() and value[1].islower() and not value.startswith("I "):
        value = value[0].lower() + value[1:]
    return value


def _problem_phrase(value: str) -> str:
    if _INTENT.match(value):
        return value
    return f"because {value}" if _FINITE_VERB.search(value) else f"to address {value}"


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z'\"“])")


def _without_noise(analysis: Analysis) -> str:
    """The bullet less what isn't resume content: sentences aimed at a model ("Ignore previous
    instructions…", "Answer: 90%"), and filler clauses ("passionate team player") that hold
    no slot's evidence."""
    evidence = [f.evidence.lower() for f in analysis.slots.values() if f.evidence]
    sentences = [s for s in _SENTENCE_END.split(analysis.bullet) if not looks_like_injection(s)]
    kept_sentences = []
    for sentence in sentences:
        kept, pos = [], 0
        for clause in split_clauses(sentence):
            low = clause.text.lower()
            if is_filler(clause.text) and not any(low in e or e in low for e in evidence):
                kept.append(sentence[pos : clause.start])
                pos = clause.end
        kept.append(sentence[pos:])
        kept_sentences.append("".join(kept))
    text = " ".join(kept_sentences)
    # Mend the seams: doubled or leading punctuation, stray spaces.
    text = re.sub(r"\s*([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"^[\s,;:.\-–—]+|[\s,;:\-–—]+$", "", text)
    return re.sub(r"\s{2,}", " ", text)


def assemble(analysis: Analysis, answers: dict[Slot, Answer]) -> str:
    bullet = analysis.bullet.strip()
    ends_with_period = bullet.endswith(".")
    text = _without_noise(analysis).rstrip(". ")
    usable = {slot: a for slot, a in answers.items() if a.usable and slot in analysis.missing}

    if Slot.ACTION in usable:
        action = usable[Slot.ACTION].text.strip().rstrip(".;, ")
        text = f"{action[0].upper()}{action[1:]}" + (f": {_clean(text)}" if text else "")
    if not text:  # nothing of the bullet was worth keeping, and no action was given
        text = ""
    if Slot.PROBLEM in usable:
        text = f"{text} {_problem_phrase(_clean(usable[Slot.PROBLEM].text))}".strip()
    if Slot.DATA_OUTCOME in usable:
        outcome = _clean(usable[Slot.DATA_OUTCOME].text)
        text = f"{text}; {outcome}" if text else outcome
    if Slot.MODEL_IMPACT in usable:
        impact = _clean(usable[Slot.MODEL_IMPACT].text)
        text = f"{text}, leading to {impact}" if _LEADS_TO.match(impact) else f"{text}; {impact}"

    if not text:  # the bullet was all noise and nothing was answered: keep it as it was
        return bullet
    text = text[:1].upper() + text[1:]
    return text + "." if ends_with_period else text

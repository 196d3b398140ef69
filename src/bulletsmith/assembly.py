"""The rules engine's rewrite: the bullet plus the person's answers, joined, never added to.

It does not rephrase the person's words (that is the model's job in the openai engine); it
only joins them into one bullet, so every fact in the result is one the person wrote.
"""

from __future__ import annotations

import re

from bulletsmith.models import Analysis, Answer, Slot

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


def assemble(analysis: Analysis, answers: dict[Slot, Answer]) -> str:
    bullet = analysis.bullet.strip()
    ends_with_period = bullet.endswith(".")
    text = bullet.rstrip(". ")
    usable = {slot: a for slot, a in answers.items() if a.usable and slot in analysis.missing}

    if Slot.ACTION in usable:
        action = usable[Slot.ACTION].text.strip().rstrip(".;, ")
        text = f"{action[0].upper()}{action[1:]}: {_clean(text)}"
    if Slot.PROBLEM in usable:
        text = f"{text} {_problem_phrase(_clean(usable[Slot.PROBLEM].text))}"
    if Slot.DATA_OUTCOME in usable:
        text = f"{text}; {_clean(usable[Slot.DATA_OUTCOME].text)}"
    if Slot.MODEL_IMPACT in usable:
        impact = _clean(usable[Slot.MODEL_IMPACT].text)
        text = f"{text}, leading to {impact}" if _LEADS_TO.match(impact) else f"{text}; {impact}"

    text = text[:1].upper() + text[1:]
    return text + "." if ends_with_period else text

"""Targeted questions from templates: each names the bullet's own object and fits its domain.

"Can you add metrics?" is never asked; "What measurably changed after you built the
classification model for image labeling: annotator agreement or label error rate ...?" is.
"""

from __future__ import annotations

import re

from bulletsmith.lexicon import lexicon
from bulletsmith.models import AnswerKind, Question, Slot

WHY = {
    Slot.PROBLEM: (
        "A reviewer wants to know why the work mattered: the pain in the data or the system that it fixed. "
        "Example: 'edge-case mislabels were leaking into training'."
    ),
    Slot.ACTION: (
        "The action says what you yourself built or changed in the data system, not what the team did. "
        "Example: 'redesigned the labeling taxonomy'."
    ),
    Slot.DATA_OUTCOME: (
        "Data-infrastructure teams hire for measured change in the data: quality, agreement, coverage, scale, "
        "latency or cost. Example: 'annotator agreement 0.68 -> 0.84 over 3M examples'."
    ),
    Slot.MODEL_IMPACT: (
        "It closes the loop: what the better data did to a model or product metric downstream. "
        "Example: '+0.15 AUC, sustained over 6 weeks'."
    ),
}

_MAX_OBJECT_WORDS = 9
_ARTICLE = re.compile(r"^(?:a|an)\s+", re.IGNORECASE)
# Phrases that already read well after the verb: determiners, and prepositions of phrasal verbs ("worked on").
_DETERMINER = re.compile(
    r"^(?:the|our|my|their|its|this|these|those|all|several|many|multiple|on|with|for|to|in|at|up|out|over|into)\b",
    re.IGNORECASE,
)
_CUT_BEFORE = re.compile(r"\s(?:using|with|via|in order|to|so|which|that|by|through|based)\s", re.IGNORECASE)


def describe_object(verb: str | None, obj: str | None, bullet: str) -> str:
    """A short phrase for the work, in the person's own words: 'you built the classification model …'."""
    if verb and obj:
        phrase = _shorten(obj)
        if _ARTICLE.match(phrase):
            phrase = _ARTICLE.sub("the ", phrase, count=1)
        elif not _DETERMINER.match(phrase) and not phrase[:1].isdigit():
            phrase = "the " + phrase
        return f"you {verb.lower()} {phrase}"
    return f"the work in “{_shorten(bullet)}”"


def _shorten(text: str) -> str:
    text = text.strip().rstrip(".")
    cut = _CUT_BEFORE.search(text)
    if cut and len(text[: cut.start()].split()) >= 2:
        text = text[: cut.start()]
    words = text.split()
    if len(words) > _MAX_OBJECT_WORDS:
        text = " ".join(words[:_MAX_OBJECT_WORDS]) + " …"
    return text


def questions_for(missing: list[Slot], bullet: str, verb: str | None, obj: str | None) -> list[Question]:
    domain = lexicon().domain_for(bullet)
    work = describe_object(verb, obj, bullet)
    topic = _shorten(bullet)
    texts = {
        Slot.PROBLEM: (f"What was going wrong before {work}: for example {domain.problem}?", AnswerKind.TEXT, None),
        Slot.ACTION: (
            f"What did you yourself build or change for “{topic}”, and with which method or tool?",
            AnswerKind.TEXT,
            None,
        ),
        Slot.DATA_OUTCOME: (
            f"What measurably changed in the data or pipeline after {work}: {domain.data}?",
            AnswerKind.QUANTITY,
            domain.data_unit,
        ),
        Slot.MODEL_IMPACT: (
            f"What did that do downstream once {work}: {domain.model}, by how much, and for how long?",
            AnswerKind.QUANTITY,
            "metric before -> after",
        ),
    }
    out = []
    for slot in missing:
        text, kind, unit = texts[slot]
        out.append(Question(slot=slot, text=text, kind=kind, unit_hint=unit, why=WHY[slot]))
    return out

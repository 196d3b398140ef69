"""The rules rewrite's opening verb in the past tense: "Lead development" -> "Led development",
"Assess and troubleshoot" -> "Assessed and troubleshot"; the person's other words as written."""

from __future__ import annotations

import re

from bulletsmith.engines.rules.clauses import is_clause, split_clauses
from bulletsmith.engines.rules.lexicon import lexicon
from bulletsmith.guards import starts_with_strong_past_tense_verb

_WORD = re.compile(r"[A-Za-z][\w'’-]*")
# Words that look like verbs to the lexicon but open noun phrases in real bullets.
NOT_VERBS = frozenset({"service", "research", "data", "book", "insights", "analytics", "dev", "core", "instructor"})


def past_tense_opening(text: str) -> str:
    """A bullet that opens with its verb in the present ("Develop novel methods", "Leverage a
    cluster", "Lead development") or as "-ing" ("Developing improvements") opens in the past
    tense: the same verb, the same words after it. Names and everything else stay as written."""
    from bulletsmith.engines.rules.questions import past_tense  # questions imports this module's neighbours

    m = _WORD.match(text)
    if not m or m.start() != 0 or starts_with_strong_past_tense_verb(text):
        return text
    word = m.group(0)
    low = word.lower()
    lex = lexicon()
    if low == "setup" and re.match(r"setup\s+[a-z]", text, re.IGNORECASE):
        return "Set up" + text[len(word) :]
    resp = re.match(r"responsible\s+for\s+(?P<verb>[a-z]+ing)\b", text, re.IGNORECASE)
    if resp:  # "Responsible for grading assignments" -> "Graded assignments"
        past = past_tense(resp.group("verb"))
        return past[:1].upper() + past[1:] + text[resp.end() :]
    if not lex.is_verb(word) or lex.recognition_openers.match(text) or low in NOT_VERBS:
        if not (
            low.endswith("ing")
            and len(low) > 5
            and (low[:-3] in lex.action_verbs or low[:-3] + "e" in lex.action_verbs)
        ):
            return text
    if re.match(r"lead\s+(?:engineer|developer|scientist|on|of|for)\b", text, re.IGNORECASE):
        return text  # "Lead engineer on …" is a title
    second = re.match(r"(\s+and\s+)([a-z]+)\b", text[len(word) :])
    second_verb = bool(second and lex.is_verb(second.group(2)) and second.group(2) not in NOT_VERBS)
    after = _AFTER_VERB.match(text, len(word)) or second_verb
    first_clause = split_clauses(text)[0].text if split_clauses(text) else text
    if not after and (
        is_clause(first_clause[len(word) :]) or lexicon().outcome_verbs.search(first_clause[len(word) :])
    ):
        return text  # "Label error rate … fell": the word is part of a subject, not the verb
    past = past_tense(low)
    if past == low:
        return text
    rest = text[len(word) :]
    if second and second_verb:  # "Assess and troubleshoot computer problems": both verbs of the action
        rest = second.group(1) + past_tense(second.group(2)) + rest[second.end() :]
    return past[:1].upper() + past[1:] + rest


# After a verb, never after a subject: an article or a possessive ("Build an algorithm", "Lead
# the migration"), or a second verb ("Assess and troubleshoot").
_AFTER_VERB = re.compile(r"\s+(?:a|an|the|our|their|its|my|all|new)\b")

"""The rules engine's rewrite: the bullet plus the person's answers, joined, never added to.

It does not rephrase the person's words (that is the model's job in the openai engine); it
only joins them into one bullet, so every fact in the result is one the person wrote.
"""

from __future__ import annotations

import re

from bulletsmith.engines.rules.clauses import (
    OUTCOME_OPENER,
    Clause,
    classified_clauses,
    is_clause,
    split_clauses,
)
from bulletsmith.engines.rules.lexicon import lexicon
from bulletsmith.guards import answer_claim, is_filler
from bulletsmith.models import Analysis, Answer, Slot
from bulletsmith.text import without_injection

_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_INTENT = re.compile(r"^(?:to|because|since|after|when|as|so that|due to|given)\b", re.IGNORECASE)
_NEED = re.compile(
    r"^(?:(?:a|an|the)\s+)?(?:need|needs|lack|demand|absence|shortage|gap|request|requests)\b", re.IGNORECASE
)
# A clause answer reads after "because" ("labels were inconsistent", "owners compiled sales by
# hand"); a noun phrase after "to fix" ("inconsistent vendor labels"); an impact noun phrase
# after "leading to" ("a 0.15 AUC gain"). "to address <clause>" is never written.
_LEADS_TO = re.compile(r"^(?:[+\-−~≈]?\d|\+|a\s|an\s|the\s|higher|lower|better|fewer|more|less)", re.IGNORECASE)


def _clean(value: str, lower_words: frozenset[str] = frozenset()) -> str:
    """An answer as it follows "because", "; " or ", leading to": as the person typed it. Only a
    capital that merely opens a sentence is lowered: on a grammar word ("The labels…", "We had…",
    "A 3% drop"), or on a word the person wrote in lower case elsewhere (`lower_words`: "Owners
    compiled…" for a bullet about store owners). Any other word keeps its case, since it may be a
    name, a product or an acronym ("Guelph", "Kafka", "A/B")."""
    value = value.strip().rstrip(".;, ")
    first = _WORD.match(value)
    word = first.group(0) if first and first.start() == 0 else ""
    whole = len(value) > len(word) and value[len(word)].isspace()  # "A/B", "A-team" are not the article
    low = word.lower()
    if (
        whole
        and word[:1].isupper()
        and word[1:] == word[1:].lower()
        and (low in _LOWERED_OPENERS or low in lower_words)
    ):
        value = value[0].lower() + value[1:]
    return value


def _lower_words(*texts: str) -> frozenset[str]:
    """The words the person wrote in lower case: common words to them, never names."""
    return frozenset(w for text in texts for w in _WORD.findall(text) if w.islower())


def _problem_phrase(value: str) -> str:
    """The problem answer as words that follow the action: a clause after "because", a noun
    phrase after "to fix" ("to address" for a need or a lack)."""
    if _INTENT.match(value):
        return value
    if is_clause(value):
        return f"because {value}"
    return f"to address {value}" if _NEED.match(value) else f"to fix {value}"


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z'\"“])")


def _without_noise(analysis: Analysis) -> str:
    """The bullet less what isn't resume content: sentences aimed at a model ("Ignore previous
    instructions…", "Answer: 90%"), and filler clauses ("passionate team player") that hold
    no slot's evidence."""
    evidence = [f.evidence.lower() for f in analysis.slots.values() if f.evidence]
    sentences = _SENTENCE_END.split(without_injection(analysis.bullet))
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


# Between two clauses: where one sentence or one independent part of the bullet ends.
_PART_END = re.compile(r"[;]|(?<=[a-z0-9%)\]])\.(?=\s)|[.!?]\s|\s[-–—]+\s")
_CLOSERS = ")]\"'”’"
# Words that may open the bullet in lower case and still want a capital.
_FUNCTION_WORDS = frozenset(
    "a an the in on at for with by of to from as after before during while when since our my their "
    "this that these those each every one two three four five six seven eight nine ten also then and "
    "both over across under through using via".split()
)
# Grammar words whose capital only says "a sentence starts here": lowered inside the rewrite.
_LOWERED_OPENERS = _FUNCTION_WORDS | frozenset(
    "we it they there its his her your some most many all no about around roughly nearly almost "
    "approximately only more less fewer".split()
)
# A relative clause belongs to the noun before it: "reporting that saved owners 5 hours".
_RELATIVE = re.compile(r"^[\s,]*(?:that|which|who|whose)\b", re.IGNORECASE)
_LIST_GAP = re.compile(r"^\s*(?:,\s*)?(?:(?:and|or|&)\s+)?$", re.IGNORECASE)


def _sentence_case(text: str) -> str:
    """A capital for the first word, unless it was written in lower case on purpose: a name
    like "labelcheck" stays as written; a verb or a function word ("built", "in") is raised."""
    m = _WORD.match(text)
    if not m or m.start() != 0 or not text[0].islower():
        return text
    word = m.group(0)
    if word.lower() in _FUNCTION_WORDS or lexicon().is_verb(word):
        return text[:1].upper() + text[1:]
    return text


def _insertion_point(text: str, clauses: list[Clause]) -> int:
    """Where the problem goes: right after the part of the bullet that says what was done,
    before the outcome clauses and before the next sentence."""
    if not clauses:
        return len(text)
    lex = lexicon()
    i = next((k for k, c in enumerate(clauses) if Slot.ACTION in c.slots), None)
    if i is None:  # no action clause: the first that opens with a verb ("In a team of 2, raised …")
        i = next((k for k, c in enumerate(clauses) if lex.is_verb(c.text.split()[0])), 0)
    in_relative = bool(re.search(r"\b(?:that|which|who)\s*$", text[: clauses[i].start]))
    while i + 1 < len(clauses):
        gap = text[clauses[i].end : clauses[i + 1].start]
        nxt = clauses[i + 1]
        if _PART_END.search(gap + " "):
            break
        joined = text[clauses[i].end : nxt.end]
        opens_verb = lex.is_verb(nxt.text.split()[0]) or bool(OUTCOME_OPENER.match(nxt.text))
        if _RELATIVE.match(joined) or re.search(r"\bby\s*$", gap):
            in_relative = in_relative or bool(_RELATIVE.match(joined))
            i += 1  # "… that saved owners 5 hours", "… by reworking the fetch path"
            continue
        if in_relative and re.fullmatch(r"\s*,?\s*and\s*", gap):
            i += 1  # "… which reduced disagreement and improved the AUROC": still the relative clause
            continue
        outcome = nxt.slots & {Slot.DATA_OUTCOME, Slot.MODEL_IMPACT, Slot.PROBLEM}
        if _LIST_GAP.match(gap) and not opens_verb and (not outcome or re.search(r"\b(?:and|or)\b|&", gap)):
            i += 1  # the next item of a list: "computers, classroom equipment, and 200 printers"
            continue
        if outcome or ("," in gap and opens_verb):
            break  # ", cutting …", ", deployed …": a new part of the bullet
        i += 1
    pos = clauses[i].end
    while pos < len(text) and text[pos] in _CLOSERS:
        pos += 1
    return pos


def _with_problem(text: str, phrase: str) -> str:
    """The text with the problem phrase joined to its action part."""
    if not text:
        return phrase
    pos = _insertion_point(text, classified_clauses(text))
    head, tail = text[:pos].rstrip(), text[pos:]
    joiner = ", " if phrase.startswith("addressing") else " "
    rest = tail.lstrip()
    if rest and rest[0].isalnum():  # "… because X, increasing …": a comma closes the problem
        tail = ", " + rest
    return f"{head}{joiner}{phrase}{tail}"


def _join_action(action: str, text: str) -> str:
    """The person's action answer, then the bullet: "Built X; raised $8,000 …" when the bullet
    goes on with a verb, "Built X. In a team of 2, raised …" when it doesn't."""
    m = _WORD.match(text)
    first = m.group(0) if m and m.start() == 0 else ""
    if first and lexicon().is_verb(first) and first.lower() not in _FUNCTION_WORDS:
        return f"{action}; {text[:1].lower()}{text[1:]}"
    return f"{action}. {_sentence_case(text)}"


def assemble(analysis: Analysis, answers: dict[Slot, Answer]) -> str:
    bullet = analysis.bullet.strip()
    ends_with_period = bullet.endswith(".")
    text = re.sub(r"(?:\s*[;:,.]\s*)+$", "", _without_noise(analysis))
    usable = {slot: claim for slot, a in answers.items() if slot in analysis.missing and (claim := answer_claim(a))}
    lower_words = _lower_words(bullet, *usable.values())
    problem = _problem_phrase(_clean(usable[Slot.PROBLEM], lower_words)) if Slot.PROBLEM in usable else None

    if Slot.ACTION in usable:
        action = usable[Slot.ACTION].strip().rstrip(".;, ")
        action = action[:1].upper() + action[1:]
        if problem:  # the person's action stays whole; the problem follows it
            action = f"{action}, {problem}" if problem.startswith("addressing") else f"{action} {problem}"
        text = _join_action(action, text) if text else action
    elif problem:
        text = _with_problem(text, problem)
    if Slot.DATA_OUTCOME in usable:
        outcome = _clean(usable[Slot.DATA_OUTCOME], lower_words)
        joiner = ", " if OUTCOME_OPENER.match(outcome) else "; "
        text = f"{text}{joiner}{outcome}" if text else outcome
    if Slot.MODEL_IMPACT in usable:
        impact = _clean(usable[Slot.MODEL_IMPACT], lower_words)
        if not text:
            text = impact
        elif _LEADS_TO.match(impact) and not is_clause(impact):
            text = f"{text}, leading to {impact}"
        else:
            text = f"{text}; {impact}"

    if not text:  # the bullet was all noise and nothing was answered: keep it as it was
        return bullet
    text = _sentence_case(text)
    return text + "." if ends_with_period else text

"""Deterministic slot detection: which of the four slots a bullet fills, and with which words.

The bullet is cut into clauses (at punctuation and at words that open a new clause:
"increasing", "leading to", "by redesigning", "to reduce", ...). Each clause is classified
from the lexicons and the quantities in it. Evidence is always a slice of the bullet itself,
so it is grounded by construction.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from bulletsmith.engines.rules.lexicon import Lexicon, lexicon
from bulletsmith.models import Slot, SlotFill
from bulletsmith.quantities import Quantity, extract_quantities
from bulletsmith.text import mask_injection

# Where a clause ends and the next begins. Each alternative matches the boundary itself
# (punctuation) or the empty string before a clause-opening word.
_OPENERS = (
    r"leading to|resulting in|contributing to|which|that (?:cut|reduced|raised|improved|increased|lifted|saved)"
    r"|thereby|while|enabling|allowing|so that|in order to"
)
_PARTICIPLES = (
    r"increasing|reducing|cutting|improving|raising|lowering|boosting|doubling|tripling|halving|decreasing"
    r"|saving|eliminating|lifting|growing|achieving|reaching|surpassing|offloading|catching|shrinking"
    r"|shortening|accelerating|speeding|preventing|recovering|expanding|dropping|removing"
)
# A measure that moved, in the past tense: "and the reward model's accuracy improved …" opens a
# second outcome inside one sentence, so "and" before it is a clause boundary.
_MOVED = (
    r"rose|fell|improved|increased|decreased|dropped|declined|grew|climbed|doubled|tripled|halved"
    r"|lifted|raised|lowered|reduced|shrank|went\s+(?:up|down|from)"
)
_PROBLEM_TO = r"to (?:fix|address|prevent|stop|reduce|cut|catch|eliminate|resolve|handle|close|replace|avoid|unblock|remove|combat|counter|tackle|mitigate)"
_BOUNDARY_STATIC = (
    r"[;:()\[\]]|,(?!\d{3})|\s[-–—]+\s|(?<=[a-z0-9%)])\.\s+(?=[A-Z])|(?<=[A-Z]{2})\.\s+(?=[A-Z])"
    rf"|\s(?=(?:and\s+|also\s+)?(?:{_OPENERS}|{_PARTICIPLES})\b)"
    rf"|\s(?=by\s+\w+ing\b)|\s(?=(?:{_PROBLEM_TO})\b)|\s(?=(?:because|due to|after discovering|after finding|when)\b)"
    r"|\s(?=(?:since|after)\s+(?!\d{4}\b)(?!\w+ing\b)(?!the\s+\d)[a-z0-9])"
    rf"|\s(?=and\s+(?:[\w'’/-]+\s+){{0,6}}?(?:{_MOVED})\b)"
)


def _alternation(phrases: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(p).replace(r"\ ", r"\s+") for p in phrases), key=len, reverse=True))


@lru_cache(maxsize=1)
def _boundary() -> re.Pattern[str]:
    """Where clauses part: the fixed boundaries above, and before the lexicon's purpose
    clauses ("to expedite …", "aimed at …"), adoption ("now used org-wide", "used by all data
    scientists") and what the work enabled ("seeding further research"), so each is a clause."""
    lex = lexicon()
    purpose = rf"(?:in\s+order\s+)?to\s+(?:\w+\s+(?:and|or)\s+)?(?:{_alternation(lex.purpose_verbs)})\s+[\w$]"
    openers = _alternation(lex.purpose_openers)
    adoption = _alternation(lex.adoption_terms)
    impact = _alternation(lex.impact_opener_terms)
    return re.compile(
        rf"{_BOUNDARY_STATIC}|\s(?=(?:{purpose})|(?:{openers})\b)"
        rf"|(?<!\bnow)(?<!currently)(?<!still)(?<!\bare)(?<!\bis)(?<!\bwas)(?<!\bwere)(?<!widely)"
        rf"\s(?=(?:(?:that|which)\s+(?:are|is|was|were)\s+)?(?:{adoption})\b)|\s(?=(?:{impact})\b)",
        re.IGNORECASE,
    )


# A clause that opens with one of these says what came of the work ("cutting …", "leading to …").
OUTCOME_OPENER = re.compile(rf"(?:{_OPENERS}|{_PARTICIPLES})\b", re.IGNORECASE)
# Words that join a clause to the one before; they are not part of the evidence.
_LEADING_GLUE = re.compile(r"^(?:and|also|then|thereby|while|which|by|so that|so|in order to|,|\.)\s+", re.IGNORECASE)
_GLUE_ONLY = frozenset({"and", "also", "then", "so", "or", "but", "while", "by", "which"})
# A rate makes a count an outcome of the system ("1 billion documents per month"); without one,
# "on 2 processors", "300+ pods" is scale managed, not a result (the design contract).
_PER_PERIOD = re.compile(
    r"\b(?:per|a|an|each|every)\s+(?:second|minute|hour|day|week|month|quarter|year|run|request)\b"
    r"|\b(?:daily|weekly|monthly|yearly|annually|hourly)\b|/(?:s|sec|min|h|hr|day|wk|mo)\b|\bwithin\b",
    re.IGNORECASE,
)
_SCALE_WORDS = re.compile(r"\b(?:over|across|at|for|on|processing|handling|serving|covering)\b", re.IGNORECASE)
_COMPARATIVE = re.compile(
    r"\b(?:faster|slower|fewer|less|more|cheaper|higher|lower|better|from\s+\S+\s+to)\b", re.IGNORECASE
)


# Words with a finite verb make a clause ("labels were inconsistent", "owners compiled sales by
# hand", "licences cost $6K a year"); without one they are a noun phrase ("inconsistent labels").
_FINITE = re.compile(
    r"\b(?:is|are|am|was|were|has|have|had|do|does|did|can|could|would|should|will|shall|might|must|"
    r"isn't|aren't|wasn't|weren't|hasn't|haven't|hadn't|don't|doesn't|didn't|can't|cannot|couldn't|"
    r"wouldn't|won't|shouldn't|took|takes|came|comes|went|goes|kept|keeps|fell|falls|rose|rises|grew|"
    r"grows|ran|runs|broke|breaks|made|makes|got|gets|gave|meant|lost|spent|sat|sits|stood|saw|knew|"
    r"became|began|brought|held|led|paid|sent|sold|thought|wrote|left|quit|quits|"
    r"disagree|disagrees|differ|differs|drift|drifts|fail|fails|arrive|arrives|require|requires|rely|"
    r"relies|depend|depends|leak|leaks|lag|lags|lack|lacks|miss|misses|crash|crashes|stall|stalls|"
    r"overlap|overlaps|conflict|conflicts|time out|times out)\b",
    re.IGNORECASE,
)
# "cost" is a verb before an amount or an object ("cost $6K a year", "cost us a week").
_COST_VERB = re.compile(
    r"\bcosts?\s+(?:[$€£¥]|\d|us\b|the\b|a\b|an\b|about\b|over\b|around\b|roughly\b|nearly\b|more\b|"
    r"twice\b|too\b|each\b|every\b)",
    re.IGNORECASE,
)
_PRONOUN_SUBJECT = re.compile(r"^(?:we|they|it|he|she|i|you|nobody|no one|everyone|someone|there)\b", re.IGNORECASE)
# Before these an "-ed" word is an adjective ("limited labeled data", "the annotated set").
_ADJ_CONTEXT = frozenset(
    "a an the no few many more most less least much some any all enough of for with without in on at "
    "to from into not our their its his her my your this that these those each every "
    "limited scarce noisy hand well one two three four five six seven eight nine ten".split()
)
_NOT_VERB_ED = frozenset(
    "need speed seed feed embedded based red bed shed hundred united labeled labelled unlabeled "
    "unlabelled annotated unannotated detailed skilled experienced dedicated".split()
)


def is_clause(value: str) -> bool:
    """True when a short answer reads as a clause (it has a finite verb), not a noun phrase."""
    if _PRONOUN_SUBJECT.match(value) or _FINITE.search(value) or _COST_VERB.search(value):
        return True
    words = [m.group(0).lower() for m in re.finditer(r"[A-Za-z0-9][\w'’-]*", value)]
    past = lexicon().past_tense_verbs
    for i, word in enumerate(words):
        is_past = word in past or (word.endswith("ed") and len(word) >= 4 and word not in _NOT_VERB_ED)
        if i == 0 or not is_past:
            continue
        j = i - 1
        while j > 0 and words[j].endswith("ly"):
            j -= 1  # look past adverbs: "artists only learned", "the manually labeled images"
        before = words[j]
        after = words[i + 1] if i + 1 < len(words) else ""
        # "reports compiled by hand", "limited labeled data" are noun phrases;
        # "owners compiled sales by hand" is a clause.
        # "improved by about 0.02" is a verb: an outcome verb is never a passive participle here.
        passive = after == "by" and not lexicon().outcome_verbs.search(word)
        if before in _ADJ_CONTEXT or before[0].isdigit() or passive or (j == 0 and before.endswith("ly")):
            continue
        return True
    return False


@dataclass
class Clause:
    start: int
    end: int
    text: str
    slots: set[Slot] = field(default_factory=set)


@dataclass(frozen=True)
class Detection:
    slots: dict[Slot, SlotFill]
    action_verb: str | None  # the verb of the action clause, as written ("Built")
    action_object: str | None  # the words after it ("a classification model for image labeling")


def split_clauses(bullet: str) -> list[Clause]:
    """Cut a bullet into clauses with their offsets; glue words and edge punctuation trimmed."""
    clauses: list[Clause] = []
    pos = 0
    for m in [*_boundary().finditer(bullet), None]:
        end = m.start() if m else len(bullet)
        _add_clause(bullet, pos, end, clauses)
        if m:
            pos = m.end()
    return clauses


def _add_clause(bullet: str, start: int, end: int, out: list[Clause]) -> None:
    text = bullet[start:end]
    # Trim whitespace, glue words and trailing punctuation, moving the offsets with them.
    while True:
        stripped = text.lstrip(" \t\n,.;")
        start += len(text) - len(stripped)
        text = stripped
        glue = _LEADING_GLUE.match(text)
        if not glue:
            break
        start += glue.end()
        text = text[glue.end() :]
    trimmed = re.sub(r"[\s,.;]+$", "", text)
    trimmed = re.sub(r"\s+and$", "", trimmed)
    if any(c.isalnum() for c in trimmed) and trimmed.lower() not in _GLUE_ONLY:
        out.append(Clause(start, start + len(trimmed), trimmed))


def _claims(text: str) -> list[Quantity]:
    """Quantities that state a measure: not years or version numbers."""
    return [q for q in extract_quantities(text) if q.kind not in ("year", "version")]


def _metric_kind(text: str, lex: Lexicon) -> Slot | None:
    """Whose measure a clause states, from its first metric word: the subject usually comes first
    ("label accuracy rose" is data; "reward-model accuracy on 40K pairs rose" is the model)."""
    first: tuple[int, Slot] | None = None
    for matcher, slot in ((lex.model_terms, Slot.MODEL_IMPACT), (lex.data_terms, Slot.DATA_OUTCOME)):
        for m in matcher.finditer(text):
            # On a tie (overlapping entries) the longer, data-specific phrase was listed as data.
            if first is None or m.start() < first[0]:
                first = (m.start(), slot)
            break
    return first[1] if first else None


def _first_word(text: str) -> tuple[str, int]:
    """The first word of a clause, skipping adverbs ("Primarily developed") and returning its offset."""
    offset = 0
    for m in re.finditer(r"[A-Za-z][\w'/-]*", text):
        word = m.group(0)
        if word.lower().endswith("ly") and len(word) > 4:
            continue
        return word, m.start()
    return "", offset


# "Lead engineer on …", "Lead data scientist for …": a job title, not the verb "lead".
_ROLE_TITLE = re.compile(
    r"lead\s+(?:(?:[\w-]+\s+){0,2}(?:engineers?|developers?|scientists?|analysts?|researchers?|architects?|designers?|"
    r"consultants?|maintainers?|contributors?|authors?|owners?|managers?|programmers?|instructors?)\b|(?:on|of|for)\b)",
    re.IGNORECASE,
)


# Up to the first relative pronoun: "Train a model that cut errors" asks nothing of "cut".
_RELATIVE = re.compile(r"\b(?:that|which|who|whose|where)\b|[,;:(]", re.IGNORECASE)


def _noun_subject(text: str, word: str, offset: int, lex: Lexicon) -> bool:
    """ "Label error rate fell from 7.5% to 2.1%", "Lead time dropped 3 days": the first word is a
    noun of the subject (it is a verb's base form too), and the clause's own verb is a change."""
    if lex.past_tense_verbs and word.lower() in lex.past_tense_verbs:
        return False
    head = text[offset:]
    head = head[: m.start()] if (m := _RELATIVE.search(head)) else head
    rest = head[len(word) :]
    return bool(lex.outcome_verbs.search(rest)) and is_clause(head)


def _opens_with_verb(text: str, lex: Lexicon) -> bool:
    word, offset = _first_word(text)
    return lex.is_verb(word) and not _ROLE_TITLE.match(text, offset) and not _noun_subject(text, word, offset, lex)


# A clause opened by a cause: always for "because", "due to"; for "since", "as", "after", "when"
# only when a clause follows ("since the vendor changed", not "since launching the service").
_CAUSE = re.compile(r"^(?:because(?:\s+of)?|due\s+to|given\s+that)\b", re.IGNORECASE)
_MAYBE_CAUSE = re.compile(r"^(?:since|as|after|when|whenever)\s+(?P<rest>.+)", re.IGNORECASE | re.DOTALL)
_FROM_TO = re.compile(r"\bfrom\s+\S+\s+to\b|→|->", re.IGNORECASE)


def _opens_with_cause(text: str, outcome: re.Match[str] | None) -> bool:
    if _CAUSE.match(text):
        return True
    m = _MAYBE_CAUSE.match(text)
    if not m or not is_clause(m.group("rest")):
        return False
    # "after agreement rose from 0.6 to 0.8" tells what came of the work, not why it was done.
    return not (outcome and _FROM_TO.search(text))


_SERVED = re.compile(r"^(?:(?:which|that)\s+)?served$", re.IGNORECASE)
_RESPONSIBLE_FOR = re.compile(r"^responsible\s+for\s+\w+ing\b", re.IGNORECASE)


def _adoption(text: str, lex: Lexicon) -> bool:
    """Who or what uses the work: "now used org-wide", "used by store managers", "which served
    2,000 students" ("served" only with people or users after it, not "served 2M requests")."""
    for m in lex.adoption_cues.finditer(text):
        if not _SERVED.match(m.group(0)):
            return True
        rest = text[m.end() :]
        if lex.people_terms.search(rest) or re.search(r"\b(?:users|customers|learners|members|clients)\b", rest, re.I):
            return True
    return False


def classify(clause: Clause, lex: Lexicon, *, first: bool) -> None:
    text = clause.text
    claims = _claims(text)
    outcome = lex.outcome_verbs.search(text)
    word, offset = _first_word(text)
    starts_with_verb = _opens_with_verb(text, lex)
    opening = text[offset:]

    people = lex.people_terms.search(text)
    if claims and people and not lex.data_terms.search(text) and not lex.model_terms.search(text):
        claims = []  # "mentored four engineers", "in a team of 3": counts of people, not outcomes

    if claims or (
        outcome and (_COMPARATIVE.search(text) or lex.data_terms.search(text) or lex.model_terms.search(text))
    ):
        kind = _metric_kind(text, lex)
        if kind is not None:
            clause.slots.add(kind)
        elif claims and (
            outcome
            or (
                _SCALE_WORDS.search(text)
                and (_PER_PERIOD.search(text) or any(q.kind not in ("number", "ordinal", "duration") for q in claims))
            )
        ):
            # A count with a rate is scale handled ("1 billion documents per month"); a bare count
            # ("on 2 processors", "300+ pods") is scale managed, not an outcome.
            clause.slots.add(Slot.DATA_OUTCOME)

    if _opens_with_cause(text, outcome):
        # "because vendor labels disagreed on 14 object classes": the reason for the work, even
        # with a number in it; not an outcome.
        clause.slots -= {Slot.DATA_OUTCOME, Slot.MODEL_IMPACT}
        clause.slots.add(Slot.PROBLEM)

    # What the work did downstream, for non-ML work too: adoption, or what it enabled.
    adopted = _adoption(text, lex)
    # Not in the opening clause: "Helped build a feature pipeline" is the person's own (weak) action.
    enabled = not first and (
        bool(lex.impact_openers.match(opening))
        or bool(OUTCOME_OPENER.match(opening) and not claims and lex.impact_cues.search(text))
    )
    if adopted or enabled:
        clause.slots.discard(Slot.DATA_OUTCOME)
        clause.slots.add(Slot.MODEL_IMPACT)

    is_outcome_clause = bool(clause.slots & {Slot.DATA_OUTCOME, Slot.MODEL_IMPACT})
    cue = lex.problem_cues.search(text)
    if (cue and not (is_outcome_clause and claims)) or lex.purpose_clause.match(opening):
        clause.slots.add(Slot.PROBLEM)

    if lex.recognition_openers.match(opening) or (adopted and lex.adoption_cues.match(opening)) or enabled:
        return  # "Awarded Star Performer", "Used in a course at two universities": not an action
    if starts_with_verb and not lex.outcome_verbs.search(word):
        clause.slots.add(Slot.ACTION)
    elif first and starts_with_verb and not is_outcome_clause:
        clause.slots.add(Slot.ACTION)
    elif first and (
        _RESPONSIBLE_FOR.match(text)
        or (offset == 0 and _gerund_of_verb(word, lex) and not OUTCOME_OPENER.match(text) and not is_clause(text))
    ):
        clause.slots.add(Slot.ACTION)  # "Responsible for grading assignments", "Managing a team of four"


# A situation told in the past: "labels were late", "users abandoned the feed".
_SITUATION_VERB = re.compile(r"\b(?:was|were|had|kept|lagged|lacked)\b|\b\w{3,}ed\b", re.IGNORECASE)


def _opens_with_situation(clause: Clause, later: list[Clause], lex: Lexicon) -> bool:
    """A bullet that opens with what was wrong, then says what was done: "Night-rain edge cases
    were missing from training, so built a miner …". The opening clause is the problem."""
    word, _ = _first_word(clause.text)
    if clause.slots or lex.is_verb(word) or not later:
        return False
    rest = next(
        (m for m in _SITUATION_VERB.finditer(clause.text[len(word) :]) if m.group(0).lower() not in _NOT_VERB_ED), None
    )  # "based on Docker" is no situation
    return rest is not None and any(c.slots & {Slot.ACTION, Slot.DATA_OUTCOME, Slot.MODEL_IMPACT} for c in later)


def _gerund_of_verb(word: str, lex: Lexicon) -> bool:
    """ "establishing", "introducing", "tightening": the -ing form of a verb the lexicon knows,
    or of a regular verb ending like one."""
    w = word.lower()
    if not w.endswith("ing") or len(w) < 6:
        return False
    stem = w[:-3]
    candidates = (stem, stem + "e", stem[:-1] if stem[-1:] == stem[-2:-1] else stem)
    return any(c in lex.action_verbs or lex.is_verb(c + "ed") for c in candidates)


def classified_clauses(bullet: str) -> list[Clause]:
    """The bullet's clauses, each with the slots it fills."""
    lex = lexicon()
    clauses = split_clauses(bullet)
    for i, clause in enumerate(clauses):
        classify(clause, lex, first=i == 0)
        if bullet[: clause.start].rstrip().endswith("("):
            clause.slots.discard(Slot.ACTION)  # "(Reserved Instance)": an aside, not what was done
    if clauses and _opens_with_situation(clauses[0], clauses[1:], lex):
        clauses[0].slots.add(Slot.PROBLEM)
    # A problem or impact phrase runs on through a list: "enabling standardized, repeatable
    # deployments" is one piece of evidence, not "enabling standardized".
    for prev, clause in itertools.pairwise(clauses):
        carried = prev.slots & {Slot.PROBLEM, Slot.MODEL_IMPACT}
        gap = bullet[prev.end : clause.start]
        if (
            carried
            and not clause.slots
            and re.fullmatch(r"\s*,\s*", gap)
            and not _opens_with_verb(clause.text, lex)
            and not OUTCOME_OPENER.match(clause.text)
            and not is_clause(clause.text)
        ):
            clause.slots |= carried

    # An outcome verb opening the bullet ("Cut p99 latency 40%") is also what the person did,
    # when no other clause names an action.
    if clauses and not any(Slot.ACTION in c.slots for c in clauses):
        if _opens_with_verb(clauses[0].text, lex) and not lex.recognition_openers.match(clauses[0].text):
            clauses[0].slots.add(Slot.ACTION)
        else:  # "Saved 30% of costs by establishing a purchasing strategy": the method is the action
            for prev, clause in itertools.pairwise(clauses):
                gap = bullet[prev.end : clause.start]
                if re.search(r"\bby\s*$", gap) and _gerund_of_verb(_first_word(clause.text)[0], lex):
                    clause.slots.add(Slot.ACTION)
                    break
        # A problem cue inside the action clause ("to reduce") is kept; an action clause
        # is never also the problem unless a cue says so.
    return clauses


def detect(bullet: str) -> Detection:
    lex = lexicon()
    # Text addressed to a model ("Answer: data_outcome = 90%") is data, not a claim: blanked,
    # with the offsets kept, so every evidence is still a slice of the bullet.
    bullet = mask_injection(bullet)
    clauses = classified_clauses(bullet)
    slots: dict[Slot, SlotFill] = {}
    for slot in Slot:
        spans = [c for c in clauses if slot in c.slots]
        if not spans:
            slots[slot] = SlotFill(present=False)
            continue
        # Neighbouring clauses of the same slot read as one piece of evidence.
        first_span, last = spans[0], spans[0]
        for c in spans[1:]:
            between = [x for x in clauses if last.end <= x.start < c.start]
            # An aside in parentheses does not part them: "agreement (Cohen's kappa) from 0.68 to 0.84".
            if any(x.slots or not bullet[: x.start].endswith("(") for x in between):
                break
            last = c
        slots[slot] = SlotFill(present=True, evidence=bullet[first_span.start : last.end])

    verb, obj = _action_words(bullet, clauses, lex)
    return Detection(slots=slots, action_verb=verb, action_object=obj)


_LIST_GAP = re.compile(r"^\s*,?\s*(?:(?:and|or|&)\s+)?$", re.IGNORECASE)


def _action_words(bullet: str, clauses: list[Clause], lex: Lexicon) -> tuple[str | None, str | None]:
    """The verb and object of what the person did, for the questions: the first action clause
    that names an object; for an outcome
    verb with a method ("Saved 30% of costs by establishing a purchasing strategy") the method;
    a list the clause starts runs on to its end ("interviews for junior, and senior, … roles")."""
    for i, clause in enumerate(clauses):
        if Slot.ACTION not in clause.slots:
            continue
        nxt = clauses[i + 1] if i + 1 < len(clauses) else None
        if nxt is not None and lex.outcome_verbs.search(_first_word(clause.text)[0]):
            gap = bullet[clause.end : nxt.start]
            if re.search(r"\bby\s*$", gap) and re.match(r"\w+ing\b", nxt.text):
                i, clause = i + 1, nxt  # the method is what was done
        word, offset = _first_word(clause.text)
        start, end = clause.start + offset + len(word), clause.end
        for later in clauses[i + 1 :]:
            gap = bullet[end : later.start]
            opens_verb = lex.is_verb(_first_word(later.text)[0]) or OUTCOME_OPENER.match(later.text)
            listed = bool(re.search(r"\b(?:and|or)\b|&", gap))
            if not _LIST_GAP.match(gap) or opens_verb or (later.slots and not listed):
                break
            if re.match(r"\w+ing\b", later.text) and not listed or is_clause(later.text):
                break  # ", removing 18% near-duplicates", ", two of whom were promoted": not a list item
            end = later.end
        obj = bullet[start:end].strip(" ,;:")
        if obj:
            return word, obj
    return None, None

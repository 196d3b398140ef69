"""Targeted questions from templates: each names the bullet's own object and fits its domain.

"Can you add metrics?" is never asked; "What measurably changed after you built the
classification model for image labeling: annotator agreement or label error rate ...?" is.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bulletsmith.engines.rules.lexicon import Domain, lexicon, word_list
from bulletsmith.models import WHY, AnswerKind, Question, Slot
from bulletsmith.quantities import extract_quantities
from bulletsmith.text import without_injection

_MAX_OBJECT_WORDS = 8
_ARTICLE = re.compile(r"^(?:a|an)\s+", re.IGNORECASE)
# Words before which "the" is not added: determiners, pronouns, quantifiers, prepositions of
# phrasal verbs ("worked on"), conjunctions.
_NO_ARTICLE = frozenset(
    "the our my their its his her your this these those all both each every either neither several many "
    "multiple various some any no few more most much other another such on with for to in at up out over "
    "into onto off about across around through from by of as and or but nor than that which who whom "
    "whose what how why whether if when where while it them him us me one two three four five six seven "
    "eight nine ten eleven twelve dozens hundreds thousands millions".split()
)
# An object that opens with one of these is a clause or a passive, not a thing that was made:
# "Demonstrated that rewriting …", "Built by all women team …".
_NOT_AN_OBJECT = re.compile(r"^(?:that|how|whether|if|what|why|who|by|as|so|because|since)\b", re.IGNORECASE)
_CUT_BEFORE = re.compile(
    r"\s(?:using|with|via|in order|to|so|which|that|who|whose|where|while|by|through|based|such as|including|"
    r"like|leveraging|utilizing|utilising|resulting|leading|since|after|before|when|because|due to)\s",
    re.IGNORECASE,
)
# "from 220ms to 90ms", "from DC/OS to Kubernetes", "from hours to minutes": a change, not the object.
_RANGE = re.compile(r"\s(?:from\s+\S+(?:\s+\S+)?\s+to|→|->)\s", re.IGNORECASE)
_PREPOSITIONS = frozenset("for of on in at across from with into to by via over under per within through".split())
# Words that cannot end the phrase: "… report adopted", "… interviews for", "… rubric and".
_DANGLING = _PREPOSITIONS | frozenset(
    "and or & the a an that which who as such than using including like while so now later also".split()
)
_HEDGE = frozenset("over about around roughly nearly almost approximately ~ under up more less than by".split())


@lru_cache(maxsize=1)
def _irregular() -> dict[str, str]:
    """Base form -> past tense, from data/irregular_verbs.txt; read on first use."""
    pairs = (line.split(None, 1) for line in word_list("irregular_verbs.txt"))
    return {base: past for base, past in pairs}


@lru_cache(maxsize=1)
def _irregular_past() -> frozenset[str]:
    return frozenset(_irregular().values())


def past_tense(verb: str) -> str:
    """The past tense of a verb as a bullet wrote it: "Build" -> "built", "Maintain" ->
    "maintained", "establishing" -> "established"; a past form stays as it is."""
    w = verb.lower()
    lex = lexicon()
    if w == "responsible":  # "Responsible for grading …": the verb is the one after "for"
        return "were responsible"
    if w in _irregular():
        return _irregular()[w]
    if w in _irregular_past() or w in lex.past_tense_verbs or (w.endswith("ed") and len(w) > 4):
        return w
    if w.endswith("ing") and len(w) > 5:  # "by establishing …": the method, as the action
        stem = w[:-3]
        for base in (stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem):
            if base in lex.action_verbs or base in _irregular():
                return past_tense(base)
        return past_tense(stem + "e") if re.search(r"(?:at|iz|is|ut|ur|uc|as|ag|ov|id)$", stem) else stem + "ed"
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:  # "Builds", "Manages", "Identifies"
        for root in (w[:-3] + "y" if w.endswith("ies") else None, w[:-2], w[:-1]):
            if root and (root in lex.action_verbs or root in _irregular()):
                return past_tense(root)
    if w.endswith("e"):
        return w + "d"
    if re.search(r"[^aeiou]y$", w):
        return w[:-1] + "ied"
    if len(re.findall(r"[aeiou]+", w)) == 1 and re.search(r"[^aeiou][aeiou][^aeiouwxy]$", w):
        return w + w[-1] + "ed"  # ship -> shipped, plan -> planned
    return w + "ed"


def _without_numbers(phrase: str) -> str:
    """The phrase less its measured parts: "annual revenue 28% over three years" -> "annual
    revenue"; "2.4M prompts" -> "prompts"; "a 3-location cafe group" -> "a cafe group"."""
    m = _RANGE.search(f" {phrase} ")
    if m and m.start() > 0:
        phrase = phrase[: m.start()]
    for q in extract_quantities(phrase):
        if q.kind in ("year", "version"):
            continue
        written = phrase[q.start : q.end]
        if q.kind == "number" and not any(c.isdigit() for c in written):
            continue  # "six baristas", "four engineers": who, not how much
        # The whole word the number sits in ("3-location", "50K+"), and what follows it.
        start = phrase.rfind(" ", 0, q.start) + 1
        end_space = phrase.find(" ", q.end)
        end = len(phrase) if end_space < 0 else end_space
        head, tail = phrase[:start].split(), phrase[end:].split()
        while head and head[-1].lower() in _HEDGE:
            head.pop()
        nxt = tail[0].lower() if tail else ""
        if not nxt or nxt in _PREPOSITIONS or nxt in ("while", "and"):
            if nxt == "of" and not head[-1:]:  # "over 30% of the overall AWS costs"
                return _without_numbers(" ".join(tail[1:]))
            return _without_numbers(" ".join(head))  # what came of it: cut from here on
        if nxt == "of":
            tail = tail[1:]
        return _without_numbers(" ".join(head + tail))
    return phrase.strip()


def _trim(words: list[str], *, participles: bool = True) -> list[str]:
    while len(words) > 1:
        last = words[-1].lower().strip(",;:")
        # "… report adopted", "… microservices consuming", "… architecture for regulating": a
        # participle or gerund left by a cut. Not a noun in -ing ("image labeling").
        before = words[-2].lower()
        consuming = last.endswith("ing") and (
            before.endswith("s") and not before.endswith("ss") or before in _PREPOSITIONS
        )
        participle = re.fullmatch(r"[a-z]+ed", last) or last in _irregular_past() or consuming
        if last in _DANGLING or (participles and len(words) > 2 and participle):
            words = words[:-1]
            continue
        words[-1] = words[-1].rstrip(",;:")
        break
    return words


def _object_phrase(obj: str, max_words: int = _MAX_OBJECT_WORDS) -> str:
    """The words for what was made or changed, short and whole, or "" when none read well."""
    text = re.sub(r"\s*\([^)]*\)?", "", obj).strip().rstrip(".")  # parentheses are asides
    if not text or _NOT_AN_OBJECT.match(text):
        return ""
    text = _without_numbers(text)  # first, so that "from 220ms to 90ms" goes whole
    if cut := _CUT_BEFORE.search(text):
        head = text[: cut.start()].split()
        one_word_ok = head and cut.group(0).strip().lower() != "to" and not head[0].lower().endswith("ly")
        if head and (len(head) >= 2 or one_word_ok and head[0].lower() not in _NO_ARTICLE | _DANGLING):
            text = text[: cut.start()]
    words = text.split()
    if len(words) > max_words:
        # Cut before the last preposition in reach ("the development | of a Keyword Driven …"),
        # and before a last "and X" left half-said ("the Mayor of Guelph | and University").
        stops = [i for i, w in enumerate(words[:max_words]) if w.lower() in _PREPOSITIONS and i >= 1]
        words = words[: stops[-1]] if stops else words[:max_words]
        ands = [i for i, w in enumerate(words) if w.lower() in ("and", "or", "&") and i >= 1]
        if ands and len(words) - ands[-1] == 2 and words[-1][:1].isupper():
            words = words[: ands[-1]]
        elif not stops and "," in " ".join(words[1:]):  # inside a list: end at its last comma
            first_comma = min(i for i, w in enumerate(words) if w.endswith(","))
            words = words[: first_comma + 1]
    words = _trim(words)
    if not words or (len(words) == 1 and words[0].lower() in _DANGLING | _NO_ARTICLE):
        return ""
    phrase = " ".join(words)
    if _ARTICLE.match(phrase):
        return _ARTICLE.sub("the ", phrase, count=1)
    first = words[0].lower()
    if (
        first in _NO_ARTICLE
        or first.endswith("ly")
        or first[0].isdigit()
        or lexicon().is_verb(first)
        and first.endswith("ing")
    ):
        return phrase
    return "the " + phrase


def describe_object(
    verb: str | None,
    obj: str | None,
    bullet: str,  # noqa: ARG001 - kept for callers; obj carries the words
    *,
    max_words: int = _MAX_OBJECT_WORDS,
) -> str:
    """A short phrase for the work, in the person's own words and in the past tense: 'you built
    the classification model for image labeling'; 'this work' when no clear object is found."""
    if not verb or not obj:
        return "this work"
    words = obj.split()
    lead = past_tense(verb)
    # "Designed and provisioned the entire infrastructure": both verbs, in the past tense.
    if len(words) > 1 and words[0].lower() in ("and", "&") and lexicon().is_verb(words[1]):
        lead = f"{lead} and {past_tense(words[1])}"
        obj = " ".join(words[2:])
    if lead == "involved":  # "Involved in features such as …"
        lead = "were involved"
    phrase = _object_phrase(obj, max_words)
    if not phrase:
        return "this work"
    return f"you {lead} {phrase}"


def _shorten(text: str) -> str:
    """The opening words of the bullet, to name it in the action question."""
    text = text.strip().rstrip(".")
    cut = _CUT_BEFORE.search(text)
    if cut and len(text[: cut.start()].split()) >= 2:
        text = text[: cut.start()]
    words = text.split()
    cut_short = len(words) > _MAX_OBJECT_WORDS + 1
    # No "… analysis and"; a participle goes only where a cut left it ("… web application used").
    words = _trim(words[: _MAX_OBJECT_WORDS + 1], participles=not cut_short)
    return " ".join(words) + (" …" if cut_short else "")


# Domains whose work need not be data work (a cloud bill, a portfolio, a restaurant's revenue):
# their outcome question does not say "in the data or pipeline" unless the bullet is about data.
_NOT_DATA_DOMAINS = frozenset({"general", "infra", "finance"})
_DATA_WORDS = re.compile(
    r"\b(?:data|datasets?|models?|machine learning|ml|training|labels?|labell?ing|annotations?|pipelines?|etl|"
    r"features?|embeddings?|benchmarks?|evaluation|inference|quer(?:y|ies)|sql|logs?|metrics)\b",
    re.IGNORECASE,
)


def _in_the_data(domain: Domain, bullet: str) -> str:
    if domain.name in _NOT_DATA_DOMAINS and not _DATA_WORDS.search(bullet):
        return ""
    return " in the data or pipeline"


_MAX_QUESTION = 200  # characters: a question is read at a glance


def questions_for(missing: list[Slot], bullet: str, verb: str | None, obj: str | None) -> list[Question]:
    # A question names the work in the bullet's words, never in words it addresses to a model.
    bullet = without_injection(bullet)
    domain = lexicon().domain_for(bullet)
    out = []
    for slot in missing:
        for max_words in (_MAX_OBJECT_WORDS, 5, 3, 0):  # a shorter object while the question runs long
            work = describe_object(verb, obj, bullet, max_words=max_words) if max_words else "this work"
            text, kind, unit = _texts(work, bullet, domain)[slot]
            if len(text) <= _MAX_QUESTION:
                break
        out.append(Question(slot=slot, text=text, kind=kind, unit_hint=unit, why=WHY[slot]))
    return out


# Questions that fit work that is not data work: what a talk, a class or a meeting was for, whom
# it reached, and what came of it. The action question stays the general one.
_NON_DATA: dict[str, dict[Slot, tuple[str, str | None]]] = {
    "talk": {
        Slot.PROBLEM: ("What did the audience need, or get wrong, before {work}?", None),
        Slot.DATA_OUTCOME: ("How many people were reached when {work}: attendees, views or sessions?", "people"),
        Slot.MODEL_IMPACT: ("What came of it after {work}: who adopted, cited or acted on it?", None),
    },
    "teaching": {
        Slot.PROBLEM: ("What were the students struggling with before {work}?", None),
        Slot.DATA_OUTCOME: (
            "How many students or sessions were there when {work}, and what measurably changed "
            "(grades, pass rate, feedback scores)?",
            "students",
        ),
        Slot.MODEL_IMPACT: ("What did it do for the students or the course after {work}?", None),
    },
    "meeting": {
        Slot.PROBLEM: ("What needed deciding or solving when {work}?", None),
        Slot.DATA_OUTCOME: (
            "What was produced after {work}, and for how many people: hires, decisions, partners?",
            None,
        ),
        Slot.MODEL_IMPACT: ("What came of it after {work}: a decision, a hire, a partnership?", None),
    },
}


def _texts(work: str, bullet: str, domain: Domain) -> dict[Slot, tuple[str, AnswerKind, str | None]]:
    kind = lexicon().non_data_kind(bullet)
    # A talk or a meeting about data is still a talk or a meeting; teaching words ("students") also
    # appear in data work, so a bullet about data keeps the data questions.
    if kind is not None and (kind != "teaching" or not _DATA_WORDS.search(bullet)):
        general = _data_texts(work, bullet, domain)
        fitted = {
            slot: (text.format(work=work), AnswerKind.QUANTITY if unit else AnswerKind.TEXT, unit)
            for slot, (text, unit) in _NON_DATA[kind].items()
        }
        return {slot: fitted.get(slot, general[slot]) for slot in Slot}
    return _data_texts(work, bullet, domain)


def _data_texts(work: str, bullet: str, domain: Domain) -> dict[Slot, tuple[str, AnswerKind, str | None]]:
    downstream = (
        f"What did this work do downstream: {domain.model}, by how much, and for how long?"
        if work == "this work"
        else f"What did that do downstream once {work}: {domain.model}, by how much, and for how long?"
    )
    return {
        Slot.PROBLEM: (f"What was going wrong before {work}: for example {domain.problem}?", AnswerKind.TEXT, None),
        Slot.ACTION: (
            f"What did you yourself build or change for “{_shorten(bullet)}”, and with which method or tool?"
            if bullet
            else "What did you yourself build or change, and with which method or tool?",
            AnswerKind.TEXT,
            None,
        ),
        Slot.DATA_OUTCOME: (
            f"What measurably changed{_in_the_data(domain, bullet)} after {work}: {domain.data}?",
            AnswerKind.QUANTITY,
            domain.data_unit,
        ),
        Slot.MODEL_IMPACT: (downstream, AnswerKind.QUANTITY, "metric before -> after"),
    }

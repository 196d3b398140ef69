"""The rules engine's rewrite: the bullet plus the person's answers, joined, never added to.

It does not rephrase the person's words (that is the model's job in the openai engine); it
only joins them into one bullet, so every fact in the result is one the person wrote.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bulletsmith import guards
from bulletsmith.claims import find_claims
from bulletsmith.datafiles import word_list
from bulletsmith.engines.rules.clauses import (
    OUTCOME_OPENER,
    Clause,
    classified_clauses,
    is_clause,
    split_clauses,
)
from bulletsmith.engines.rules.condense import condensed
from bulletsmith.engines.rules.lexicon import lexicon
from bulletsmith.engines.rules.tense import NOT_VERBS as _NOT_VERBS
from bulletsmith.engines.rules.tense import past_tense_opening as _past_tense_opening
from bulletsmith.guards import answer_claim, is_filler, starts_with_strong_past_tense_verb
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
    head = low.split("-", 1)[0]  # "Offline-computed", "Night-time": the common word is its first part
    if (
        whole
        and word[:1].isupper()
        and word[1:] == word[1:].lower()
        and (
            low in _LOWERED_OPENERS
            or low in lower_words
            or head in lower_words
            or (head.endswith("s") and head[:-1] in lower_words)
            or head + "s" in lower_words  # "Printer tickets …" for a bullet about "200 printers"
            or _is_gerund(head)
        )
    ):
        value = value[0].lower() + value[1:]
    return value


def _is_gerund(word: str) -> bool:
    """ "Fixing", "Adding": the -ing form of a verb the lexicon knows, a common word, not a name."""
    if not word.endswith("ing") or len(word) < 6:
        return False
    stem = word[:-3]
    lex = lexicon()
    return any(c in lex.action_verbs for c in (stem, stem + "e", stem[:-1] if stem[-1:] == stem[-2:-1] else stem))


def _lower_words(*texts: str) -> frozenset[str]:
    """The words the person wrote in lower case, and the common words of data/common_words.txt
    and the lexicon: common words, never names."""
    written = frozenset(w for text in texts for w in _WORD.findall(text) if w.islower())
    return written | _common_words()


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    lex = lexicon()
    words = set(word_list("common_words.txt", fold=True)) | set(lex.action_verbs) | set(lex.past_tense_verbs)
    for matcher in (lex.data_terms, lex.model_terms, lex.people_terms):
        for pattern in (matcher.insensitive,):  # lower-case entries only: a mixed-case one ("mAP") is a name
            if pattern is not None:
                body = pattern.pattern.split("(?:", 1)[1].rsplit(")(?!", 1)[0]
                words.update(alt.replace("\\", "") for alt in body.split("|") if " " not in alt and "\\s" not in alt)
    return frozenset(words)


def _problem_phrase(value: str, because: str = "because") -> str:
    """The problem answer as words that follow the action: a clause after "because", a noun
    phrase after "to fix" ("to address" for a need or a lack)."""
    if _INTENT.match(value):
        return value
    if is_clause(value):
        return f"{because} {value}"
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
                rest = guards.without_filler(clause.text)
                first = _WORD.match(rest)
                one_leading_filler = guards.filler_count(clause.text) == 1 and guards.is_filler(
                    clause.text.split(None, 1)[0]
                )
                if (
                    one_leading_filler
                    and len(_WORD.findall(rest)) >= 2
                    and first
                    and first.group(0).lower() not in _LOWERED_OPENERS
                ):
                    # "innovative electric bicycle": the bicycle stays; "(passionate) about clean data" goes
                    kept.append(rest)
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
# A participle right after its noun belongs to it as a relative clause does ("libraries shared by …").
_PARTICIPLE_AFTER = re.compile(
    r"(?:[a-z]+ed|used|built|run|shared|based|made|kept|held|sent)\s+(?:by|on|in|across|for)\b"
)
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
        if (
            _RELATIVE.match(joined)
            or re.search(r"\bby\s*$", gap)
            or (not gap.strip() and _PARTICIPLE_AFTER.match(nxt.text))
        ):
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


# Answer shapes that say a measure moved: "X fell from A to B", "X rose by 12%", "X went up 1.6x".
_DOWN = (
    r"fell|dropped|declined|decreased|shrank|went\s+down|came\s+down|was\s+cut|were\s+cut|was\s+reduced|were\s+reduced"
)
_UP = r"rose|increased|grew|climbed|improved|went\s+up|jumped|was\s+raised|were\s+raised"
_MOVED_SHAPE = re.compile(
    rf"^(?P<subj>.+?)\s+(?:(?P<down>{_DOWN})|(?P<up>{_UP})|(?P<went>went|moved|changed))\s+(?P<rest>(?:from|by|to|about|around|roughly|nearly|over|under|\d|[$€£~≈+\-]).*)$",
    re.IGNORECASE,
)
_ARROW_SHAPE = re.compile(
    r"^(?P<subj>.*?)\s*(?P<a>[$€£~]?[\d.,]+\s*\S*?)\s*(?:->|→|=>)\s*(?P<b>[$€£~]?[\d.,]+\S*)(?P<tail>.*)$"
)
_HEDGES = r"(?:(?:about|around|roughly|nearly|almost|just|under|over|below|above|less than|more than|~|≈)\s*)?"
_FROM_TO_NUMS = re.compile(
    rf"\bfrom\s+{_HEDGES}[$€£]?(?P<a>\d[\d.,]*)[^\d]{{0,40}}?\s+to\s+{_HEDGES}[$€£]?(?P<b>\d[\d.,]*|zero|none|nothing)",
    re.IGNORECASE,
)
# "Cut storage cost 25%", "Reduced p99 latency …": an answer written as a change, in the past tense.
_PARTICIPLE = {
    "reduced": "reducing",
    "cut": "cutting",
    "raised": "raising",
    "improved": "improving",
    "increased": "increasing",
    "lowered": "lowering",
    "saved": "saving",
    "doubled": "doubling",
    "tripled": "tripling",
    "halved": "halving",
    "caught": "catching",
    "eliminated": "eliminating",
    "lifted": "lifting",
    "shortened": "shortening",
    "boosted": "boosting",
    "removed": "removing",
    "decreased": "decreasing",
    "shrank": "shrinking",
    "sped": "speeding",
    "grew": "growing",
    "prevented": "preventing",
    "recovered": "recovering",
    "expanded": "expanding",
    "freed": "freeing",
    "offloaded": "offloading",
    "surfaced": "surfacing",
}


def _number(text: str) -> float | None:
    if text.lower() in ("zero", "none", "nothing"):
        return 0.0
    try:
        return float(text.replace(",", "").rstrip("."))
    except ValueError:
        return None


def _direction(a: str, b: str) -> str | None:
    x, y = _number(a), _number(b)
    if x is None or y is None or x == y:
        return None
    return "cutting" if y < x else "raising"


def _outcome_phrase(value: str) -> str:
    """An outcome answer as a participle phrase that follows the action: "X fell from A to B" ->
    "cutting X from A to B", "X 6h -> 2h" -> "cutting X from 6h to 2h", "Reduced X by 20%" ->
    "reducing X by 20%". Every word of the answer is kept; only its verb changes form. A shape
    with no such verb is joined as it is ("leading to a 0.15 AUC gain", "so owners …")."""
    if OUTCOME_OPENER.match(value):
        return value
    first, _, rest = value.partition(" ")
    if rest and first.lower() in _PARTICIPLE:
        return f"{_PARTICIPLE[first.lower()]} {rest}"
    if (
        rest
        and first.lower() not in _NOT_VERBS
        and (starts_with_strong_past_tense_verb(first) or re.search(r"[a-z]{2,}ed$", first))
    ):
        # "Tagged 2M drives; …", "A/B-tested on 10% of traffic": what was done, in the person's words;
        # only a capital that opens a plain word is lowered.
        plain = first[:1].isupper() and first[1:].islower()
        return f"and {first.lower() if plain else first} {rest}"
    m = _MOVED_SHAPE.match(value)
    # Only a plain subject ("label error rate"), never a clause of its own ("the group ranked #1 …
    # but margins"): that answer is kept as it was written.
    if (
        m
        and not re.search(r"[,;]|\b(?:but|and|while|although|though|whereas)\b", m.group("subj"))
        and not is_clause(m.group("subj"))
    ):
        subj, tail = m.group("subj"), m.group("rest")
        if m.group("down"):
            return f"cutting {subj} {tail}"
        if m.group("up"):
            return f"raising {subj} {tail}"
        nums = _FROM_TO_NUMS.search(tail)
        verb = _direction(nums.group("a"), nums.group("b")) if nums else None
        return f"{verb or 'moving'} {subj} {tail}"
    m = _ARROW_SHAPE.match(value)
    if m and m.group("subj").strip() and not is_clause(m.group("subj")):
        a, b = m.group("a").strip(), m.group("b").strip()
        verb = _direction(re.sub(r"[^\d.,]", "", a), re.sub(r"[^\d.,]", "", b)) or "moving"
        before, _, subj = m.group("subj").strip().rpartition(", ")
        lead = f"with {before}, " if before else ""  # "masks for 4,800 volumes, Dice agreement 0.71 → 0.86"
        return f"{lead}{verb} {subj} from {a} to {b}{m.group('tail')}"
    if _LEADS_TO.match(value) and not is_clause(value):
        return f"leading to {value}"
    if is_clause(value):
        return f"so {value}"
    return f"with {value}"


def _outcomes(phrases: list[str]) -> str:
    """Outcome phrases after the action: ", cutting A and raising B"; never a chain of "; "."""
    if not phrases:
        return ""
    if len(phrases) == 2 and OUTCOME_OPENER.match(phrases[0]) and OUTCOME_OPENER.match(phrases[1]):
        verb, _, second = phrases[1].partition(" ")
        if phrases[0].startswith(verb + " ") and not second.startswith(("by ", "from ", "to ")):
            return f", {phrases[0]} and {second}"  # "raising A from 2 to 3 and B 6%": one verb for both
        return f", {phrases[0]} and {phrases[1]}"
    out = f", {phrases[0]}"
    for p in phrases[1:]:
        out += f", and {p.removeprefix('so ')}" if p.startswith("so ") else f", {p}"
    return out


# A trailing abbreviation keeps its period ("for marketing etc."): it is not the end of a sentence.
_ABBREVIATION = re.compile(r"\b(?:etc|e\.g|i\.e|vs|Inc|Ltd|Co|Corp|approx)\.$", re.IGNORECASE)


def _strip_end(text: str) -> str:
    if _ABBREVIATION.search(text.rstrip()):
        return text.rstrip()
    return re.sub(r"(?:\s*[;:,.]\s*)+$", "", text)


def _sentences(text: str) -> list[str]:
    return [p for p in _SENTENCE_END.split(text) if p.strip()]


def _lead_with_action(text: str) -> str:
    """The sentence that says what the person did comes first ("Service for sending email …. Built
    an internal app …" -> "Built an internal app …. Service for sending email …")."""
    parts = _sentences(text)
    if len(parts) < 2 or starts_with_strong_past_tense_verb(parts[0]):
        return text
    for i, part in enumerate(parts[1:], start=1):
        if starts_with_strong_past_tense_verb(part):
            first = parts.pop(i)
            if not re.search(r"[.!?]$", first):
                first += "."
            last = parts[-1]
            if not re.search(r"[.!?]$", last) and not _ABBREVIATION.search(last):
                parts[-1] = last
            return " ".join([first, *parts])
    return text


def _droppable(text: str, analysis: Analysis) -> list[str]:
    """Sentences of the bullet that hold no slot's evidence (a product description, a side
    note): the first to go, from the last, when the bullet runs past two printed lines. One that
    names something (a tool, a method, a name: "based on Docker and AWS") stays: a name the
    person wrote is a fact of theirs, and a rewrite never loses one."""
    evidence = [guards.normalize_text(f.evidence) for f in analysis.slots.values() if f.evidence]
    return [
        p
        for p in _sentences(text)
        if not any(e and e in guards.normalize_text(p) for e in evidence)
        and not starts_with_strong_past_tense_verb(p)  # a sentence of what was done stays
        and not guards.extract_quantities(p)  # and so does one with a number in it
        and not find_claims(p, [], ownership=False, kinds=("named", "method", "name"))
    ]


def _evidence_only(analysis: Analysis) -> str:
    """The bullet cut down to its slots' evidence, in the bullet's order, overlaps merged."""
    spans: list[tuple[int, int]] = []
    low = analysis.bullet
    for fill in analysis.slots.values():
        if fill.evidence and (i := low.find(fill.evidence)) >= 0:
            spans.append((i, i + len(fill.evidence)))
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1] + 2:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return ", ".join(low[a:b] for a, b in merged)


_ANAPHORA = re.compile(r"\b(?:them|it|its|they|these|those|this|that problem)\b", re.IGNORECASE)


def _problem_last(text: str, lower_words: frozenset[str], because: str = "because") -> str:
    """A bullet that opens with its problem ("Because radiologists disagreed …, wrote a protocol",
    "Fraud analysts were drowning in alerts; built a queue …") opens with the action instead; the
    problem follows it as a short clause ("… because radiologists disagreed …"). Kept as written
    when the action points back at the problem ("surfaced 40K of them")."""
    clauses = classified_clauses(text)
    if len(clauses) < 2 or Slot.PROBLEM not in clauses[0].slots or Slot.ACTION in clauses[0].slots:
        return text
    act = next((c for c in clauses[1:] if Slot.ACTION in c.slots), None)
    if (
        act is None
        or _PART_END.search(text[clauses[0].end : act.start])
        and ";" not in text[clauses[0].end : act.start]
    ):
        return text
    problem = re.sub(r"[\s,;:]+(?:so|and so|then)?\s*$", "", text[: act.start]).strip()
    rest = text[act.start :]
    if not problem or _ANAPHORA.search(rest) or re.search(r"[.!?]\s", problem):
        return text
    phrase = _clean(problem, lower_words | _LOWERED_OPENERS | {"because", "to", "since", "after", "when", "as"})
    if not re.match(r"(?:because|to|since|after|when|as|due to|given)\b", phrase, re.IGNORECASE):
        phrase = f"{because} {phrase}" if is_clause(phrase) else f"to fix {phrase}"
    moved = _with_problem(rest, phrase)
    return _sentence_case(moved)


def _compose(
    analysis: Analysis, text: str, usable: dict[Slot, str], lower_words: frozenset[str], because: str = "because"
) -> str:
    """The bullet and the answers as one bullet; `because` joins a problem clause to the action."""
    problem = _problem_phrase(_clean(usable[Slot.PROBLEM], lower_words), because) if Slot.PROBLEM in usable else None
    if Slot.PROBLEM not in usable:
        text = _problem_last(text, lower_words, because)
    if Slot.ACTION in usable:
        action = _strip_end(usable[Slot.ACTION].strip())
        action = action[:1].upper() + action[1:]
        if problem:  # the person's action stays whole; the problem follows it
            action = f"{action}, {problem}" if problem.startswith("addressing") else f"{action} {problem}"
        head, tail = action, text
        tail_clauses = classified_clauses(text) if text and not problem else []
        if (
            tail_clauses
            and Slot.PROBLEM in tail_clauses[0].slots
            and not any(Slot.ACTION in c.slots for c in tail_clauses)
            and not re.search(r"[.!?]\s", text)
        ):
            # The bullet only says what was wrong: it follows the person's action as its reason.
            head, tail = f"{action} {_problem_phrase(_clean(text, lower_words), because)}", ""
        elif text and lexicon().purpose_clause.match(text) and not problem:
            head, tail = f"{action} {text[:1].lower()}{text[1:]}", ""  # "… to expedite developer productivity"
    else:
        # The sentence that says what was done leads; the problem and the outcomes join it, and
        # the bullet's other sentences follow it as they were.
        sentences = _sentences(text)
        k = _action_sentence(sentences)
        lead = sentences[k] if sentences else text
        others = " ".join(sentences[:k] + sentences[k + 1 :])
        lead = _with_problem(_strip_end(lead), problem) if problem else lead
        if others:
            lead = _strip_end(lead)
        head, tail = lead, ""
        if others:
            phrases = [
                _outcome_phrase(_clean(usable[s], lower_words))
                for s in (Slot.DATA_OUTCOME, Slot.MODEL_IMPACT)
                if s in usable
            ]
            out = (head + _outcomes(phrases)) if head else _outcomes(phrases).lstrip(", ")
            out = f"{_strip_end(out)}. {others}" if out else others
            if Slot.ACTION in analysis.slots and analysis.slots[Slot.ACTION].present:
                out = _past_tense_opening(_sentence_case(out))
            return _sentence_case(out)
    phrases = [
        _outcome_phrase(_clean(usable[s], lower_words)) for s in (Slot.DATA_OUTCOME, Slot.MODEL_IMPACT) if s in usable
    ]
    head = _strip_end(head) if phrases else head
    out = head + _outcomes(phrases) if head else _outcomes(phrases).lstrip(", ")
    if tail:  # the bullet after the person's action: its own sentence
        opener = _WORD.match(tail)
        if tail[:1].islower() and opener and lexicon().is_verb(opener.group(0)):
            tail = tail[:1].upper() + tail[1:]  # "used by radiologists" left alone as its own sentence
        out = _join_action(_strip_end(out), tail) if out else tail
    if Slot.ACTION in usable or analysis.slots[Slot.ACTION].present:
        out = _past_tense_opening(_sentence_case(out))  # "Lead the conversion …" -> "Led the conversion …"
    return _sentence_case(out)


def _action_sentence(sentences: list[str]) -> int:
    """Which sentence says what the person did: the first that opens with a strong past-tense
    verb, else the first that holds an action clause opening with a verb, else the first."""
    for i, sentence in enumerate(sentences):
        if starts_with_strong_past_tense_verb(sentence):
            return i
    lex = lexicon()
    for i, sentence in enumerate(sentences):
        clauses = classified_clauses(sentence)
        opener = _WORD.match(sentence)
        if clauses and Slot.ACTION in clauses[0].slots and opener and lex.is_verb(opener.group(0)):
            return i
    return 0


# "etc." is not the end of a sentence: while the rewrite is built its period is a one-dot leader,
# so no clause or sentence rule cuts there ("… for marketing etc, because …"), and it comes back.
_ETC = re.compile(r"\betc\.", re.IGNORECASE)
_LEADER = "\u2024"


def assemble(analysis: Analysis, answers: dict[Slot, Answer]) -> str:
    held = _ETC.sub(lambda m: m.group(0)[:-1] + _LEADER, analysis.bullet)
    if held != analysis.bullet:
        analysis = analysis.model_copy(update={"bullet": held})
    out = _assemble(analysis, answers)
    return out.replace(_LEADER, ".")


def _assemble(analysis: Analysis, answers: dict[Slot, Answer]) -> str:
    bullet = analysis.bullet.strip()
    ends_with_period = bullet.endswith((".", _LEADER))
    text = _strip_end(_without_noise(analysis))
    usable = {slot: claim for slot, a in answers.items() if slot in analysis.missing and (claim := answer_claim(a))}
    lower_words = _lower_words(bullet, *usable.values())
    if not text and not usable:  # the bullet was all noise and nothing was answered: keep it as it was
        return bullet
    if analysis.slots[Slot.ACTION].present:
        text = _past_tense_opening(text)  # "Lead development of …" -> "Led development of …", before any reordering
    out = _compose(analysis, text, usable, lower_words)
    drop = _droppable(text, analysis)
    if len(out) > guards.MAX_BULLET_CHARS and (shorter := condensed(text)) != text:
        # the bullet's words that state no fact go first ("in order to", "(TPU)" after its name)
        text, out, drop = shorter, _compose(analysis, shorter, usable, lower_words), [condensed(p) for p in drop]
    # Over two printed lines: drop the bullet's sentences that hold no slot (descriptions), last
    # first, while any remain; the answers and the evidence always stay (a style warning says
    # when they alone run long).
    while len(out) > guards.MAX_BULLET_CHARS and drop:
        sentence = drop.pop()
        shorter = _strip_end(" ".join(p for p in _sentences(text) if p != sentence))
        if not shorter and not usable:
            break
        text = shorter
        out = _compose(analysis, text, usable, lower_words)
    out = _finish(out, ends_with_period)
    if len(out) > guards.MAX_BULLET_CHARS:
        # The last 5 characters: the problem clause joined by "as", never a word of the person's.
        shorter = _finish(_compose(analysis, text, usable, lower_words, "as"), ends_with_period)
        out = shorter if len(shorter) <= guards.MAX_BULLET_CHARS else out
    return out


def _finish(out: str, ends_with_period: bool) -> str:
    out = _strip_end(out) if not _ABBREVIATION.search(out) else out
    return out + "." if ends_with_period and not out.endswith(".") else out

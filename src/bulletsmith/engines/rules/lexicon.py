"""The rules engine's vocabularies (bulletsmith/data), compiled into matchers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TypedDict, cast

from bulletsmith.datafiles import data_yaml, word_list


@dataclass(frozen=True)
class TermMatcher:
    """Finds any of a list of words or phrases on word boundaries.

    Lowercase entries match in any case; an entry with a capital letter ("mAP") only as written,
    so that "map the data" is not a metric.
    """

    insensitive: re.Pattern[str] | None
    sensitive: re.Pattern[str] | None

    @classmethod
    def of(cls, terms: list[str]) -> TermMatcher:
        def compile_(entries: list[str], flags: int) -> re.Pattern[str] | None:
            if not entries:
                return None
            # Longest first so "label noise" wins over "label"; \s+ so phrases survive line wraps.
            alts = sorted({re.escape(e).replace(r"\ ", r"\s+") for e in entries}, key=len, reverse=True)
            return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w-])", flags)

        lower = [t for t in terms if t == t.lower()]
        mixed = [t for t in terms if t != t.lower()]
        return cls(compile_(lower, re.IGNORECASE), compile_(mixed, 0))

    def finditer(self, text: str) -> list[re.Match[str]]:
        found: list[re.Match[str]] = []
        for pattern in (self.insensitive, self.sensitive):
            if pattern is not None:
                found.extend(pattern.finditer(text))
        return sorted(found, key=lambda m: m.start())

    def match(self, text: str) -> re.Match[str] | None:
        """An entry at the very start of the text."""
        found = self.search(text)
        return found if found is not None and found.start() == 0 else None

    def search(self, text: str) -> re.Match[str] | None:
        found = self.finditer(text)
        return found[0] if found else None


@dataclass(frozen=True)
class Domain:
    name: str
    terms: tuple[str, ...]  # its keywords as listed in domains.yaml
    problem: str
    data: str
    data_unit: str
    model: str

    @cached_property
    def keywords(self) -> TermMatcher:
        """Compiled on first use: `domain_for` stops at the first domain that matches, so most
        runs never need the later domains' patterns."""
        return TermMatcher.of(list(self.terms))


@dataclass(frozen=True)
class Lexicon:
    outcome_verbs: TermMatcher
    data_terms: TermMatcher
    model_terms: TermMatcher
    problem_cues: TermMatcher
    people_terms: TermMatcher
    purpose_verbs: tuple[str, ...]
    purpose_openers: tuple[str, ...]
    adoption_cues: TermMatcher
    impact_openers: TermMatcher
    impact_cues: TermMatcher
    scale_terms: TermMatcher
    recognition_openers: TermMatcher
    non_data_kinds: tuple[tuple[str, TermMatcher], ...]  # ("talk", its words), in file order
    adoption_terms: tuple[str, ...]  # the entries of adoption_cues and impact_openers, for clause boundaries
    impact_opener_terms: tuple[str, ...]
    action_verbs: frozenset[str]
    past_tense_verbs: frozenset[str]
    domains: tuple[Domain, ...]

    @cached_property
    def purpose_clause(self) -> re.Pattern[str]:
        """A clause that opens with a purpose naming a need: "to expedite …", "to monitor and
        ensure uptime …", "aimed at delivering …". The verb must have an object ("to cut, splice
        and watermark videos" lists uses)."""
        verbs = "|".join(
            sorted((re.escape(v).replace(r"\ ", r"\s+") for v in self.purpose_verbs), key=len, reverse=True)
        )
        openers = "|".join(
            sorted((re.escape(o).replace(r"\ ", r"\s+") for o in self.purpose_openers), key=len, reverse=True)
        )
        return re.compile(
            rf"^(?:(?:in\s+order\s+)?to\s+(?:\w+\s+(?:and|or)\s+)?(?:{verbs})\s+[\w$]|(?:{openers})\b)", re.IGNORECASE
        )

    def is_verb(self, word: str) -> bool:
        """A word that can open a bullet as its action: base, -s, -ed or irregular past form."""
        w = word.lower().strip(".,;:()\"'")
        if not w or not w[0].isalpha():
            return False
        if "-" in w:
            # "Detail-oriented", "Self-starter" are adjectives; "re-architected", "co-designed" are verbs.
            prefix, _, rest = w.partition("-")
            return prefix in _VERB_PREFIXES and self.is_verb(rest)
        if w in self.action_verbs or w in self.past_tense_verbs:
            return True
        for suffix, add in (("s", ""), ("es", ""), ("ed", ""), ("d", ""), ("ed", "e"), ("ied", "y")):
            if w.endswith(suffix) and len(w) > len(suffix) + 2:
                stem = w[: -len(suffix)] + add
                if stem in self.action_verbs:
                    return True
        # Regular past tense of a verb the list doesn't know ("re-architected", "deduplicated").
        return w.endswith("ed") and len(w) > 5 and w not in _ED_NON_VERBS

    def non_data_kind(self, text: str) -> str | None:
        """ "talk", "teaching" or "meeting" for a bullet about one of those, else None."""
        for kind, words in self.non_data_kinds:
            if words.search(text):
                return kind
        return None

    def domain_for(self, text: str) -> Domain:
        for domain in self.domains:
            if domain.keywords.search(text):
                return domain
        return self.domains[-1]


_VERB_PREFIXES = frozenset({"re", "co", "de", "pre", "un", "over", "auto", "cross", "hand", "back", "fine"})
# Words ending in -ed that are not past-tense verbs at the start of a bullet.
_ED_NON_VERBS = frozenset(
    {"embedded", "speed", "need", "seed", "feed", "hundred", "based", "red", "bed", "shed", "united"}
)


class _LexiconFile(TypedDict):
    """lexicon.yaml: each vocabulary is a list of words and phrases."""

    outcome_verbs: list[str]
    data_terms: list[str]
    model_terms: list[str]
    problem_cues: list[str]
    people_terms: list[str]
    purpose_verbs: list[str]
    purpose_openers: list[str]
    adoption_cues: list[str]
    impact_openers: list[str]
    impact_cues: list[str]
    scale_terms: list[str]
    recognition_openers: list[str]
    non_data_kinds: dict[str, list[str]]


class _DomainSpec(TypedDict):
    """One domain of domains.yaml (keyed by its name)."""

    keywords: list[str]
    problem: str
    data: str
    data_unit: str
    model: str


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    # The shapes our own data files have (tests/test_data_files.py reads them); YAML itself is untyped.
    lex = cast(_LexiconFile, data_yaml("lexicon.yaml"))
    domains = cast(dict[str, _DomainSpec], data_yaml("domains.yaml"))
    return Lexicon(
        outcome_verbs=TermMatcher.of(lex["outcome_verbs"]),
        data_terms=TermMatcher.of(lex["data_terms"]),
        model_terms=TermMatcher.of(lex["model_terms"]),
        problem_cues=TermMatcher.of(lex["problem_cues"]),
        people_terms=TermMatcher.of(lex["people_terms"]),
        purpose_verbs=tuple(lex["purpose_verbs"]),
        purpose_openers=tuple(lex["purpose_openers"]),
        adoption_cues=TermMatcher.of(lex["adoption_cues"]),
        impact_openers=TermMatcher.of(lex["impact_openers"]),
        impact_cues=TermMatcher.of(lex["impact_cues"]),
        scale_terms=TermMatcher.of(lex["scale_terms"]),
        recognition_openers=TermMatcher.of(lex["recognition_openers"]),
        non_data_kinds=tuple((kind, TermMatcher.of(words)) for kind, words in lex["non_data_kinds"].items()),
        adoption_terms=tuple(lex["adoption_cues"]),
        impact_opener_terms=tuple(lex["impact_openers"]),
        action_verbs=frozenset(w.lower() for w in word_list("action_verbs.txt")),
        past_tense_verbs=frozenset(w.lower() for w in word_list("past_tense_verbs.txt")),
        domains=tuple(
            Domain(
                name=name,
                terms=tuple(spec["keywords"]),
                problem=spec["problem"],
                data=spec["data"],
                data_unit=spec["data_unit"],
                model=spec["model"],
            )
            for name, spec in domains.items()
        ),
    )

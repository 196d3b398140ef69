"""The word lists under bulletsmith/data, loaded once and compiled into matchers."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib.resources import files

# The YAML files under bulletsmith/data are the source. `compiled.json` beside them holds each
# one's data as JSON with the sha256 of the YAML text it was made from: reading it needs no
# `import yaml` (~9% of a `bulletsmith analyze --engine rules` run). A YAML file edited since
# (its hash differs) is parsed as YAML, so the JSON can be late but never wrong;
# tests/test_data_files.py says when to run `python -m bulletsmith.lexicon` to bring it up to date.
COMPILED = "compiled.json"


def data_text(name: str) -> str:
    return (files("bulletsmith") / "data" / name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _compiled() -> dict:
    try:
        value = json.loads(data_text(COMPILED))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def parse_yaml(text: str) -> object:
    """YAML text parsed safely: by libyaml (CSafeLoader) when PyYAML was built with it, else by
    the pure-Python SafeLoader (tests/test_startup.py checks both read the data files alike)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def data_yaml(name: str) -> object:
    """A YAML data file's data: from compiled.json when that was made from this very text, else
    parsed from the YAML."""
    text = data_text(name)
    entry = _compiled().get(name)
    if isinstance(entry, dict) and entry.get("sha256") == _sha256(text) and "data" in entry:
        return entry["data"]
    return parse_yaml(text)


def compile_data() -> dict:
    """compiled.json's content for the YAML files under bulletsmith/data as they are now."""
    out = {}
    for item in sorted((files("bulletsmith") / "data").iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            text = item.read_text(encoding="utf-8")
            data = parse_yaml(text)
            if json.loads(json.dumps(data)) != data:
                raise ValueError(f"{item.name}: its data does not survive JSON (dates, non-string keys?)")
            out[item.name] = {"sha256": _sha256(text), "data": data}
    return out


def word_list(name: str) -> list[str]:
    """A one-entry-per-line data file; '#' starts a comment."""
    out = []
    for line in data_text(name).splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            out.append(entry)
    return out


@dataclass(frozen=True)
class TermMatcher:
    """Finds any of a list of words or phrases on word boundaries.

    Lowercase entries match in any case; an entry with a capital letter ("mAP") only as written,
    so that "map the data" is not a metric.
    """

    insensitive: re.Pattern[str] | None
    sensitive: re.Pattern[str] | None

    @classmethod
    def of(cls, terms: list[str]) -> "TermMatcher":
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
        found = []
        for pattern in (self.insensitive, self.sensitive):
            if pattern is not None:
                found.extend(pattern.finditer(text))
        return sorted(found, key=lambda m: m.start())

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
    action_verbs: frozenset[str]
    past_tense_verbs: frozenset[str]
    domains: tuple[Domain, ...]

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

    def domain_for(self, text: str) -> Domain:
        for domain in self.domains:
            if domain.keywords.search(text):
                return domain
        return self.domains[-1]


_VERB_PREFIXES = frozenset({"re", "co", "de", "pre", "un", "over", "auto", "cross", "hand", "back", "fine"})
# Words ending in -ed that are not past-tense verbs at the start of a bullet.
_ED_NON_VERBS = frozenset({"embedded", "speed", "need", "seed", "feed", "hundred", "based", "red", "bed", "shed", "united"})


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    lex = data_yaml("lexicon.yaml")
    domains = data_yaml("domains.yaml")
    return Lexicon(
        outcome_verbs=TermMatcher.of(lex["outcome_verbs"]),
        data_terms=TermMatcher.of(lex["data_terms"]),
        model_terms=TermMatcher.of(lex["model_terms"]),
        problem_cues=TermMatcher.of(lex["problem_cues"]),
        people_terms=TermMatcher.of(lex["people_terms"]),
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


if __name__ == "__main__":  # python -m bulletsmith.lexicon: rewrite data/compiled.json from the YAML files
    from pathlib import Path

    target = Path(__file__).resolve().parent / "data" / COMPILED
    target.write_text(json.dumps(compile_data(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")

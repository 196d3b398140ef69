"""Which list items are achievement bullets. One rule for every format.

A list item is an *achievement bullet* unless

1. **its section is not about achievements**: the nearest enclosing heading that names a known
   section (at most five words, all of them section words: a section name or a word such as
   "Relevant", "Technical", "Open Source") says Skills, Technologies, Tools, Coursework, Courses,
   Education, Contact, Languages, Interests, Hobbies, References, Certifications, Publications or
   Keywords. Headings that name Experience, Work, Employment, Projects, Research, Volunteer,
   Leadership, Achievements, Awards, Summary… keep their items, and win in a mixed heading
   ("Projects & Publications"); headings that name no known section, such as a job title or a
   person's name, change nothing;
2. **it is a "Label: list" line**: a short label (at most four words) and a colon, followed by a
   list of short items (``Tools: Kafka, Spark, Hive``; ``Coursework: ML, Databases``), or any
   value after a label such as Skills/Tools/Languages/Tech stack/Coursework;
3. **it is a bare list of short items**: four or more comma/pipe/semicolon separated parts of at
   most three words each (``Python, SQL, Spark, Airflow, dbt``);
4. **it is a contact line**: an e-mail address, URL or phone number with fewer than three other words;
5. **it is too short to be a statement**: fewer than three words (``Python``, ``Team lead``).

JSON Resume highlights skip rule 1 (the schema already says highlights are achievements).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bulletsmith.limits import MAX_ITEM_CHARS

# Words that name a section whose items are achievements: they win over the excluded words,
# so "Projects & Publications" keeps its bullets.
_STRONG_INCLUDED = {
    "experience", "experiences", "employment", "work", "projects", "project", "research",
    "volunteer", "volunteering", "internships", "internship", "leadership", "achievements",
    "accomplishments", "career",
}  # fmt: skip
_EXCLUDED = {
    "skills", "skill", "technologies", "technology", "tools", "toolbox", "stack", "coursework",
    "courses", "education", "contact", "languages", "interests", "hobbies", "references",
    "certifications", "certification", "certificates", "publications", "keywords",
    "competencies", "proficiencies", "expertise", "frameworks", "libraries",
}  # fmt: skip
_WEAK_INCLUDED = {
    "summary", "profile", "awards", "honors", "honours", "activities", "highlights", "involvement",
    "service", "extracurricular", "positions", "history", "objective", "about",
}  # fmt: skip
_VOCAB = _STRONG_INCLUDED | _EXCLUDED | _WEAK_INCLUDED
# Words that may stand beside those in a section heading ("Relevant Coursework", "Open Source Projects").
_HEADING_FILLERS = {
    "and", "of", "the", "a", "in", "for", "with", "my", "relevant", "technical", "professional",
    "selected", "other", "additional", "key", "core", "personal", "academic", "programming",
    "computer", "software", "language", "spoken", "soft", "hard", "information", "info", "details",
    "related", "industry", "community", "open", "source", "side", "notable", "recent", "teaching",
    "areas", "area", "qualifications", "it", "data", "science", "ml", "ai", "engineering",
    "training", "licenses", "licences", "online", "presence", "links", "social", "list",
    "graduate", "undergraduate", "university", "school", "work", "papers", "talks",
    "honours", "scholarships", "achievements", "extra", "curricular", "co", "affiliations",
    "memberships", "organizations", "organisations",
}  # fmt: skip

# Labels after which anything is a list, never an achievement ("Tech stack: Python").
_LIST_LABELS = {
    "skills", "skill", "tools", "tool", "technologies", "technology", "tech", "stack", "languages",
    "language", "coursework", "courses", "frameworks", "libraries", "platforms", "environment",
    "keywords", "interests", "hobbies", "certifications", "email", "e-mail", "phone", "mobile",
    "tel", "linkedin", "github", "website", "web", "address", "location", "databases", "cloud",
}  # fmt: skip

_LABEL_FILLERS = {
    "programming", "technical", "relevant", "spoken", "soft", "key", "core", "other", "and",
    "selected", "software", "data", "dev", "developer", "personal", "contact", "info", "information",
}  # fmt: skip

EXCLUDED = "excluded"
INCLUDED = "included"


def section_kind(heading: str) -> str | None:
    """``"excluded"``, ``"included"`` or None (a heading that names no known section, e.g. a job title)."""
    words = re.findall(r"[a-z]+", heading.lower())
    if not words or len(words) > 5 or not set(words) <= _VOCAB | _HEADING_FILLERS:
        return None  # a job title, a name, a sentence
    if any(w in _STRONG_INCLUDED for w in words):
        return INCLUDED
    if any(w in _EXCLUDED for w in words):
        return EXCLUDED
    if any(w in _WEAK_INCLUDED for w in words):
        return INCLUDED
    return None


@dataclass
class Sections:
    """The headings above the current position, as a stack of (level, kind)."""

    stack: list[tuple[int, str | None]] = field(default_factory=list)

    def heading(self, level: int, title: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, section_kind(title)))

    @property
    def excluded(self) -> bool:
        for _, kind in reversed(self.stack):
            if kind is not None:
                return kind == EXCLUDED
        return False


# Every pattern here runs on a list item's whole text, so each must be linear in it: a match may
# only start where a run of the characters it repeats starts (the lookbehinds). Without them, a
# 1 MB token without spaces made the e-mail pattern retry the whole token from each of its
# characters (quadratic: 100 KB took 25 s). tests/test_hostile_input.py times each on 1 MB.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:https?://|www\.)\S+|(?<![\w.-])[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|dev|ai|me|edu)(?:/\S*)?", re.I
)
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{7,}\d")
_LABEL = re.compile(r"^\s*([^:.!?]{1,40}?)\s*:\s+(\S.*)$", re.S)
_SPLIT = re.compile(r"(?<!\s)\s*(?:[,;|•·]|\s-\s|\s–\s)\s*")
PATTERNS = (_EMAIL, _URL, _PHONE, _LABEL, _SPLIT)  # for the linear-time tests


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+(?:[-'’+#.][^\W_]+)*\+*", text)


def _is_short_list(text: str, *, min_parts: int, max_words: int, share: float) -> bool:
    parts = [p for p in _SPLIT.split(text) if p.strip()]
    if len(parts) < min_parts:
        return False
    short = sum(1 for p in parts if len(_words(p)) <= max_words)
    return short >= share * len(parts)


def is_achievement(text: str) -> bool:
    """Whether a list item's plain text reads as an achievement bullet (rules 2-5 of the module doc).

    An item over MAX_ITEM_CHARS is kept without running a pattern on it: no rule applies to so
    long a text, and the reader refuses the file, naming the item."""
    if len(text) > MAX_ITEM_CHARS:
        return True
    words = _words(text)
    stripped = _PHONE.sub(" ", _URL.sub(" ", _EMAIL.sub(" ", text)))
    if stripped != text and len(_words(stripped)) < 3:
        return False  # contact line
    if len(words) < 3:
        return False
    m = _LABEL.match(text)
    if m and len(_words(m.group(1))) <= 4:
        label_words = {w.lower() for w in _words(m.group(1))}
        if label_words and label_words <= _LIST_LABELS | _LABEL_FILLERS and label_words & _LIST_LABELS:
            return False
        if _is_short_list(m.group(2), min_parts=2, max_words=4, share=0.75):
            return False
    if _is_short_list(text, min_parts=4, max_words=3, share=1.0):
        return False
    return True

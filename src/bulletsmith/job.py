"""Target a job posting truthfully: what it asks for, which bullets already show it, and a
question for the rest. A posting's term enters a bullet only when the person's answer confirms it.

    from bulletsmith import Assistant, read
    a = Assistant(engine="rules", job="posting.md")      # a path, or the posting's text
    report = a.requirements(read("resume.md"))           # JobCoverage
    report.to_dict()   # {"title", "requirements": [{"text", "kind", "required", "covered_by"}]}

The rules engine reads the requirements from the posting's structure: its sections
("Requirements", "Nice to have", "What you'll do"…, data/job_sections.yaml) and their bullet
items, with the claims guard's vocabularies (data/claims/) naming the tools and methods. A
requirement is covered by a bullet that says it in any form the vocabularies know (a term, its
abbreviation or synonym: "k8s" covers Kubernetes); a term that only the Skills section lists
covers nothing ("listed in Skills, shown in no bullet").

Each uncovered requirement gets one question, attached to the bullet where the person most
plausibly did it (most words shared with the posting's line that asks for it), or to the resume
when no bullet shares any. Its answer decides: a confirming answer ("yes, the DAGs ran on
Airflow") is a source for that bullet's rewrite, so the claims guard lets the term in; "no",
"not mine" or "unknown" keeps it out of every bullet.
"""

from __future__ import annotations

import functools
import html.parser
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from bulletsmith import claims
from bulletsmith.answer_words import no_answer_kind
from bulletsmith.datafiles import data_yaml
from bulletsmith.errors import InputError
from bulletsmith.fsutil import InputRefused, read_input
from bulletsmith.limits import MAX_TEXT_BYTES
from bulletsmith.terms import WORD_RE, compact, content_stems, forms_of, stem, stems, vocab_matches

if TYPE_CHECKING:
    from bulletsmith.engines.base import MeaningCoverage, PostingRequirements

__all__ = [
    "JobCoverage",
    "JobFileError",
    "JobPosting",
    "JobQuestion",
    "Requirement",
    "confirms",
    "coverage",
    "parse_posting",
    "read_posting",
    "title_check",
    "work_in",
]

POSTING_SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
}
SKILLS_ONLY = "listed in Skills, shown in no bullet"
STRUCTURE = "the posting's sections and lists"


class JobFileError(InputError):
    """A posting file that can't be read. The message is one line naming the file."""


# --------------------------------------------------------------------------- reading


class _HTMLText(html.parser.HTMLParser):
    """A saved posting page as Markdown-like lines: headings as "#", list items as "- "."""

    _BLOCKS = {"p", "div", "br", "tr", "section", "article", "ul", "ol", "header", "footer", "dd", "dt"}
    _SKIP = {"script", "style", "noscript", "template", "svg", "head", "nav"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._prefix = ""
        self._skip = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.lines.append(self._prefix + text)
        self._current, self._prefix = [], ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._prefix = "#" * int(tag[1]) + " "
        elif tag == "li":
            self._flush()
            self._prefix = "- "
        elif tag in self._BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag == "li" or tag in self._BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._current.append(data)

    def text(self) -> str:
        self._flush()
        return "\n".join(self.lines)


def html_to_text(source: str) -> str:
    parser = _HTMLText()
    parser.feed(source)
    parser.close()
    return parser.text()


def read_posting(path: str | Path) -> str:
    """A posting file's text: Markdown or plain text as is, a saved HTML page as Markdown-like
    lines. Any other file, a missing or huge one: JobFileError, one line."""
    path = Path(path)
    kind = POSTING_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise JobFileError(
            f"{path}: a job posting is Markdown (.md), plain text (.txt) or a saved web page "
            f"(.html), not {path.suffix or 'a file without a suffix'}"
        )
    try:
        data = read_input(path, MAX_TEXT_BYTES)
    except InputRefused as e:
        raise JobFileError(f"{path}: {e}") from None
    except FileNotFoundError:
        raise JobFileError(f"{path}: no such posting file") from None
    except OSError as e:
        raise JobFileError(f"{path}: cannot read ({e.strerror})") from None
    if b"\x00" in data:
        raise JobFileError(f"{path}: looks like binary data, not a posting")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if kind != "html":
            raise JobFileError(f"{path}: not UTF-8 text") from None
        text = data.decode("latin-1")  # an old saved page; its words still read
    text = html_to_text(text) if kind == "html" else text
    if not text.strip():
        raise JobFileError(f"{path}: the posting is empty")
    return text


# --------------------------------------------------------------------------- the posting


class Requirement(BaseModel):
    """One thing a posting asks for, in its words, and the bullets that already show it."""

    text: str = Field(description="the requirement in the posting's words: 'Airflow', 'data quality tests'")
    kind: str = Field(description="tool, method, skill, duty or domain")
    required: bool = Field(description="False when the posting calls it a plus (nice to have, preferred, bonus)")
    covered_by: list[str] = Field(default_factory=list, description="locations of the bullets that show it")
    note: str | None = Field(default=None, description="e.g. 'listed in Skills, shown in no bullet'")
    context: str = Field(default="", description="the posting's line that asks for it")
    by_meaning: dict[str, str] = Field(
        default_factory=dict,
        description="location -> the bullet's words that show it in other words (a model's reading, openai engine)",
    )

    def to_dict(self) -> dict:
        out: dict = {
            "text": self.text,
            "kind": self.kind,
            "required": self.required,
            "covered_by": list(self.covered_by),
        }
        if self.by_meaning:
            out["by_meaning"] = dict(self.by_meaning)
        if self.note:
            out["note"] = self.note
        return out


class JobQuestion(BaseModel):
    """A question about one uncovered requirement, for one bullet (location "resume": none fits)."""

    requirement: str
    location: str
    bullet: str
    text: str


class JobCoverage(BaseModel):
    """What a posting asks for and which bullets of one resume show it: what `review --job` prints."""

    title: str = ""
    requirements: list[Requirement] = Field(default_factory=list)
    questions: list[JobQuestion] = Field(default_factory=list)
    source: str = STRUCTURE  # who read the requirements: the posting's structure, or a model
    note: str | None = None  # e.g. the model's answer failed and the structure was read instead

    def to_dict(self) -> dict:
        out: dict = {
            "title": self.title,
            "requirements": [r.to_dict() for r in self.requirements],
            "source": self.source,
        }
        if self.note:
            out["note"] = self.note
        return out

    @property
    def uncovered(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.covered_by]


@dataclass(frozen=True)
class _Item:
    text: str
    section: str  # required, plus, duty, other
    required: bool


@functools.cache
def _sections() -> dict[str, tuple[str, ...]]:
    data = data_yaml("job_sections.yaml")
    assert isinstance(data, dict)
    return {k: tuple(str(p).casefold() for p in v) for k, v in data.items()}


def _section_kind(heading: str) -> str:
    low = heading.casefold()
    for kind in ("plus", "ignore", "required", "duty"):
        if any(p in low for p in _sections()[kind]):
            return kind
    return "other"


_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•·▪●–]|\d{1,2}[.)])\s+(.*\S)\s*$")
# A plain-text heading: a short line ending in a colon, or a short line in capitals.
_TEXT_HEADING = re.compile(r"^\s*([A-Za-z][^.!?]{1,60}):\s*$|^\s*([A-Z][A-Z &/'’-]{3,60})\s*$")
_EMPHASIS = re.compile(r"[*_`]{1,3}")


def _plain(line: str) -> str:
    return " ".join(_EMPHASIS.sub("", line).split())


def _items(text: str) -> tuple[str, list[_Item]]:
    title = ""
    section = "other"
    items: list[_Item] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        if m := _HEADING.match(raw):
            heading = _plain(m.group(2))
            if not title and len(m.group(1)) <= 2:
                title = heading
            section = _section_kind(heading)
            continue
        if m := _TEXT_HEADING.match(raw):
            section = _section_kind(m.group(1) or m.group(2))
            continue
        if m := _BULLET.match(raw):
            if section == "ignore":
                continue
            item = _plain(m.group(1))
            plus = section == "plus" or any(p in item.casefold() for p in _sections()["plus_in_item"])
            items.append(_Item(item, section, not plus))
        elif not title:
            title = _plain(raw)
        elif items and raw.startswith((" ", "\t")):  # a wrapped bullet item goes on
            last = items[-1]
            items[-1] = _Item(f"{last.text} {_plain(raw)}", last.section, last.required)
    return title, items


# Opening words of a duty line that are not its object ("Build and maintain …", "Partner with finance to …").
_DUTY_LEAD = re.compile(
    r"^(?:(?:you\s+will|you'll|we\s+expect\s+you\s+to)\s+)?(?:[a-z]+(?:\s*(?:,|and|&|/)\s*[a-z]+){0,2}\s+)"
    r"(?:(?:with|alongside)\s+[^,]+?\s+to\s+[a-z]+\s+)?",
    re.IGNORECASE,
)
_DUTY_END = re.compile(
    r"\s+(?:and\s+(?=[a-z]+\s)|with|using|for|on|across|so|that|to|in|into|at|from|by)\s|[,;:(]", re.IGNORECASE
)
_SKILL_LEAD = re.compile(
    r"^(?:\d+\+?\s*(?:years?|yrs?)\s+(?:of\s+)?(?:experience\s+)?(?:with|in|of)?\s*|(?:strong|solid|deep|proven|"
    r"demonstrated|excellent|good|working|hands-on|practical)?\s*(?:experience|knowledge|understanding|"
    r"familiarity|proficiency|fluency|expertise|background)\s+(?:with|in|of)\s+(?:(?:designing|building|"
    r"running|using|writing|developing)\s+)?)",
    re.IGNORECASE,
)


def _duty_phrase(item: str) -> str:
    """The object of a duty line, as the posting writes it: "data quality tests" of "Write data
    quality tests and monitor freshness of critical tables"."""
    from bulletsmith.engines.rules.lexicon import lexicon

    text = item.strip().rstrip(".")
    skill = _SKILL_LEAD.match(text)
    if skill and skill.end() > 0:
        text = text[skill.end() :]
    else:
        first = re.match(r"[A-Za-z]+", text)
        if not first or not lexicon().is_verb(first.group(0).lower()):
            return ""
        m = _DUTY_LEAD.match(text)
        text = text[m.end() :] if m else text
    text = re.sub(r"^(?:our|the|a|an|your)\s+", "", text, flags=re.IGNORECASE)
    end = _DUTY_END.search(text)
    phrase = text[: end.start()] if end else text
    words = phrase.split()
    return " ".join(words) if 1 <= len(words) <= 5 else ""


def parse_posting(text: str) -> tuple[str, list[Requirement]]:
    """The posting's title and its requirements, in the order it states them, each once."""
    from bulletsmith.guards import is_filler

    title, items = _items(text)
    found: dict[str, Requirement] = {}

    def add(key: str, req: Requirement) -> None:
        if key in found:
            found[key].required = found[key].required or req.required
        else:
            found[key] = req

    for item in items:
        if is_filler(item.text) and not claims.find_claims(item.text, [], ownership=False, kinds=("named", "method")):
            continue  # "team player", "passionate about data": nothing a bullet can show
        terms = claims.find_claims(item.text, [], ownership=False, kinds=("named", "method", "name"))
        for c in terms:
            kind = {"named": "tool", "method": "method", "name": "tool"}[c.kind]
            if c.kind == "name" and (len(c.phrase) < 2 or c.phrase.casefold() in _NOT_TOOLS):
                continue
            add(
                _requirement_key(c.phrase),
                Requirement(text=c.phrase, kind=kind, required=item.required, context=item.text),
            )
        if terms:
            continue
        phrase = _duty_phrase(item.text)
        if phrase:
            kind = "duty" if item.section in ("duty", "other") else "skill"
            add(
                _requirement_key(phrase), Requirement(text=phrase, kind=kind, required=item.required, context=item.text)
            )
    return title, list(found.values())


# Capitalised words of a posting that name no tool ("US", "EU" in a location line inside a list).
_NOT_TOOLS = frozenset({"us", "eu", "uk", "remote", "hybrid", "we", "you", "our"})


def _requirement_key(text: str) -> str:
    forms = forms_of(text)
    return forms[0].concept if forms else "text:" + compact(text)


class JobPosting(BaseModel):
    """A parsed posting: its title and requirements (coverage not yet computed)."""

    title: str = ""
    requirements: list[Requirement] = Field(default_factory=list)
    text: str = ""
    source: str = STRUCTURE
    note: str | None = None

    @classmethod
    def from_text(cls, text: str) -> JobPosting:
        title, reqs = parse_posting(text)
        return cls(title=title, requirements=reqs, text=text)

    def read_by(self, found: PostingRequirements | None) -> JobPosting:
        """This posting with the requirements an engine read (`Engine.job_requirements`): as it
        gave them, each once, with the posting's line that states it (where its question goes).
        None (the engine reads no postings) keeps the structure's; a failed read keeps them too
        and says why in `note`."""
        if found is None:
            return self
        if found.failure:
            return self.model_copy(
                update={
                    "note": f"the model's requirements failed ({found.failure}); "
                    "read from the posting's sections and lists instead"
                }
            )
        lines = [_plain(line) for line in self.text.splitlines() if line.strip()]
        reqs: dict[str, Requirement] = {}
        for text, kind, required in found.requirements:
            key = _requirement_key(text)
            if key in reqs:
                reqs[key].required = reqs[key].required or required
                continue
            context = next((line for line in lines if text.casefold() in line.casefold()), text)
            reqs[key] = Requirement(text=text, kind=kind, required=required, context=context)
        source = f"the model {found.model}" if found.model else "the model"
        return self.model_copy(
            update={"title": found.title.strip() or self.title, "requirements": list(reqs.values()), "source": source}
        )

    @classmethod
    def load(cls, job: str | Path) -> JobPosting:
        """A path to a posting file (.md, .txt, .html), or the posting's text itself."""
        if isinstance(job, Path) or ("\n" not in job and len(job) < 1024 and Path(job).suffix):
            return cls.from_text(read_posting(job))
        return cls.from_text(job)


# --------------------------------------------------------------------------- coverage


def _concepts(text: str) -> set[str]:
    return {f.concept for _, _, f in vocab_matches(text, cased=False)}


def shows(requirement: Requirement, text: str) -> bool:
    """Whether a text says the requirement: any form of its vocabulary concept ("k8s" for
    Kubernetes), the name itself in any spacing, or every content word of a duty in any order
    and inflection ("tested data quality" shows "data quality tests")."""
    forms = forms_of(requirement.text)
    if forms and forms[0].concept in _concepts(text):
        return True
    key = compact(requirement.text)
    words = [w.casefold() for w in WORD_RE.findall(text)]
    if requirement.kind in ("tool", "method"):
        for n in (1, 2, 3):
            for i in range(len(words) - n + 1):
                joined = compact("".join(words[i : i + n]))
                if joined in (key, key + "s"):
                    return True
        return False
    have = stems(text)
    wanted = content_stems(requirement.text)
    if wanted and wanted <= have:
        return True
    # A duty that joins two things ("labeling taxonomies and annotation guidelines") is shown by
    # a bullet that does one of them; each part must be two content words or more, so one
    # generic word ("quality") never covers a duty.
    parts = [content_stems(part) for part in _DUTY_PARTS_RE.split(requirement.text)]
    return len(parts) > 1 and any(len(part) >= 2 and part <= have for part in parts)


_DUTY_PARTS_RE = re.compile(r"\s*[,;]\s*(?:and\s+|or\s+)?|\s+(?:and/or|and|or)\s+", re.IGNORECASE)


def coverage(posting: JobPosting, bullets: Sequence[object], other_text: str = "") -> JobCoverage:
    """Which of the bullets (Bullet objects with .text and .location, or plain texts, located
    "bullet N") show each requirement. `other_text` is the resume outside its bullets (its
    Skills section…): a requirement found only there is noted, never covered."""
    located = [
        (getattr(b, "location", None) or f"bullet {i + 1}", getattr(b, "text", b)) for i, b in enumerate(bullets)
    ]
    reqs = []
    for r in posting.requirements:
        covered = [loc for loc, text in located if shows(r, str(text))]
        note = SKILLS_ONLY if not covered and other_text and shows(r, other_text) else None
        reqs.append(r.model_copy(update={"covered_by": covered, "note": note}))
    report = JobCoverage(title=posting.title, requirements=reqs, source=posting.source, note=posting.note)
    report.questions = questions(report, [(loc, str(text)) for loc, text in located])
    return report


def with_meaning(report: JobCoverage, meaning: MeaningCoverage, bullets: Sequence[object]) -> JobCoverage:
    """`report` with the bullets a model says show an uncovered requirement in other words
    (`Engine.job_coverage`) added to its `covered_by`, each with the bullet's words that show it
    in `by_meaning`, and the questions asked again for what is still uncovered. A failed reading
    leaves the coverage by term as it was and says so in the report's note."""
    located = [
        (getattr(b, "location", None) or f"bullet {i + 1}", str(getattr(b, "text", b))) for i, b in enumerate(bullets)
    ]
    if meaning.failure:
        note = f"coverage by meaning failed ({meaning.failure}); coverage is by term only"
        return report.model_copy(update={"note": "; ".join(n for n in (report.note, note) if n)})
    shown: dict[str, dict[str, str]] = {}
    for requirement, index, words in meaning.shown:
        if 0 <= index < len(located):
            shown.setdefault(requirement.casefold(), {}).setdefault(located[index][0], words)
    reqs = []
    for r in report.requirements:
        found = shown.get(r.text.casefold(), {}) if not r.covered_by else {}
        if found:
            order = [loc for loc, _ in located if loc in found]
            r = r.model_copy(
                update={"covered_by": order, "by_meaning": {loc: found[loc] for loc in order}, "note": None}
            )
        reqs.append(r)
    out = report.model_copy(update={"requirements": reqs})
    out.questions = questions(out, located)
    return out


_GENERIC = frozenset(
    _s
    for _s in map(
        stem,
        """experience years year strong ability work working team
    build maintain develop design data using use new our their your own other including such like plus
    familiarity knowledge understanding production environment critical""".split(),
    )
)


def _plausibility(req: Requirement, bullet: str) -> int:
    context = content_stems(req.context) - content_stems(req.text) - _GENERIC
    return len(context & stems(bullet))


def questions(report: JobCoverage, located: Sequence[tuple[str, str]]) -> list[JobQuestion]:
    """One question per uncovered requirement, on the bullet that shares the most words with the
    posting's line that asks for it (the first of equals), or on the resume when none shares any."""
    out = []
    for r in report.uncovered:
        scored = [(_plausibility(r, text), -i, loc, text) for i, (loc, text) in enumerate(located)]
        best = max(scored, default=None)
        if best is None or best[0] == 0:
            out.append(
                JobQuestion(
                    requirement=r.text,
                    location="resume",
                    bullet="",
                    text=f'The posting asks for {r.text}: where have you used it? Name the work, or say "no".',
                )
            )
            continue
        verb = "include" if r.kind in ("duty", "skill", "domain") else "use"
        out.append(
            JobQuestion(
                requirement=r.text,
                location=best[2],
                bullet=best[3],
                text=f"The posting asks for {r.text}: did this work {verb} {r.text}, "
                'or something else? Say how, or "no".',
            )
        )
    return out


# --------------------------------------------------------------------------- answers

_NO = re.compile(
    r"^\s*(?:no|nope|nah|never|not really|not|none|didn'?t|did not|i didn'?t|we didn'?t|n/a)\b", re.IGNORECASE
)
_YES = re.compile(r"^\s*(?:yes|yep|yeah|correct|right|indeed|sure|y)\b[\s,.;:!-]*", re.IGNORECASE)


def confirms(answer: str) -> bool:
    """Whether a typed answer to a requirement question confirms it: any answer but a blank,
    "unknown", "not mine" (and their forms) or one that opens with a no."""
    text = (answer or "").strip()
    if not text or no_answer_kind(text) is not None or _NO.match(text):
        return False
    return True


def confirmed_phrase(requirement: str, answer: str) -> str:
    """What a confirming answer adds to the bullet: the person's words when they name the
    requirement ("scheduled the DAGs with Airflow"), else "using Airflow" (the term they
    confirmed) followed by their words."""
    rest = _YES.sub("", answer.strip(), count=1).strip().rstrip(".;,")
    if rest and shows(Requirement(text=requirement, kind="tool", required=True), rest):
        first = rest.split()[0]
        # "Scheduled the DAGs…" continues the bullet in lower case; a name ("Airflow ran…") keeps its capital.
        if first[:1].isupper() and first[1:].islower() and first.casefold() != requirement.casefold():
            rest = rest[:1].lower() + rest[1:]
        return rest
    return f"using {requirement}" + (f" ({rest})" if rest else "")


def work_in(text: str, confirmed: Iterable[tuple[str, str]]) -> str:
    """The rewrite with each confirmed requirement that it does not yet show joined to its end."""
    out = text.rstrip()
    period = out.endswith(".")
    out = out.rstrip(".")
    for requirement, answer in confirmed:
        if shows(Requirement(text=requirement, kind="tool", required=True), out):
            continue
        out = f"{out}, {confirmed_phrase(requirement, answer)}"
    return out + ("." if period else "")


# --------------------------------------------------------------------------- title


def title_check(resume_title: str, posting_title: str) -> dict:
    """The resume's title against the posting's: {"key": "job_title", "ok", "message"}. The same
    role in other words passes ("Data Scientist" / "Senior Data Scientist"); another role is
    named so the person can decide (never changed for them: a title is a claim too)."""
    if not posting_title.strip():
        return {"key": "job_title", "ok": True, "message": "the posting names no title"}
    if not resume_title.strip():
        return {
            "key": "job_title",
            "ok": False,
            "message": f'the resume states no title; the posting is for "{posting_title}"',
        }
    seniority = {stem(w) for w in "senior junior lead principal staff head intern associate sr jr ii iii".split()}
    want = content_stems(posting_title) - seniority
    have = content_stems(resume_title) - seniority
    if want and want <= have:
        return {
            "key": "job_title",
            "ok": True,
            "message": f"the resume's title \"{resume_title}\" matches the posting's",
        }
    return {
        "key": "job_title",
        "ok": False,
        "message": f'the resume says "{resume_title}", the posting asks for "{posting_title}": '
        "change the title only if it is true of your work",
    }

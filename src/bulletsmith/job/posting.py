"""Reading a posting: the file (Markdown, text, saved HTML), its sections and bullet items, and
the requirements they state (data/job_sections.yaml names the sections)."""

from __future__ import annotations

import functools
import html.parser
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from bulletsmith import claims
from bulletsmith.datafiles import data_yaml
from bulletsmith.errors import InputError
from bulletsmith.fsutil import InputRefused, read_input
from bulletsmith.job.models import STRUCTURE, Requirement
from bulletsmith.limits import MAX_TEXT_BYTES
from bulletsmith.terms import compact, forms_of

if TYPE_CHECKING:
    from bulletsmith.engines.base import PostingRequirements

POSTING_SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
}


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
                requirement_key(c.phrase),
                Requirement(text=c.phrase, kind=kind, required=item.required, context=item.text),
            )
        if terms:
            continue
        phrase = _duty_phrase(item.text)
        if phrase:
            kind = "duty" if item.section in ("duty", "other") else "skill"
            add(requirement_key(phrase), Requirement(text=phrase, kind=kind, required=item.required, context=item.text))
    return title, list(found.values())


# Capitalised words of a posting that name no tool ("US", "EU" in a location line inside a list).
_NOT_TOOLS = frozenset({"us", "eu", "uk", "remote", "hybrid", "we", "you", "our"})


def requirement_key(text: str) -> str:
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
            key = requirement_key(text)
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

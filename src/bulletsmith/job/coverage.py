"""Which bullets show each requirement, the questions for the rest, and what a confirming answer
lets into a bullet."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bulletsmith.answer_words import no_answer_kind
from bulletsmith.job.models import SKILLS_ONLY, JobCoverage, JobQuestion, Requirement
from bulletsmith.job.posting import JobPosting
from bulletsmith.terms import WORD_RE, compact, content_stems, forms_of, stem, stems, vocab_matches

if TYPE_CHECKING:
    from bulletsmith.engines.base import MeaningCoverage


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

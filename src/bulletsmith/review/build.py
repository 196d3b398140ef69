"""Building a Review: analyze every bullet (the same Assistant calls as ``rewrite``, so its cache
answers them), measure each one, group them into roles, score the rubric, run the checks, rank
the fixes, and compare with the rewrite when there is one."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from bulletsmith import guards
from bulletsmith.answer_bank import AnswerBank, AnswersFileError
from bulletsmith.assistant import Assistant, _run
from bulletsmith.documents import Document, DocumentError, load_document
from bulletsmith.gate import CallGate
from bulletsmith.models import Analysis, Slot
from bulletsmith.review import scoring
from bulletsmith.review.measures import DATA, MODEL, Metric, TextMeasures, measure_text, slot_hints
from bulletsmith.review.report import (
    BeforeAfter,
    BulletReview,
    Check,
    Dimension,
    DimensionChange,
    EvidenceItem,
    Fix,
    QuestionView,
    Review,
    RoleReview,
    Score,
    SlotView,
)
from bulletsmith.review.roles import Outline, estimate_pages, outline_of

MAX_FIXES = 5
# The guide: "Current or most recent role — 3 bullets, each showing a closed loop"; "Previous role — 2
# bullets, one of which must show scale".
RECENT = {"bullets": 3, "closed_loops": 3}
PREVIOUS = {"bullets": 2, "scale": 1}


@dataclass
class _Bullet:
    location: str
    text: str
    analysis: Analysis | None = None
    error: str | None = None
    measures: TextMeasures = field(default_factory=TextMeasures)
    role: int | None = None

    @property
    def present(self) -> set[Slot]:
        return set(self.analysis.present) if self.analysis else set()

    def facts(self) -> scoring.Facts:
        return scoring.Facts(self.location, self.present, self.measures, analyzed=self.analysis is not None)


def review_document(
    document: Document,
    assistant: Assistant,
    *,
    role: str | None = None,
    rewritten: Path | None = None,
    questions: Path | None = None,
) -> Review:
    """The review of a loaded document (see ``Assistant.review``)."""
    return _run(areview_document(document, assistant, role=role, rewritten=rewritten, questions=questions))


async def areview_document(
    document: Document,
    assistant: Assistant,
    *,
    role: str | None = None,
    rewritten: Path | None = None,
    questions: Path | None = None,
) -> Review:
    from bulletsmith.batch import check_batch

    check_batch(document)  # the same limits as rewrite: a "resume" of 5,000 bullets is refused before any request
    target = role or assistant.role or "data scientist"
    bullets = [_Bullet(b.location, b.text) for b in document.bullets]
    gate = CallGate(assistant.concurrency)

    async def one(b: _Bullet) -> None:
        try:
            async with gate.hold():
                analysis = await assistant.aanalyze(b.text)
        except (ValueError, RuntimeError, OSError) as e:  # as in batch: one bullet's failure stays on it
            b.error = str(e).splitlines()[0] if str(e) else type(e).__name__
            return
        if not analysis.ok:
            b.error = f"the analysis failed: {analysis.failure}"
            return
        b.analysis = analysis

    await asyncio.gather(*(one(b) for b in bullets))
    for b in bullets:
        evidence = {s: f.evidence for s, f in b.analysis.slots.items()} if b.analysis else {}
        b.measures = measure_text(b.text, slot_hints(evidence))

    outline = outline_of(document)
    by_location = {b.location: b for b in bullets}
    for i, r in enumerate(outline.roles):
        for loc in r.locations:
            if loc in by_location:
                by_location[loc].role = i

    facts = [b.facts() for b in bullets]
    dims = scoring.score(facts)
    notes = []
    failed = [b for b in bullets if b.error]
    if failed:
        notes.append(f"{len(failed)} of {len(bullets)} bullets could not be analyzed and count in no dimension.")
    before_after = _before_after(document, bullets, facts, dims, rewritten, questions, notes)
    return Review(
        file=str(document.path),
        format=document.format,
        engine=assistant.engine,
        model=assistant.model,
        role=target,
        score=Score(total=round(scoring.total(dims), 1), dimensions=[_dimension(d) for d in dims]),
        roles=_roles(outline, by_location),
        bullets=[_bullet_view(b, target) for b in bullets],
        checks=_checks(outline, bullets, target),
        fixes=_fixes(bullets, facts),
        before_after=before_after,
        notes=notes,
    )


def _dimension(d: scoring.DimensionScore) -> Dimension:
    return Dimension(
        key=d.key,
        label=scoring.LABELS[d.key],
        weight=d.weight,
        score=round(d.score, 1),
        evidence=[EvidenceItem(**e.to_dict()) for e in d.evidence],
        how=scoring.HOW[d.key],
        note=d.note,
    )


def _closed(b: _Bullet) -> bool:
    return b.analysis is not None and b.analysis.complete


def _bullet_view(b: _Bullet, role: str) -> BulletReview:
    a = b.analysis
    return BulletReview(
        location=b.location,
        bullet=b.text,
        role=b.role,
        slots={s.value: SlotView(present=f.present, evidence=f.evidence) for s, f in a.slots.items()} if a else {},
        missing=[s.value for s in a.missing] if a else [],
        closed_loop=_closed(b),
        data_metrics=[str(m) for m in b.measures.data_metrics],
        model_metrics=[str(m) for m in b.measures.model_metrics],
        scale=b.measures.scale,
        style=[f.message for f in guards.style_findings(b.text, role=role)],
        questions=[QuestionView(slot=q.slot.value, text=q.text) for q in a.questions] if a else [],
        error=b.error,
    )


def _roles(outline: Outline, by_location: dict[str, _Bullet]) -> list[RoleReview]:
    experience = outline.experience_roles()
    ranks = {id(r): name for r, name in zip(experience, ("most recent", "previous"))}
    out = []
    for r in outline.roles:
        bs = [by_location[loc] for loc in r.locations if loc in by_location]
        view = RoleReview(
            heading=r.heading,
            section=r.section,
            rank=ranks.get(id(r)),
            bullets=[b.location for b in bs],
            closed_loops=[b.location for b in bs if _closed(b)],
            scale=[b.location for b in bs if b.measures.scale],
        )
        if view.rank == "most recent":
            view.expected = RECENT
            view.ok = len(view.closed_loops) >= RECENT["closed_loops"]
            view.message = (
                f"{_n(len(view.bullets), 'bullet')}, {_n(len(view.closed_loops), 'closed loop')}; "
                f"the guide asks for {RECENT['bullets']} bullets, each a closed loop"
            )
        elif view.rank == "previous":
            view.expected = PREVIOUS
            view.ok = len(view.bullets) >= PREVIOUS["bullets"] and len(view.scale) >= PREVIOUS["scale"]
            view.message = (
                f"{_n(len(view.bullets), 'bullet')}, {len(view.scale)} showing scale; the guide asks for "
                f"{PREVIOUS['bullets']} bullets, one showing scale (examples, latency, throughput)"
            )
        out.append(view)
    return out


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


# --- checks ---------------------------------------------------------------------------------------


def _checks(outline: Outline, bullets: list[_Bullet], role: str) -> list[Check]:
    return [
        _balance_check(bullets),
        _title_check(outline, role),
        _length_check(outline, bullets),
        _soft_skills_check(outline, bullets),
        _bullets_per_role_check(outline, bullets),
    ]


def _balance_check(bullets: list[_Bullet]) -> Check:
    data = [b for b in bullets if b.measures.data_metrics]
    model = [b for b in bullets if b.measures.model_metrics]
    n_data = sum(len(b.measures.data_metrics) for b in bullets)
    n_model = sum(len(b.measures.model_metrics) for b in bullets)
    ok = n_model <= n_data
    if ok:
        msg = f"{_n(n_data, 'data metric')}, {_n(n_model, 'model metric')}: data leads, as the guide wants"
        if n_data == 0:
            msg = "no metrics at all: the balance holds only because nothing is measured"
    else:
        msg = (
            f"{_n(n_model, 'model metric')} against {_n(n_data, 'data metric')}: the guide downranks a resume with more "
            "model metrics than data metrics; state what changed in the data"
        )
    return Check(key="metric_balance", ok=ok, message=msg, locations=[b.location for b in (data if ok else model)])


_STOP = {"a", "an", "the", "of", "for", "and", "in", "at", "on"}


def _title_check(outline: Outline, role: str) -> Check:
    header = " · ".join(outline.header)
    found = guards.title_findings(header, role)
    if found:
        return Check(
            key="title",
            ok=False,
            message=found[0].message + " (the guide: such a title is filtered out)",
            locations=["header"],
        )
    words = [w for w in re.findall(r"[a-z]+", role.lower()) if w not in _STOP]
    low = header.lower()
    stems = [w[:-1] if w.endswith("s") else w for w in words]
    if words and all(re.search(rf"\b{re.escape(s)}", low) for s in stems):
        line = next((h for h in outline.header if all(s in h.lower() for s in stems)), header)
        return Check(
            key="title", ok=True, message=f'the top of the resume names the role: "{line[:80]}"', locations=["header"]
        )
    return Check(
        key="title",
        ok=False,
        locations=["header"],
        message=f'no "{role}" title at the top of the resume; the guide wants a role-specific title there '
        '(e.g. "Data Scientist, ML Infrastructure")',
    )


def _length_check(outline: Outline, bullets: list[_Bullet]) -> Check:
    if outline.pages is not None:
        ok = outline.pages <= 1
        return Check(
            key="length",
            ok=ok,
            message=f"{outline.pages} page{'s' * (outline.pages != 1)} (from the file)"
            + ("" if ok else "; the guide: one page is mandatory, a second gets truncated"),
        )
    est = estimate_pages(outline, [b.text for b in bullets])
    ok = est <= 1.0
    return Check(
        key="length",
        ok=ok,
        message=f'about {est:.1f} pages (an estimate from the text at 11pt with 0.5" '
        "margins; the file does not say)" + ("" if ok else "; the guide: one page is mandatory"),
    )


def _soft_skills_check(outline: Outline, bullets: list[_Bullet]) -> Check:
    where: dict[str, list[str]] = {}
    written: dict[str, str] = {}  # the phrase as it first appears

    def found(text: str, location: str) -> None:
        for phrase in guards.filler_phrases(text):
            written.setdefault(phrase.lower(), phrase)
            where.setdefault(phrase.lower(), []).append(location)

    for b in bullets:
        found(b.text, b.location)
    bullet_texts = {b.text for b in bullets}
    header = set(outline.header)
    for line in outline.lines:
        if line not in bullet_texts:
            found(line, "header" if line in header else "outside the bullets")
    if not where:
        return Check(key="soft_skills", ok=True, message="no soft-skill words (team player, passionate, innovative…)")
    listed = ", ".join(f'"{written[p]}" ({", ".join(sorted(set(locs))[:3])})' for p, locs in where.items())
    return Check(
        key="soft_skills",
        ok=False,
        message=f"soft-skill words: {listed}; show the work instead",
        locations=sorted({loc for locs in where.values() for loc in locs}),
    )


def _bullets_per_role_check(outline: Outline, bullets: list[_Bullet]) -> Check:
    by_location = {b.location: b for b in bullets}
    exp = outline.experience_roles()
    if not exp:
        return Check(key="bullets_per_role", ok=False, message="no roles found")
    problems, locs = [], []
    recent = [by_location[loc] for loc in exp[0].locations if loc in by_location]
    closed = [b for b in recent if _closed(b)]
    locs += [b.location for b in recent if not _closed(b)]
    if len(closed) < RECENT["closed_loops"]:
        problems.append(
            f"most recent role ({exp[0].heading}): {len(closed)} of the 3 closed-loop bullets the guide asks for"
        )
    if len(exp) > 1:
        prev = [by_location[loc] for loc in exp[1].locations if loc in by_location]
        if len(prev) < PREVIOUS["bullets"]:
            problems.append(f"previous role: {len(prev)} bullets, the guide asks for 2")
        if not any(b.measures.scale for b in prev):
            problems.append(f"previous role ({exp[1].heading}): no bullet shows scale (examples, latency, throughput)")
            locs += [b.location for b in prev]
    else:
        problems.append("only one role found; the guide expects a previous role with 2 bullets, one showing scale")
    if problems:
        return Check(key="bullets_per_role", ok=False, message="; ".join(problems), locations=locs)
    return Check(
        key="bullets_per_role",
        ok=True,
        message="most recent role has 3 closed-loop bullets; previous role has 2 bullets, one showing scale",
    )


# --- fixes ----------------------------------------------------------------------------------------


def _filled(f: scoring.Facts, slots: set[Slot]) -> scoring.Facts:
    """``f`` as it would be with ``slots`` answered with a measured answer (what a fix asks for)."""
    m = f.measures
    added = TextMeasures(
        list(m.data_metrics), list(m.model_metrics), list(m.scale), list(m.change), list(m.integration), list(m.vague)
    )
    if Slot.DATA_OUTCOME in slots:
        added.data_metrics.append(Metric("(your answer)", DATA, ""))
        added.change.append("(your answer)")
    if Slot.MODEL_IMPACT in slots:
        added.model_metrics.append(Metric("(your answer)", MODEL, ""))
    return replace(f, present=f.present | slots, measures=added)


def _gain(facts: list[scoring.Facts], i: int, slots: set[Slot], base: float) -> float:
    trial = list(facts)
    trial[i] = _filled(facts[i], slots)
    return scoring.total(scoring.score(trial)) - base


def _fixes(bullets: list[_Bullet], facts: list[scoring.Facts]) -> list[Fix]:
    base = scoring.total(scoring.score(facts))
    found = []
    for i, b in enumerate(bullets):
        if b.analysis is None or not b.analysis.missing:
            continue
        missing = set(b.analysis.missing)
        gain = _gain(facts, i, missing, base)
        if gain <= 0.05:
            continue
        best = max(b.analysis.missing, key=lambda s: (_gain(facts, i, {s}, base), -list(Slot).index(s)))
        question = b.analysis.question_for(best)
        labels = ", ".join(s.label for s in b.analysis.missing)
        found.append(
            Fix(
                location=b.location,
                slot=best.value,
                gain=round(gain, 1),
                question=question.text if question else f"What was the {best.label}?",
                why=f"missing {labels}: measured answers would add up to {gain:.1f} points to the total",
            )
        )
    found.sort(key=lambda f: -f.gain)
    return found[:MAX_FIXES]


# --- before / after -------------------------------------------------------------------------------


def _before_after(
    document: Document,
    bullets: list[_Bullet],
    facts: list[scoring.Facts],
    dims: list[scoring.DimensionScore],
    rewritten: Path | None,
    questions: Path | None,
    notes: list[str],
) -> BeforeAfter | None:
    from bulletsmith.batch import default_output_path, default_questions_path

    rewritten = rewritten or default_output_path(document)
    questions = questions or default_questions_path(document.path)
    bank = AnswerBank()
    sources = []
    if questions.is_file():
        try:
            bank = AnswerBank.load([questions])
            sources.append(f"answers in {questions.name}")
        except AnswersFileError as e:
            notes.append(f"questions file not read: {e}")
    after_texts: dict[str, str] = {}
    if rewritten.is_file() and rewritten.resolve() != document.path.resolve():
        try:
            new = load_document(rewritten)
        except DocumentError as e:
            notes.append(f"rewritten file not read: {e}")
        else:
            if len(new.bullets) == len(bullets):  # a rewrite keeps every bullet, in order
                after_texts = {b.location: n.text for b, n in zip(bullets, new.bullets)}
                sources.insert(0, f"the rewrite {rewritten.name}")
            else:
                notes.append(f"{rewritten.name} has {len(new.bullets)} bullets, not {len(bullets)}: not compared")
    if not sources:
        return None
    after = []
    for b, f in zip(bullets, facts):
        if b.analysis is None:
            after.append(f)
            continue
        answers = {s: a.text for s, a in bank.answers_for(b.text, b.analysis.missing).items() if a.usable}
        text = after_texts.get(b.location) or "; ".join([b.text, *answers.values()])
        evidence = {s: fill.evidence for s, fill in b.analysis.slots.items()}
        measures = measure_text(text, slot_hints(evidence, answers))
        after.append(scoring.Facts(b.location, f.present | set(answers), measures))
    after_dims = scoring.score(after)
    return BeforeAfter(
        source=" and ".join(sources),
        total_before=round(scoring.total(dims), 1),
        total_after=round(scoring.total(after_dims), 1),
        dimensions=[
            DimensionChange(key=d.key, label=scoring.LABELS[d.key], before=round(d.score, 1), after=round(a.score, 1))
            for d, a in zip(dims, after_dims)
        ],
    )

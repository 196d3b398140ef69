"""Score an engine on labelled bullets: slot detection, question targeting, rewrite guards.

Cases live in evals/cases/*.yaml (a list of cases per file); see evals/README.md.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from bulletsmith import guards
from bulletsmith.models import Analysis, Answer, Rewrite, Slot


class CaseError(ValueError):
    """A case file that can't be read; one line naming the file and the case."""


class Expect(BaseModel):
    must_contain: list[str] = Field(default_factory=list)
    must_not_contain: list[str] = Field(default_factory=list)
    max_words: int | None = None


class Case(BaseModel):
    id: str
    bullet: str
    gold: dict[Slot, bool]
    evidence: dict[Slot, str] = Field(default_factory=dict)
    answers: dict[Slot, str] = Field(default_factory=dict)
    expect: Expect = Field(default_factory=Expect)
    tags: list[str] = Field(default_factory=list)
    source: str | None = None
    license: str | None = None
    origin_id: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "Case":
        if set(self.gold) != set(Slot):
            raise ValueError("gold must label all four slots")
        for slot, words in self.evidence.items():
            if not self.gold[slot]:
                raise ValueError(f"evidence given for {slot}, which gold marks absent")
            if not guards.is_grounded(words, self.bullet):
                raise ValueError(f"gold evidence for {slot} is not in the bullet: {words!r}")
        return self

    @property
    def gold_missing(self) -> list[Slot]:
        return [s for s in Slot if not self.gold[s]]


def load_cases(directory: Path) -> list[Case]:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CaseError(f"{directory}: no case files (*.yaml)")
    cases: list[Case] = []
    for path in files:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as e:
            raise CaseError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
        if not isinstance(raw, list):
            raise CaseError(f"{path}: expected a list of cases")
        for i, item in enumerate(raw):
            try:
                cases.append(Case.model_validate(item))
            except ValidationError as e:
                first = e.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                msg = first["msg"].removeprefix("Value error, ")
                case_id = item.get("id", i) if isinstance(item, dict) else i
                raise CaseError(f"{path}: case {case_id}: {where + ': ' if where else ''}{msg}") from None
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CaseError(f"{directory}: duplicate case ids: {', '.join(dupes)}")
    return cases


class Counts(BaseModel):
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, predicted: bool, gold: bool) -> None:
        if predicted and gold:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif gold:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary(self) -> dict:
        return {"precision": round(self.precision, 3), "recall": round(self.recall, 3), "f1": round(self.f1, 3),
                "support": self.tp + self.fn, **self.model_dump()}


class CaseResult(BaseModel):
    id: str
    analysis: Analysis
    rewrite: Rewrite
    unsupported: list[str]
    style_warnings: list[str]
    expect_failures: list[str]


class Report(BaseModel):
    engine: str
    model: str | None
    cases: int
    slots: dict[str, dict]
    overall_slots: dict
    questions: dict
    rewrites: dict
    seconds: float
    results: list[CaseResult] = Field(default_factory=list, exclude=True)

    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if r.unsupported or r.expect_failures]


def _expect_failures(expect: Expect, text: str) -> list[str]:
    fails = []
    norm = guards.normalize_text(text)
    for token in expect.must_contain:
        if guards.normalize_text(token) not in norm:
            fails.append(f"missing {token!r}")
    for token in expect.must_not_contain:
        if guards.normalize_text(token) in norm:
            fails.append(f"contains {token!r}")
    words = len(re.findall(r"\S+", text))
    if expect.max_words is not None and words > expect.max_words:
        fails.append(f"{words} words > {expect.max_words}")
    return fails


def evaluate(assistant, cases: Iterable[Case], *, select: str | None = None) -> Report:  # noqa: ANN001
    """Run every case through `assistant` (analyze, then rewrite with the case's answers)."""
    cases = [c for c in cases if select is None or select in c.id or select in c.tags]
    started = time.perf_counter()
    per_slot = {slot: Counts() for slot in Slot}
    overall = Counts()
    q_counts = Counts()  # predicted = asked, gold = slot missing
    results: list[CaseResult] = []
    for case in cases:
        analysis = assistant.analyze(case.bullet)
        for slot in Slot:
            per_slot[slot].add(analysis.slots[slot].present, case.gold[slot])
            overall.add(analysis.slots[slot].present, case.gold[slot])
            q_counts.add(analysis.question_for(slot) is not None, not case.gold[slot])
        answers = {slot: Answer.parse(slot, value) for slot, value in case.answers.items()}
        rewrite = assistant.rewrite(analysis, answers)
        candidate = rewrite.rejected_text or rewrite.text
        sources = [case.bullet, *(a.text for a in answers.values() if a.usable)]
        results.append(
            CaseResult(
                id=case.id,
                analysis=analysis,
                rewrite=rewrite,
                # Checked on what is presented: after the guard, this must be empty for every case.
                unsupported=guards.unsupported_quantities(rewrite.text, sources),
                style_warnings=[str(w) for w in rewrite.warnings if w.guard.startswith("style")],
                expect_failures=_expect_failures(case.expect, candidate),
            )
        )
    n = len(results) or 1
    return Report(
        engine=assistant.engine,
        model=assistant.model,
        cases=len(results),
        slots={slot.value: per_slot[slot].summary() for slot in Slot},
        overall_slots=overall.summary(),
        questions={"precision": round(q_counts.precision, 3), "recall": round(q_counts.recall, 3),
                   "f1": round(q_counts.f1, 3)},
        rewrites={
            "guard_rejected": sum(1 for r in results if not r.rewrite.ok),
            "fabricated_numbers_after_guard": sum(len(r.unsupported) for r in results),
            "style_compliance": round(sum(1 for r in results if not r.style_warnings) / n, 3),
            "expectations_met": round(sum(1 for r in results if not r.expect_failures) / n, 3),
            "requests_per_bullet": 0.0 if assistant.engine == "rules" else None,
        },
        seconds=round(time.perf_counter() - started, 3),
        results=results,
    )


def check_thresholds(report: Report, path: Path) -> list[str]:
    """Breaches of evals/thresholds.yaml for this report's engine, one line each."""
    if not path.exists():
        return []
    try:
        spec = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(report.engine, {})
    except yaml.YAMLError as e:
        raise CaseError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    data = report.model_dump()
    breaches = []
    for bound, limits in spec.items():
        for dotted, limit in (limits or {}).items():
            value = data
            for part in dotted.split("."):
                value = value[part]
            if bound == "min" and value < limit:
                breaches.append(f"{dotted} = {value} is below the minimum {limit}")
            if bound == "max" and value > limit:
                breaches.append(f"{dotted} = {value} is above the maximum {limit}")
    return breaches

"""Score an engine on labelled bullets: slot detection, question targeting, rewrite guards.

Cases live in evals/cases/*.yaml (a list of cases per file); see evals/README.md. The openai
engine is scored over recorded model calls (`eval_recordings.Recordings`, evals/recordings/):
replayed offline by default, recorded from the configured endpoint with ``--record``; the
number guard against hand labels of those drafts in `eval_labels`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from bulletsmith import guards
from bulletsmith.errors import InputError
from bulletsmith.models import Analysis, Answer, Rewrite, Slot


class CaseError(InputError):
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
    # The case file's stem (own, realdata, realdata-heldout...): the report gives slot figures per file,
    # so a held-back file is scored beside the files the lexicon was tuned on.
    file: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Case:
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
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise CaseError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
        if not raw:  # an emptied or cut-off file would drop its cases from every figure unseen
            raise CaseError(f"{path}: no cases in the file")
        if not isinstance(raw, list):
            raise CaseError(f"{path}: expected a list of cases")
        for i, item in enumerate(raw):
            try:
                case = Case.model_validate(item)
            except ValidationError as e:
                first = e.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                msg = first["msg"].removeprefix("Value error, ")
                case_id = item.get("id", i) if isinstance(item, dict) else i
                raise CaseError(f"{path}: case {case_id}: {where + ': ' if where else ''}{msg}") from None
            case.file = case.file or path.stem
            cases.append(case)
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
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "support": self.tp + self.fn,
            **self.model_dump(),
        }


class CaseResult(BaseModel):
    id: str
    analysis: Analysis
    rewrite: Rewrite
    unsupported: list[str]
    # Claims that are not numbers (tools, methods, scope, ownership) that no source gives, in
    # what is presented: after the guard, empty for every case.
    unsupported_claims: list[str] = Field(default_factory=list)
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
    # Per case file: slot precision/recall/F1 per slot, overall (micro) and the macro F1 of the four slots.
    by_file: dict[str, dict] = Field(default_factory=dict)
    usage: dict = Field(default_factory=dict)
    seconds: float
    results: list[CaseResult] = Field(default_factory=list, exclude=True)

    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if r.unsupported or r.unsupported_claims or r.expect_failures]


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


def _usage_totals(results: list[CaseResult]) -> dict:
    requests = reasks = prompt_tokens = completion_tokens = 0
    for r in results:
        for usage in (r.analysis.usage, r.rewrite.usage):
            if usage is not None:
                requests += usage.requests
                reasks += usage.reasks
                prompt_tokens += usage.prompt_tokens
                completion_tokens += usage.completion_tokens
    return {
        "requests": requests,
        "reasks": reasks,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
    }


def _reask_figures(results: list[CaseResult]) -> dict:
    """Model answers that broke a guard on the first try, and those still broken after the re-asks."""
    out: dict[str, int] = {}
    for call, pick in (
        ("analyze", lambda r: (r.analysis.usage, r.analysis.findings)),
        ("rewrite", lambda r: (r.rewrite.usage, r.rewrite.warnings)),
    ):
        before = after = cut_off = 0
        for r in results:
            usage, findings = pick(r)
            failed = [f for f in findings if f.guard == "reask" and f.severity == "error"]
            if (usage is not None and usage.reasks > 0) or failed:
                before += 1
            if failed:
                after += 1
                cut_off += any("cut off" in f.message for f in failed)
        out[f"{call}_violations_before_reask"] = before
        out[f"{call}_violations_after_reask"] = after
        out[f"{call}_cut_off"] = cut_off
    return out


def _unsupported(text: str, bullet: str, answers: Iterable[Answer]) -> list[str]:
    """The numbers of a rewrite that neither the bullet's claims nor the answers give; none in
    the bullet kept as written (the person's own text)."""
    if guards.kept_as_written(text, bullet):
        return []
    return guards.unsupported_quantities(text, guards.rewrite_sources(bullet, answers))


def _file_figures(counts: dict[Slot, Counts], questions: Counts, styled: list[tuple[bool, bool]]) -> dict:
    """One case file's figures; `styled`: per case, (gives answers, rewrite has no style warning)."""
    first = next(iter(counts.values()))
    n = first.tp + first.fp + first.fn + first.tn
    total = Counts()
    for c in counts.values():
        total.tp, total.fp, total.fn, total.tn = (
            total.tp + c.tp,
            total.fp + c.fp,
            total.fn + c.fn,
            total.tn + c.tn,
        )
    return {
        "cases": n,
        "slots": {s.value: c.summary() for s, c in counts.items()},
        "overall_slots": total.summary(),
        "macro_f1": round(sum(c.f1 for c in counts.values()) / len(counts), 3),
        "questions": {"precision": round(questions.precision, 3), "recall": round(questions.recall, 3)},
        "rewrites": {
            "style_compliance": round(sum(ok for _, ok in styled) / (len(styled) or 1), 3),
            "style_compliance_answered": round(sum(ok for a, ok in styled if a) / (sum(a for a, _ in styled) or 1), 3),
            "answered_cases": sum(a for a, _ in styled),
        },
    }


def _invented_claims(text: str, bullet: str, answers: Iterable[Answer]) -> list[str]:
    """The claims that are not numbers (tools, methods, scope, ownership…) of a rewrite that
    neither the bullet nor the answers give; none in the bullet kept as written."""
    if guards.kept_as_written(text, bullet):
        return []
    return guards.unsupported_claims(text, guards.rewrite_sources(bullet, answers))


def evaluate(assistant, cases: Iterable[Case], *, select: str | None = None, replay=None) -> Report:  # noqa: ANN001
    """Run every case through `assistant` (analyze, then rewrite with the case's answers).

    replay: a `Recordings` when the assistant runs over recorded calls: it skips the cases
    with no recording, sets each call's key context (the prompt file's hash), and keeps the
    cases whose requests missed (stale) instead of scoring them.
    """
    cases = [c for c in cases if select is None or select in c.id or select in c.tags]
    started = time.perf_counter()
    per_slot = {slot: Counts() for slot in Slot}
    overall = Counts()
    q_counts = Counts()  # predicted = asked, gold = slot missing
    file_slots: dict[str, dict[Slot, Counts]] = {}
    file_questions: dict[str, Counts] = {}
    file_styled: dict[str, list[tuple[bool, bool]]] = {}
    results: list[CaseResult] = []
    answered: list[bool] = []  # per result: the case file gives the person's answers
    for case in cases:
        if replay is not None:
            outcome = replay.run_case(assistant, case)
            if outcome is None:
                continue
            analysis, answers, rewrite = outcome
        else:
            analysis = assistant.analyze(case.bullet)
            answers = {slot: Answer.parse(slot, value) for slot, value in case.answers.items()}
            rewrite = assistant.rewrite(analysis, answers)
        for slot in Slot:
            per_slot[slot].add(analysis.slots[slot].present, case.gold[slot])
            overall.add(analysis.slots[slot].present, case.gold[slot])
            file_slots.setdefault(case.file, {s: Counts() for s in Slot})[slot].add(
                analysis.slots[slot].present, case.gold[slot]
            )
            q_counts.add(analysis.question_for(slot) is not None, not case.gold[slot])
            file_questions.setdefault(case.file, Counts()).add(
                analysis.question_for(slot) is not None, not case.gold[slot]
            )
        candidate = rewrite.rejected_text or rewrite.text
        answered.append(bool(case.answers))
        file_styled.setdefault(case.file, []).append(
            (bool(case.answers), not any(w.guard.startswith("style") for w in rewrite.warnings))
        )
        results.append(
            CaseResult(
                id=case.id,
                analysis=analysis,
                rewrite=rewrite,
                # Checked on what is presented: after the guard, this must be empty for every case.
                unsupported=_unsupported(rewrite.text, case.bullet, answers.values()),
                unsupported_claims=_invented_claims(rewrite.text, case.bullet, answers.values()),
                style_warnings=[str(w) for w in rewrite.warnings if w.guard.startswith("style")],
                expect_failures=_expect_failures(case.expect, candidate),
            )
        )
    n = len(results) or 1
    usage = _usage_totals(results)
    offline = assistant.engine == "rules"
    rewrites = {
        "guard_rejected": sum(1 for r in results if not r.rewrite.ok),
        "fabricated_numbers_after_guard": sum(len(r.unsupported) for r in results),
        # Numbers in the model's own draft that no source gives, before the guard rejected it.
        "fabricated_numbers_before_guard": sum(
            len(_unsupported(r.rewrite.rejected_text or r.rewrite.text, r.analysis.bullet, r.rewrite.answers))
            for r in results
        ),
        "invented_claims_after_guard": sum(len(r.unsupported_claims) for r in results),
        # Claims in the model's own draft that no source gives (a tool, a method, more
        # ownership, a scope), before the guard rejected it.
        "invented_claims_before_guard": sum(
            len(_invented_claims(r.rewrite.rejected_text or r.rewrite.text, r.analysis.bullet, r.rewrite.answers))
            for r in results
        ),
        "style_compliance": round(sum(1 for r in results if not r.style_warnings) / n, 3),
        # The same over the cases that give answers, where the engine writes a rewrite; with no
        # answer the rewrite is the person's bullet, whose style is theirs (evals/README.md).
        "style_compliance_answered": round(
            sum(1 for r, a in zip(results, answered) if a and not r.style_warnings) / (sum(answered) or 1), 3
        ),
        "answered_cases": sum(answered),
        "expectations_met": round(sum(1 for r in results if not r.expect_failures) / n, 3),
        "requests_per_bullet": 0.0 if offline else round(usage["requests"] / n, 3),
        "tokens_per_bullet": 0.0 if offline else round((usage["prompt_tokens"] + usage["completion_tokens"]) / n, 1),
    }
    if not offline:
        rewrites.update(_reask_figures(results))
    return Report(
        engine=assistant.engine,
        model=assistant.model,
        cases=len(results),
        slots={slot.value: per_slot[slot].summary() for slot in Slot},
        overall_slots=overall.summary(),
        questions={
            "precision": round(q_counts.precision, 3),
            "recall": round(q_counts.recall, 3),
            "f1": round(q_counts.f1, 3),
        },
        rewrites=rewrites,
        by_file={
            name: _file_figures(counts, file_questions[name], file_styled[name])
            for name, counts in sorted(file_slots.items())
        },
        usage=usage,
        seconds=round(time.perf_counter() - started, 3),
        results=results,
    )


class ThresholdsError(CaseError):
    """A thresholds file that is missing or can't be read: an eval that checks nothing must not pass."""


THRESHOLD_BOUNDS = ("min", "max")


def load_thresholds(path: Path) -> dict[str, dict[str, dict[str, float]]]:
    """evals/thresholds.yaml: per engine, ``min`` and ``max`` figures by dotted path into a report."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ThresholdsError(f"{path}: no thresholds file; pass --thresholds FILE (evals/thresholds.yaml)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ThresholdsError(f"{path}: can't read the thresholds file ({e.__class__.__name__})") from None
    except yaml.YAMLError as e:
        raise ThresholdsError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(raw, dict) or not raw:
        raise ThresholdsError(f"{path}: expected a block of min/max figures per engine (rules:, openai:)")
    for engine, spec in raw.items():
        if not isinstance(spec, dict) or set(spec) - set(THRESHOLD_BOUNDS):
            raise ThresholdsError(f"{path}: {engine}: expected only min: and max: blocks")
        for bound, limits in spec.items():
            if not isinstance(limits, dict) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in limits.values()
            ):
                raise ThresholdsError(f"{path}: {engine}.{bound}: expected figure: number lines")
    return raw


def check_thresholds(report: Report, path: Path) -> list[str]:
    """Breaches of evals/thresholds.yaml for this report's engine, one line each.

    A missing or unreadable file, an engine with no block, or a figure the report doesn't have
    raises `ThresholdsError`: checking nothing is not passing. A per-file figure (`by_file.NAME…`)
    of a case file the run did not include is not checked."""
    spec = load_thresholds(path)
    if report.engine not in spec:
        raise ThresholdsError(f"{path}: no thresholds for engine {report.engine!r}")
    data = report.model_dump()
    breaches = []
    for bound, limits in spec[report.engine].items():
        for dotted, limit in limits.items():
            parts = dotted.split(".")
            if parts[0] == "by_file" and len(parts) > 1 and parts[1] not in data.get("by_file", {}):
                continue  # that case file is not in this run (--cases, a subset): nothing of it to score
            value: Any = data
            for part in dotted.split("."):
                if not isinstance(value, dict) or part not in value:
                    raise ThresholdsError(f"{path}: {report.engine}.{bound}.{dotted}: no such figure in the report")
                value = value[part]
            if not isinstance(value, (int, float)):
                raise ThresholdsError(f"{path}: {report.engine}.{bound}.{dotted}: not a figure of the report")
            if bound == "min" and value < limit:
                breaches.append(f"{dotted} = {value} is below the minimum {limit}")
            if bound == "max" and value > limit:
                breaches.append(f"{dotted} = {value} is above the maximum {limit}")
    return breaches

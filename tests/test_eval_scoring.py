"""The eval's own scoring: expectations met or not, every threshold kind breached, a thresholds
file that is missing or unreadable. Each test here fails if the scoring it names is broken
(every expectation counted as met, minimums ignored, a missing file passing silently)."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
import yaml
from support.paths import REPO
from typer.testing import CliRunner

from bulletsmith import Assistant, evaluation
from bulletsmith.cli import app
from bulletsmith.engines.base import Draft
from bulletsmith.evaluation import (
    Case,
    CaseError,
    Expect,
    Report,
    ThresholdsError,
    _expect_failures,
    check_thresholds,
    evaluate,
    load_cases,
    load_thresholds,
)
from bulletsmith.models import Analysis, Finding, Question, Slot, SlotFill, Usage

CASES = REPO / "evals" / "cases"
THRESHOLDS = REPO / "evals" / "thresholds.yaml"
GOLD_NONE = {"problem": False, "action": True, "data_outcome": False, "model_impact": False}


# --------------------------------------------------------------------------- expectations, one kind at a time


@pytest.mark.parametrize(
    "expect, text, failures",
    [
        # must_contain: met (case, spacing and dashes don't matter), not met
        (Expect(must_contain=["40%"]), "Cut churn by 40%", []),
        (Expect(must_contain=["Churn  Model"]), "Built a churn model", []),
        (Expect(must_contain=["40%"]), "Cut churn by 4%", ["missing '40%'"]),
        (Expect(must_contain=["40%", "churn"]), "Cut costs", ["missing '40%'", "missing 'churn'"]),
        # must_not_contain: met, not met
        (Expect(must_not_contain=["passionate"]), "Built a churn model", []),
        (Expect(must_not_contain=["team player"]), "A Team  Player who built a model", ["contains 'team player'"]),
        # max_words: at the limit is met, one over is not
        (Expect(max_words=4), "Built a churn model", []),
        (Expect(max_words=3), "Built a churn model", ["4 words > 3"]),
        # none given: nothing to fail
        (Expect(), "anything at all", []),
        # every kind failing at once, each named
        (
            Expect(must_contain=["Kafka"], must_not_contain=["synergy"], max_words=2),
            "Leveraged synergy here",
            ["missing 'Kafka'", "contains 'synergy'", "3 words > 2"],
        ),
    ],
)
def test_each_expectation_kind_is_met_or_not(expect, text, failures):
    assert _expect_failures(expect, text) == failures


class Scripted:
    """An engine stand-in for `evaluate`: the rules engine's analysis, and a rewrite draft given
    per bullet, checked by the real guards (as the Assistant checks any engine's draft)."""

    engine, model = "scripted", None

    def __init__(self, drafts: dict[str, str]) -> None:
        self.rules = Assistant(engine="rules")
        self.drafts = drafts

    def analyze(self, bullet, *, fresh=False):
        return self.rules.analyze(bullet)

    def rewrite(self, analysis, answers, *, fresh=False):
        return self.rules._checked_rewrite(analysis, answers, Draft(self.drafts[analysis.bullet]))


def case(i: int, bullet: str, **expect) -> Case:
    return Case(id=f"t-{i}", bullet=bullet, gold=GOLD_NONE, expect=Expect(**expect))


def test_expectations_met_counts_the_rewrites_that_meet_theirs():
    cases = [
        case(1, "Built a churn model", must_contain=["churn"]),
        case(2, "Built a fraud model", must_contain=["fraud"], max_words=3),
        case(3, "Built a pricing model", must_not_contain=["synergy"]),
        case(4, "Built a search model", must_contain=["search"]),
    ]
    drafts = {
        "Built a churn model": "Built a churn model in Python",  # met
        "Built a fraud model": "Built a fraud model in Python",  # 6 words > 3
        "Built a pricing model": "Built a pricing model with synergy",  # contains synergy
        "Built a search model": "Built a search model",  # met (kept as written)
    }
    report = evaluate(Scripted(drafts), cases)
    assert report.rewrites["expectations_met"] == 0.5
    failed = {r.id: r.expect_failures for r in report.results}
    assert failed == {"t-1": [], "t-2": ["6 words > 3"], "t-3": ["contains 'synergy'"], "t-4": []}
    assert {r.id for r in report.failures()} == {"t-2", "t-3"}


def test_a_rejected_draft_is_what_the_expectations_judge():
    """A draft the guard refused is scored on its own words, not on the bullet shown in its place."""
    cases = [case(1, "Built a churn model", must_not_contain=["40%"])]
    report = evaluate(Scripted({"Built a churn model": "Built a churn model that cut churn by 40%"}), cases)
    (result,) = report.results
    assert not result.rewrite.ok and result.rewrite.text == "Built a churn model"
    assert result.expect_failures == ["contains '40%'"]
    assert report.rewrites["expectations_met"] == 0.0
    assert report.rewrites["guard_rejected"] == 1


# --------------------------------------------------------------------------- thresholds: every kind breached


@pytest.fixture(scope="module")
def rules_report() -> Report:
    """A rules report with every figure and case file the thresholds name: the first case of each
    file is enough, since the tests set the figures they check (the whole eval takes 14 s)."""
    first_of_each: dict[str, object] = {}
    for case in load_cases(CASES):
        first_of_each.setdefault(case.file, case)
    return evaluate(Assistant(engine="rules"), first_of_each.values())


def _set(data: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data[part]
    data[last] = value


def _limits() -> list[tuple[str, str, str, float]]:
    spec = yaml.safe_load(THRESHOLDS.read_text())
    return [
        (engine, bound, dotted, limit)
        for engine, bounds in spec.items()
        for bound, limits in bounds.items()
        for dotted, limit in limits.items()
    ]


def _at_the_limits(rules_report: Report, engine: str) -> dict:
    """A report of `engine` with every figure its thresholds name set exactly at its limit."""
    data = copy.deepcopy(rules_report.model_dump())
    data["engine"] = engine
    data["rewrites"].setdefault("requests_per_bullet", 0.0)
    for eng, _, dotted, limit in _limits():
        if eng == engine:
            _set(data, dotted, limit)
    return data


@pytest.mark.parametrize("engine, bound, dotted, limit", _limits(), ids=lambda v: str(v))
def test_every_threshold_in_the_file_fails_when_breached(rules_report, engine, bound, dotted, limit):
    at_limit = _at_the_limits(rules_report, engine)
    assert check_thresholds(Report.model_validate(at_limit), THRESHOLDS) == []  # the limit itself passes
    step = 0.01 if isinstance(limit, float) else 1
    breached = copy.deepcopy(at_limit)
    _set(breached, dotted, round(limit - step if bound == "min" else limit + step, 3))
    breaches = check_thresholds(Report.model_validate(breached), THRESHOLDS)
    word = "below the minimum" if bound == "min" else "above the maximum"
    assert breaches == [f"{dotted} = {round(limit - step if bound == 'min' else limit + step, 3)} is {word} {limit}"]


def test_both_bounds_are_in_the_file_for_both_engines():
    kinds = {(engine, bound) for engine, bound, _, _ in _limits()}
    assert kinds == {("rules", "min"), ("rules", "max"), ("openai", "min"), ("openai", "max")}


def test_min_and_max_each_fail_on_their_own_side_only(tmp_path, rules_report):
    path = tmp_path / "t.yaml"
    path.write_text("rules:\n  min:\n    overall_slots.f1: 0.5\n  max:\n    rewrites.guard_rejected: 3\n")
    data = rules_report.model_dump()
    for f1, rejected, expected in [
        (0.5, 3, []),
        (0.49, 3, ["overall_slots.f1 = 0.49 is below the minimum 0.5"]),
        (0.9, 4, ["rewrites.guard_rejected = 4 is above the maximum 3"]),
        (
            0.1,
            9,
            ["overall_slots.f1 = 0.1 is below the minimum 0.5", "rewrites.guard_rejected = 9 is above the maximum 3"],
        ),
    ]:
        changed = copy.deepcopy(data)
        changed["overall_slots"]["f1"], changed["rewrites"]["guard_rejected"] = f1, rejected
        assert check_thresholds(Report.model_validate(changed), path) == expected


# --------------------------------------------------------------------------- a thresholds file that can't be used


@pytest.mark.parametrize(
    "content, words",
    [
        (None, "no thresholds file"),
        ("rules: [min\n", r"not valid YAML \(while parsing"),  # YAML's own first line says where
        ("", "expected a block of min/max figures per engine"),
        ("- rules\n", "expected a block of min/max figures per engine"),
        ("rules:\n  least:\n    overall_slots.f1: 0.5\n", "rules: expected only min: and max: blocks"),
        ("rules:\n  min:\n    overall_slots.f1: high\n", "rules.min: expected figure: number lines"),
        ("rules:\n  min:\n    overall_slots.f2: 0.5\n", "rules.min.overall_slots.f2: no such figure in the report"),
        ("openai:\n  min: {}\n", "no thresholds for engine 'rules'"),
        ("rules:\n  min:\n    overall_slots: 0.5\n", "rules.min.overall_slots: not a figure of the report"),
        (b"\xff\xfe rules", "can't read the thresholds file"),
    ],
    ids=[
        "missing",
        "bad yaml",
        "empty",
        "a list",
        "unknown bound",
        "not a number",
        "unknown figure",
        "no engine block",
        "not a figure",
        "not utf-8",
    ],
)
def test_an_unusable_thresholds_file_is_an_error_not_a_pass(tmp_path, rules_report, content, words):
    path = tmp_path / "thresholds.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ThresholdsError, match=words):
        check_thresholds(rules_report, path)


def test_the_committed_thresholds_file_loads():
    assert set(load_thresholds(THRESHOLDS)) == {"rules", "openai"}


@pytest.mark.parametrize("make", ["missing", "folder", "broken"])
def test_eval_fails_in_one_line_on_a_missing_or_unreadable_thresholds_file(tmp_path, make):
    path = tmp_path / "thresholds.yaml"
    if make == "folder":
        path.mkdir()
    elif make == "broken":
        path.write_text("rules: {min: [\n")
    result = CliRunner().invoke(
        app, ["eval", "--engine", "rules", "--cases", str(CASES), "--thresholds", str(path), "--no-save"]
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bulletsmith: error: ") and str(path) in lines[0], result.stderr
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- fabricated numbers before / after the guard


class SkipsTheGuard(Scripted):
    """An engine path that presents its draft unchecked: what "after the guard" exists to catch."""

    def rewrite(self, analysis, answers, *, fresh=False):
        checked = super().rewrite(analysis, answers)
        return checked.model_copy(update={"text": self.drafts[analysis.bullet], "rejected_text": None, "warnings": []})


def test_fabricated_numbers_are_counted_before_and_after_the_guard():
    cases = [case(1, "Built a churn model"), case(2, "Cut churn by 40%")]
    drafts = {
        "Built a churn model": "Built a churn model that cut churn by 45% in 2 weeks",
        "Cut churn by 40%": "Cut churn by 40% with a new model",
    }
    guarded = evaluate(Scripted(drafts), cases)
    assert guarded.rewrites["fabricated_numbers_before_guard"] == 2  # 45%, 2
    assert guarded.rewrites["fabricated_numbers_after_guard"] == 0
    skipped = evaluate(SkipsTheGuard(drafts), cases)
    assert skipped.rewrites["fabricated_numbers_after_guard"] == 2
    assert [r.unsupported for r in skipped.results] == [["45%", "2 weeks"], []]
    assert [r.id for r in skipped.failures()] == ["t-1"]  # an invented number alone is a failure
    assert any(
        "fabricated_numbers_after_guard" in b
        for b in check_thresholds(skipped.model_copy(update={"engine": "rules"}), THRESHOLDS)
    )


def test_invented_claims_are_counted_after_the_guard_when_it_is_skipped():
    cases = [case(1, "Built a churn model")]
    drafts = {"Built a churn model": "Built a churn model in Kafka"}
    assert evaluate(Scripted(drafts), cases).rewrites["invented_claims_after_guard"] == 0
    skipped = evaluate(SkipsTheGuard(drafts), cases)
    assert skipped.rewrites["invented_claims_after_guard"] == 1
    assert [r.unsupported_claims for r in skipped.results] == [["Kafka"]]
    assert [r.id for r in skipped.failures()] == ["t-1"]


# --------------------------------------------------------------------------- model answers re-asked


class ReAsked(Scripted):
    """A model engine's results as the eval sees them: re-asks spent, and the guard errors left after them."""

    engine = "openai"

    def __init__(self, drafts, analyze, rewrite) -> None:
        super().__init__(drafts)
        self.on_analyze, self.on_rewrite = analyze, rewrite

    def analyze(self, bullet, *, fresh=False):
        usage, findings = self.on_analyze[bullet]
        return super().analyze(bullet).model_copy(update={"usage": usage, "findings": findings})

    def rewrite(self, analysis, answers, *, fresh=False):
        usage, warnings = self.on_rewrite[analysis.bullet]
        return super().rewrite(analysis, answers).model_copy(update={"usage": usage, "warnings": warnings})


def test_reask_figures_count_answers_that_broke_a_guard_before_and_after_the_reasks():
    still_broken = Finding(guard="reask", severity="error", message="still breaks provenance after 2 re-asks")
    cut_off = Finding(guard="reask", severity="error", message="the answer was cut off (max_tokens)")
    bullets = ["Built a churn model", "Built a fraud model", "Built a pricing model", "Built a search model"]
    engine = ReAsked(
        {b: b for b in bullets},
        analyze={
            bullets[0]: (Usage(requests=2, reasks=1), []),  # fixed by its re-ask
            bullets[1]: (Usage(requests=3, reasks=2), [cut_off]),  # never fixed: cut off each time
            bullets[2]: (  # no re-ask: a warning of the re-ask guard and another guard's error don't count
                Usage(requests=1),
                [
                    Finding(guard="reask", message="re-asked once"),
                    Finding(guard="grounding", severity="error", message="x"),
                ],
            ),
            bullets[3]: (Usage(requests=3, reasks=2), [still_broken]),  # never fixed, not cut off
        },
        rewrite={
            bullets[0]: (Usage(requests=2, reasks=1), [still_broken]),
            bullets[1]: (None, []),
            bullets[2]: (Usage(requests=1), []),
            bullets[3]: (Usage(requests=1), []),
        },
    )
    report = evaluate(engine, [case(i, b) for i, b in enumerate(bullets)])
    assert {k: v for k, v in report.rewrites.items() if "reask" in k or "cut_off" in k} == {
        "analyze_violations_before_reask": 3,
        "analyze_violations_after_reask": 2,
        "analyze_cut_off": 1,
        "rewrite_violations_before_reask": 1,
        "rewrite_violations_after_reask": 1,
        "rewrite_cut_off": 0,
    }


# --------------------------------------------------------------------------- the report's figures, worked by hand


def gold(*present: str) -> dict[str, bool]:
    return {slot.value: slot.value in present for slot in Slot}


class Reads(Scripted):
    """An engine that reads each bullet as told: the slots it finds (with the words that fill
    them) and the slots it asks about; its rewrite keeps the bullet as written."""

    def __init__(self, readings: dict[str, tuple[dict[str, str], set[str]]]) -> None:
        super().__init__({bullet: bullet for bullet in readings})
        self.readings = readings

    def analyze(self, bullet, *, fresh=False):
        found, asked = self.readings[bullet]
        return Analysis(
            bullet=bullet,
            slots={slot: SlotFill(present=True, evidence=words) for slot, words in found.items()},
            questions=[Question(slot=slot, text=f"What was the {slot.label}?") for slot in Slot if slot.value in asked],
        )


def test_slot_and_question_figures_of_three_cases_in_two_files():
    cases = [
        Case(id="own-1", file="own", bullet="Built a churn model", gold=gold("action")),
        Case(
            id="own-2",
            file="own",
            bullet="Cut churn 40% by retraining the model weekly",
            gold=gold("action", "data_outcome"),
        ),
        Case(
            id="real-1",
            file="realdata",
            bullet="Retrained the fraud model, raising recall from 0.71 to 0.80",
            gold=gold("action", "model_impact"),
        ),
    ]
    engine = Reads(
        {
            # sees an outcome that isn't there, so it doesn't ask for one
            cases[0].bullet: ({"action": "Built", "data_outcome": "a churn model"}, {"problem", "model_impact"}),
            # misses the 40% and asks for it, but not for the model impact
            cases[1].bullet: ({"action": "by retraining the model weekly"}, {"problem", "data_outcome"}),
            # right on every slot
            cases[2].bullet: (
                {"action": "Retrained the fraud model", "model_impact": "raising recall from 0.71 to 0.80"},
                {"problem", "data_outcome"},
            ),
        }
    )
    report = evaluate(engine, cases)

    def counts(tp, fp, fn, tn, precision, recall, f1):
        return {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": tp + fn,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
        }

    assert report.slots == {
        "problem": counts(0, 0, 0, 3, 1.0, 1.0, 1.0),  # never there, never seen: nothing to get wrong
        "action": counts(3, 0, 0, 0, 1.0, 1.0, 1.0),
        "data_outcome": counts(0, 1, 1, 1, 0.0, 0.0, 0.0),  # seen in own-1, missed in own-2
        "model_impact": counts(1, 0, 0, 2, 1.0, 1.0, 1.0),
    }
    assert report.overall_slots == counts(4, 1, 1, 6, 0.8, 0.8, 0.8)
    # A question is right when it asks for a slot gold marks missing: 5 of the 6 asked are
    # (own-2's outcome is there), and 5 of the 7 missing slots are asked for.
    assert report.questions == {"precision": 0.833, "recall": 0.714, "f1": 0.769}

    assert set(report.by_file) == {"own", "realdata"}
    own, real = report.by_file["own"], report.by_file["realdata"]
    assert own["cases"] == 2 and real["cases"] == 1
    assert own["overall_slots"] == counts(2, 1, 1, 4, 0.667, 0.667, 0.667)
    assert own["slots"]["data_outcome"] == counts(0, 1, 1, 0, 0.0, 0.0, 0.0)
    assert own["questions"] == {"precision": 0.75, "recall": 0.6}  # 3 of 4 asked, 3 of 5 missing
    assert real["overall_slots"] == counts(2, 0, 0, 2, 1.0, 1.0, 1.0)
    assert real["questions"] == {"precision": 1.0, "recall": 1.0}


def test_style_compliance_over_all_cases_and_over_the_answered_ones():
    """Six cases: three give no answers (their bullet is kept, and compliant); of the three
    answered, one draft opens with "Was responsible for"."""
    bullets = {
        "Built a churn model in Python": None,
        "Labelled 5,000 support tickets for the intent model": None,
        "Cut churn 40% by retraining the model weekly": None,
        "Retrained the fraud model weekly": (
            "problem",
            "Fraud losses doubled in Q3",
            "Retrained the fraud model weekly after fraud losses doubled in Q3",
        ),
        "Built a demand forecast for 40 stores": (
            "data_outcome",
            "Stockouts fell 12%",
            "Built a demand forecast for 40 stores; stockouts fell 12%",
        ),
        "Responsible for the fraud model": (
            "action",
            "Retrained it weekly on fresh chargebacks",
            "Was responsible for retraining the fraud model weekly on fresh chargebacks",
        ),
    }
    files = ["own", "own", "realdata", "realdata", "realdata", "own"]
    cases = [
        Case(
            id=f"t-{i}",
            file=file,
            bullet=bullet,
            gold=gold("action"),
            answers={answer[0]: answer[1]} if answer else {},
        )
        for i, ((bullet, answer), file) in enumerate(zip(bullets.items(), files, strict=True))
    ]
    drafts = {bullet: answer[2] if answer else bullet for bullet, answer in bullets.items()}
    report = evaluate(Scripted(drafts), cases)

    assert report.rewrites == {
        "guard_rejected": 0,  # every number of the drafts is in the bullet or the person's answer
        "fabricated_numbers_after_guard": 0,
        "fabricated_numbers_before_guard": 0,
        "invented_claims_after_guard": 0,
        "invented_claims_before_guard": 0,
        "style_compliance": 0.833,  # 5 of 6
        "style_compliance_answered": 0.667,  # 2 of the 3 answered
        "answered_cases": 3,
        "expectations_met": 1.0,
        "requests_per_bullet": 0.0,  # the stand-in reports no usage
        "tokens_per_bullet": 0.0,
        "analyze_violations_before_reask": 0,
        "analyze_violations_after_reask": 0,
        "analyze_cut_off": 0,
        "rewrite_violations_before_reask": 0,
        "rewrite_violations_after_reask": 0,
        "rewrite_cut_off": 0,
    }
    assert [r.style_warnings for r in report.results][-1] == [
        'style.opener: opens with "Was responsible for"; start with what you did, as a strong past-tense verb'
    ]
    assert [r.style_warnings for r in report.results][:-1] == [[]] * 5
    assert report.by_file["own"]["rewrites"] == {
        "style_compliance": 0.667,
        "style_compliance_answered": 0.0,
        "answered_cases": 1,
    }
    assert report.by_file["realdata"]["rewrites"] == {
        "style_compliance": 1.0,
        "style_compliance_answered": 1.0,
        "answered_cases": 2,
    }


def test_invented_claims_are_counted_in_the_draft_the_guard_rejected():
    cases = [case(1, "Built a churn model"), case(2, "Built a fraud model")]
    drafts = {"Built a churn model": "Built a churn model in Kafka", "Built a fraud model": "Built a fraud model"}
    report = evaluate(Scripted(drafts), cases)
    assert report.rewrites["invented_claims_before_guard"] == 1
    assert report.rewrites["invented_claims_after_guard"] == 0
    assert report.rewrites["guard_rejected"] == 1


def test_requests_and_tokens_per_bullet_of_a_model_engine():
    bullets = ["Built a churn model", "Built a fraud model", "Built a pricing model"]
    engine = ReAsked(
        {b: b for b in bullets},
        analyze={
            bullets[0]: (Usage(requests=2, reasks=1, prompt_tokens=400, completion_tokens=80), []),
            bullets[1]: (Usage(requests=1, prompt_tokens=300, completion_tokens=40), []),
            bullets[2]: (Usage(requests=1, prompt_tokens=300, completion_tokens=81), []),
        },
        rewrite={b: (None, []) for b in bullets},  # nothing answered: no rewrite request
    )
    engine.model = "smollm2"
    cases = [case(1, bullets[0]), case(2, bullets[1], must_contain=["40%"]), case(3, bullets[2])]
    report = evaluate(engine, cases)
    assert report.engine == "openai" and report.model == "smollm2"
    assert report.usage == {"requests": 4, "reasks": 1, "prompt_tokens": 1000, "completion_tokens": 201}
    assert report.rewrites["requests_per_bullet"] == 1.333  # 4 / 3
    assert report.rewrites["tokens_per_bullet"] == 400.3  # 1201 / 3, to a tenth
    assert report.rewrites["expectations_met"] == 0.667  # the fraud model's rewrite has no 40%


def test_the_rules_engine_spends_no_requests_and_is_never_re_asked():
    report = evaluate(Assistant(engine="rules"), [case(1, "Built a churn model")])
    assert report.engine == "rules" and report.model is None
    assert report.rewrites["requests_per_bullet"] == 0.0
    assert report.rewrites["tokens_per_bullet"] == 0.0
    assert not [k for k in report.rewrites if "reask" in k or "cut_off" in k]


def test_select_picks_cases_by_a_part_of_their_id_or_by_a_whole_tag():
    cases = [
        Case(id="own-001", bullet="Built a churn model", gold=GOLD_NONE, tags=["general"]),
        Case(id="rd-002", bullet="Built a fraud model", gold=GOLD_NONE, tags=["injection"]),
        Case(id="rd-003", bullet="Built a pricing model", gold=GOLD_NONE, tags=["general"]),
    ]
    engine = Scripted({c.bullet: c.bullet for c in cases})
    assert [r.id for r in evaluate(engine, cases, select="rd-").results] == ["rd-002", "rd-003"]
    assert [r.id for r in evaluate(engine, cases, select="general").results] == ["own-001", "rd-003"]
    assert [r.id for r in evaluate(engine, cases, select="gen").results] == []  # a tag matches whole
    assert evaluate(engine, cases, select="own").cases == 1


class RecordedOnly:
    """A replay holding recordings of some cases only: `run_case` gives None for the others, as
    `Recordings.run_case` does for a case never recorded."""

    def __init__(self, recorded: set[str]) -> None:
        self.recorded = recorded

    def run_case(self, assistant, case):
        if case.id not in self.recorded:
            return None
        analysis = assistant.analyze(case.bullet)
        return analysis, {}, assistant.rewrite(analysis, {})


def test_a_case_the_replay_cannot_run_is_skipped_and_the_next_ones_still_scored():
    cases = [case(1, "Built a churn model"), case(2, "Built a fraud model"), case(3, "Built a pricing model")]
    engine = Scripted({c.bullet: c.bullet for c in cases})
    report = evaluate(engine, cases, replay=RecordedOnly({"t-1", "t-3"}))
    assert [r.id for r in report.results] == ["t-1", "t-3"]
    assert report.cases == 2
    assert sum(report.overall_slots[k] for k in ("tp", "fp", "fn", "tn")) == 8  # 4 slots of 2 cases, none of t-2


def test_the_report_gives_the_run_time_to_the_millisecond(monkeypatch):
    clock = iter([1000.0, 1000.4567])
    monkeypatch.setattr(evaluation, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    report = evaluate(Scripted({"Built a churn model": "Built a churn model"}), [case(1, "Built a churn model")])
    assert report.seconds == 0.457


# --------------------------------------------------------------------------- a case file that can't be read

CASE = "- id: own-001\n  bullet: Built a churn model\n  gold: {problem: false, action: true, data_outcome: false, model_impact: false}\n"


@pytest.mark.parametrize(
    "content, message",
    [
        ("cases: [own-001\n", "not valid YAML (while parsing a flow sequence)"),  # YAML's own first line
        ("id: own-001\nbullet: Built a churn model\n", "expected a list of cases"),
        ("# own cases: to do\n", "no cases in the file"),  # emptied or cut off: its cases would vanish
        (
            "- id: own-001\n  bullet: Built a churn model\n  gold: {problem: false}\n",
            "case own-001: gold must label all four slots",
        ),
        (
            "- id: own-001\n  bullet: Built a churn model\n"
            "  gold: {problem: maybe, action: true, data_outcome: false, model_impact: false}\n",
            "case own-001: gold.problem: Input should be a valid boolean, unable to interpret input",
        ),
        (CASE + "- bullet: Built a fraud model\n", "case 1: id: Field required"),  # no id: its place in the file
        (CASE + "- Built a fraud model\n", "case 1: Input should be a valid dictionary or instance of Case"),
    ],
    ids=["bad yaml", "not a list", "empty", "gold short", "gold not a boolean", "no id", "not a mapping"],
)
def test_a_malformed_case_file_is_one_line_naming_the_file_and_the_case(tmp_path, content, message):
    (tmp_path / "own.yaml").write_text(content)
    with pytest.raises(CaseError) as caught:
        load_cases(tmp_path)
    assert str(caught.value) == f"{tmp_path / 'own.yaml'}: {message}"


def test_case_ids_used_twice_across_files_are_named(tmp_path):
    (tmp_path / "own.yaml").write_text(CASE + CASE.replace("own-001", "own-002"))
    (tmp_path / "realdata.yaml").write_text(CASE + CASE.replace("own-001", "own-002") + CASE.replace("own-001", "rd-1"))
    with pytest.raises(CaseError) as caught:
        load_cases(tmp_path)
    assert str(caught.value) == f"{tmp_path}: duplicate case ids: own-001, own-002"
    (tmp_path / "realdata.yaml").write_text(CASE.replace("own-001", "rd-1"))
    assert [(c.id, c.file) for c in load_cases(tmp_path)] == [
        ("own-001", "own"),
        ("own-002", "own"),
        ("rd-1", "realdata"),
    ]


def test_a_folder_without_case_files_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text(CASE)
    with pytest.raises(CaseError) as caught:
        load_cases(tmp_path)
    assert str(caught.value) == f"{tmp_path}: no case files (*.yaml)"

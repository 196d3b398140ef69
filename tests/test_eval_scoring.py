"""The eval's own scoring: expectations met or not, every threshold kind breached, a thresholds
file that is missing or unreadable. Each test here fails if the scoring it names is broken
(every expectation counted as met, minimums ignored, a missing file passing silently)."""

from __future__ import annotations

import copy

import pytest
import yaml
from support.paths import REPO
from typer.testing import CliRunner

from bulletsmith import Assistant
from bulletsmith.cli import app
from bulletsmith.engines.base import Draft
from bulletsmith.evaluation import (
    Case,
    Expect,
    Report,
    ThresholdsError,
    _expect_failures,
    check_thresholds,
    evaluate,
    load_cases,
    load_thresholds,
)
from bulletsmith.models import Finding, Usage

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

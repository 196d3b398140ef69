"""The eval's figures, counted exactly: slot and question precision/recall per slot, overall, per
case file, style compliance, what the calls cost; and which threshold lines a run over a subset
of the case files still checks.

An engine stand-in says, per bullet, which slots it finds, which questions it asks, whether its
rewrite gets a style warning and what each call cost: the figures are then known by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bulletsmith.evaluation import Case, Counts, ThresholdsError, check_thresholds, evaluate
from bulletsmith.models import Analysis, Answer, Finding, Question, Rewrite, Slot, SlotFill, Usage

P, A, D, M = Slot.PROBLEM, Slot.ACTION, Slot.DATA_OUTCOME, Slot.MODEL_IMPACT


@dataclass
class Mark:
    """What the stand-in engine says of one bullet."""

    found: set[Slot]
    asked: set[Slot]
    style_warning: bool = False
    analyze_usage: Usage | None = None
    rewrite_usage: Usage | None = None


@dataclass
class Marked:
    """An engine stand-in for `evaluate`: its results as the eval sees them, given per bullet."""

    marks: dict[str, Mark] = field(default_factory=dict)
    engine: str = "openai"
    model: str = "stand-in"

    def analyze(self, bullet: str, *, fresh: bool = False) -> Analysis:
        mark = self.marks[bullet]
        return Analysis(
            bullet=bullet,
            slots={s: SlotFill(present=True, evidence=bullet) for s in mark.found},
            questions=[
                Question(slot=s, text=f"What was the {s.value.replace('_', ' ')}?") for s in Slot if s in mark.asked
            ],
            engine=self.engine,
            usage=mark.analyze_usage,
        )

    def rewrite(self, analysis: Analysis, answers: dict[Slot, Answer], *, fresh: bool = False) -> Rewrite:
        mark = self.marks[analysis.bullet]
        warnings = [Finding(guard="style.verb", message="starts with a weak verb")] if mark.style_warning else []
        return Rewrite(
            original=analysis.bullet,
            text=analysis.bullet,  # kept as written: nothing invented to count
            answers=list(answers.values()),
            warnings=warnings,
            engine=self.engine,
            usage=mark.rewrite_usage,
        )


def case(i: int, file: str, bullet: str, gold: set[Slot], **answers: str) -> Case:
    return Case(
        id=f"{file}-{i}",
        file=file,
        bullet=bullet,
        gold={s: s in gold for s in Slot},
        answers={Slot(k): v for k, v in answers.items()},
    )


CASES = [
    case(1, "own", "Built a churn model that cut churn by 40%", {A, D}, problem="churn was 9% a month"),
    case(2, "own", "Built a fraud model", {A}, data_outcome="caught 30% more fraud", model_impact="saved $2M"),
    case(3, "own", "Responsible for the search index", {A}, model_impact="search answers 2x faster"),
    case(1, "realdata", "Reduced labeling time by 30% for the vision team", {A, D, M}, problem="labels took a week"),
    case(2, "realdata", "Migrated the feature store to Kafka to cut latency", {P, A}),
]

ENGINE = Marked(
    {
        # right on every slot, asks for both missing ones
        CASES[0].bullet: Mark(
            found={A, D},
            asked={P, M},
            analyze_usage=Usage(requests=1, prompt_tokens=120, completion_tokens=30),
            rewrite_usage=Usage(requests=2, reasks=1, prompt_tokens=200, completion_tokens=40),
        ),
        # reads an outcome that isn't there, asks only about the problem; a style warning
        CASES[1].bullet: Mark(
            found={A, D},
            asked={P},
            style_warning=True,
            analyze_usage=Usage(requests=3, reasks=2, prompt_tokens=300, completion_tokens=90),
        ),
        # misses the action and asks about it; a style warning; its rewrite came from the cache
        CASES[2].bullet: Mark(
            found=set(),
            asked={P, A, D, M},
            style_warning=True,
            analyze_usage=Usage(requests=1, prompt_tokens=110, completion_tokens=25),
            rewrite_usage=Usage(cached=True),
        ),
        # misses the model impact, and asks about it as well as the problem
        CASES[3].bullet: Mark(
            found={A, D},
            asked={P, M},
            analyze_usage=Usage(requests=1, prompt_tokens=130, completion_tokens=35),
            rewrite_usage=Usage(requests=1, prompt_tokens=210, completion_tokens=45),
        ),
        # right on every slot, asks for one of the two missing ones; no usage (an offline call)
        CASES[4].bullet: Mark(found={P, A}, asked={D}),
    }
)


@pytest.fixture(scope="module")
def report():
    return evaluate(ENGINE, CASES)


def test_slot_figures_count_each_case_once_per_slot(report):
    assert report.cases == 5
    assert report.slots["action"] == {
        "precision": 1.0,
        "recall": 0.8,  # 4 of the 5 actions found
        "f1": 0.889,
        "support": 5,
        "tp": 4,
        "fp": 0,
        "fn": 1,
        "tn": 0,
    }
    assert report.slots["data_outcome"] == {
        "precision": 0.667,  # 2 of the 3 outcomes read are there: rounded to 3 places
        "recall": 1.0,
        "f1": 0.8,
        "support": 2,
        "tp": 2,
        "fp": 1,
        "fn": 0,
        "tn": 2,
    }
    assert report.slots["model_impact"] == {
        "precision": 1.0,  # nothing read: nothing read wrong
        "recall": 0.0,
        "f1": 0.0,
        "support": 1,
        "tp": 0,
        "fp": 0,
        "fn": 1,
        "tn": 4,
    }
    assert report.overall_slots == {
        "precision": 0.875,
        "recall": 0.778,  # 7 of the 9 filled slots found
        "f1": 0.824,
        "support": 9,
        "tp": 7,
        "fp": 1,
        "fn": 2,
        "tn": 10,
    }


def test_question_figures_count_a_question_for_a_slot_that_is_missing(report):
    # 10 questions, 8 of them for a slot that is missing; 11 slots are missing
    assert report.questions == {"precision": 0.8, "recall": 0.727, "f1": 0.762}


def test_each_case_file_gets_its_own_figures(report):
    own, realdata = report.by_file["own"], report.by_file["realdata"]
    assert set(report.by_file) == {"own", "realdata"}
    assert own["cases"] == 3 and realdata["cases"] == 2
    assert own["slots"]["data_outcome"]["precision"] == 0.5
    assert (own["overall_slots"]["tp"], own["overall_slots"]["fp"]) == (3, 1)
    # the mean of the four slots' F1: problem 1.0 (nothing to find, nothing read), action 0.8,
    # outcome 0.667, impact 1.0
    assert own["macro_f1"] == 0.867
    assert realdata["macro_f1"] == 0.75  # the impact missed: F1 0 for it, 1.0 for the other three
    # own: 7 questions, 6 for a missing slot; 8 missing slots
    assert own["questions"] == {"precision": 0.857, "recall": 0.75}
    # realdata: 3 questions, 2 for a missing slot (one asks for the impact the bullet gives); 3 missing
    assert realdata["questions"] == {"precision": 0.667, "recall": 0.667}
    # own: 2 of its 3 rewrites carry a style warning, and all 3 cases give answers
    assert own["rewrites"] == {"style_compliance": 0.333, "style_compliance_answered": 0.333, "answered_cases": 3}
    assert realdata["rewrites"] == {"style_compliance": 1.0, "style_compliance_answered": 1.0, "answered_cases": 1}


def test_style_compliance_over_all_rewrites_and_over_those_with_answers(report):
    assert report.rewrites["style_compliance"] == 0.6  # 3 of 5 without a style warning
    assert report.rewrites["style_compliance_answered"] == 0.5  # 2 of the 4 with answers
    assert report.rewrites["answered_cases"] == 4


def test_usage_adds_up_every_call_and_a_cache_hit_costs_nothing(report):
    assert report.usage == {"requests": 9, "reasks": 3, "prompt_tokens": 1070, "completion_tokens": 265}
    assert report.rewrites["requests_per_bullet"] == 1.8
    assert report.rewrites["tokens_per_bullet"] == 267.0


def test_counts_add_one_outcome_at_a_time():
    counts = Counts()
    for predicted, gold in [(True, True), (True, True), (True, False), (False, True), (False, False)]:
        counts.add(predicted, gold)
    assert (counts.tp, counts.fp, counts.fn, counts.tn) == (2, 1, 1, 1)
    assert counts.summary() == {
        "precision": 0.667,
        "recall": 0.667,
        "f1": 0.667,
        "support": 3,
        "tp": 2,
        "fp": 1,
        "fn": 1,
        "tn": 1,
    }


# --------------------------------------------------------------------------- thresholds over a subset of the case files


def test_a_run_over_one_case_file_still_checks_the_figures_after_another_files_line(tmp_path, report):
    """`bulletsmith eval --cases evals/cases/own.yaml`: the lines of files not in the run are skipped,
    the lines after them are still checked."""
    path = tmp_path / "thresholds.yaml"
    path.write_text(
        "openai:\n"
        "  min:\n"
        "    by_file.realdata-heldout.macro_f1: 0.70\n"
        "    by_file.own.macro_f1: 0.9\n"
        "    overall_slots.precision: 0.95\n"
        "  max:\n"
        "    by_file.realdata-dev.rewrites.answered_cases: 0\n"
        "    rewrites.requests_per_bullet: 1.5\n"
    )
    assert check_thresholds(report, path) == [
        "by_file.own.macro_f1 = 0.867 is below the minimum 0.9",
        "overall_slots.precision = 0.875 is below the minimum 0.95",
        "rewrites.requests_per_bullet = 1.8 is above the maximum 1.5",
    ]


def test_a_threshold_on_by_file_itself_is_not_a_figure(tmp_path, report):
    path = tmp_path / "thresholds.yaml"
    path.write_text("openai:\n  min:\n    by_file: 0.5\n")
    with pytest.raises(ThresholdsError, match=r"openai\.min\.by_file: not a figure of the report"):
        check_thresholds(report, path)

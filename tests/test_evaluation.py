"""The labelled cases and the scoring that `bulletsmith eval` prints."""

import json

import pytest
import yaml
from support.paths import REPO, shared_path
from typer.testing import CliRunner

from bulletsmith import Assistant, Slot
from bulletsmith.cli import app
from bulletsmith.evaluation import CaseError, check_thresholds, evaluate, load_cases

CASES = REPO / "evals" / "cases"


@pytest.fixture(scope="module")
def cases():
    return load_cases(CASES)


@pytest.fixture(scope="module")
def report(cases):
    return evaluate(Assistant(engine="rules"), cases)


def test_there_are_at_least_60_labelled_bullets_with_every_slot_count(cases):
    assert len(cases) >= 60
    counts = {sum(c.gold.values()) for c in cases}
    assert counts == {0, 1, 2, 3, 4}


def test_every_real_bullet_is_labelled_verbatim(cases):
    real = [json.loads(line) for line in shared_path("realdata", "bullets.jsonl").read_text().splitlines()]
    labelled = {c.origin_id: c for c in cases if c.origin_id}
    for item in real:
        assert item["id"] in labelled, f"{item['id']} has no case"
        assert labelled[item["id"]].bullet == item["text"]


def test_rules_engine_never_fabricates_and_meets_its_thresholds(report):
    assert report.rewrites["fabricated_numbers_after_guard"] == 0
    assert report.rewrites["invented_claims_after_guard"] == report.rewrites["invented_claims_before_guard"] == 0
    assert check_thresholds(report, REPO / "evals" / "thresholds.yaml") == []


def test_scores_can_fail(cases):
    """A detector that says every slot is present must score badly: the metric is not a tautology."""
    from bulletsmith.models import SlotFill

    class Yes:
        engine, model = "always-yes", None

        def analyze(self, bullet, *, fresh=False):
            a = Assistant(engine="rules").analyze(bullet)
            return a.model_copy(
                update={"slots": {s: SlotFill(present=True, evidence=bullet) for s in Slot}, "questions": []}
            )

        def rewrite(self, analysis, answers, *, fresh=False):
            return Assistant(engine="rules").rewrite(analysis, answers)

    bad = evaluate(Yes(), cases)
    assert bad.slots["model_impact"]["precision"] < 0.5
    assert bad.questions["recall"] == 0.0


def test_case_file_errors_name_the_file_and_case(tmp_path):
    (tmp_path / "x.yaml").write_text(yaml.safe_dump([{"id": "c1", "bullet": "Built X", "gold": {"action": True}}]))
    with pytest.raises(CaseError, match=r"x.yaml: case c1: gold must label all four slots"):
        load_cases(tmp_path)


def test_evidence_must_be_in_the_bullet(tmp_path):
    case = {
        "id": "c1",
        "bullet": "Built X",
        "gold": {s.value: s is Slot.ACTION for s in Slot},
        "evidence": {"action": "Built Y"},
    }
    (tmp_path / "x.yaml").write_text(yaml.safe_dump([case]))
    with pytest.raises(CaseError, match="not in the bullet"):
        load_cases(tmp_path)


def test_eval_command_prints_the_table():
    result = CliRunner().invoke(
        app, ["eval", "--cases", str(CASES), "--thresholds", str(REPO / "evals" / "thresholds.yaml"), "--no-save"]
    )
    assert result.exit_code == 0, result.output
    for name in ("problem", "action", "data_outcome", "model_impact", "questions", "fabricated numbers after guard: 0"):
        assert name in result.stdout


def test_eval_json(tmp_path):
    result = CliRunner().invoke(app, ["eval", "--cases", str(CASES), "--json", "--only", "own-00", "--no-save"])
    data = json.loads(result.stdout)
    assert data["engine"] == "rules" and data["cases"] >= 1

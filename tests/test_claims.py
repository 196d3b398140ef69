"""The claims guard: a rewrite holds no tool, method, scope or ownership the person did not give.

`unsupported_claims(text, sources)` on its own; its figures on the labelled dev rewrites
(evals/claims/dev.yaml; the held-back set is reported, never pinned); and "Built a
classification model" rewritten as "Built a PyTorch classification model" refused with a
one-line reason in the library, in `bulletsmith rewrite` and in coach, through the real
openai client and instructor against a scripted or loopback endpoint.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support.fault_server import FaultPlan, FaultServer
from support.paths import REPO
from support.scripted import Endpoint, assistant, weak_analysis
from typer.testing import CliRunner

from bulletsmith import Assistant, Slot
from bulletsmith.claims_eval import load_items, score
from bulletsmith.cli import app
from bulletsmith.cli.app import EXIT_BULLET_FAILED
from bulletsmith.guards import check_rewrite, rewrite_sources, unsupported_claims
from bulletsmith.models import Answer

WEAK = "Built a classification model for image labeling"
KEY = "sk-test-CLAIMS-0123456789"


# --------------------------------------------------------------------------- the guard


@pytest.mark.parametrize(
    ("text", "claim"),
    [
        ("Built a PyTorch classification model", "PyTorch"),
        ("Built a classification model with active learning", "active learning"),
        ("Led the classification model work", "Led"),
        ("Built a classification model for the VP of Engineering", "VP of Engineering"),
        ("Built a company-wide classification model", "company-wide"),
        ("Built a classification model in production", "in production"),
        ("Built a classification model, earning a spot award", "spot award"),
        ("Built a classification model with a cross-functional team", "cross-functional"),
        ("Built a classification model on Kubeflow", "Kubeflow"),  # a list knows it
        ("Built a classification model on FooBarDB", "FooBarDB"),  # no list does: a name all the same
        ("Built a classification model served by Node.js", "Node.js"),  # a dot inside: a name
        ("Built a classification model on Vertex 2", "Vertex"),  # a capital mid-sentence
        ("Built a classification model in C#", "C#"),
    ],
)
def test_a_claim_nobody_gave_is_reported_as_written(text, claim):
    assert unsupported_claims(text, [WEAK]) == [claim]


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Deployed the model on Kubernetes", "Deployed the model on k8s"),
        ("Built machine learning pipelines", "Built ML pipelines"),
        ("Migrated reports to PostgreSQL", "Migrated reports to Postgres"),
        ("Built NLP tooling", "Built natural language processing tooling"),
        ("Ran A/B tests on checkout", "Ran A/B testing on checkout"),
        ("Built a realtime bidding model", "Built a real-time bidding model"),
        ("Used sequential testing for experiments", "experiments were tested sequentially"),
        ("Developed a classification model", WEAK),  # same ownership, other verb
        ("Partnered with the perception team", "Worked with the perception team"),
        ("Built a classification model", "Led the classification model work"),  # lower is fine
        ("Built a PyTorch classification model", "built a pytorch classification model"),  # case
        ("Ported the scorer from C to C#", "Ported the scorer from c to csharp"),
    ],
)
def test_any_common_form_of_what_the_person_said_is_supported(text, source):
    assert unsupported_claims(text, [source]) == []


def test_more_ownership_than_the_person_gave_is_a_claim():
    assert unsupported_claims("Built the labeling guidelines", ["Helped build the labeling guidelines"]) == ["Built"]
    assert unsupported_claims("Cleaned lidar labels", ["Helped the perception team clean lidar labels"]) == ["Cleaned"]
    assert unsupported_claims("Helped clean lidar labels", ["Helped the perception team clean lidar labels"]) == []
    # "led to" names a cause, not who led
    assert (
        unsupported_claims("Helped clean lidar labels, which led to fewer misses", ["Helped clean lidar labels"]) == []
    )


def test_a_bullet_that_opens_with_lead_supports_led():
    # Resumes write "Lead development of ..." for "Led"; the rewrite's past tense claims no more.
    source = "Lead development of a Keyword Driven test framework for Microsoft Dynamics CRM"
    assert unsupported_claims("Led development of a Keyword Driven test framework", [source]) == []
    # Elsewhere "lead" is a title or a noun, not the person's ownership.
    assert unsupported_claims("Led the rubric work", ["Wrote the rubric with the lead designer"]) == ["Led"]


def test_an_answer_supports_its_claims_unless_it_is_not_mine():
    given = [Answer.parse(Slot.ACTION, "trained it in PyTorch")]
    assert unsupported_claims("Built a PyTorch classification model", rewrite_sources(WEAK, given)) == []
    not_mine = [Answer.parse(Slot.ACTION, "not mine")]
    assert unsupported_claims("Built a PyTorch classification model", rewrite_sources(WEAK, not_mine)) == ["PyTorch"]


def test_an_unsupported_claim_is_an_error_of_check_rewrite():
    found = [f for f in check_rewrite("Built a PyTorch classification model", [WEAK]) if f.severity == "error"]
    assert [(f.guard, f.message) for f in found] == [("claims.named", '"PyTorch" is not in the bullet or the answers')]


def test_dev_rewrites_caught_and_faithful_ones_pass():
    """The dev set's figures (the vocabularies are tuned on it; heldback.yaml is only reported)."""
    s = score(load_items(REPO / "evals" / "claims" / "dev.yaml"))
    assert (s["invented"], s["faithful"]) == (30, 30)
    assert s["caught"] == 30, s["missed"]
    assert s["false_alarms"] == 0, s["alarms"]


def test_the_rules_engine_never_trips_the_claims_guard():
    from bulletsmith.evaluation import evaluate, load_cases

    report = evaluate(Assistant(engine="rules"), load_cases(REPO / "evals" / "cases"))
    assert report.rewrites["invented_claims_before_guard"] == 0
    assert not any(w.guard.startswith("claims") for r in report.results for w in r.rewrite.warnings)


# --------------------------------------------------------------------------- "Built a PyTorch classification model"

ANSWER = "label error rate 9% -> 3% across 1.2M images"


def test_library_reasks_with_the_phrase_then_refuses_in_one_line():
    invented = {"text": "Built a PyTorch classification model that cut label errors from 9% to 3% across 1.2M images"}
    ep = Endpoint(invented, invented, invented)
    rw = assistant(ep).rewrite(weak_analysis(), {Slot.DATA_OUTCOME: ANSWER})
    assert not rw.ok and rw.text == WEAK and "PyTorch" in rw.rejected_text
    reason = next(w for w in rw.warnings if w.guard == "claims.named")
    assert reason.severity == "error" and reason.message == '"PyTorch" is not in the bullet or the answers'
    assert "\n" not in reason.message
    feedback = ep.bodies[1]["messages"][-1]["content"]  # the re-ask names the phrase, briefly
    assert '"PyTorch" is not in the bullet or the answers' in feedback
    assert len(feedback) < 400, feedback


def test_the_reask_names_a_few_claims_in_one_short_sentence():
    from bulletsmith.claims import claims_reask_message

    many = "Built a PyTorch model on AWS with Kafka, Spark and Airflow for executives"
    message = claims_reask_message(many, [WEAK])
    assert message == '"PyTorch", "AWS", "Kafka", "Spark" and 2 more are not in the bullet or the answers'
    assert claims_reask_message("Led the classification model work", ["Helped with the classification model"]) == (
        '"Led" claims more ownership than the bullet or the answers ("Helped")'
    )
    assert claims_reask_message(WEAK, [WEAK]) is None


def test_library_keeps_a_rewrite_whose_tool_the_person_gave():
    ep = Endpoint(
        {"text": "Built a PyTorch classification model that cut label errors from 9% to 3% across 1.2M images"}
    )
    rw = assistant(ep).rewrite(weak_analysis(), {Slot.DATA_OUTCOME: ANSWER, Slot.ACTION: "trained it in PyTorch"})
    assert rw.ok and "PyTorch" in rw.text and rw.usage.reasks == 0


@pytest.fixture
def inventing_server():
    with FaultServer(FaultPlan(invent="PyTorch")) as s:
        yield s


@pytest.fixture
def env(inventing_server, tmp_path):
    return {
        "OPENAI_BASE_URL": inventing_server.base_url,
        "OPENAI_API_KEY": KEY,
        "BULLETSMITH_MODEL": "claims-model",
        "BULLETSMITH_CACHE_DIR": str(tmp_path / "cache"),
        "BULLETSMITH_STATE_DIR": str(tmp_path / "state"),
        "TERMINAL_WIDTH": "3000",
        "_TYPER_FORCE_DISABLE_TERMINAL": "1",
    }


@pytest.fixture
def resume(tmp_path) -> Path:
    path = tmp_path / "resume.md"
    path.write_text(f"# Experience\n\n- {WEAK}\n", encoding="utf-8")
    return path


def test_rewrite_command_refuses_the_invented_tool(resume, env):
    runner = CliRunner()
    first = runner.invoke(app, ["rewrite", str(resume)], env=env)
    assert first.exit_code == 0, first.output
    questions = resume.with_name("resume.questions.yaml")
    bank = yaml.safe_load(questions.read_text())
    for q in bank["bullets"][0]["questions"]:
        q["answer"] = ANSWER if q["slot"] == "data_outcome" else "unknown"
    questions.write_text(yaml.safe_dump(bank, sort_keys=False))

    second = runner.invoke(app, ["rewrite", str(resume)], env=env)
    assert "PyTorch" not in resume.with_name("resume.bulletsmith.md").read_text()  # the bullet kept as written
    assert second.exit_code == EXIT_BULLET_FAILED, second.output
    lines = second.output.splitlines()
    assert '  ! claims.named: "PyTorch" is not in the bullet or the answers' in lines, second.output
    assert "1 bullet: 1 FAILED" in lines
    assert KEY not in second.output


def test_coach_refuses_the_invented_tool(resume, env, inventing_server):
    analyst = Assistant(
        engine="openai", base_url=inventing_server.base_url, api_key=KEY, model="claims-model", cache=False
    )
    asked = [q.slot for q in analyst.analyze(WEAK).questions]
    answers = [ANSWER if s is Slot.DATA_OUTCOME else "u" for s in asked]
    lines = [*answers, "a", "q"]
    out = CliRunner().invoke(app, ["coach", str(resume)], env=env, input="".join(f"{x}\n" for x in lines))
    assert out.exit_code == 0, out.output
    assert '"PyTorch" is not in the bullet or the answers' in out.output
    written = resume.with_name("resume.bulletsmith.md")
    assert not written.exists() or "PyTorch" not in written.read_text()


# --------------------------------------------------------------------------- questions


def test_a_question_may_not_propose_a_tool_method_or_result():
    from bulletsmith.claims import question_claims

    assert question_claims("Did you train the classification model in PyTorch?", WEAK) == ["PyTorch"]
    assert question_claims("Did active learning cut the labeling time?", WEAK) == ["active learning"]
    assert question_claims("Did label accuracy reach 95%?", WEAK) == ["95%"]
    assert question_claims("How did label quality change after the classification model?", WEAK) == []


def test_analysis_whose_question_proposes_a_tool_is_reasked():
    from support.scripted import GOOD_WEAK, slots

    leading = slots(
        {"action": "Built a classification model"},
        problem="What was going wrong with image labeling before you built the classification model?",
        data_outcome="Did the classification model, trained in PyTorch, cut image labeling errors?",
        model_impact="What did the classification model change downstream, and by how much?",
    )
    ep = Endpoint(leading, GOOD_WEAK)
    an = assistant(ep).analyze(WEAK)
    assert an.ok and all("PyTorch" not in q.text for q in an.questions)
    feedback = ep.bodies[1]["messages"][-1]["content"]
    assert 'the data_outcome question proposes "PyTorch", which the bullet does not contain' in feedback


def test_a_bundled_rewrite_with_an_invented_claim_falls_back_to_the_rewrite_call():
    from support.scripted import COMPLETE, COMPLETE_SLOTS

    ep = Endpoint(
        {
            **COMPLETE_SLOTS,
            "rewrite": "Spearheaded a company-wide rebuild of the QA sampler, cutting box errors 9% to 3%",
        },
        {"text": "Rebuilt the QA sampler for mis-sized boxes, cutting box errors 9% to 3%, lifting recall 4 points"},
    )
    a = assistant(ep)
    an = a.analyze(COMPLETE)
    assert an.ok and an.complete and an.draft_rewrite is None  # dropped, not re-asked: the analysis was right
    rw = a.rewrite(an)
    assert rw.ok and "company-wide" not in rw.text and len(ep.requests) == 2

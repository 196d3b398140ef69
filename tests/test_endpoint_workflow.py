"""The terminal workflows of the README with a configured endpoint instead of the rules engine:
a real loopback OpenAI-compatible server (tests/support/fault_server.py, no faults), the real openai
client, instructor and bulletsmith. On the sample resume: rewrite -> fill in the questions file
-> rewrite again -> the output; and coach: answer, quit in the middle, resume, the output."""

from __future__ import annotations

import shutil

import pytest
import yaml
from support.fault_server import FaultServer
from support.paths import REPO, WEAK
from typer.testing import CliRunner

from bulletsmith import Assistant
from bulletsmith.cli import app
from bulletsmith.documents import load_document

runner = CliRunner()
KEY = "sk-test-WORKFLOW-0123456789"
PROBLEM = "vendor labels disagreed on 14 object classes"
DATA = "label error rate fell from 9% to 3% across 1.2M images"


@pytest.fixture
def resume(tmp_path):
    path = tmp_path / "resume.md"
    shutil.copy(REPO / "examples" / "sample-resume.md", path)
    return path


@pytest.fixture
def server():
    with FaultServer() as s:
        yield s


@pytest.fixture
def env(server, tmp_path):
    return server.cli_env(tmp_path, key=KEY, model="workflow-model")


def test_rewrite_then_answers_then_rewrite_again(resume, server, env):
    first = runner.invoke(app, ["rewrite", str(resume)], env=env)
    assert first.exit_code == 0, first.output
    questions_path = resume.with_name("resume.questions.yaml")
    bank = yaml.safe_load(questions_path.read_text())
    entry = next(b for b in bank["bullets"] if b["bullet"] == WEAK)
    assert [q["slot"] for q in entry["questions"]] == ["problem", "data_outcome", "model_impact"]
    assert all(WEAK in q["question"] for q in entry["questions"])  # asked about this bullet
    assert resume.with_name("resume.bulletsmith.md").read_text() == resume.read_text()  # nothing answered yet

    for q in entry["questions"]:
        q["answer"] = {"problem": PROBLEM, "data_outcome": DATA, "model_impact": "unknown"}[q["slot"]]
    questions_path.write_text(yaml.safe_dump(bank, sort_keys=False))

    second = runner.invoke(app, ["rewrite", str(resume)], env=env)
    assert second.exit_code == 0, second.output
    written = resume.with_name("resume.bulletsmith.md").read_text()
    assert f"- {WEAK}; {PROBLEM}; {DATA}\n" in written  # the answers, through the model's rewrite
    assert "unknown" not in written  # never a claim

    sent = len(server.served)
    third = runner.invoke(app, ["rewrite", str(resume)], env=env)
    assert third.exit_code == 0 and len(server.served) == sent  # same inputs: no request
    assert resume.with_name("resume.bulletsmith.md").read_text() == written


def test_coach_answer_quit_resume_and_the_output(resume, server, env):
    analyst = Assistant(engine="openai", base_url=server.base_url, api_key=KEY, model="workflow-model", cache=False)
    counts = [len(analyst.analyze(b.text).questions) for b in load_document(resume).bullets]
    assert counts[0] == 3

    # First run: answer the first question of bullet 1, then quit.
    quit_early = runner.invoke(app, ["coach", str(resume)], env=env, input=f"{PROBLEM}\nq\n")
    assert quit_early.exit_code == 0, quit_early.output
    assert "Saved at bullet 1 of 11" in quit_early.stdout

    # Second run: resume, answer the rest of bullet 1, accept, then skip and keep the others.
    lines = ["y", DATA, "u", "a"]
    for n in counts[1:]:
        lines += [""] * n + ["k"]
    finished = runner.invoke(app, ["coach", str(resume)], env=env, input="".join(f"{x}\n" for x in lines))
    assert finished.exit_code == 0, finished.output
    assert "exists. Resume?" in finished.stdout and "(1 accepted, 0 edited, 10 kept)" in finished.stdout
    written = resume.with_name("resume.bulletsmith.md").read_text()
    assert f"- {WEAK}; {PROBLEM}; {DATA}\n" in written
    assert KEY not in finished.output


def test_rewrite_job_says_on_stderr_when_the_models_reading_of_the_posting_failed(resume, server, env):
    # The fault server answers analyses and rewrites, never the posting's schema: the model's
    # requirements fail their checks, and the posting's own sections and lists are read instead.
    posting = REPO / "examples" / "sample-posting.md"
    result = runner.invoke(app, ["rewrite", str(resume), "--job", str(posting)], env=env)
    assert result.exit_code == 0, result.output
    note = [line for line in result.stderr.splitlines() if line.startswith("bulletsmith: the posting:")]
    assert len(note) == 1 and "read from the posting's sections and lists instead" in note[0]
    assert KEY not in result.output
    bank = yaml.safe_load(resume.with_name("resume.questions.yaml").read_text())
    asked = [q.get("requirement") for b in bank["bullets"] for q in b["questions"]]
    assert "Kubernetes" in asked  # the fallback's requirements are still asked about

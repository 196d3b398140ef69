"""`coach --job`: a posting's requirement questions come up in coach like any other question, after
the bullet's slot questions, and their answers work as in `rewrite --job`: a confirming answer puts
the term into that bullet's rewrite; "not mine", "unknown" or a no keeps it out (issue 17)."""

from __future__ import annotations

import shutil

import pytest
import yaml
from support.paths import REPO
from typer.testing import CliRunner

from bulletsmith import Assistant, read
from bulletsmith.cli import app
from bulletsmith.coach import Coach, Stage
from bulletsmith.coach.session import SessionStore
from bulletsmith.coach.steps import RequirementQuestion
from bulletsmith.documents import load_document

SAMPLE = REPO / "examples" / "sample-resume.md"
POSTING = REPO / "examples" / "sample-posting.md"
PIPELINE = "Worked on the AV data pipeline"  # the posting's Airflow line shares "pipeline" with it
LABELCHECK = "labelcheck (open source): wrote a Python library"  # asked about SQL, the one Python bullet
AIRFLOW = "yes, the nightly runs were scheduled with Airflow"


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BULLETSMITH_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def resume(tmp_path):
    path = tmp_path / "resume.md"
    shutil.copy(SAMPLE, path)
    return path


def job_assistant() -> Assistant:
    return Assistant(engine="rules", job=str(POSTING))


def walk(c: Coach, answer) -> None:
    """Every bullet: `answer(step)` for each question (None skips), then accept a changed rewrite or keep."""
    while (s := c.step()).stage is not Stage.DONE:
        if s.stage is Stage.QUESTION:
            c.handle(answer(s) or "")
        elif s.stage is Stage.DECIDE and s.rewrite is not None and s.rewrite.ok and s.changed:
            c.handle("a")
        else:
            c.handle("k")


def test_requirement_questions_follow_the_slot_questions_and_answers_decide(resume):
    c = Coach(load_document(resume), job_assistant(), store=SessionStore(resume))
    c.start()
    seen: dict[str, tuple[str, int, int]] = {}

    def answer(step):
        if isinstance(step.question, RequirementQuestion):
            seen[step.question.requirement] = (step.bullet.text, step.question_number, step.question_count)
            return {"Airflow": AIRFLOW, "SQL": "not mine"}.get(step.question.requirement)
        return None

    try:
        walk(c, answer)
        done = c.finish()
    finally:
        c.close()
    assert seen["Airflow"][0] == PIPELINE and seen["Airflow"][1] == seen["Airflow"][2]  # asked last of its bullet
    assert seen["SQL"][0].startswith(LABELCHECK)
    assert not any(b == "" for b, _, _ in seen.values())  # those no bullet fits are not asked in coach
    assert any("Kubernetes" in n and "location: resume" in n for n in c.notices)

    out = done.output.read_text()
    (pipeline_line,) = [line for line in out.splitlines() if "AV data pipeline" in line]
    assert "the nightly runs were scheduled with Airflow" in pipeline_line
    assert out.count("Airflow") == SAMPLE.read_text().count("Airflow") + 1  # that bullet only
    assert "SQL" not in next(line for line in out.splitlines() if "labelcheck" in line)

    # The answers are in the fact bank with their requirement, as rewrite --job writes them.
    bank = yaml.safe_load((resume.parent / "resume.questions.yaml").read_text())
    answers = {q["requirement"]: q["answer"] for b in bank["bullets"] for q in b["questions"] if q.get("requirement")}
    assert answers["Airflow"] == AIRFLOW
    assert answers["SQL"] == "not mine"


def test_a_confirmed_requirement_survives_quit_and_resume(resume):
    c = Coach(load_document(resume), job_assistant(), store=SessionStore(resume))
    c.start()
    try:
        while (s := c.step()).bullet.text != PIPELINE or not isinstance(s.question, RequirementQuestion):
            c.handle("" if s.stage is Stage.QUESTION else "k")
        c.handle(AIRFLOW)
        c.handle("q")
    finally:
        c.close()
    saved = SessionStore(resume).load()
    again = Coach(load_document(resume), job_assistant(), store=SessionStore(resume), saved=saved)
    again.start()
    try:
        s = again.step()
        while s.bullet.text != PIPELINE or s.stage is not Stage.DECIDE:
            again.handle("" if s.stage is Stage.QUESTION else "k")
            s = again.step()
        assert s.requirement_answers == {"Airflow": AIRFLOW}
        assert "scheduled with Airflow" in s.rewrite.text and s.rewrite.ok
    finally:
        again.close()


def test_edit_may_keep_a_confirmed_term_and_not_a_declined_one(resume):
    c = Coach(load_document(resume), job_assistant(), store=SessionStore(resume))
    c.start()
    try:
        while (s := c.step()).bullet.text != PIPELINE or not isinstance(s.question, RequirementQuestion):
            c.handle("" if s.stage is Stage.QUESTION else "k")
        c.handle(AIRFLOW)
        assert c.step().stage is Stage.DECIDE
        c.handle("e")
        c.handle("Worked on the AV data pipeline, scheduled with Airflow on Kubernetes")
        s = c.step()
        assert s.stage is Stage.CONFIRM_EDIT  # Kubernetes: nobody confirmed it for this bullet
        assert [f for f in s.edit_findings if "Kubernetes" in f.message]
        assert not [f for f in s.edit_findings if "Airflow" in f.message]
    finally:
        c.close()


def test_coach_job_from_the_command_line(resume):
    a = job_assistant()
    doc = read(resume)
    report = a.requirements(doc)
    asked: dict[str, list[str]] = {}
    for q in report.questions:
        asked.setdefault(q.location, []).append(q.requirement)
    lines = []
    for b in doc.bullets:
        lines += [""] * len(a.analyze(b.text).questions)
        for requirement in asked.get(b.location, []):
            lines.append(AIRFLOW if requirement == "Airflow" else "n")
        lines.append("a" if b.text == PIPELINE else "k")
    result = CliRunner().invoke(
        app, ["coach", str(resume), "--engine", "rules", "--job", str(POSTING)], input="".join(f"{x}\n" for x in lines)
    )
    assert result.exit_code == 0, result.output
    assert "· the posting: Airflow" in result.stdout
    assert "The posting asks for Airflow:" in result.stdout
    out = (resume.parent / "resume.bulletsmith.md").read_text()
    assert "scheduled with Airflow" in next(line for line in out.splitlines() if "AV data pipeline" in line)


def test_an_answer_typed_into_the_questions_file_meanwhile_is_taken_for_its_requirement(resume):
    c = Coach(load_document(resume), job_assistant(), store=SessionStore(resume))
    c.start()
    try:
        while (s := c.step()).bullet.text != PIPELINE:  # bullets before it: kept, so the file gets written
            c.handle("" if s.stage is Stage.QUESTION else "k")
        qpath = resume.parent / "resume.questions.yaml"
        data = yaml.safe_load(qpath.read_text())
        (entry,) = [b for b in data["bullets"] if b["bullet"] == PIPELINE]
        (q,) = [q for q in entry["questions"] if q.get("requirement") == "Airflow"]
        q["answer"] = AIRFLOW  # typed in an editor while coach runs
        qpath.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        reply = c.handle("u")  # an answer saves, and a save reads the file first
        assert "the answer about Airflow typed into resume.questions.yaml is used" in reply.message
        while (s := c.step()).stage is Stage.QUESTION:
            assert not isinstance(s.question, RequirementQuestion)  # answered in the file: not asked
            c.handle("")
        assert s.requirement_answers == {"Airflow": AIRFLOW}
        # The slot answers of the bullet are not touched by it: the requirement's answer is its own.
        assert AIRFLOW not in s.answers.values()
        assert "scheduled with Airflow" in s.rewrite.text
    finally:
        c.close()


def test_a_bullet_not_analyzed_yet_keeps_its_requirement_answer_in_the_file(resume):
    """Before a bullet's analysis is ready, its entry comes from the fact bank: an earlier run's
    requirement answer stays a requirement answer there, not an answer to the slot it is filed under."""
    from bulletsmith.answer_bank import AnswerBank

    first = Coach(load_document(resume), job_assistant(), store=SessionStore(resume))
    first.start()
    try:
        walk(first, lambda s: AIRFLOW if getattr(s.question, "requirement", None) == "Airflow" else None)
        first.finish()
    finally:
        first.close()
    bank = AnswerBank.load([resume.parent / "resume.questions.yaml"])
    c = Coach(load_document(resume), job_assistant(), bank=bank, store=SessionStore(resume))
    try:  # not started: no analysis is ready, so every entry is built from the fact bank
        entries = [q for b in c.questions_file().bullets if b.bullet == PIPELINE for q in b.questions]
    finally:
        c.close()
    assert [(q.requirement, q.answer) for q in entries if q.requirement] == [("Airflow", AIRFLOW)]
    assert not [q for q in entries if not q.requirement and q.answer == AIRFLOW]

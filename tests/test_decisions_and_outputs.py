"""What the person decided and wrote stays theirs: coach decisions survive later runs, answers
typed into the questions file while coach is open are taken in, and no output file is replaced
without asking (issue 19, items 4-6)."""

import shutil

import pytest
import yaml
from support.paths import REPO, WEAK
from typer.testing import CliRunner

from bulletsmith import Assistant
from bulletsmith.answer_bank import AnswerBank
from bulletsmith.cli import app
from bulletsmith.coach import Coach, Stage
from bulletsmith.documents import load_document

runner = CliRunner()
SAMPLE = REPO / "examples" / "sample-resume.md"
MY_EDIT = "Built an image-labeling classifier that my team reviewed by hand"


@pytest.fixture
def resume(tmp_path):
    path = tmp_path / "resume.md"
    shutil.copy(SAMPLE, path)
    return path


def coach_session(resume):
    bank_path = resume.with_name("resume.questions.yaml")
    bank = AnswerBank.load([bank_path] if bank_path.exists() else [])
    return Coach(load_document(resume), Assistant(engine="rules"), bank=bank, lookahead=1)


def walk_to(c, text):
    """Skip through bullets (keeping nothing) until `text` is shown."""
    while True:
        step = c.step()
        if step.bullet.text == text:
            return step
        c.handle("k") if step.stage is Stage.DECIDE else c.handle("")


def edit_weak_bullet(resume):
    with coach_session(resume) as c:
        step = walk_to(c, WEAK)
        while step.stage is Stage.QUESTION:
            c.handle("")
            step = c.step()
        c.handle("e")
        c.handle(MY_EDIT)
        c.save()
    return resume.with_name("resume.questions.yaml")


def test_a_coach_edit_is_recorded_in_the_fact_bank_with_its_decision(resume):
    bank = yaml.safe_load(edit_weak_bullet(resume).read_text())
    entry = next(e for e in bank["bullets"] if e["bullet"] == WEAK)
    assert entry["decision"] == "edited"
    assert entry["rewritten"] == MY_EDIT


def test_rewrite_keeps_a_coach_edit_and_sends_nothing_for_it(resume):
    edit_weak_bullet(resume)
    result = runner.invoke(app, ["rewrite", str(resume), "--engine", "rules", "--json"])
    assert result.exit_code == 0, result.output
    out = resume.with_name("resume.bulletsmith.md").read_text()
    assert MY_EDIT in out and WEAK not in out
    # and the decision is still in the fact bank the rewrite wrote back
    bank = yaml.safe_load(resume.with_name("resume.questions.yaml").read_text())
    assert next(e for e in bank["bullets"] if e["bullet"] == WEAK)["decision"] == "edited"


def test_redo_decided_rewrites_it_again(resume):
    edit_weak_bullet(resume)
    result = runner.invoke(app, ["rewrite", str(resume), "--engine", "rules", "--redo-decided"])
    assert result.exit_code == 0, result.output
    assert MY_EDIT not in resume.with_name("resume.bulletsmith.md").read_text()


def test_a_kept_bullet_stays_as_written_through_rewrite(resume):
    bank_path = resume.with_name("resume.questions.yaml")
    runner.invoke(app, ["rewrite", str(resume), "--engine", "rules"])
    data = yaml.safe_load(bank_path.read_text())
    entry = next(e for e in data["bullets"] if e["bullet"] == WEAK)
    for q in entry["questions"]:
        q["answer"] = "vendor labels disagreed" if q["slot"] == "problem" else ""
    entry["decision"] = "kept"
    bank_path.write_text(yaml.safe_dump(data, sort_keys=False))
    runner.invoke(app, ["rewrite", str(resume), "--engine", "rules"])
    out = resume.with_name("resume.bulletsmith.md").read_text()
    assert f"- {WEAK}\n" in out  # the answer is there, and still the person kept the original


def test_a_plain_coach_rerun_shows_the_saved_decision(resume):
    edit_weak_bullet(resume)
    with coach_session(resume) as c:
        step = walk_to(c, WEAK)
        assert step.decision == "edited" and step.final == MY_EDIT
        assert c.replacements()[step.bullet.location] == MY_EDIT


def test_an_answer_typed_into_the_questions_file_while_coach_is_open_is_kept(resume):
    bank_path = resume.with_name("resume.questions.yaml")
    runner.invoke(app, ["rewrite", str(resume), "--engine", "rules"])  # the questions file exists
    with coach_session(resume) as c:
        c.step()
        c.handle("")  # coach saves: the file is written from the session
        data = yaml.safe_load(bank_path.read_text())
        entry = next(e for e in data["bullets"] if e["bullet"] == WEAK)
        entry["questions"][0]["answer"] = "the group ranked #1 of 12 chains"  # typed in an editor meanwhile
        bank_path.write_text(yaml.safe_dump(data, sort_keys=False))
        reply = c.handle("u")  # the next save
        assert "typed into resume.questions.yaml is used" in reply.message
    data = yaml.safe_load(bank_path.read_text())
    entry = next(e for e in data["bullets"] if e["bullet"] == WEAK)
    assert entry["questions"][0]["answer"] == "the group ranked #1 of 12 chains"


def test_rewrite_refuses_to_replace_an_output_it_did_not_write(resume):
    out = resume.with_name("resume.bulletsmith.md")
    out.write_text("my own notes\n")
    result = runner.invoke(app, ["rewrite", str(resume), "--engine", "rules"])
    assert result.exit_code == 2
    assert "was not written by bulletsmith" in result.output and "--force" in result.output
    assert out.read_text() == "my own notes\n"
    assert runner.invoke(app, ["rewrite", str(resume), "--engine", "rules", "--force"]).exit_code == 0
    assert out.read_text() != "my own notes\n"


def test_rewrite_replaces_its_own_output_but_not_after_a_hand_edit(resume):
    out = resume.with_name("resume.bulletsmith.md")
    assert runner.invoke(app, ["rewrite", str(resume), "--engine", "rules"]).exit_code == 0
    assert runner.invoke(app, ["rewrite", str(resume), "--engine", "rules"]).exit_code == 0  # its own: fine
    out.write_text(out.read_text() + "- a line the person added by hand\n")
    result = runner.invoke(app, ["rewrite", str(resume), "--engine", "rules"])
    assert result.exit_code == 2 and "was edited since" in result.output
    assert "a line the person added by hand" in out.read_text()


def test_coach_refuses_to_start_over_a_file_it_did_not_write(resume):
    out = resume.with_name("resume.bulletsmith.md")
    out.write_text("my own notes\n")
    result = runner.invoke(app, ["coach", str(resume), "--engine", "rules"], input="w\nq\n")
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text() == "my own notes\n"


def test_a_questions_file_half_edited_in_an_editor_is_not_written_over(resume):
    bank_path = resume.with_name("resume.questions.yaml")
    runner.invoke(app, ["rewrite", str(resume), "--engine", "rules"])
    with coach_session(resume) as c:
        c.step()
        typed = bank_path.read_text().replace('answer: ""', "answer: ranked #1 of 12", 1)  # unquoted: YAML would cut it
        bank_path.write_text(typed)
        reply = c.handle("u")
        assert "not saved until it reads again" in reply.message
        assert bank_path.read_text() == typed  # what the person typed is still there, every character


@pytest.mark.parametrize(
    "typed, said", [("No idea.", "Read as unknown"), ("not my work", "Read as not mine"), ("Kafka lag fell 40%", "")]
)
def test_coach_says_how_it_read_a_typed_no_answer(resume, typed, said):
    with coach_session(resume) as c:
        step = walk_to(c, WEAK)
        reply = c.handle(typed)
        assert reply.message.startswith(said) if said else reply.message == ""
        assert c.items[step.index].answers[step.question.slot] == typed  # kept exactly as typed

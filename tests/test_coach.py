"""`bulletsmith coach`: the interactive Q&A, driven through CliRunner with typed input,
and the coach library (state machine, session file, prefetch) driven directly."""

import asyncio
import json
import os
import shutil
import stat
import time

import pytest
import yaml
from support.paths import REPO, WEAK
from typer.testing import CliRunner

from bulletsmith import Assistant, Slot
from bulletsmith.answer_bank import AnswerBank
from bulletsmith.cli import app
from bulletsmith.coach import Coach, Stage
from bulletsmith.coach.session import Decision, SessionError, SessionStore, session_path
from bulletsmith.documents import load_document
from bulletsmith.engines.base import Draft
from bulletsmith.engines.rules.engine import RulesEngine
from bulletsmith.errors import EndpointError

runner = CliRunner()
SAMPLE = REPO / "examples" / "sample-resume.md"
COMPLETE = "Redesigned the labeling taxonomy for pedestrian edge cases"  # bullet 2: nothing missing
PIPELINE = "Worked on the AV data pipeline"  # bullet 3

PROBLEM = "vendor labels disagreed on 14 object classes"
DATA = "label error rate fell from 9% to 3% across 1.2M images"


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    path = tmp_path / "state"
    monkeypatch.setenv("BULLETSMITH_STATE_DIR", str(path))
    return path


@pytest.fixture
def resume(tmp_path):
    path = tmp_path / "resume.md"
    shutil.copy(SAMPLE, path)
    return path


def coach(resume, *lines, args=(), eof=True):
    """Run `bulletsmith coach` with these typed lines; without a final newline the input just ends (EOF)."""
    text = "".join(f"{line}\n" for line in lines)
    return runner.invoke(app, ["coach", str(resume), "--engine", "rules", *map(str, args)], input=text)


def questions_per_bullet(resume):
    a = Assistant(engine="rules")
    return [len(a.analyze(b.text).questions) for b in load_document(resume).bullets]


def skip_and_keep(counts):
    """Enter through every question of these bullets, then keep the original."""
    lines = []
    for n in counts:
        lines += [""] * n + ["k"]
    return lines


def saved(resume):
    return json.loads(session_path(resume).read_text())


def record(resume, text_start):
    return next(b for b in saved(resume)["bullets"] if b["text"].startswith(text_start))


# --- the command, as a person types it -----------------------------------------------------------


def test_answer_skip_unknown_not_mine_then_end_of_input_saves(resume):
    result = coach(
        resume,
        PROBLEM,
        DATA,
        "u",
        "a",  # bullet 1: two answers, one unknown, accept the rewrite
        "k",  # bullet 2: nothing missing, keep it
        "n",
        "",
        "unknown",  # bullet 3: not mine, skip, unknown
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Bullet 1 of 11 · question 1 of 3 · problem" in out
    assert "Bullet 3 of 11 · question 2 of 3" in out
    assert "Skipped: asked again next time." in out
    assert "End of input: saved at bullet 3 of 11" in out and "bulletsmith coach" in out
    b1, b3 = record(resume, WEAK), record(resume, PIPELINE)
    assert b1["answers"] == {"problem": PROBLEM, "data_outcome": DATA, "model_impact": "unknown"}
    assert b1["decision"] == "accepted" and PROBLEM in b1["final"] and "1.2M images" in b1["final"]
    assert record(resume, COMPLETE)["decision"] == "kept"
    assert b3["answers"] == {"problem": "not mine", "model_impact": "unknown"}  # the skipped one stays open
    assert b3["decision"] is None
    assert saved(resume)["current"] == 2
    # The fact bank beside the resume holds the same answers, for `rewrite` and the next run.
    bank = yaml.safe_load(resume.with_name("resume.questions.yaml").read_text())
    entry = next(e for e in bank["bullets"] if e["bullet"] == PIPELINE)
    assert {q["slot"]: q["answer"] for q in entry["questions"]} == {
        "problem": "not mine",
        "data_outcome": "",
        "model_impact": "unknown",
    }
    # Nothing is written over the resume, and no output file until the end.
    assert resume.read_text() == SAMPLE.read_text()
    assert not resume.with_name("resume.bulletsmith.md").exists()


def test_rewrite_is_shown_beside_the_original_with_changes_marked(resume):
    result = coach(resume, PROBLEM, DATA, "u")
    out = result.stdout
    assert f"  before:  {WEAK}" in out
    assert "  after:   " in out and f"{{+because {PROBLEM}" in out
    assert "a accept · e edit · r regenerate · k keep original" in out


def test_markup_the_rewrite_would_lose_is_said_before_accepting_and_after_writing(tmp_path):
    resume = tmp_path / "r.md"
    resume.write_text(
        "# Work\n\n- Cleaned the **feedback** data with [cleanlab](https://github.com/cleanlab/cleanlab)\n"
    )
    result = coach(resume, "the feedback labels disagreed 20% of the time", "removed 12k noisy rows", "", "a")
    note = 'bold not kept: **feedback** (the rewrite does not have "feedback" exactly once'
    shown, summary = result.stdout.split("Wrote ")
    assert f"  ! {note}" in shown  # beside the rewrite, while `e` can still put it back
    assert f"! line 3: {note}" in summary
    out = resume.with_name("r.bulletsmith.md").read_text()
    assert "[cleanlab](https://github.com/cleanlab/cleanlab)" in out and "**feedback**" not in out


def test_question_mark_explains_why_the_slot_matters(resume):
    result = coach(resume, "?")
    assert result.exit_code == 0
    assert "Why the problem matters:" in result.stdout and "Example:" in result.stdout
    # The question is not printed a second time after the explanation.
    assert result.stdout.count("Bullet 1 of 11 · question 1 of 3") == 1


def test_a_leading_backslash_answers_with_a_command_letter(resume):
    """Someone whose answer is literally "b" or "n" types \\b or \\n; `?` says how."""
    from bulletsmith.models import AnswerStatus

    result = coach(resume, "?", "\\b", "\\", "\\ n", "u", "a")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert 'start it with a backslash: \\b answers "b"' in out  # in the `?` help
    assert 'Answer: "b".' in out and 'Answer: "n".' in out
    assert "Nothing after the backslash" in out  # a lone backslash answers nothing: asked again
    assert "Bullet 1 of 11 · question 2 of 3" in out and "Bullet 1 of 11 · question 3 of 3" in out
    b1 = record(resume, WEAK)
    assert b1["answers"] == {"problem": "\\b", "data_outcome": "\\ n", "model_impact": "unknown"}
    assert b1["decision"] == "accepted"
    # The fact bank keeps the backslash, so `rewrite` and the next run read "n" as an answer, not "not mine".
    bank = AnswerBank.load([resume.with_name("resume.questions.yaml")])
    answers = bank.answers_for(WEAK, list(Slot))
    assert (answers[Slot.PROBLEM].status, answers[Slot.PROBLEM].value) == (AnswerStatus.GIVEN, "b")
    assert (answers[Slot.DATA_OUTCOME].status, answers[Slot.DATA_OUTCOME].value) == (AnswerStatus.GIVEN, "n")
    assert answers[Slot.MODEL_IMPACT].status is AnswerStatus.UNKNOWN


def test_back_returns_to_the_previous_question_and_the_previous_bullet(resume):
    result = coach(
        resume,
        "first try",
        "b",  # back to the problem question: its answer is shown
        "vendor labels disagreed",
        "",
        "",
        "k",  # re-answer, skip two, keep
        "b",  # bullet 2 has no questions: back to bullet 1's decision
        "b",  # then to bullet 1's last question
        "u",
    )
    out = result.stdout
    assert "current answer: first try (Enter keeps it)" in out
    assert out.index("== Bullet 2 of 11") < out.rindex("== Bullet 1 of 11")
    b1 = record(resume, WEAK)
    assert b1["answers"] == {"problem": "vendor labels disagreed", "model_impact": "unknown"}


def test_back_at_the_first_question_says_so(resume):
    result = coach(resume, "b")
    assert "This is the first bullet" in result.stdout


def test_quit_then_resume_at_the_same_bullet_and_finish(resume):
    counts = questions_per_bullet(resume)
    first = coach(resume, PROBLEM, DATA, "u", "a", "k", "q")
    assert first.exit_code == 0, first.output
    assert "Saved at bullet 3 of 11" in first.stdout
    assert session_path(resume).exists()

    second = coach(resume, "y", *skip_and_keep(counts[2:]))
    assert second.exit_code == 0, second.output
    out = second.stdout
    assert "A saved session for resume.md (bullet 3 of 11) exists. Resume? [Y/n] y\n" in out
    assert "== Bullet 1 of 11" not in out and "== Bullet 3 of 11" in out
    assert "Wrote " in out and "(1 accepted, 0 edited, 10 kept)" in out
    written = resume.with_name("resume.bulletsmith.md").read_text()
    b1 = next(line for line in written.splitlines() if line.startswith(f"- {WEAK}"))
    assert PROBLEM in b1 and "1.2M images" in b1
    # Everything else is byte for byte the input, and the input itself is untouched.
    assert written.replace(b1, f"- {WEAK}") == SAMPLE.read_text()
    assert resume.read_text() == SAMPLE.read_text()
    # A finished session is gone; the answers stay in the fact bank.
    assert not session_path(resume).exists()
    assert PROBLEM in resume.with_name("resume.questions.yaml").read_text()


def test_resume_keeps_answers_given_before_the_quit_and_does_not_ask_them_again(resume):
    coach(resume, PROBLEM)  # EOF in the middle of bullet 1
    second = coach(resume, "", DATA)  # Enter: resume
    out = second.stdout
    assert "Bullet 1 of 11 · question 2 of 3 · data outcome" in out
    assert "question 1 of 3" not in out
    assert f"answered before: {PROBLEM}" in out
    assert record(resume, WEAK)["answers"] == {"problem": PROBLEM, "data_outcome": DATA}


def test_an_answer_edited_in_the_fact_bank_wins_over_the_saved_session(resume):
    coach(resume, PROBLEM)
    bank = resume.with_name("resume.questions.yaml")
    bank.write_text(bank.read_text().replace(PROBLEM, "vendor labels disagreed on 12 object classes"))
    coach(resume, DATA, args=["-y"])
    assert record(resume, WEAK)["answers"]["problem"] == "vendor labels disagreed on 12 object classes"


def test_restart_starts_over_but_answered_questions_come_from_the_fact_bank(resume):
    coach(resume, PROBLEM, DATA, "u", "a", "k", "q")
    result = coach(resume, "k", args=["--restart"])
    out = result.stdout
    assert "Resuming" not in out
    assert "== Bullet 1 of 11" in out and "Bullet 1 of 11 · rewrite" in out
    assert "question 1 of 3" not in out  # every question of bullet 1 is already in the bank
    assert record(resume, WEAK)["decision"] == "kept"


def test_edit_goes_through_the_provenance_guard(resume):
    counts = questions_per_bullet(resume)
    result = coach(
        resume,
        "",
        "",
        "",
        "e",
        "Built a classification model that cut label errors by 45%",  # 45% is nobody's number
        "y",
        *skip_and_keep(counts[1:]),
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "your text has findings" in out and "provenance" in out and "45%" in out
    assert "(0 accepted, 1 edited, 10 kept)" in out
    assert (
        "- Built a classification model that cut label errors by 45%\n"
        in resume.with_name("resume.bulletsmith.md").read_text()
    )


def test_an_edit_without_findings_is_taken_at_once_and_an_empty_edit_cancels(resume):
    # (an edit adding a name, "at Northwind", has a finding now: no source says "Northwind")
    result = coach(resume, "", "", "", "e", "", "e", "Built a classification model for labeling images")
    out = result.stdout
    assert "Edit cancelled." in out and "Your text is used." in out
    assert record(resume, WEAK)["decision"] == "edited"


def test_edit_shows_the_text_it_starts_from_and_the_same_text_back_changes_nothing(resume):
    result = coach(resume, PROBLEM, DATA, "u", "e")
    out = result.stdout
    rewritten = next(line.removeprefix("  after:   ") for line in out.splitlines() if line.startswith("  after:   "))
    assert f"Bullet 1 of 11 · your text (Enter keeps the text as it was)\n  current: {rewritten}\nnew text> " in out
    again = coach(resume, "", "e", rewritten, "a", args=["-y"])  # a pasted copy of the rewrite, unchanged
    assert "Edit cancelled: the text is unchanged." in again.stdout
    assert record(resume, WEAK)["decision"] == "accepted"


def test_edit_again_after_findings_starts_from_the_persons_own_text(resume):
    c = make_coach(resume)
    try:
        for line in (PROBLEM, DATA, "u"):
            c.handle(line)
        rewrite = c.step().rewrite.text
        c.handle("e")
        assert c.step().edit_default == rewrite
        c.handle("Built a classification model that cut label errors by 45%")
        assert c.step().stage is Stage.CONFIRM_EDIT
        c.handle("e")
        assert c.step().edit_default == "Built a classification model that cut label errors by 45%"
    finally:
        c.close()


def test_piped_input_answers_the_resume_question_like_typed_input(resume):
    coach(resume, PROBLEM, "q")
    result = coach(resume, "n", "q")  # printf 'n\nq\n' | bulletsmith coach resume.md
    out = result.stdout
    assert result.exit_code == 0, result.output
    assert "A saved session for resume.md (bullet 1 of 11) exists. Resume? [Y/n] n\n" in out
    assert "Bullet 1 of 11 · question 2 of 3 · data outcome" in out  # started over: its answer is in the fact bank
    assert f"answered before: {PROBLEM}" in out
    assert record(resume, WEAK)["answers"] == {"problem": PROBLEM}  # the "n" was not taken as "not mine"


def test_an_unclear_reply_to_the_resume_question_asks_again(resume):
    coach(resume, PROBLEM, "q")
    out = coach(resume, DATA, "yes", "q").stdout
    assert "Answer y to resume the saved session, or n to start over." in out
    assert out.count("Resume? [Y/n]") == 2
    assert "data_outcome" not in record(resume, WEAK)["answers"]


def test_yes_resumes_without_asking(resume):
    coach(resume, PROBLEM, "q")
    out = coach(resume, "q", args=["-y"]).stdout
    assert "Resuming the saved session for resume.md at bullet 1 of 11" in out and "Resume?" not in out


def test_a_save_that_fails_names_the_file_not_a_temp_file(resume, tmp_path, monkeypatch):
    import bulletsmith.fsutil

    target = tmp_path / "gone" / "out.md"
    (tmp_path / "gone").mkdir()
    counts = questions_per_bullet(resume)
    real = bulletsmith.fsutil.why_unwritable

    def checked_then_removed(path):  # the folder is there when the coach starts, gone at the end
        why = real(path)
        if path == target:
            path.parent.rmdir()
        return why

    monkeypatch.setattr(bulletsmith.fsutil, "why_unwritable", checked_then_removed)
    result = coach(resume, *skip_and_keep(counts), args=["-o", target])
    assert result.exit_code == 2
    assert result.stderr == f"bulletsmith: error: cannot save {target}: No such file or directory\n"


def test_write_now_writes_the_decided_bullets(resume):
    result = coach(resume, PROBLEM, DATA, "u", "a", "w")
    assert "Wrote " in result.stdout and "1 of 11 bullets decided" in result.stdout
    written = resume.with_name("resume.bulletsmith.md").read_text()
    assert PROBLEM in written
    assert session_path(resume).exists()  # still resumable


def test_in_place_keeps_a_backup(resume):
    counts = questions_per_bullet(resume)
    result = coach(resume, PROBLEM, DATA, "u", "a", *skip_and_keep(counts[1:]), args=["--in-place"])
    assert result.exit_code == 0, result.output
    assert PROBLEM in resume.read_text()
    assert resume.with_name("resume.md.bak").read_text() == SAMPLE.read_text()
    assert "The original is in" in result.stdout


def test_after_in_place_the_next_run_knows_the_rewritten_bullets_and_their_answers(resume):
    counts = questions_per_bullet(resume)
    done = coach(resume, "u", DATA, "n", "a", *skip_and_keep(counts[1:]), args=["--in-place"])
    assert done.exit_code == 0, done.output
    rewritten = next(line[2:] for line in resume.read_text().splitlines() if line.startswith(f"- {WEAK}"))
    # The answer joins as a participle phrase ("cutting label error rate from 9% to 3% …"): its
    # verb changes form, every fact stays.
    assert rewritten != WEAK and "label error rate from 9% to 3% across 1.2M images" in rewritten
    bank = resume.with_name("resume.questions.yaml")
    entry = next(e for e in yaml.safe_load(bank.read_text())["bullets"] if e["bullet"] == WEAK)
    assert entry["rewritten"] == rewritten

    # The resume holds the rewrite now: bullet 1 asks nothing again, its unknown / not mine answers stay.
    again = coach(resume, "k")
    out = again.stdout
    assert f"== Bullet 1 of 11 · line 15 ==\n{rewritten}\n" in out
    assert "Bullet 1 of 11 · question" not in out and "Bullet 1 of 11 · rewrite" in out
    assert f"  before:  {rewritten}\n  after:   (no change)\n" in out  # the same answers give the same text
    assert "answered before: unknown" in out and "answered before: not mine" in out
    entries = [e for e in yaml.safe_load(bank.read_text())["bullets"] if e["bullet"] == WEAK]
    assert len(entries) == 1
    assert {q["slot"]: q["answer"] for q in entries[0]["questions"]} == {
        "problem": "unknown",
        "data_outcome": DATA,
        "model_impact": "not mine",
    }


def test_output_option(resume, tmp_path):
    counts = questions_per_bullet(resume)
    out = tmp_path / "new.md"
    result = coach(resume, *skip_and_keep(counts), args=["-o", out])
    assert result.exit_code == 0, result.output
    assert out.read_text() == SAMPLE.read_text()


def test_a_changed_resume_reuses_answers_of_unchanged_bullets(resume):
    coach(resume, PROBLEM, DATA, "u", "a", "k", "q")
    resume.write_text(resume.read_text().replace("Worked on the AV data pipeline", "Maintained the AV data pipeline"))
    result = coach(resume, "y")
    out = result.stdout
    assert "resume.md changed since the saved session" in out
    assert "== Bullet 3 of 11" in out  # the first bullet not decided yet
    assert record(resume, WEAK)["decision"] == "accepted"


def test_a_damaged_session_file_is_reported_and_replaced(resume, state_dir):
    path = session_path(resume)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    result = coach(resume, PROBLEM)
    assert result.exit_code == 0
    assert "damaged" in result.stdout and "starting a new session" in result.stdout
    assert record(resume, WEAK)["answers"] == {"problem": PROBLEM}


def test_ctrl_c_saves_and_exits_130(resume, monkeypatch):
    from bulletsmith.cli import coach as cli_coach

    typed = iter([PROBLEM])

    def read(self, prompt):
        try:
            return next(typed)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(cli_coach._Ui, "read", read)
    result = coach(resume)
    assert result.exit_code == 130
    assert "Interrupted: saved at bullet 1 of 11" in result.stdout
    assert record(resume, WEAK)["answers"] == {"problem": PROBLEM}


def test_session_file_is_private_and_in_the_state_dir(resume, state_dir):
    coach(resume, PROBLEM)
    path = session_path(resume)
    assert path.parent == state_dir / "sessions"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    data = saved(resume)
    assert data["resume"] == str(resume.resolve()) and len(data["file_hash"]) == 64
    assert data["total"] == 11 and data["version"] == 1


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.md", None, "no such file"),
        ("resume.rtf", "x", "unsupported file type"),
        ("empty.md", "# Nothing here\n", "no bullets found"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    result = runner.invoke(app, ["coach", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_output_equal_to_input_needs_in_place(resume):
    result = runner.invoke(app, ["coach", str(resume), "-o", str(resume)])
    assert result.exit_code == 2 and "--in-place" in result.stderr


def test_help_has_examples():
    result = runner.invoke(app, ["coach", "--help"])
    assert result.exit_code == 0
    assert "Examples" in result.stdout and "bulletsmith coach resume.md" in result.stdout


# --- the library: the state machine without a terminal --------------------------------------------


def make_coach(resume, assistant=None, **kw):
    document = load_document(resume)
    c = Coach(document, assistant or Assistant(engine="rules"), store=SessionStore(resume), **kw)
    c.start()
    return c


def test_state_machine_walks_questions_then_the_decision(resume):
    c = make_coach(resume)
    try:
        s = c.step()
        assert (s.stage, s.number, s.total, s.question.slot.value) == (Stage.QUESTION, 1, 11, "problem")
        assert s.header == "Bullet 1 of 11" and s.question_count == 3
        assert "Example:" in c.handle("?").message and c.step().question_number == 1
        c.handle(PROBLEM)
        c.handle("")  # skip data_outcome
        c.handle("n")
        s = c.step()
        assert s.stage is Stage.DECIDE and s.rewrite.ok and PROBLEM in s.rewrite.text
        assert s.answers == {Slot.PROBLEM: PROBLEM, Slot.MODEL_IMPACT: "not mine"}  # the skipped one stays open
        c.handle("a")
        s = c.step()
        assert (s.stage, s.number, s.question) == (Stage.DECIDE, 2, None)  # nothing missing: straight to the decision
        c.handle("b")
        assert (c.step().stage, c.step().number) == (Stage.DECIDE, 1)
        c.handle("b")
        s = c.step()
        assert (s.stage, s.question.slot.value, s.current_answer) == (Stage.QUESTION, "model_impact", "not mine")
    finally:
        c.close()


def test_every_bullet_decided_is_done_and_finish_writes(resume):
    c = make_coach(resume)
    try:
        while (s := c.step()).stage is not Stage.DONE:
            c.handle("" if s.stage is Stage.QUESTION else "k")
        done = c.finish()
    finally:
        c.close()
    assert done.kept == 11 and done.output.read_text() == SAMPLE.read_text()
    assert not session_path(resume).exists()


def test_resume_from_saved_data(resume):
    c = make_coach(resume)
    for line in (PROBLEM, DATA, "u", "a", "k", "n"):
        c.handle(line)
    c.close()
    data = SessionStore(resume).load()
    assert data.current == 2 and data.bullets[0].decision is Decision.ACCEPTED
    again = make_coach(resume, saved=data)
    try:
        s = again.step()
        assert (s.number, s.question.slot.value) == (3, "data_outcome")
        assert s.prefilled == {Slot.PROBLEM}
    finally:
        again.close()


def test_answers_in_the_fact_bank_are_not_asked_again(resume):
    bank = AnswerBank()
    from bulletsmith.answer_bank import BulletEntry, QuestionEntry, QuestionsFile

    bank.add_file(
        QuestionsFile(
            bullets=[
                BulletEntry(
                    bullet=WEAK,
                    questions=[
                        QuestionEntry(slot="problem", answer=PROBLEM),
                        QuestionEntry(slot="model_impact", answer="not mine"),
                    ],
                )
            ]
        )
    )
    c = make_coach(resume, bank=bank)
    try:
        s = c.step()
        assert s.question.slot.value == "data_outcome" and s.question_number == 2
        assert s.prefilled == {Slot.PROBLEM, Slot.MODEL_IMPACT}
    finally:
        c.close()


class _Fabricating(RulesEngine):
    def rewrite(self, analysis, answers, *, fresh=False):
        return Draft(analysis.bullet + ", cutting label errors by 45%")


class _Failing(RulesEngine):
    def analyze(self, bullet, *, fresh=False):
        if bullet.startswith("Worked"):
            raise EndpointError("endpoint unreachable")
        return super().analyze(bullet)


def with_engine(engine):
    a = Assistant(engine="rules")
    a._engine = engine
    return a


def test_a_rejected_rewrite_offers_only_edit_and_keep(resume):
    c = make_coach(resume, with_engine(_Fabricating()))
    try:
        for _ in range(3):
            c.handle("")
        s = c.step()
        assert s.stage is Stage.DECIDE and not s.rewrite.ok
        assert s.commands.startswith("e edit · k keep original")
        assert "can't be accepted" in c.handle("a").message
        assert c.handle("r").level == "warning"
        assert c.step().number == 1
        c.handle("k")
        assert c.step().number == 2
    finally:
        c.close()


def test_a_failed_analysis_can_be_kept_or_retried(resume):
    c = make_coach(resume, with_engine(_Failing()))
    try:
        for line in ("", "", "", "k", "k"):
            c.handle(line)
        s = c.step()
        assert (s.stage, s.number) == (Stage.FAILED, 3) and "endpoint unreachable" in s.error
        assert "Trying the analysis again" in c.handle("r").message
        assert c.step().stage is Stage.FAILED
        c.handle("k")
        assert c.step().number == 4
    finally:
        c.close()


class _Slow(RulesEngine):
    """A network-like engine: every analysis takes DELAY seconds."""

    DELAY = 0.15

    async def aanalyze(self, bullet, *, fresh=False):
        await asyncio.sleep(self.DELAY)
        return self.analyze(bullet)


def test_prefetch_means_no_wait_between_bullets(resume):
    c = make_coach(resume, with_engine(_Slow()))
    try:
        while (s := c.step()).stage is not Stage.DONE:
            if s.stage is Stage.QUESTION:
                time.sleep(0.06)  # the person reads and types
            c.handle("" if s.stage is Stage.QUESTION else "k")
    finally:
        c.close()
    stats = c.stats.as_dict()
    assert c.stats.first_analysis >= _Slow.DELAY * 0.8  # the first bullet can't be prefetched
    assert len(c.stats.analysis_waits) == 10
    # Without the prefetch this would be 10 x 0.15 s.
    assert c.stats.analysis_after_first < 0.1, stats


def test_session_store_rejects_a_damaged_file(resume):
    store = SessionStore(resume)
    store.path.parent.mkdir(parents=True)
    store.path.write_text(json.dumps({"version": 1, "resume": 3}))
    with pytest.raises(SessionError, match="damaged"):
        store.load()
    store.path.write_text(json.dumps({"version": 99, "resume": "x", "file_hash": "y"}))
    with pytest.raises(SessionError, match="another version"):
        store.load()


def test_state_dir_default_is_platformdirs(monkeypatch, resume):
    from platformdirs import user_state_dir

    monkeypatch.delenv("BULLETSMITH_STATE_DIR")
    assert str(session_path(resume)).startswith(os.path.join(user_state_dir("bulletsmith"), "sessions"))


# --- word-level change marking ------------------------------------------------------------------


def test_word_diff_marks_removed_and_added_words():
    from bulletsmith.diffing import plain_diff, word_diff

    before, after = "Worked on the AV data pipeline", "Rebuilt the AV data pipeline, cutting latency 40%"
    changes = word_diff(before, after)
    assert "".join(c.text for c in changes if c.op != "delete") == after
    assert "".join(c.text for c in changes if c.op != "insert") == before
    assert (
        plain_diff(before, after)
        == "[-Worked on-]{+Rebuilt+} the AV data [-pipeline-]{+pipeline, cutting latency 40%+}"
    )
    assert plain_diff("same words", "same words") == "same words"


# --- regenerate ------------------------------------------------------------------------------------


def test_regenerate_on_the_rules_engine_says_the_text_would_be_the_same(resume):
    c = make_coach(resume)
    try:
        for _ in range(3):
            c.handle("")
        before = c.step().rewrite
        reply = c.handle("r")
        assert "always gives the same text" in reply.message and "e edit" in reply.message
        s = c.step()
        assert s.stage is Stage.DECIDE and s.rewrite is before  # nothing was asked again
    finally:
        c.close()


def _openai_coach(tmp_path, *replies):
    """A coach over one complete bullet on the openai engine, its HTTP scripted (tests/test_openai_engine.py)."""
    from support.scripted import BASE, COMPLETE, KEY, Endpoint

    src = tmp_path / "one.md"
    src.write_text(f"# Alex\n\n- {COMPLETE}\n", encoding="utf-8")
    ep = Endpoint(*replies)
    a = Assistant(
        engine="openai",
        base_url=BASE,
        api_key=KEY,
        model="test-model",
        http_client=ep.transport(),
        cache=tmp_path / "cache",
    )
    return make_coach(src, a), ep


BUNDLED = (
    "Rebuilt the QA sampler for mis-sized vendor boxes, cutting box errors from 9% to 3% and lifting recall 4 points"
)
OTHER = "Cut box errors from 9% to 3% by rebuilding the QA sampler for mis-sized vendor boxes, lifting recall 4 points"


def test_regenerate_on_the_openai_engine_asks_for_a_fresh_rewrite(tmp_path):
    from support.scripted import COMPLETE_SLOTS

    c, ep = _openai_coach(tmp_path, {**COMPLETE_SLOTS, "rewrite": BUNDLED}, {"text": OTHER})
    try:
        s = c.step()
        assert s.stage is Stage.DECIDE and s.rewrite.text == BUNDLED and len(ep.requests) == 1
        assert c.handle("r").message == "Regenerated."
        s = c.step()
        assert s.rewrite.ok and s.rewrite.text == OTHER
        assert len(ep.requests) == 2 and ep.bodies[1]["temperature"] > 0
        assert ep.bodies[1]["tools"][0]["function"]["name"] == "RewriteCall"
        c.handle("a")
        assert c.items[0].final == OTHER
    finally:
        c.close()


def test_retry_after_a_refused_analysis_asks_the_model_again_not_the_cache(tmp_path):
    from support.scripted import COMPLETE_SLOTS

    ungrounded = {**COMPLETE_SLOTS, "action": {"present": True, "evidence": "Led a team of 40", "question": None}}
    c, ep = _openai_coach(tmp_path, ungrounded, ungrounded, ungrounded, {**COMPLETE_SLOTS, "rewrite": BUNDLED})
    try:
        s = c.step()
        assert s.stage is Stage.FAILED and s.error.startswith("the analysis failed: reask: ")
        assert len(ep.requests) == 3  # the try and its 2 re-asks; the failure is cached
        c.handle("r")
        s = c.step()
        assert s.stage is Stage.DECIDE and s.rewrite.text == BUNDLED
        assert len(ep.requests) == 4 and ep.bodies[3]["temperature"] > 0  # a new request, not the cached failure
    finally:
        c.close()

    # The analysis that passed took the failure's place in the cache: the same bullet analyzed
    # again (a `bulletsmith rewrite` run, a notebook) gets it with no request.
    from support.scripted import BASE, COMPLETE, KEY

    a = Assistant(
        engine="openai",
        base_url=BASE,
        api_key=KEY,
        model="test-model",
        http_client=ep.transport(),
        cache=tmp_path / "cache",
    )
    again = a.analyze(COMPLETE)
    assert again.ok and again.usage.cached and len(ep.requests) == 4


def test_a_regenerated_text_that_fails_its_checks_keeps_the_previous_rewrite(tmp_path):
    from support.scripted import COMPLETE_SLOTS

    invented = {"text": "Rebuilt the QA sampler, cutting box errors 67% for 12 teams"}
    c, ep = _openai_coach(tmp_path, {**COMPLETE_SLOTS, "rewrite": BUNDLED}, invented, invented, invented)
    try:
        c.step()
        reply = c.handle("r")
        assert reply.level == "warning" and "the previous rewrite stays" in reply.message
        assert "failed its checks" in reply.message and len(ep.requests) == 4  # 1 + the fresh call and its 2 re-asks
        s = c.step()
        assert s.rewrite.ok and s.rewrite.text == BUNDLED and s.error is None
        c.handle("a")
        assert c.items[0].final == BUNDLED
    finally:
        c.close()

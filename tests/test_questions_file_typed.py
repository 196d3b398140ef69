"""The questions file as a person types into it in an editor: every answer is read as typed,
or the file is refused with the line and the fix, and left as it was."""

import os
import re
import shutil
import time

import pytest
import yaml
from support.paths import REPO
from typer.testing import CliRunner

from bulletsmith import answer_bank
from bulletsmith.answer_bank import (
    AnswerBank,
    AnswersFileError,
    BulletEntry,
    QuestionEntry,
    QuestionsFile,
    read_questions_file,
    write_questions_file,
)
from bulletsmith.cli import app
from bulletsmith.models import Slot

WEAK = "Built a classification model for image labeling"
RANKED = "the group ranked #1 of 12 local chains but margins fell 4%"
runner = CliRunner()


def typed_file(tmp_path, answer_line, name="resume.questions.yaml"):
    """A questions file with one answer line as the person typed it (line 6)."""
    path = tmp_path / name
    path.write_text(
        "resume: resume.md\n"
        "bullets:\n"
        f"  - bullet: {WEAK}\n"
        "    questions:\n"
        "      - slot: data_outcome\n"
        f"        {answer_line}\n",
        encoding="utf-8",
    )
    return path


def refusal(path):
    with pytest.raises(AnswersFileError) as e:
        read_questions_file(path)
    message = str(e.value)
    assert "\n" not in message and str(path) in message
    return message


def suggested_line(message):
    """The `answer: …` the message says to write instead."""
    return re.search(r"(answer: [\"'].*)$", message).group(1).removesuffix("; nothing was changed")


@pytest.mark.parametrize(
    "typed_line, meant",
    [
        (f"answer: {RANKED}", RANKED),  # ` #` would start a comment: "the group ranked"
        ("answer: #1 in the region", "#1 in the region"),  # the whole answer a comment
        ("answer: margins fell: 4% in Q3", "margins fell: 4% in Q3"),  # `: ` breaks the mapping
        ('answer: "Q3" launch slipped 2 weeks', '"Q3" launch slipped 2 weeks'),  # a quote, then more
        ("answer: 'it's 4%'", "it's 4%"),  # single quotes around an apostrophe
        ('answer: "C:\\temp was full"', "C:\\temp was full"),  # "\t" would be a tab
        ("answer: *important* gains", "*important* gains"),  # an alias to YAML
    ],
)
def test_an_answer_that_yaml_would_misread_is_refused_with_its_line_and_the_fix(tmp_path, typed_line, meant):
    path = typed_file(tmp_path, typed_line)
    message = refusal(path)
    assert "line 6" in message
    assert "quotes" in message
    # Following the fix gives exactly what was meant.
    fixed = suggested_line(message)
    path.write_text(path.read_text().replace(typed_line, fixed))
    assert read_questions_file(path).bullets[0].questions[0].answer == meant


def test_the_issue_case_names_what_would_be_read_and_what_was_lost(tmp_path):
    message = refusal(typed_file(tmp_path, f"answer: {RANKED}"))
    assert '"the group ranked"' in message and "#1 of 12 local chains but margins fell 4%" in message
    assert f'answer: "{RANKED}"' in message


@pytest.mark.parametrize(
    "typed",
    [
        RANKED,
        "margins fell: 4% in Q3",
        "it's 4%, the team's best",
        "*important* gains",
        "[x] shipped {v2}",
        "- cut latency",
        "@home | 50% > 40%",
        "no",
        "3.10",
        "~40%",
    ],
)
def test_typing_between_the_quotes_of_a_written_file_reads_as_typed(tmp_path, typed):
    path = tmp_path / "q.yaml"
    write_questions_file(
        path,
        QuestionsFile(
            resume="resume.md",
            bullets=[
                BulletEntry(bullet=WEAK, questions=[QuestionEntry(slot=Slot.DATA_OUTCOME, question="What changed?")]),
            ],
        ),
    )
    text = path.read_text()
    assert text.count('answer: ""') == 1  # an empty answer is written as "" to type into
    path.write_text(text.replace('answer: ""', f'answer: "{typed}"'))
    assert read_questions_file(path).bullets[0].questions[0].answer == typed


@pytest.mark.parametrize(
    "answer",
    [
        RANKED,
        "margins fell: 4% in Q3",
        'the "Q3" launch, it\'s done',
        "C:\\temp was full",
        "\\no",
        "#1",
        "*bold* & more",
        "  leading and trailing  ",
        "yes",
        "null",
        "~",
        "2021-03-01",
        "ünïcödé — dashes “quotes”",
        "a long answer " * 20,
        "line one\nline two",
    ],
)
def test_every_answer_written_reads_back_exactly(tmp_path, answer):
    path = tmp_path / "q.yaml"
    write_questions_file(
        path,
        QuestionsFile(
            resume="resume.md",
            bullets=[
                BulletEntry(bullet=WEAK, questions=[QuestionEntry(slot=Slot.DATA_OUTCOME, answer=answer)]),
            ],
        ),
    )
    assert read_questions_file(path).bullets[0].questions[0].answer == answer


def test_a_control_character_in_an_answer_is_written_as_a_space_not_an_escape(tmp_path):
    path = tmp_path / "q.yaml"
    write_questions_file(
        path,
        QuestionsFile(
            resume="resume.md",
            bullets=[
                BulletEntry(bullet=WEAK, questions=[QuestionEntry(slot=Slot.DATA_OUTCOME, answer="fell\tby 4%\x1b")]),
            ],
        ),
    )
    assert read_questions_file(path).bullets[0].questions[0].answer == "fell by 4%"


def test_a_yaml_comment_on_its_own_line_is_still_a_comment(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text(
        f"# my notes\nbullets:\n  # the ML one\n  - bullet: {WEAK}\n    questions:\n"
        "      - slot: data_outcome  # a note after the slot is fine\n        answer: 3% label errors\n"
    )
    assert read_questions_file(path).bullets[0].questions[0].answer == "3% label errors"


# --- the command line: a misread answer stops the run before anything is written ----------


@pytest.fixture
def resume(tmp_path):
    path = tmp_path / "resume.md"
    shutil.copy(REPO / "examples" / "sample-resume.md", path)
    return path


def rewrite(*args):
    return runner.invoke(app, ["rewrite", "--engine", "rules", *map(str, args)])


def type_answer(questions, bullet, slot, typed):
    """Replace the answer of one question with a line typed by hand, as in an editor."""
    lines = questions.read_text().splitlines(keepends=True)
    in_bullet = in_slot = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith("- bullet:") or line.lstrip().startswith("- location:"):
            in_bullet = False
        if bullet in line:
            in_bullet = True
        if in_bullet and f"slot: {slot}" in line:
            in_slot = True
        if in_slot and line.lstrip().startswith("answer:"):
            lines[i] = line[: line.index("answer:")] + f"answer: {typed}\n"
            questions.write_text("".join(lines))
            return
    raise AssertionError("no such question")


def test_rewrite_refuses_a_cut_answer_and_changes_nothing(resume):
    assert rewrite(resume).exit_code == 0
    questions = resume.with_name("resume.questions.yaml")
    output = resume.with_name("resume.bulletsmith.md")
    type_answer(questions, WEAK, "data_outcome", RANKED)
    before_q, before_out = questions.read_bytes(), output.read_bytes()
    result = rewrite(resume)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert f'answer: "{RANKED}"' in result.stderr
    assert questions.read_bytes() == before_q and output.read_bytes() == before_out
    # Quoted, the whole answer reaches the rewrite and stays in the file.
    type_answer(questions, WEAK, "data_outcome", f'"{RANKED}"')
    assert rewrite(resume).exit_code == 0
    assert RANKED in output.read_text()
    answers = [q["answer"] for e in yaml.safe_load(questions.read_text())["bullets"] for q in e["questions"]]
    assert RANKED in answers


# --- hostile or wrong files (issue 24) --------------------------------------------------------


def test_aliases_are_refused_before_they_expand(tmp_path):
    # 24 KB of anchors that would expand to gigabytes: 3,000 bullets sharing 3,000 questions.
    qs = "".join(f"  - &q{i} {{slot: problem, answer: x}}\n" for i in range(3000))
    path = tmp_path / "bomb.yaml"
    path.write_text(
        "qs:\n"
        + qs
        + "bullets:\n"
        + "".join(
            f"  - {{bullet: b{i}, questions: [{', '.join(f'*q{j}' for j in range(0, 3000, 300))}]}}\n"
            for i in range(3000)
        )
    )
    started = time.monotonic()
    message = refusal(path)
    assert time.monotonic() - started < 2
    assert "anchors and aliases" in message and "line 2" in message


def test_a_questions_file_over_the_size_limit_is_one_line_and_exit_2(resume, tmp_path):
    big = typed_file(tmp_path, f'answer: "{"x" * (answer_bank.MAX_QUESTIONS_FILE_BYTES + 1)}"', name="big.yaml")
    result = rewrite(resume, "--answers", big)
    assert result.exit_code == 2 and "too large for a questions file" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not resume.with_name("resume.bulletsmith.md").exists()


def test_a_device_is_not_read_as_a_questions_file(resume):
    started = time.monotonic()
    result = rewrite(resume, "--answers", "/dev/zero")
    assert result.exit_code == 2 and "not a regular file" in result.stderr
    assert time.monotonic() - started < 10


def test_a_pasted_page_as_one_answer_is_refused(tmp_path):
    message = refusal(typed_file(tmp_path, f'answer: "{"word " * 1000}"'))
    assert "5,000 characters" in message


def test_the_questions_file_is_private(resume, tmp_path):
    assert rewrite(resume).exit_code == 0
    questions = resume.with_name("resume.questions.yaml")
    assert os.stat(questions).st_mode & 0o777 == 0o600
    path = tmp_path / "other.yaml"
    write_questions_file(path, QuestionsFile(resume="r.md"))
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_output_may_not_name_the_questions_file(resume):
    assert rewrite(resume).exit_code == 0
    questions = resume.with_name("resume.questions.yaml")
    before = questions.read_bytes()
    result = rewrite(resume, "-o", questions)
    assert result.exit_code == 2 and "questions file" in result.stderr and result.stderr.count("\n") == 1
    assert questions.read_bytes() == before
    other = resume.with_name("mine.yaml")
    shutil.copy(questions, other)
    result = rewrite(resume, "--answers", other, "-o", other)
    assert result.exit_code == 2 and "--answers" in result.stderr
    result = rewrite(resume, "--questions-out", resume)
    assert result.exit_code == 2 and "over the resume" in result.stderr


def test_bank_reads_answers_typed_in_quotes_whole(tmp_path):
    bank = AnswerBank.load([typed_file(tmp_path, f'answer: "{RANKED}"')])
    assert bank.answer(WEAK, Slot.DATA_OUTCOME).text == RANKED


def test_without_libyaml_the_same_answers_are_refused(tmp_path, monkeypatch):
    import bulletsmith.questions_yaml as questions_yaml

    monkeypatch.setattr(questions_yaml, "_CBase", None)  # PyYAML built without libyaml
    assert 'answer: "' + RANKED + '"' in refusal(typed_file(tmp_path, f"answer: {RANKED}"))
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &x [1, 2]\nb: [*x, *x]\n")
    assert "anchors and aliases" in refusal(bomb)
    assert read_questions_file(typed_file(tmp_path, f'answer: "{RANKED}"')).bullets[0].questions[0].answer == RANKED


def test_a_written_answer_sits_in_double_quotes_so_editing_it_is_safe(tmp_path):
    path = tmp_path / "q.yaml"
    write_questions_file(
        path,
        QuestionsFile(
            resume="resume.md",
            bullets=[
                BulletEntry(
                    bullet=WEAK, questions=[QuestionEntry(slot=Slot.DATA_OUTCOME, answer="Kafka lag, it's #1")]
                ),
            ],
        ),
    )
    text = path.read_text()
    assert 'answer: "Kafka lag, it\'s #1"' in text
    path.write_text(text.replace("it's #1\"", "it's #1: the team's top complaint\""))
    assert read_questions_file(path).bullets[0].questions[0].answer == "Kafka lag, it's #1: the team's top complaint"

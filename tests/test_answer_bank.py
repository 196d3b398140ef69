"""The questions file as a person writes it by hand: answers are the text they typed."""

import pytest
import yaml
from support.paths import WEAK

from bulletsmith.answer_bank import (
    AnswerBank,
    AnswersFileError,
    BulletEntry,
    QuestionEntry,
    QuestionsFile,
    bullet_key,
    read_questions_file,
    write_questions_file,
)
from bulletsmith.models import AnswerStatus, Slot


def questions_file(tmp_path, answer_line, bullet=WEAK):
    path = tmp_path / "resume.questions.yaml"
    path.write_text(
        "resume: resume.md\n"
        "bullets:\n"
        f"  - bullet: {bullet}\n"
        "    questions:\n"
        "      - slot: data_outcome\n"
        f"        {answer_line}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "line, typed",
    [
        ("answer: 0.84", "0.84"),
        ("answer: 3", "3"),
        ("answer: 3.10", "3.10"),  # not 3.1: the person's digits are kept
        ("answer: 1e3", "1e3"),
        ("answer: 0x10", "0x10"),
        ("answer: no", "no"),
        ("answer: yes", "yes"),
        ("answer: off", "off"),
        ("answer: 2021-03-01", "2021-03-01"),
        ("answer: ~40%", "~40%"),
        ("answer: '0.84'", "0.84"),
    ],
)
def test_a_bare_number_or_yaml_word_is_the_answer_as_typed(tmp_path, line, typed):
    qf = read_questions_file(questions_file(tmp_path, line))
    assert qf.bullets[0].questions[0].answer == typed


@pytest.mark.parametrize("line", ["answer: ~", "answer: null", "answer:", 'answer: ""'])
def test_tilde_null_or_nothing_is_an_empty_answer_asked_again(tmp_path, line):
    bank = AnswerBank.load([questions_file(tmp_path, line)])
    assert bank.raw(WEAK, Slot.DATA_OUTCOME) == ""
    assert bank.answer(WEAK, Slot.DATA_OUTCOME) is None


def test_a_bare_number_answer_is_a_usable_claim(tmp_path):
    bank = AnswerBank.load([questions_file(tmp_path, "answer: 0.84")])
    answer = bank.answer(WEAK, Slot.DATA_OUTCOME)
    assert answer.status is AnswerStatus.GIVEN and answer.text == "0.84"


def test_an_answer_written_back_reads_the_same(tmp_path):
    path = questions_file(tmp_path, "answer: 3.10")
    write_questions_file(path, read_questions_file(path))
    assert read_questions_file(path).bullets[0].questions[0].answer == "3.10"


@pytest.mark.parametrize(
    "text, message",
    [
        ("bullets: [\n  - oops", "broken YAML"),
        ("resume: r.md\nbulets: []\n", "unknown key 'bulets'"),
        ("bullets:\n- bullet: x\n  questions:\n  - slot: data_outcome\n    answer: [a, b]\n", "answer"),
    ],
)
def test_broken_files_are_still_one_line_errors(tmp_path, text, message):
    path = tmp_path / "q.yaml"
    path.write_text(text)
    with pytest.raises(AnswersFileError) as e:
        read_questions_file(path)
    assert message in str(e.value) and "q.yaml" in str(e.value) and "\n" not in str(e.value)


def test_bullets_match_whatever_the_case_spacing_or_final_period():
    assert bullet_key("Built a classification model for image labeling.") == bullet_key(WEAK)
    assert bullet_key("  built a  Classification model for image labeling . ") == bullet_key(WEAK)
    assert bullet_key("Built a classification model for image labeling!") != bullet_key(WEAK)


def test_an_answer_given_for_a_bullet_with_a_period_serves_it_without(tmp_path):
    bank = AnswerBank.load([questions_file(tmp_path, "answer: 3% label errors", bullet=WEAK + ".")])
    assert bank.raw(WEAK, Slot.DATA_OUTCOME) == "3% label errors"


REWRITTEN = "Built a classification model for image labeling; label errors fell to 3%"


def bank_with_rewrite():
    bank = AnswerBank()
    bank.add_file(
        QuestionsFile(
            bullets=[
                BulletEntry(
                    bullet=WEAK,
                    rewritten=REWRITTEN,
                    questions=[
                        QuestionEntry(slot=Slot.PROBLEM, answer="not mine"),
                        QuestionEntry(slot=Slot.DATA_OUTCOME, answer="label errors fell to 3%"),
                        QuestionEntry(slot=Slot.MODEL_IMPACT, answer=""),
                    ],
                )
            ]
        )
    )
    return bank


def test_a_bullet_holding_its_rewrite_finds_the_answers_of_its_original():
    bank = bank_with_rewrite()
    assert bank.raw(REWRITTEN, Slot.PROBLEM) == "not mine"
    assert bank.raw(REWRITTEN + ".", Slot.DATA_OUTCOME) == "label errors fell to 3%"
    assert bank.original(REWRITTEN) == WEAK  # the next rewrite starts from the original
    assert bank.original(WEAK) == WEAK and bank.original("Something else") == "Something else"
    assert bank.rewritten(WEAK) == REWRITTEN


def test_a_bullet_present_in_the_resume_by_its_rewrite_is_not_carried_over_twice():
    bank = bank_with_rewrite()
    assert bank.carried_over({bullet_key(REWRITTEN)}) == []
    assert [e.bullet for e in bank.carried_over({bullet_key("another bullet")})] == [WEAK]


def test_an_old_questions_file_without_rewritten_still_reads(tmp_path):
    qf = read_questions_file(questions_file(tmp_path, "answer: 3% label errors"))
    assert qf.bullets[0].rewritten == ""


def test_rewritten_is_written_only_for_bullets_that_have_one(tmp_path):
    path = tmp_path / "q.yaml"
    write_questions_file(
        path,
        QuestionsFile(
            resume="resume.md",
            bullets=[
                BulletEntry(bullet=WEAK, rewritten=REWRITTEN, questions=[QuestionEntry(slot=Slot.PROBLEM)]),
                BulletEntry(bullet="Worked on the AV data pipeline", questions=[QuestionEntry(slot=Slot.PROBLEM)]),
            ],
        ),
    )
    text = path.read_text()
    assert "# `rewritten:`" in text  # the header says what it is
    data = yaml.safe_load(text)
    assert data["bullets"][0]["rewritten"] == REWRITTEN
    assert "rewritten" not in data["bullets"][1]
    assert read_questions_file(path).bullets[0].rewritten == REWRITTEN

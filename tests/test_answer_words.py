"""Answers that are not answers: "I don't know" and "that wasn't me", however they are typed.

One rule (Answer.parse, with the words of data/unknown_answers.txt and data/not_mine_answers.txt)
serves the coach, the questions file, `rewrite` and the library."""

import pytest

from bulletsmith import Assistant, Slot
from bulletsmith.answer_bank import AnswerBank, BulletEntry, QuestionEntry, QuestionsFile, write_questions_file
from bulletsmith.datafiles import word_list
from bulletsmith.models import Answer, AnswerStatus

WEAK = "Built a classification model for image labeling"


@pytest.mark.parametrize(
    "typed",
    [
        "unknown",
        "Unknown.",
        "UNKNOWN",
        "no",
        "No.",
        "none",
        "None!",
        "n/a",
        "N/A",
        "na",
        "no idea",
        "No idea...",
        "don't know",
        "Don’t know.",
        "dunno",
        "skip",
        "pass",
        "not sure",
        "?",
        "-",
        "...",
        "  idk  ",
        "I don't know.",
    ],
)
def test_the_ways_of_saying_i_dont_know_are_unknown(typed):
    answer = Answer.parse(Slot.PROBLEM, typed)
    assert answer.status is AnswerStatus.UNKNOWN and answer.value == "" and not answer.usable


@pytest.mark.parametrize(
    "typed",
    [
        "not mine",
        "not mine.",
        "Not Mine!",
        "n",
        "not_mine",
        "not me",
        "not my work",
        "Not my work.",
        "wasn't me",
        "Wasn’t me.",
        "someone else",
        "another team",
        "not mine, the data team did it",
        "not my work - Priya ran the A/B test",
        "not my project (platform team)",
    ],
)
def test_the_ways_of_saying_it_was_someone_else_are_not_mine(typed):
    answer = Answer.parse(Slot.PROBLEM, typed)
    assert answer.status is AnswerStatus.NOT_MINE and answer.value == "" and not answer.usable


@pytest.mark.parametrize(
    "typed",
    [
        "No, it cut latency by 40%",
        "none of the 12 stores ran out",
        "no regressions in 3 releases",
        "not mine alone: I led the rollout to 3 sites",
        "Kafka lag",
        "unknown vendor labels",
        "\\no",
        "\\not mine",
    ],
)
def test_an_answer_that_only_starts_like_one_is_a_real_answer(typed):
    answer = Answer.parse(Slot.PROBLEM, typed)
    assert answer.status is AnswerStatus.GIVEN and answer.usable


@pytest.mark.parametrize("typed", ["not mine.", "Unknown.", "no", "none", "no idea", "skip", "Not my work."])
def test_no_answer_never_reaches_the_rewrite_as_words(typed):
    rules = Assistant(engine="rules")
    analysis = rules.analyze(WEAK)
    rewrite = rules.rewrite(analysis, {Slot.PROBLEM: typed, Slot.DATA_OUTCOME: "label errors fell to 3%"})
    without = rules.rewrite(analysis, {Slot.DATA_OUTCOME: "label errors fell to 3%"})
    assert rewrite.text == without.text and "3%" in rewrite.text


def test_the_questions_file_reads_them_the_same_way():
    bank = AnswerBank()
    bank.add_file(
        QuestionsFile(
            bullets=[
                BulletEntry(
                    bullet=WEAK,
                    questions=[
                        QuestionEntry(slot=Slot.PROBLEM, answer="Not mine."),
                        QuestionEntry(slot=Slot.DATA_OUTCOME, answer="No idea"),
                    ],
                )
            ]
        )
    )
    assert bank.answer(WEAK, Slot.PROBLEM).status is AnswerStatus.NOT_MINE
    assert bank.answer(WEAK, Slot.DATA_OUTCOME).status is AnswerStatus.UNKNOWN


def test_the_questions_file_header_lists_every_word(tmp_path):
    write_questions_file(tmp_path / "q.yaml", QuestionsFile(resume="resume.md"))
    comments = [line for line in (tmp_path / "q.yaml").read_text().splitlines() if line.startswith("#")]
    text = " ".join(line.lstrip("# ") for line in comments)
    for name in ("unknown_answers.txt", "not_mine_answers.txt"):
        for word in word_list(name):
            if word != "not_mine":
                assert word in text, word


@pytest.mark.parametrize("name", ["unknown_answers.txt", "not_mine_answers.txt"])
def test_the_word_lists_are_clean_and_do_not_overlap(name):
    words = word_list(name, fold=True)
    assert len(words) >= 10 and len(set(words)) == len(words)
    other = "not_mine_answers.txt" if name == "unknown_answers.txt" else "unknown_answers.txt"
    assert not set(words) & set(word_list(other, fold=True))

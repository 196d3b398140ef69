"""The batch rewrite, as a person runs it: rewrite -> fill in the questions file -> rewrite again."""

import json
import shutil

import pytest
import yaml
from support.paths import REPO, WEAK, shared_path
from typer.testing import CliRunner

from bulletsmith.cli import app

runner = CliRunner()
SAMPLE = REPO / "examples" / "sample-resume.md"


@pytest.fixture
def resume(tmp_path):
    path = tmp_path / "resume.md"
    shutil.copy(SAMPLE, path)
    return path


def rewrite(*args):
    return runner.invoke(app, ["rewrite", *map(str, args)])


def fill(questions_path, answers_by_bullet):
    data = yaml.safe_load(questions_path.read_text())
    for entry in data["bullets"]:
        for q in entry["questions"]:
            q["answer"] = answers_by_bullet.get(entry["bullet"], {}).get(q["slot"], q["answer"])
    questions_path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_first_run_writes_questions_and_output_and_leaves_the_input(resume):
    original = resume.read_bytes()
    result = rewrite(resume)
    assert result.exit_code == 0, result.output
    assert resume.read_bytes() == original
    out = resume.with_name("resume.bulletsmith.md")
    questions = resume.with_name("resume.questions.yaml")
    assert out.exists() and questions.exists()
    data = yaml.safe_load(questions.read_text())
    assert data["resume"] == "resume.md"
    weak = next(b for b in data["bullets"] if b["bullet"] == WEAK)
    assert weak["location"] == "line 15"
    assert [q["slot"] for q in weak["questions"]] == ["problem", "data_outcome", "model_impact"]
    assert all(q["answer"] == "" and "classification model" in q["question"] for q in weak["questions"])
    assert "10 bullets still have open questions: fill in" in result.stdout


def test_answers_come_back_in_the_second_run(resume):
    rewrite(resume)
    questions = resume.with_name("resume.questions.yaml")
    fill(
        questions,
        {
            WEAK: {
                "problem": "vendor labels disagreed on 14 object classes",
                "data_outcome": "label error rate fell from 9% to 3% across 1.2M images",
                "model_impact": "unknown",
            }
        },
    )
    result = rewrite(resume, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    weak = next(b for b in report["bullets"] if b["before"] == WEAK)
    assert weak["status"] == "rewritten"
    assert "1.2M images" in weak["after"] and "14 object classes" in weak["after"]
    assert weak["filled"] == ["problem", "data_outcome"]
    out = resume.with_name("resume.bulletsmith.md").read_text()
    assert f"- {weak['after']}\n" in out and f"- {WEAK}\n" not in out
    # The questions file still holds the answers: nothing the person wrote is lost.
    kept = yaml.safe_load(questions.read_text())
    entry = next(b for b in kept["bullets"] if b["bullet"] == WEAK)
    assert entry["questions"][0]["answer"] == "vendor labels disagreed on 14 object classes"


def test_answers_from_one_resume_serve_another(resume, tmp_path):
    rewrite(resume)
    questions = resume.with_name("resume.questions.yaml")
    fill(questions, {WEAK: {"problem": "unknown", "data_outcome": "3% label errors", "model_impact": "not mine"}})
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"basics": {"name": "A"}, "work": [{"name": "X", "highlights": [WEAK]}]}, indent=2))
    result = rewrite(other, "--answers", questions, "--json")
    assert result.exit_code == 0, result.output
    bullet = json.loads(result.stdout)["bullets"][0]
    assert bullet["status"] == "rewritten" and "3% label errors" in bullet["after"]
    assert bullet["pending"] == []


def test_output_never_overwrites_the_input_without_in_place(resume):
    result = rewrite(resume, "-o", resume)
    assert result.exit_code == 2 and "--in-place" in result.stderr


def test_in_place_keeps_a_backup(resume):
    rewrite(resume)
    fill(
        resume.with_name("resume.questions.yaml"),
        {WEAK: {"data_outcome": "3% label errors", "problem": "unknown", "model_impact": "unknown"}},
    )
    original = resume.read_bytes()
    assert rewrite(resume, "--in-place").exit_code == 0
    assert resume.with_name("resume.md.bak").read_bytes() == original
    assert "3% label errors" in resume.read_text()


@pytest.mark.parametrize(
    "content, message",
    [
        ("bullets: [\n  - oops", "broken YAML"),
        ("resume: r.md\nbulets: []\n", "unknown key 'bulets'"),
        ("bullets:\n- bullet: x\n  questions:\n  - slot: impact\n    answer: y\n", "unknown slot 'impact'"),
    ],
)
def test_bad_answers_file_is_one_line_exit_2(resume, tmp_path, content, message):
    answers = tmp_path / "a.yaml"
    answers.write_text(content)
    result = rewrite(resume, "--answers", answers)
    assert result.exit_code == 2
    assert message in result.stderr and "a.yaml" in result.stderr
    assert "Traceback" not in result.output


def test_bad_resume_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "r.xyz"
    bad.write_text("hello")
    result = rewrite(bad)
    assert result.exit_code == 2 and "r.xyz" in result.stderr


@pytest.mark.parametrize(
    "name",
    [
        "jakegut_resume.tex",
        "sb2nov_sourabh-bajaj_resume.tex",
        "awesome-cv_byungjin-park_resume.tex",
        "opensorceror_harsh-gadgil_ml-data-engineer.tex",
        "jsonresume-org_senior-engineer.resume.json",
    ],
)
def test_real_resumes_go_through_without_answers_unchanged(tmp_path, name):
    src = shared_path("realdata", "resumes", name)
    path = tmp_path / name
    shutil.copy(src, path)
    result = rewrite(path, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["bullets"] and all(b["status"] in ("needs_answers", "unchanged") for b in report["bullets"])
    # With no answers yet, nothing changes: the output is the input, byte for byte.
    assert (tmp_path / report["output"].split("/")[-1]).read_bytes() == src.read_bytes()


def answers_of(questions_path, bullet):
    data = yaml.safe_load(questions_path.read_text())
    entry = next(b for b in data["bullets"] if b["bullet"] == bullet)
    return entry, {q["slot"]: q["answer"] for q in entry["questions"]}


def test_a_bare_number_typed_as_an_answer_is_used_as_typed(resume):
    rewrite(resume)
    questions = resume.with_name("resume.questions.yaml")
    text = questions.read_text()
    # What a person types by hand: no quotes around the number, YAML words as answers.
    head, rest = text.split(f'bullet: "{WEAK}"\n', 1)
    rest = (
        rest.replace('answer: ""', "answer: no", 1)
        .replace('answer: ""', "answer: 0.84", 1)
        .replace('answer: ""', "answer: ~", 1)
    )
    questions.write_text(head + f"bullet: {WEAK}\n" + rest)
    result = rewrite(resume, "--json")
    assert result.exit_code == 0, result.stderr
    weak = next(b for b in json.loads(result.stdout)["bullets"] if b["before"] == WEAK)
    assert "0.84" in weak["after"]
    assert [p["slot"] for p in weak["pending"]] == ["model_impact"]  # `~` is no answer: asked again
    assert answers_of(questions, WEAK)[1] == {"problem": "no", "data_outcome": "0.84", "model_impact": ""}


def test_a_missing_output_folder_is_one_line_before_any_work(resume, tmp_path):
    for option in ("-o", "--questions-out"):
        target = tmp_path / "nodir" / "o.txt"
        result = rewrite(resume, option, target)
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"bulletsmith: error: {target}: the folder {tmp_path / 'nodir'} does not exist; "
            "create it first or choose another path\n"
        )
        assert "Traceback" not in result.output
    assert not resume.with_name("resume.bulletsmith.md").exists()  # stopped before the batch


def test_partly_answered_bullets_are_rewritten_and_the_open_questions_stay(resume):
    rewrite(resume)
    questions = resume.with_name("resume.questions.yaml")
    fill(questions, {WEAK: {"data_outcome": "label error rate fell from 9% to 3% across 1.2M images"}})
    result = rewrite(resume, "--json")
    assert result.exit_code == 0, result.output
    weak = next(b for b in json.loads(result.stdout)["bullets"] if b["before"] == WEAK)
    assert weak["status"] == "rewritten" and "1.2M images" in weak["after"]
    assert [p["slot"] for p in weak["pending"]] == ["problem", "model_impact"]
    # The empty questions stay in the file, to be answered later.
    entry, answers = answers_of(questions, WEAK)
    assert answers == {
        "problem": "",
        "data_outcome": "label error rate fell from 9% to 3% across 1.2M images",
        "model_impact": "",
    }
    assert entry["rewritten"] == weak["after"]
    # The next run, with one more answer, rewrites from the original bullet with both.
    fill(questions, {WEAK: {"problem": "vendor labels disagreed on 14 object classes"}})
    again = next(b for b in json.loads(rewrite(resume, "--json").stdout)["bullets"] if b["before"] == WEAK)
    assert "14 object classes" in again["after"] and "1.2M images" in again["after"]
    assert again["after"].count("1.2M images") == 1


def test_unknown_alone_is_an_answer_and_the_summary_says_what_is_still_open(resume):
    rewrite(resume)
    questions = resume.with_name("resume.questions.yaml")
    fill(questions, {WEAK: {"model_impact": "not mine"}})
    result = rewrite(resume)
    assert result.exit_code == 0
    assert "line 15  [unchanged]" in result.stdout  # answered: not "needs answers", yet nothing to add
    assert "  asks:   problem, data outcome" in result.stdout


def test_in_place_then_again_keeps_every_answer_and_asks_nothing_twice(resume):
    rewrite(resume)
    questions = resume.with_name("resume.questions.yaml")
    fill(
        questions,
        {WEAK: {"problem": "unknown", "data_outcome": "label error rate fell from 9% to 3%", "model_impact": ""}},
    )
    fill(questions, {"Worked on the AV data pipeline": {"problem": "not mine"}})
    assert rewrite(resume, "--in-place").exit_code == 0
    text = resume.read_text()
    assert f"- {WEAK}\n" not in text and "9% to 3%" in text
    entry, _ = answers_of(questions, WEAK)
    assert entry["rewritten"] in text

    # The resume now holds the rewrite: the same run again finds every answer, changes nothing.
    result = rewrite(resume, "--in-place", "--json")
    assert result.exit_code == 0, result.output
    report = {b["location"]: b for b in json.loads(result.stdout)["bullets"]}
    assert report["line 15"]["status"] == "unchanged"
    assert [p["slot"] for p in report["line 15"]["pending"]] == ["model_impact"]
    assert resume.read_text() == text
    _, answers = answers_of(questions, WEAK)
    assert answers == {"problem": "unknown", "data_outcome": "label error rate fell from 9% to 3%", "model_impact": ""}
    assert answers_of(questions, "Worked on the AV data pipeline")[1]["problem"] == "not mine"
    assert sum(1 for b in yaml.safe_load(questions.read_text())["bullets"] if b["bullet"] == WEAK) == 1


def test_a_bullet_that_gained_a_final_period_keeps_its_answers(resume):
    rewrite(resume)
    fill(resume.with_name("resume.questions.yaml"), {WEAK: {"data_outcome": "3% label errors"}})
    resume.write_text(resume.read_text().replace(f"- {WEAK}\n", f"- {WEAK}.\n"))
    weak = next(b for b in json.loads(rewrite(resume, "--json").stdout)["bullets"] if b["location"] == "line 15")
    assert weak["status"] == "rewritten" and "3% label errors" in weak["after"]


def test_the_summary_counts_one_bullet_in_the_singular(tmp_path):
    one = tmp_path / "one.md"
    one.write_text(f"# Alex\n\n- {WEAK}\n")
    out = rewrite(one).stdout
    assert "1 bullet: 1 needs answers\n" in out
    assert "1 bullet still has open questions: fill in" in out and "answered bullets are rewritten" in out


def test_a_write_that_fails_after_the_batch_is_one_line_naming_the_file(resume, tmp_path, monkeypatch):
    import bulletsmith.fsutil

    monkeypatch.setattr(bulletsmith.fsutil, "why_unwritable", lambda path: None)  # as if the folder went away later
    target = tmp_path / "nodir" / "o.md"
    result = rewrite(resume, "-o", target)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"bulletsmith: error: cannot write {target}: No such file or directory\n")
    assert "Traceback" not in result.output and ".tmp" not in result.output


def test_markup_the_rewrite_could_not_keep_is_reported(tmp_path):
    resume = tmp_path / "r.md"
    resume.write_text(
        "# Work\n\n- Cleaned the **feedback** data with [cleanlab](https://github.com/cleanlab/cleanlab)\n"
    )
    rewrite(resume)
    fill(
        resume.with_name("r.questions.yaml"),
        {
            "Cleaned the feedback data with cleanlab": {
                "problem": "the feedback labels disagreed 20% of the time",
                "data_outcome": "removed 12k noisy rows",
            }
        },
    )
    result = rewrite(resume)
    out = resume.with_name("r.bulletsmith.md").read_text()
    assert "[cleanlab](https://github.com/cleanlab/cleanlab)" in out  # its words are there once: kept
    assert "**feedback**" not in out  # "feedback" is now there twice: which one was bold?
    assert "bold not kept: **feedback**" in result.stdout
    report = json.loads(rewrite(resume, "--json").stdout)
    assert report["bullets"][0]["dropped_markup"] == [{"text": "feedback", "kind": "bold", "source": "**feedback**"}]

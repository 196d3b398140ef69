"""The batch rewrite, as a person runs it: rewrite -> fill in the questions file -> rewrite again."""

import json
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from bulletsmith.cli import app

from conftest import REPO, shared_path

runner = CliRunner()
SAMPLE = REPO / "examples" / "sample-resume.md"
WEAK = "Built a classification model for image labeling"


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
    assert "need answers: fill in" in result.stdout


def test_answers_come_back_in_the_second_run(resume):
    rewrite(resume)
    questions = resume.with_name("resume.questions.yaml")
    fill(questions, {WEAK: {
        "problem": "vendor labels disagreed on 14 object classes",
        "data_outcome": "label error rate fell from 9% to 3% across 1.2M images",
        "model_impact": "unknown",
    }})
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
    fill(resume.with_name("resume.questions.yaml"), {WEAK: {"data_outcome": "3% label errors", "problem": "unknown",
                                                            "model_impact": "unknown"}})
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
    ["jakegut_resume.tex", "sb2nov_sourabh-bajaj_resume.tex", "awesome-cv_byungjin-park_resume.tex",
     "opensorceror_harsh-gadgil_ml-data-engineer.tex", "jsonresume-org_senior-engineer.resume.json"],
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

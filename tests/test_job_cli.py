"""`--job POSTING` from the command line, on the default (rules) engine: `review --job` lists the
posting's requirements with the bullets that show them, `rewrite --job` asks about the rest, and
the answers decide which of the posting's terms may enter a bullet (issue 17)."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from support.paths import REPO
from typer.testing import CliRunner

from bulletsmith import Assistant
from bulletsmith.cli import app

runner = CliRunner()
SAMPLE = REPO / "examples" / "sample-resume.md"
POSTING = REPO / "examples" / "sample-posting.md"


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


# --- review --job -----------------------------------------------------------------------------------


def test_review_job_json_lists_requirements_with_their_coverage():
    result = invoke("review", SAMPLE, "--job", POSTING, "--json")
    assert result.exit_code == 0, result.output
    job = json.loads(result.stdout)["job"]
    assert job["title"] == "Data Scientist, Training Data"
    by = {r["text"]: r for r in job["requirements"]}
    for r in job["requirements"]:
        assert {"text", "kind", "required", "covered_by"} <= r.keys()
    assert by["Python"]["covered_by"] == ["line 35"]  # the project bullet says Python
    assert by["Airflow"]["covered_by"] == [] and by["Airflow"]["note"] == "listed in Skills, shown in no bullet"
    assert by["Spark"]["required"] is False  # under "Nice to have"
    assert by["Kubernetes"]["question"].startswith("The posting asks for Kubernetes")
    # The resume's title ("Data Scientist, ML data infrastructure") lacks the posting's "Training Data":
    # the check names both titles and leaves the change to the person.
    check = next(c for c in json.loads(result.stdout)["checks"] if c["key"] == "job_title")
    assert check["ok"] is False and "Data Scientist, Training Data" in check["message"]


def test_review_without_job_has_no_job_key():
    result = invoke("review", SAMPLE, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert "job" not in out and not any(c["key"] == "job_title" for c in out["checks"])


def test_review_job_summary_and_html_table(tmp_path):
    report = tmp_path / "report.html"
    result = invoke("review", SAMPLE, "--job", POSTING, "--html", report)
    assert result.exit_code == 0, result.output
    assert 'Posting "Data Scientist, Training Data":' in result.stdout
    assert any(line.split()[:2] == ["ok", "Python"] and "line 35" in line for line in result.stdout.splitlines())
    assert any(line.split()[:2] == ["MISS", "Kubernetes"] for line in result.stdout.splitlines())
    html = report.read_text()
    assert 'id="bs-job"' in html and 'table class="stack coverage"' in html
    assert "listed in Skills, shown in no bullet" in html


def test_title_check_passes_when_the_resume_names_the_postings_role(tmp_path):
    resume = tmp_path / "r.md"
    resume.write_text("# Sam Lee\n\nData Scientist, Training Data\n\n## Experience\n\n- Wrote SQL checks for billing\n")
    review = Assistant(engine="rules", job=str(POSTING)).review(resume)
    check = review.check("job_title")
    assert check.ok, check.message
    assert review.job is not None and review.job.title == "Data Scientist, Training Data"


def test_library_review_carries_the_job():
    review = Assistant(engine="rules", job=str(POSTING)).review(SAMPLE)
    assert review.to_dict()["job"]["requirements"][0]["text"]
    assert "Kubernetes" in review.html()


# --- the done-when flow: review, then rewrite, then answers ---------------------------------------


def _rewrite(resume, *extra):
    result = invoke("rewrite", resume, "--job", POSTING, "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_review_then_rewrite_asks_then_answers_decide(tmp_path):
    resume = tmp_path / "resume.md"
    shutil.copy(SAMPLE, resume)
    review = json.loads(invoke("review", resume, "--job", POSTING, "--json").stdout)["job"]
    uncovered = {r["text"] for r in review["requirements"] if not r["covered_by"]}
    assert {"Airflow", "Kubernetes", "PyTorch"} <= uncovered

    _rewrite(resume)
    qpath = tmp_path / "resume.questions.yaml"
    data = yaml.safe_load(qpath.read_text())
    asked = {q["requirement"]: b for b in data["bullets"] for q in b["questions"] if q.get("requirement")}
    assert uncovered <= set(asked)  # every uncovered requirement is asked about, once
    assert asked["Airflow"]["bullet"] == "Worked on the AV data pipeline"

    # The person answers in the questions file: Kubernetes is not theirs, Airflow they did use.
    for b in data["bullets"]:
        for q in b["questions"]:
            if q.get("requirement") == "Kubernetes":
                q["answer"] = "not mine"
            elif q.get("requirement") == "Airflow":
                q["answer"] = "yes, the nightly runs were scheduled with Airflow"
    qpath.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    report = _rewrite(resume, "--force")
    after = {b["before"]: b["after"] for b in report["bullets"]}
    assert "scheduled with Airflow" in after["Worked on the AV data pipeline"]
    assert [b for b, a in after.items() if "Airflow" in a] == ["Worked on the AV data pipeline"]
    assert not any("Kubernetes" in a or "k8s" in a.casefold() for a in after.values())
    written = (tmp_path / "resume.bulletsmith.md").read_text()
    assert "Kubernetes" not in written and written.count("Airflow") == 1 + (SAMPLE.read_text().count("Airflow"))


# --- --help and bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["review", "rewrite", "coach"])
def test_help_teaches_job_with_an_example(command):
    out = " ".join(invoke(command, "--help").stdout.replace("│", " ").split())
    assert "--job PATH" in out and "--job posting.md" in out


def _huge(p):
    with p.open("wb") as fh:
        fh.truncate(2 * 1024 * 1024)


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("missing.md", None, "no such posting file"),
        ("binary.md", lambda p: p.write_bytes(b"\x00\x01PK\x03\x04" * 100), "binary"),
        ("empty.md", lambda p: p.write_text("  \n\n"), "empty"),
        ("huge.md", _huge, "MB|too large|larger"),
        ("posting.pdf", lambda p: p.write_bytes(b"%PDF-1.4"), "Markdown"),
    ],
)
@pytest.mark.parametrize("command", ["review", "rewrite", "coach"])
def test_bad_posting_is_one_line_and_exit_2(tmp_path, command, name, make, words):
    import re

    resume = tmp_path / "resume.md"
    shutil.copy(SAMPLE, resume)
    posting = tmp_path / name
    if make is not None:
        make(posting)
    result = invoke(command, resume, "--job", posting)
    assert result.exit_code == 2, result.output
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in result.output, result.output
    assert str(posting) in err[0] and re.search(words, err[0]), err[0]
    assert not (tmp_path / "resume.bulletsmith.md").exists()

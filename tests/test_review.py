"""`bulletsmith review`: the whole resume against the guide's rubric, on the default (rules) engine.

The fixtures in tests/fixtures/review are one resume written twice, with closed-loop bullets and
with weak ones, plus one with only model metrics and one with an "ML Engineer" title."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from support.paths import REPO, WEAK, shared_path
from typer.testing import CliRunner

from bulletsmith import Assistant, Review
from bulletsmith.cli import app

runner = CliRunner()
FIXTURES = REPO / "tests" / "fixtures" / "review"
SAMPLE = REPO / "examples" / "sample-resume.md"
DIMENSIONS = {"data_process": 40, "metric_rigor": 30, "model_contribution": 20, "cross_functional": 10}
CHECKS = {"metric_balance", "title", "length", "soft_skills", "bullets_per_role"}


@pytest.fixture(scope="module")
def rules():
    return Assistant(engine="rules")


def review(path, **kw) -> Review:
    return Assistant(engine="rules").review(path, **kw)


# --- the command ----------------------------------------------------------------------------------


def test_review_of_the_sample_prints_a_summary_and_writes_the_html(tmp_path):
    resume = tmp_path / "resume.md"
    shutil.copy(SAMPLE, resume)
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["review", str(resume), "--html", str(report)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.match(rf"{re.escape(str(resume))}: \d+/100 on the guide's rubric", lines[0])
    assert any("Data process improvement" in line and "x40%" in line for line in lines)
    assert any(line.strip().startswith(("ok   title", "FAIL title")) for line in lines)
    assert "Top fixes:" in result.stdout and f"HTML report: {report}" in result.stdout
    assert len(lines) < 30  # a summary, not the report
    html = report.read_text()
    assert html.startswith("<!doctype html>") and "</html>" in html
    assert "not any company" in html  # the honest label
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)  # nothing from the network
    assert "<link" not in html and "<script" not in html


def test_review_json_follows_the_shape(tmp_path):
    result = runner.invoke(app, ["review", str(SAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"file", "engine", "score", "roles", "bullets", "checks", "fixes"} <= set(data)
    assert data["engine"] == "rules" and data["file"] == str(SAMPLE)
    dims = data["score"]["dimensions"]
    assert {d["key"]: d["weight"] for d in dims} == DIMENSIONS
    assert all({"key", "weight", "score", "evidence"} <= set(d) and 0 <= d["score"] <= 100 for d in dims)
    assert data["score"]["total"] == pytest.approx(sum(d["score"] * d["weight"] for d in dims) / 100, abs=0.06)
    # every figure names the bullets behind it
    locations = {b["location"] for b in data["bullets"]}
    assert all(e["location"] in locations for d in dims for e in d["evidence"])
    assert all({"location", "bullet", "slots"} <= set(b) for b in data["bullets"])
    assert all(set(b["slots"]) == {"problem", "action", "data_outcome", "model_impact"} for b in data["bullets"])
    assert {c["key"] for c in data["checks"]} >= CHECKS
    assert all({"key", "ok", "message"} <= set(c) and isinstance(c["ok"], bool) for c in data["checks"])
    assert data["fixes"] and all({"location", "why", "question"} <= set(f) for f in data["fixes"])
    assert all(f["location"] in locations for f in data["fixes"])
    weak = next(b for b in data["bullets"] if b["bullet"] == WEAK)
    assert weak["missing"] == ["problem", "data_outcome", "model_impact"]
    fix = next(f for f in data["fixes"] if f["location"] == weak["location"])  # the guide's weak bullet is a top fix
    assert "classification model" in fix["question"]  # asked about this bullet, not generically


def test_roles_of_the_sample_are_its_two_jobs_and_the_projects():
    r = review(SAMPLE)
    assert [(x.rank, len(x.bullets)) for x in r.roles] == [("most recent", 5), ("previous", 4), (None, 2)]
    assert "Northwind Robotics" in r.roles[0].heading and "Fernhill AI" in r.roles[1].heading
    assert r.roles[0].ok is False  # one closed loop of the three the guide asks for
    assert r.roles[1].ok is True  # four bullets, two showing scale (120k comparisons, 2.4M prompts)


@pytest.mark.parametrize(
    "args, message",
    [
        (["review", "no-such-resume.md"], "no such file"),
        (["review", "resume.xyz"], "unsupported file type"),
        (["review", str(SAMPLE), "--engine", "gpt"], "unknown engine"),
        (["review", str(SAMPLE), "--html", "/no/such/folder/r.html"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resume.xyz").write_text("- Built a thing that worked well\n")
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_help_shows_the_options():
    out = " ".join(runner.invoke(app, ["review", "--help"]).stdout.replace("│", " ").split())
    for option in ("--json", "--html PATH", "--role TEXT", "--engine TEXT"):
        assert option in out


# --- what it computes -----------------------------------------------------------------------------


def test_closed_loop_bullets_score_clearly_higher_than_weak_ones():
    strong, weak = review(FIXTURES / "closed-loops.md"), review(FIXTURES / "weak-bullets.md")
    assert strong.total >= weak.total + 40, (strong.total, weak.total)
    for a, b in zip(strong.score.dimensions, weak.score.dimensions):
        assert a.score >= b.score, a.key
    assert strong.check("bullets_per_role").ok and not weak.check("bullets_per_role").ok
    assert all(b.closed_loop for b in strong.bullets)
    assert not strong.fixes and len(weak.fixes) >= 3  # nothing left to ask of the strong one


def test_only_model_metrics_fails_metric_balance():
    r = review(FIXTURES / "model-metrics-only.md")
    check = r.check("metric_balance")
    assert not check.ok and "model metrics" in check.message
    assert check.locations == [b.location for b in r.bullets]  # each bullet's model metric is the evidence
    rigor = next(d for d in r.score.dimensions if d.key == "metric_rigor")
    assert rigor.score <= 50 and "capped" in rigor.note  # the guide downranks it


def test_machine_learning_engineer_title_fails_title():
    r = review(FIXTURES / "ml-engineer-title.md")
    assert not r.check("title").ok and "Machine Learning Engineer" in r.check("title").message
    assert review(FIXTURES / "closed-loops.md").check("title").ok


def test_title_follows_the_role_applied_for():
    r = review(FIXTURES / "ml-engineer-title.md", role="machine learning engineer")
    assert r.check("title").ok and r.role == "machine learning engineer"
    result = runner.invoke(app, ["review", str(FIXTURES / "closed-loops.md"), "--json", "--role", "Product Manager"])
    title = next(c for c in json.loads(result.stdout)["checks"] if c["key"] == "title")
    assert title["ok"] is False and "Product Manager" in title["message"]


def test_soft_skill_words_fail_soft_skills(tmp_path):
    text = (
        (FIXTURES / "closed-loops.md")
        .read_text()
        .replace(
            "Data Scientist, ML Infrastructure · Seattle, WA",
            "Passionate team player and Data Scientist, ML Infrastructure",
        )
    )
    path = tmp_path / "resume.md"
    path.write_text(text)
    check = review(path).check("soft_skills")
    assert not check.ok and "Passionate" in check.message and "team player" in check.message


def test_length_is_an_estimate_for_text_and_counted_for_a_pdf(tmp_path):
    est = review(SAMPLE).check("length")
    assert est.ok and "estimate" in est.message
    long_resume = tmp_path / "long.md"
    long_resume.write_text(
        SAMPLE.read_text()
        + "\n## Experience\n\n"
        + "".join(
            f"- Rebuilt ingestion job {i} after nightly loads failed, cutting failed runs from {i + 10} to 2 a week\n"
            for i in range(60)
        )
    )
    assert not review(long_resume).check("length").ok

    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=11)
    for page in range(2):
        pdf.add_page()
        pdf.cell(
            0, 8, "Data Scientist, ML Infrastructure" if page == 0 else "Experience", new_x="LMARGIN", new_y="NEXT"
        )
        for i in range(3):
            pdf.cell(
                0,
                8,
                f"- Redesigned labeling queue {page}{i}, cutting relabels from 11% to 4% over 2M images",
                new_x="LMARGIN",
                new_y="NEXT",
            )
    path = tmp_path / "resume.pdf"
    pdf.output(str(path))
    check = review(path).check("length")
    assert not check.ok and check.message.startswith("2 pages (from the file)")


def test_a_docx_resume_is_grouped_into_its_roles(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("Data Scientist, ML Infrastructure")
    d.add_heading("Experience", level=1)
    for job, bullets in (("Data Scientist — Harbor Robotics (2022–present)", 3), ("Analyst — Lantern (2019–2022)", 2)):
        d.add_paragraph(job)
        for i in range(bullets):
            d.add_paragraph(
                f"Redesigned labeling queue {i}, cutting relabels from 11% to 4% over 2M images", style="List Bullet"
            )
    path = tmp_path / "resume.docx"
    d.save(str(path))
    r = review(path)
    assert [(x.heading, len(x.bullets)) for x in r.roles] == [
        ("Data Scientist — Harbor Robotics (2022–present)", 3),
        ("Analyst — Lantern (2019–2022)", 2),
    ]
    assert r.check("title").ok
    # python-docx saved it with its template's "Pages 1, Words 0": a stale count, so it is estimated
    assert "estimate" in r.check("length").message

    # as Word saves it: the page count beside a word count is the file's own
    import zipfile

    word = tmp_path / "word.docx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(word, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/app.xml":
                data = data.replace(b"<Pages>1</Pages>", b"<Pages>2</Pages>").replace(
                    b"<Words>0</Words>", b"<Words>612</Words>"
                )
            dst.writestr(item, data)
    assert review(word).check("length").message.startswith("2 pages (from the file)")


def test_review_of_text_and_of_a_path_agree(rules):
    text = SAMPLE.read_text()
    assert rules.review(text).score == rules.review(SAMPLE).score == rules.review(str(SAMPLE)).score


def test_before_and_after_a_rewrite_with_answers(tmp_path):
    resume = tmp_path / "resume.md"
    shutil.copy(SAMPLE, resume)
    assert review(resume).before_after is None  # nothing to compare with yet
    assert runner.invoke(app, ["rewrite", str(resume), "--engine", "rules"]).exit_code == 0
    questions = resume.with_name("resume.questions.yaml")
    bank = yaml.safe_load(questions.read_text())
    entry = next(b for b in bank["bullets"] if b["bullet"] == WEAK)
    answers = {
        "problem": "vendor labels disagreed on 14 object classes",
        "data_outcome": "label error rate fell from 9% to 3% across 1.2M images",
        "model_impact": "detector recall rose by 4 points",
    }
    for q in entry["questions"]:
        q["answer"] = answers[q["slot"]]
    questions.write_text(yaml.safe_dump(bank, sort_keys=False))
    assert runner.invoke(app, ["rewrite", str(resume), "--engine", "rules"]).exit_code == 0

    r = review(resume)
    ba = r.before_after
    assert ba is not None and "resume.bulletsmith.md" in ba.source and "resume.questions.yaml" in ba.source
    assert ba.total_before == r.total and ba.total_after > ba.total_before
    changed = {d.key: d.after - d.before for d in ba.dimensions}
    assert changed["data_process"] > 0 and changed["model_contribution"] > 0
    assert all(v >= 0 for v in changed.values())
    html = r.html()
    assert "Before and after" in html and f"{ba.total_after:.0f}</strong>/100" in html


def test_the_notebook_display_is_the_report_body():
    r = review(SAMPLE)
    body = r._repr_html_()
    assert body.lstrip().startswith("<style>") and '<main class="bs-review">' in body
    assert "<html" not in body and "<!doctype" not in body.lower()
    assert f"<strong>{r.total:.0f}</strong>/100" in body

    def main(html: str) -> str:
        return html[html.index("<main") : html.index("</main>")]

    assert main(body) == main(r.html())  # the same report as the file, without the page around it


def test_resume_text_is_escaped_in_the_report(tmp_path):
    path = tmp_path / "resume.txt"  # plain text keeps the tags as text (Markdown would read them as HTML)
    path.write_text(
        "A\nData Scientist <b>\n\nEXPERIENCE\n\n"
        "• Built <script>alert(1)</script> labeling checks, cutting relabels from 11% to 4%\n"
        "• Rebuilt the <img src=x onerror=alert(2)> queue over 2M images\n"
    )
    html = review(path).html()
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- real resumes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "awesome-cv_byungjin-park_resume.tex",
        "jakegut_resume.tex",
        "jsonresume-org_career-changer.resume.json",
        "jsonresume-org_new-grad.resume.json",
        "jsonresume-org_senior-engineer.resume.json",
        "jsonresume_sample.resume.json",
        "opensorceror_harsh-gadgil_ml-data-engineer.tex",
        "sb2nov_sourabh-bajaj_resume.tex",
    ],
)
def test_every_real_resume_is_reviewed(name, rules):
    path = shared_path("realdata", "resumes", name)
    r = rules.review(path)
    assert 0 <= r.total <= 100 and not r.failed
    assert r.roles and all(b.role is not None for b in r.bullets)  # every bullet is in a role
    assert {c.key for c in r.checks} >= CHECKS
    html = r.html()
    assert f"<strong>{r.total:.0f}</strong>/100" in html
    assert json.loads(json.dumps(r.to_dict()))["score"]["total"] == r.total

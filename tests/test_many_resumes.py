"""Many resumes in one run: `rewrite` and `extract` take files, folders and globs.

Each resume gets its own output and questions file; --answers applies to all; one summary (or
one --json report) for the run; a file that can't be used is named and the others go on (exit 1).
Behind it, `batch.run_batches`: one engine, one cache, one rate limit for every resume.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import yaml
from support.fault_server import FaultPlan, FaultServer, make_bullet
from support.paths import REPO, WEAK
from support.rate_limit import ProviderLimit
from typer.testing import CliRunner

from bulletsmith import Assistant
from bulletsmith.answer_bank import AnswerBank
from bulletsmith.batch import Status, run_batches
from bulletsmith.cli import app
from bulletsmith.documents import load_document

runner = CliRunner()
SAMPLE = REPO / "examples" / "sample-resume.md"


def cli(*args):
    return runner.invoke(app, [*map(str, args)])


def cohort(tmp_path: Path) -> Path:
    """A folder as a career service has it: two resumes, one broken file, and last run's outputs."""
    folder = tmp_path / "cohort"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "ana.md")
    (folder / "ben.txt").write_text(
        f"Ben\n\nExperience\n- {WEAK}\n- Cut dashboard refresh from 3 days to 4 hours\n", encoding="utf-8"
    )
    (folder / "cleo.docx").write_bytes(b"this is not a zip file at all")
    (folder / "notes.csv").write_text("not a resume\n", encoding="utf-8")
    return folder


def test_a_folder_is_rewritten_in_one_run_each_resume_beside_its_own_files(tmp_path):
    folder = cohort(tmp_path)
    result = cli("rewrite", folder, "--engine", "rules", "--json")
    assert result.exit_code == 1, result.output  # cleo.docx could not be read; the others were rewritten
    report = json.loads(result.stdout)
    assert [Path(f["file"]).name for f in report["files"]] == ["ana.md", "ben.txt"]
    for f in report["files"]:
        assert Path(f["output"]).exists() and Path(f["questions_file"]).exists()
        assert set(f) == {"file", "format", "output", "questions_file", "engine", "bullets"}  # one resume's shape
    assert (folder / "ana.bulletsmith.md").exists() and (folder / "ben.questions.yaml").exists()
    assert [Path(s["file"]).name for s in report["skipped"]] == ["cleo.docx"]
    assert "cleo.docx" in result.stderr and "Traceback" not in result.output
    bullets = sum(len(f["bullets"]) for f in report["files"])
    assert report["summary"]["resumes"] == 2 and report["summary"]["bullets"] == bullets
    assert sum(report["summary"][s.value] for s in Status) == bullets

    # Run again: last run's outputs (NAME.bulletsmith.md) are not taken for resumes.
    again = json.loads(cli("rewrite", folder, "--engine", "rules", "--json").stdout)
    assert [Path(f["file"]).name for f in again["files"]] == ["ana.md", "ben.txt"]


def test_answers_given_once_apply_to_every_resume(tmp_path):
    folder = cohort(tmp_path)
    (folder / "cleo.docx").unlink()
    cli("rewrite", folder / "ana.md", "--engine", "rules")
    questions = folder / "ana.questions.yaml"
    data = yaml.safe_load(questions.read_text())
    for entry in data["bullets"]:
        if entry["bullet"] == WEAK:
            for q in entry["questions"]:
                q["answer"] = {"data_outcome": "label error rate fell from 9% to 3% across 1.2M images"}.get(
                    q["slot"], "unknown"
                )
    shared = tmp_path / "shared.questions.yaml"
    shared.write_text(yaml.safe_dump(data, sort_keys=False))
    questions.unlink()

    result = cli("rewrite", folder / "ana.md", folder / "ben.txt", "--answers", shared, "--engine", "rules", "--json")
    assert result.exit_code == 0, result.output
    for f in json.loads(result.stdout)["files"]:
        weak = next(b for b in f["bullets"] if b["before"] == WEAK)
        assert weak["status"] == "rewritten" and "9% to 3%" in weak["after"], (f["file"], weak)


def test_a_quoted_glob_is_expanded_and_the_summary_counts_the_run(tmp_path):
    folder = cohort(tmp_path)
    result = cli("rewrite", str(folder / "*.md"), str(folder / "b*.txt"), "--engine", "rules")
    assert result.exit_code == 0, result.output
    assert f"== {folder / 'ana.md'}" in result.stdout and f"== {folder / 'ben.txt'}" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("2 resumes, ")


def test_one_file_keeps_its_own_report(tmp_path):
    # The single-file JSON is what scripts read: no "files" wrapper when one resume is given.
    shutil.copy(SAMPLE, tmp_path / "resume.md")
    result = cli("rewrite", tmp_path / "resume.md", "--engine", "rules", "--json")
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == {"file", "format", "output", "questions_file", "engine", "bullets"}


def test_one_output_name_for_several_resumes_is_refused(tmp_path):
    folder = cohort(tmp_path)
    result = cli("rewrite", folder / "ana.md", folder / "ben.txt", "-o", tmp_path / "out.md", "--engine", "rules")
    assert result.exit_code == 2 and "each gets NAME.bulletsmith.EXT" in result.stderr


def test_two_resumes_that_would_share_a_questions_file_are_not_mixed(tmp_path):
    folder = tmp_path / "two"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "cv.md")
    (folder / "cv.txt").write_text(f"- {WEAK}\n", encoding="utf-8")
    result = cli("rewrite", folder, "--engine", "rules", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [Path(f["file"]).name for f in report["files"]] == ["cv.md"]
    assert "also" in report["skipped"][0]["error"] and "cv.txt" in report["skipped"][0]["file"]


def test_nothing_usable_is_bad_input_in_one_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("rewrite", empty, str(tmp_path / "*.md"), "--engine", "rules")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("bulletsmith: error: ")


def test_extract_lists_every_file_and_names_the_one_it_cannot_read(tmp_path):
    folder = cohort(tmp_path)
    result = cli("extract", folder)
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert {line.split("\t")[0] for line in lines} == {str(folder / "ana.md"), str(folder / "ben.txt")}
    assert f"{folder / 'ben.txt'}\tline 4\t{WEAK}" in lines
    assert "cleo.docx" in result.stderr
    report = json.loads(cli("extract", folder, "--json").stdout)
    assert [Path(f["file"]).name for f in report["files"]] == ["ana.md", "ben.txt"]
    assert report["skipped"][0]["file"].endswith("cleo.docx")


def test_resumes_of_one_run_share_the_rate_limit_the_cache_and_the_progress(tmp_path):
    docs = []
    for n in range(3):
        path = tmp_path / f"r{n}.md"
        path.write_text("# R\n\n" + "".join(f"- {make_bullet(100 * n + i)}\n" for i in range(8)), encoding="utf-8")
        docs.append(load_document(path))
    limit = ProviderLimit(24_000, window=2.0)
    ticks: list[tuple[int, int]] = []
    with FaultServer(FaultPlan(), limit=limit) as server:
        a = Assistant(
            engine="openai", base_url=server.base_url, api_key="k", model="m", cache=tmp_path / "cache", concurrency=8
        )
        start = time.monotonic()
        results = run_batches([(d, AnswerBank()) for d in docs], a, progress=lambda s, d, t: ticks.append((d, t)))
        wall = time.monotonic() - start
        sent = len(server.served)
        again = run_batches([(d, AnswerBank()) for d in docs], a)
        sent_again = len(server.served) - sent
    assert [len(r.outcomes) for r in results] == [8, 8, 8]
    assert all(r.count(Status.FAILED) == 0 for r in results), [o.error for r in results for o in r.outcomes]
    assert limit.rejected <= 4  # one limit, paced for all three, not three batches racing for it
    assert wall >= 0.8 * (limit.tokens_admitted - 24_000) / 12_000
    assert ticks[-1] == (24, 24) and ticks[0] == (0, 24)
    assert sent_again == 0 and all(r.count(Status.FAILED) == 0 for r in again)  # one cache

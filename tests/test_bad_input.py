"""The bad-input corpus (tests/support/bad_inputs.py, generated into tmp_path): one line, exit 2, no traceback.

tests/test_documents_errors.py covers the document readers through `extract`; this runs the
corpus through `rewrite` (and `coach`), where a bad file must stop before any model request,
and adds broken answers files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.bad_inputs import ANSWERS, GOOD_MD, RESUMES
from typer.testing import CliRunner

from bulletsmith.cli import app

runner = CliRunner()


def _env(tmp_path: Path) -> dict[str, str]:
    return {"BULLETSMITH_CACHE_DIR": str(tmp_path / "cache"), "BULLETSMITH_STATE_DIR": str(tmp_path / "state")}


def _assert_one_line_exit_2(result, path: Path, words: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.stdout[:300])
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bulletsmith: error: ") and str(path) in lines[0], lines[0]
    assert re.search(words, lines[0]), lines[0]


def test_the_corpus_has_at_least_30_files():
    assert len(RESUMES) + len(ANSWERS) >= 30
    assert len({name for name, _, _ in RESUMES + ANSWERS}) == len(RESUMES) + len(ANSWERS)


@pytest.mark.parametrize("name, maker, words", RESUMES, ids=[c[0] for c in RESUMES])
def test_bad_resume_is_refused_in_one_line(tmp_path, name, maker, words):
    path = tmp_path / name
    maker(path)
    result = runner.invoke(app, ["rewrite", str(path), "--engine", "rules"], env=_env(tmp_path))
    _assert_one_line_exit_2(result, path, words)
    # Nothing written beside the input: no output, no questions file, no temp file.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("cache", "state")) == [name]


@pytest.mark.parametrize("name, maker, words", RESUMES, ids=lambda v: v if isinstance(v, str) and "." in v else "")
def test_bad_resume_is_refused_by_coach_too(tmp_path, name, maker, words):
    path = tmp_path / name
    maker(path)
    result = runner.invoke(app, ["coach", str(path), "--engine", "rules"], env=_env(tmp_path), input="")
    _assert_one_line_exit_2(result, path, words)
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").rglob("*.json"))


@pytest.mark.parametrize("name, maker, words", ANSWERS, ids=[c[0] for c in ANSWERS])
def test_broken_answers_file_is_refused_in_one_line(tmp_path, name, maker, words):
    resume = tmp_path / "resume.md"
    resume.write_text(GOOD_MD, encoding="utf-8")
    answers = tmp_path / name
    maker(answers)
    before = answers.read_bytes()
    result = runner.invoke(
        app, ["rewrite", str(resume), "--engine", "rules", "--answers", str(answers)], env=_env(tmp_path)
    )
    _assert_one_line_exit_2(result, answers, words)
    assert answers.read_bytes() == before  # a broken answers file is never overwritten
    assert not (tmp_path / "resume.bulletsmith.md").exists()


def test_broken_default_questions_file_is_never_overwritten(tmp_path):
    """The questions file beside the resume is read back on every run; if it is broken, stop, don't replace it."""
    resume = tmp_path / "resume.md"
    resume.write_text(GOOD_MD, encoding="utf-8")
    qfile = tmp_path / "resume.questions.yaml"
    qfile.write_text("resume: resume.md\nbullets: [\n  - half an edit\n", encoding="utf-8")
    before = qfile.read_bytes()
    result = runner.invoke(app, ["rewrite", str(resume), "--engine", "rules"], env=_env(tmp_path))
    _assert_one_line_exit_2(result, qfile, "broken YAML")
    assert qfile.read_bytes() == before


def test_bad_timeout_or_reask_setting_is_one_line(tmp_path):
    resume = tmp_path / "resume.md"
    resume.write_text(GOOD_MD, encoding="utf-8")
    for name, value in (("BULLETSMITH_TIMEOUT", "-1"), ("BULLETSMITH_MAX_REASKS", "many")):
        result = runner.invoke(
            app,
            ["rewrite", str(resume)],
            env={**_env(tmp_path), "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", name: value},
        )
        assert result.exit_code == 2, result.output
        assert name in result.stderr and len(result.stderr.strip().splitlines()) == 1

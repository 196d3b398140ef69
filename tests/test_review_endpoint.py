"""`bulletsmith review` with a configured endpoint: a real loopback OpenAI-compatible server
(tests/support/fault_server.py, no faults), the real openai client, instructor and bulletsmith.
A review after a rewrite reuses the rewrite's analyses from the cache: it sends no request."""

from __future__ import annotations

import json
import shutil

import pytest
from support.fault_server import FaultServer, make_bullet
from support.paths import REPO
from typer.testing import CliRunner

from bulletsmith.cli import app

runner = CliRunner()
KEY = "sk-test-REVIEW-0123456789"


@pytest.fixture
def server():
    with FaultServer() as s:
        yield s


@pytest.fixture
def env(server, tmp_path):
    return server.cli_env(tmp_path, key=KEY, model="review-model")


def test_a_review_after_a_rewrite_sends_no_request(server, env, tmp_path):
    resume = tmp_path / "resume.md"
    shutil.copy(REPO / "examples" / "sample-resume.md", resume)
    assert runner.invoke(app, ["rewrite", str(resume)], env=env).exit_code == 0
    sent = len(server.served)
    assert sent > 0

    result = runner.invoke(app, ["review", str(resume), "--json", "--html", str(tmp_path / "r.html")], env=env)
    assert result.exit_code == 0, result.output
    assert len(server.served) == sent  # every analysis came from the rewrite's cache
    data = json.loads(result.stdout)
    assert data["engine"] == "openai" and len(data["bullets"]) == 11
    assert KEY not in result.output and KEY not in (tmp_path / "r.html").read_text()


def test_a_review_without_a_rewrite_asks_once_per_bullet_then_never(server, env, tmp_path):
    resume = tmp_path / "resume.md"
    shutil.copy(REPO / "examples" / "sample-resume.md", resume)
    assert runner.invoke(app, ["review", str(resume)], env=env).exit_code == 0
    assert server.count("analyze") == 11
    sent = len(server.served)
    assert runner.invoke(app, ["review", str(resume)], env=env).exit_code == 0
    assert len(server.served) == sent


def test_a_failed_analysis_exits_1_and_counts_in_no_dimension(server, env, tmp_path):
    resume = tmp_path / "resume.md"
    resume.write_text(
        f"# Sam\n\nData Scientist\n\n## Experience\n\n- {make_bullet(1)}\n- {make_bullet(2, poison=True)}\n"
    )
    result = runner.invoke(app, ["review", str(resume), "--json"], env=env)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    failed = [b for b in data["bullets"] if b["error"]]
    assert [b["location"] for b in failed] == ["line 8"] and "analysis failed" in failed[0]["error"]
    assert all(e["location"] != "line 8" for d in data["score"]["dimensions"] for e in d["evidence"])
    assert any("could not be analyzed" in n for n in data["notes"])

"""`rewrite --batch`: the model's requests as one OpenAI Batch API job, applied by a later run.

Against `support.batch_server.BatchServer`, a loopback server implementing the documented files
and batches endpoints (and the chat endpoint for what goes live). The submitting run is its own
process: the job must survive it, saved beside the outputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support.batch_server import BatchServer
from support.fault_server import make_bullet
from typer.testing import CliRunner

from bulletsmith.cli import app

KEY = "sk-test-BATCH-0123456789abcdef"
runner = CliRunner()


@pytest.fixture
def server():
    with BatchServer(complete_after=2, model="batch-model") as s:
        yield s


@pytest.fixture
def endpoint(server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("BULLETSMITH_MODEL", "batch-model")
    return server


def resume(tmp_path, bullets):
    path = tmp_path / "resume.md"
    path.write_text("# Experience\n\n" + "".join(f"- {b}\n" for b in bullets), encoding="utf-8")
    return path


def cli(*args):
    return runner.invoke(app, [*map(str, args)])


def test_a_batch_is_submitted_survives_the_process_and_a_later_run_applies_it(tmp_path, endpoint):
    server = endpoint
    bullets = [make_bullet(i) for i in range(6)]
    path = resume(tmp_path, bullets)
    submitted = subprocess.run(
        [sys.executable, "-m", "bulletsmith", "rewrite", str(path), "--batch"],
        capture_output=True,
        text=True,
        env={**os.environ, "TERM": "dumb"},
        timeout=60,
    )
    assert submitted.returncode == 0, submitted.stderr
    assert "submitted batch batch_" in submitted.stdout and KEY not in submitted.stdout + submitted.stderr
    state = tmp_path / "resume.bulletsmith-batch.json"
    job = json.loads(state.read_text())
    assert job["requests"] == 6 and KEY not in state.read_text()
    assert not (tmp_path / "resume.bulletsmith.md").exists()  # nothing applied yet
    assert server.count("analyze") == 0  # nothing sent live
    (upload,) = [f for f in server.files.values() if f[1] == "batch"]
    lines = [json.loads(line) for line in upload[2].decode().splitlines()]
    assert [line["method"] for line in lines] == ["POST"] * 6
    assert {line["url"] for line in lines} == {"/v1/chat/completions"}
    assert all(line["body"]["tools"][0]["function"]["name"] == "AnalyzeCall" for line in lines)

    status = cli("batch", "status", path)
    assert status.exit_code == 0 and "in_progress" in status.stdout, status.output
    waiting = cli("rewrite", path, "--batch")  # still running: says so, writes nothing
    assert waiting.exit_code == 0 and not (tmp_path / "resume.bulletsmith.md").exists()

    applied = cli("rewrite", path, "--batch", "--json")
    assert applied.exit_code == 0, applied.output
    report = json.loads(applied.stdout)
    (only,) = report["files"]
    assert [b["status"] for b in only["bullets"]] == ["rewritten"] * 6
    assert (tmp_path / "resume.bulletsmith.md").exists() and not state.exists()
    # The analyses came from the batch; only the rewrites they led to went live.
    assert server.count("analyze") == 0 and server.count("rewrite") == 6

    # Applied as a live run would be: into the cache too, so a normal run sends nothing.
    before = len(server.served)
    again = cli("rewrite", path, "--json", "--force")
    assert again.exit_code == 0 and len(server.served) == before


def test_answers_from_a_batch_pass_the_same_guards_and_re_asks_go_live(tmp_path, endpoint):
    server = endpoint
    path = resume(tmp_path, [make_bullet(1), make_bullet(2, poison=True)])
    assert cli("rewrite", path, "--batch").exit_code == 0
    cli("batch", "status", path)
    cli("batch", "status", path)
    applied = cli("rewrite", path, "--batch", "--json")
    assert applied.exit_code == 1  # the poisoned bullet failed its checks, as it would live
    bullets = json.loads(applied.stdout)["files"][0]["bullets"]
    assert bullets[0]["status"] == "rewritten"
    assert bullets[1]["status"] == "failed" and "analysis failed" in bullets[1]["error"]
    poison = [s for s in server.requests_for(make_bullet(2, poison=True)) if s.kind == "analyze"]
    assert len(poison) == 2  # the batch's answer was refused: the 2 re-asks were sent live


def test_batch_needs_the_openai_engine(tmp_path):
    result = cli("rewrite", resume(tmp_path, [make_bullet(1)]), "--batch", "--engine", "rules")
    assert result.exit_code == 2 and "openai engine" in result.stderr

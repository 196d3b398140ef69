"""`bulletsmith eval` over recorded model calls: offline replay, stale detection, re-recording.

The committed recordings (evals/recordings/, real SmolLM2 output) replay here with the
network shut off. Prompt edits happen in a copy of prompts/ ($BULLETSMITH_PROMPTS_DIR),
never in the real files. Recording itself runs against a scripted httpx2 transport.
"""

from __future__ import annotations

import json
import shutil
import socket
import time

import httpx2
import pytest
import yaml
from support.paths import REPO
from typer.testing import CliRunner

from bulletsmith.cli import app
from bulletsmith.eval_labels import load_draft_labels, score_guard_on_labels
from bulletsmith.eval_recordings import RecordingError, Recordings
from bulletsmith.evaluation import check_thresholds, evaluate, load_cases

CASES = REPO / "evals" / "cases"
RECORDINGS = REPO / "evals" / "recordings"
THRESHOLDS = REPO / "evals" / "thresholds.yaml"
KEY = "sk-test-EVAL-RECORDING-0001"


@pytest.fixture
def no_network(monkeypatch):
    def refuse(self, address):
        raise AssertionError(f"replay tried to open a connection to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@pytest.fixture(scope="module")
def index():
    return json.loads((RECORDINGS / "index.json").read_text())


def run(*args: str):
    return CliRunner().invoke(app, ["eval", "--cases", str(CASES), "--thresholds", str(THRESHOLDS), *args])


def edited_prompts(tmp_path, monkeypatch, name: str):
    """A copy of prompts/ with one word of `name`.md changed, made the prompt folder."""
    folder = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts", folder)
    path = folder / f"{name}.md"
    text = path.read_text()
    head, sep, body = text.partition("## system")
    assert sep and " one " in body
    path.write_text(head + sep + body.replace(" one ", " a single ", 1))
    monkeypatch.setenv("BULLETSMITH_PROMPTS_DIR", str(folder))
    return path


# --------------------------------------------------------------------------- the committed recordings


def test_committed_recordings_replay_offline_fast_and_meet_the_thresholds(no_network, index):
    started = time.monotonic()
    result = run("--engine", "openai", "--recordings", str(RECORDINGS), "--json", "--no-save")
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    recorded = len(index["cases"])
    assert recorded >= 10
    assert data["engine"] == "openai" and data["model"] == index["served_model"]
    assert data["cases"] == recorded  # exactly the recorded cases are scored
    assert data["replay"]["not_recorded"] == len(load_cases(CASES)) - recorded
    assert data["replay"]["stale"] == [] and data["replay"]["unused_recordings"] == []
    assert data["threshold_breaches"] == []
    assert data["rewrites"]["fabricated_numbers_after_guard"] == 0
    assert data["rewrites"]["invented_claims_after_guard"] == 0
    assert elapsed < 60


def test_the_index_and_the_recording_files_agree(index):
    referenced = {k for entry in index["cases"].values() for k in entry["keys"]}
    files = {p.stem for p in RECORDINGS.glob("bs1-*.json")}
    assert referenced == files
    assert index["model"] and index["served_model"] and index["server"]
    ids = {c.id for c in load_cases(CASES)}
    assert set(index["cases"]) <= ids


def test_no_recording_holds_a_key_or_a_header():
    for path in RECORDINGS.glob("*.json"):
        text = path.read_text()
        lowered = text.lower()
        assert "authorization" not in lowered and "bearer " not in lowered and "api_key" not in lowered, path
        assert "sk-" not in text, path
        assert text.startswith("{\n"), f"{path} is not pretty-printed"


def test_the_committed_report_has_both_engines_and_names_the_model(index):
    report = json.loads((REPO / "evals" / "report.json").read_text())
    assert set(report["engines"]) == {"rules", "openai"}
    openai = report["engines"]["openai"]
    assert openai["model"] == index["served_model"]
    assert openai["recordings"]["model"] == index["model"] and openai["recordings"]["server"]
    assert openai["rewrites"]["fabricated_numbers_after_guard"] == 0
    assert openai["rewrites"]["invented_claims_after_guard"] == 0
    assert report["engines"]["rules"]["rewrites"]["requests_per_bullet"] == 0.0


def test_openai_thresholds_are_checked_for_the_replay(index):
    spec = yaml.safe_load(THRESHOLDS.read_text())
    assert spec["openai"]["max"]["rewrites.fabricated_numbers_after_guard"] == 0
    rec = Recordings(RECORDINGS)
    report = evaluate(rec.assistant(), load_cases(CASES), replay=rec)
    # The guard's score against the hand labels, as `bulletsmith eval` adds it to the openai row.
    score = score_guard_on_labels(load_draft_labels(REPO / "evals" / "labels" / "rewrites.yaml"), load_cases(CASES))
    score.pop("missed")
    report.rewrites.update(score)
    assert check_thresholds(report, THRESHOLDS) == []
    worse = report.model_copy(update={"rewrites": {**report.rewrites, "fabricated_numbers_after_guard": 1}})
    assert any("fabricated_numbers_after_guard" in b for b in check_thresholds(worse, THRESHOLDS))
    invented = report.model_copy(update={"rewrites": {**report.rewrites, "invented_claims_after_guard": 1}})
    assert any("invented_claims_after_guard" in b for b in check_thresholds(invented, THRESHOLDS))


def test_a_prompt_edit_fails_the_replay_naming_every_stale_case_and_the_prompt(
    tmp_path, monkeypatch, no_network, index
):
    edited_prompts(tmp_path, monkeypatch, "analyze")
    result = run("--engine", "openai", "--recordings", str(RECORDINGS), "--no-save")
    assert result.exit_code == 1
    stale_lines = [line for line in result.stdout.splitlines() if line.startswith("STALE: ")]
    assert {line.split()[1].rstrip(":") for line in stale_lines} == set(index["cases"])
    assert all("analyze.md changed since it was recorded" in line for line in stale_lines)
    assert all("--record" in line for line in stale_lines)


def test_a_rewrite_prompt_edit_names_rewrite_md(tmp_path, monkeypatch, no_network, index):
    edited_prompts(tmp_path, monkeypatch, "rewrite")
    result = run("--engine", "openai", "--recordings", str(RECORDINGS), "--no-save", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert set(data["replay"]["stale"]) == set(index["cases"])
    assert all("(rewrite call" in m and "rewrite.md changed" in m for m in data["replay"]["stale_messages"])


def test_status_lists_stale_cases_offline(tmp_path, monkeypatch, no_network, index):
    result = run("--status", "--recordings", str(RECORDINGS))
    assert result.exit_code == 0, result.output
    assert f"up to date:   {len(index['cases'])}" in result.stdout and "stale:        0" in result.stdout
    edited_prompts(tmp_path, monkeypatch, "analyze")
    result = run("--status", "--recordings", str(RECORDINGS))
    assert f"stale:        {len(index['cases'])}" in result.stdout
    assert "analyze.md changed" in result.stdout
    assert f"not recorded: {len(load_cases(CASES)) - len(index['cases'])}" in result.stdout


# --------------------------------------------------------------------------- recording (scripted server)


class Server:
    """An OpenAI-compatible endpoint in a transport: a fixed analysis, a plain rewrite."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.requests: list[dict] = []
        self.fail_after = fail_after

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        if self.fail_after is not None and len(self.requests) >= self.fail_after:
            return httpx2.Response(400, json={"error": {"message": "server went away"}})
        self.requests.append(body)
        tool = body["tools"][0]["function"]["name"]
        if tool == "AnalyzeCall":
            args = {
                name: {
                    "present": False,
                    "evidence": None,
                    "question": f"What was the {name.replace('_', ' ')} of this work, in your words?",
                }
                for name in ("problem", "action", "data_outcome", "model_impact")
            }
        else:
            args = {"text": "Rewrote the bullet"}
        return httpx2.Response(
            200,
            json={
                "id": "x",
                "object": "chat.completion",
                "created": 1,
                "model": "scripted-model",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "tool_calls",
                        "message": {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [
                                {
                                    "id": "c",
                                    "type": "function",
                                    "function": {"name": tool, "arguments": json.dumps(args)},
                                }
                            ],
                        },
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            },
        )


@pytest.fixture
def endpoint(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("BULLETSMITH_MODEL", "scripted")
    monkeypatch.setenv("BULLETSMITH_MAX_REASKS", "0")


@pytest.fixture
def two_cases():
    return [c for c in load_cases(CASES) if c.id.startswith("own-")][:2]  # claims.yaml sorts first


def record(directory, cases, server):
    rec = Recordings(directory, record=True, inner=httpx2.MockTransport(server))
    report = evaluate(rec.assistant(server="scripted test server"), cases, replay=rec)
    return rec, report


def replay(directory, cases):
    rec = Recordings(directory)
    return rec, evaluate(rec.assistant(), cases, replay=rec)


def test_record_then_replay_gives_the_same_figures(tmp_path, endpoint, two_cases):
    server = Server()
    rec, recorded = record(tmp_path / "rec", two_cases, server)
    assert len(server.requests) == 4 and rec.recorded_now == [c.id for c in two_cases]
    index = json.loads((tmp_path / "rec" / "index.json").read_text())
    assert index["model"] == "scripted" and index["served_model"] == "scripted-model"
    assert index["max_reasks"] == 0 and index["server"] == "scripted test server"
    for path in (tmp_path / "rec").iterdir():
        assert KEY not in path.read_text()

    rec2, replayed = replay(tmp_path / "rec", two_cases)
    assert rec2.ran == [c.id for c in two_cases] and not rec2.stale
    assert replayed.model_dump(exclude={"seconds"}) == recorded.model_dump(exclude={"seconds"})
    assert replayed.rewrites["requests_per_bullet"] == 2.0 and replayed.rewrites["tokens_per_bullet"] == 30.0


def test_record_fills_only_missing_and_stale_and_drops_what_they_replace(tmp_path, monkeypatch, endpoint, two_cases):
    record(tmp_path / "rec", two_cases[:1], Server())
    server = Server()
    rec, _ = record(tmp_path / "rec", two_cases, server)
    assert len(server.requests) == 2 and rec.recorded_now == [two_cases[1].id]  # the first case replayed

    old = set((tmp_path / "rec").glob("bs1-*.json"))
    edited_prompts(tmp_path, monkeypatch, "rewrite")
    rec, _ = replay(tmp_path / "rec", two_cases)
    assert [s.id for s in rec.stale] == [c.id for c in two_cases]
    server = Server()
    rec, _ = record(tmp_path / "rec", two_cases, server)
    assert [b["tools"][0]["function"]["name"] for b in server.requests] == ["RewriteCall", "RewriteCall"]
    new = set((tmp_path / "rec").glob("bs1-*.json"))
    assert len(old - new) == 2 and len(new - old) == 2  # the stale rewrites are gone, the analyses kept
    rec, _ = replay(tmp_path / "rec", two_cases)
    assert not rec.stale and len(rec.ran) == 2


def test_an_interrupted_recording_keeps_what_it_got(tmp_path, endpoint, two_cases):
    from bulletsmith.errors import EndpointError

    with pytest.raises(EndpointError):
        record(tmp_path / "rec", two_cases, Server(fail_after=3))
    index = json.loads((tmp_path / "rec" / "index.json").read_text())
    assert list(index["cases"]) == [two_cases[0].id]
    assert len(list((tmp_path / "rec").glob("bs1-*.json"))) == 3  # the second case's analysis too
    server = Server()
    record(tmp_path / "rec", two_cases, server)
    assert len(server.requests) == 1  # only the rewrite that never came back


def test_recording_another_model_into_the_same_folder_is_refused(tmp_path, monkeypatch, endpoint, two_cases):
    record(tmp_path / "rec", two_cases[:1], Server())
    monkeypatch.setenv("BULLETSMITH_MODEL", "another")
    with pytest.raises(RecordingError, match="made with model 'scripted'.*another folder"):
        Recordings(tmp_path / "rec", record=True).assistant()


def test_unrecorded_cases_and_unused_recordings_are_listed(tmp_path, endpoint, two_cases, monkeypatch):
    record(tmp_path / "rec", two_cases[:1], Server())
    (tmp_path / "rec" / ("bs1-" + "0" * 64 + ".json")).write_text("{}")
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "BULLETSMITH_MODEL"):
        monkeypatch.delenv(name)
    cases = tmp_path / "cases"
    cases.mkdir()
    data = yaml.safe_load((CASES / "own.yaml").read_text())[:2]
    (cases / "c.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / "none.yaml").write_text("rules: {}\nopenai: {}\n")  # checks no figure, on purpose
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--cases",
            str(cases),
            "--recordings",
            str(tmp_path / "rec"),
            "--report",
            str(tmp_path / "report.json"),
            "--thresholds",
            str(tmp_path / "none.yaml"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"1 not recorded (not a failure): {data[1]['id']}" in result.stdout
    assert "1 unused recordings" in result.stdout
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved["engines"]["openai"]["cases"] == 1 and saved["engines"]["rules"]["cases"] == 2
    assert "(no committed report to compare with)" in result.stdout

    # A second run shows each figure's change against the saved report.
    saved["engines"]["rules"]["overall_slots"]["f1"] = 0.0
    (tmp_path / "report.json").write_text(json.dumps(saved))
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--cases",
            str(cases),
            "--recordings",
            str(tmp_path / "rec"),
            "--report",
            str(tmp_path / "report.json"),
            "--thresholds",
            str(tmp_path / "none.yaml"),
        ],
    )
    f1_line = next(line for line in result.stdout.splitlines() if line.startswith("slot F1"))
    assert "(+" in f1_line

"""Two processes on the same resume, cache and session folder: neither corrupts the other's files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support.fault_server import FaultPlan, FaultServer, make_bullet

from bulletsmith.answer_bank import read_questions_file
from bulletsmith.engines.openai.cache import ResponseCache

pytestmark = pytest.mark.slow  # real processes, terminals and signals

KEY = "sk-test-TWOPROC-0123456789"
CLI = [sys.executable, "-c", "from bulletsmith.cli import main; main()"]
OPEN = ["Cleaned invoices feed for the finance team", "Migrated dashboards from Tableau to Looker"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BULLETSMITH_"))}
    env.update(
        {
            "OPENAI_API_KEY": KEY,
            "BULLETSMITH_TIMEOUT": "5",
            "BULLETSMITH_CACHE_DIR": str(tmp_path / "cache"),
            "BULLETSMITH_STATE_DIR": str(tmp_path / "state"),
            "TERM": "dumb",
            **extra,
        }
    )
    return env


def test_two_rewrites_of_one_resume_at_once_leave_whole_files(tmp_path):
    src = tmp_path / "resume.md"
    bullets = [make_bullet(i) for i in range(12)] + OPEN
    src.write_text("# Alex\n\n## Experience\n\n" + "".join(f"- {b}\n" for b in bullets), encoding="utf-8")
    with FaultServer(FaultPlan(delay=0.02)) as server:
        env = _env(tmp_path, OPENAI_BASE_URL=server.base_url)
        procs = [
            subprocess.Popen(
                [*CLI, "rewrite", str(src), "--json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = []
        for p in procs:
            try:
                out, err = p.communicate(timeout=60)
                results.append((p.returncode, out, err))
            finally:
                if p.poll() is None:
                    p.kill()
        for code, out, err in results:
            assert code == 0, err
            assert "Traceback" not in err
            report = json.loads(out)
            assert [b["before"] for b in report["bullets"]] == bullets

        # The output is one whole run's output, not a mix of two half-files.
        text = (tmp_path / "resume.bulletsmith.md").read_text(encoding="utf-8")
        assert text.count("\n- ") == len(bullets)
        assert text.count("to fix flaky labels in queue") == 12
        # The questions file is valid YAML with every open bullet once.
        qf = read_questions_file(tmp_path / "resume.questions.yaml")
        assert sorted(b.bullet for b in qf.bullets) == sorted(OPEN)
        assert not list(tmp_path.glob(".*.tmp"))

        # The shared cache is readable and every value is a JSON object.
        cache = ResponseCache(tmp_path / "cache")
        try:
            keys = list(cache._open().iterkeys())
            # every analysis and every rewrite, once per key however many processes stored it
            assert len(keys) == len(bullets) + 12
            assert all(isinstance(cache.get(k), dict) for k in keys)
        finally:
            cache.close()


HAMMER = r"""
import json, sys
from pathlib import Path
from bulletsmith.engines.openai.cache import ResponseCache
from bulletsmith.coach.session import BulletRecord, SessionData, SessionStore
from bulletsmith.answer_bank import BulletEntry, QuestionEntry, QuestionsFile, write_questions_file
from bulletsmith.models import Slot

me, root = sys.argv[1], Path(sys.argv[2])
cache = ResponseCache(root / "cache")
store = SessionStore(root / "resume.md")
for i in range(150):
    cache.set(f"key-{i % 20}", {"by": me, "i": i, "pad": "x" * (i * 7)})
    got = cache.get(f"key-{(i * 7) % 20}")
    assert got is None or set(got) == {"by", "i", "pad"}, got
    store.save(SessionData(resume="resume.md", file_hash=me, current=i, total=150,
                           bullets=[BulletRecord(location="line 3", text="Built a model", answers={"problem": me * i})]))
    write_questions_file(root / "resume.questions.yaml", QuestionsFile(resume="resume.md", bullets=[
        BulletEntry(bullet=f"bullet by {me}", questions=[QuestionEntry(slot=Slot.PROBLEM, answer=me * (i % 9))])]))
    loaded = store.load()
    assert loaded is not None and loaded.bullets, loaded
cache.close()
print("ok")
"""


def test_two_processes_hammering_cache_session_and_questions_file(tmp_path, monkeypatch):
    monkeypatch.setenv("BULLETSMITH_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "resume.md").write_text("# A\n\n- Built a model\n", encoding="utf-8")
    env = _env(tmp_path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, who, str(tmp_path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("a", "b")
    ]
    for p in procs:
        try:
            out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
        assert p.returncode == 0 and out.strip() == "ok", err[-2000:]

    from bulletsmith.coach.session import SessionStore

    data = SessionStore(tmp_path / "resume.md").load()  # whole JSON, one writer's
    assert data.file_hash in ("a", "b") and data.current == 149
    q = yaml.safe_load((tmp_path / "resume.questions.yaml").read_text(encoding="utf-8"))
    assert q["bullets"][0]["bullet"] in ("bullet by a", "bullet by b")
    cache = ResponseCache(tmp_path / "cache")
    try:
        values = [cache.get(f"key-{i}") for i in range(20)]
    finally:
        cache.close()
    assert all(v and v["by"] in ("a", "b") for v in values)
    assert not [p for p in tmp_path.rglob("*.tmp")]

"""The API key never lands in a file, a report, an error or a log; cache and session files are user-only.

One workflow runs with a fake key against the loopback fault server: rewrite (cache on,
questions file, --json report), an endpoint that echoes the key back in its error, coach with
a saved session, eval-style direct calls. Then every file under the test's folders is scanned
for the key. A last test scans every file the whole test session wrote so far (pytest's base
temp folder) for any test key.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import stat
from pathlib import Path

import pytest
from support.fault_server import FaultPlan, FaultServer, make_bullet
from typer.testing import CliRunner

from bulletsmith import Assistant
from bulletsmith.cli import app
from bulletsmith.errors import EndpointError

KEY = "sk-test-SECRETS-a1b2c3d4e5f6g7h8"
# Every fake key the suite uses looks like this (sk-test-…); none may end up in a written file.
ANY_TEST_KEY = re.compile(rb"sk-test-[A-Za-z0-9_\-]{6,}")
runner = CliRunner()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]


def _scan(root: Path, secret: bytes) -> list[str]:
    hits = []
    for p in _files(root):
        try:
            data = p.read_bytes()
        except OSError:
            continue
        if secret in data:
            hits.append(str(p))
    return hits


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    cache, state = tmp_path / "cache", tmp_path / "state"
    monkeypatch.setenv("BULLETSMITH_CACHE_DIR", str(cache))
    monkeypatch.setenv("BULLETSMITH_STATE_DIR", str(state))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("BULLETSMITH_TIMEOUT", "2")
    return tmp_path, cache, state


def test_key_is_never_written_logged_or_reported(dirs, caplog):
    root, cache, state = dirs
    caplog.set_level(logging.DEBUG)
    resume = root / "resume.md"
    resume.write_text(
        "# Alex\n\n"
        + "".join(f"- {make_bullet(i)}\n" for i in range(3))
        + "- Built a classification model for image labeling\n",
        encoding="utf-8",
    )
    outputs = []
    with FaultServer(FaultPlan(seed=3, rate=0.3, faults=("500", "truncated", "schema"))) as server:
        env = {"OPENAI_BASE_URL": server.base_url}
        # 1. a batch with faults, cache on, a questions file and a JSON report
        r1 = runner.invoke(app, ["rewrite", str(resume), "--json"], env=env)
        # 2. the same again: cache hits
        r2 = runner.invoke(app, ["rewrite", str(resume)], env=env)
        outputs += [r1.output, r2.output]
        assert r1.exit_code in (0, 1) and r2.exit_code in (0, 1), r1.output
        # 3. analyze one bullet, as text and as JSON
        r3 = runner.invoke(app, ["analyze", make_bullet(9), "--json"], env=env)
        outputs.append(r3.output)
        # 4. coach: answer one question, then quit (session saved)
        r4 = runner.invoke(app, ["coach", str(resume), "-y"], env=env, input="s\nq\n")
        outputs.append(r4.output)
        # The key really was sent: the scan below means something.
        assert any(h.get("authorization") == f"Bearer {KEY}" for h in server.headers_seen)

    # 5. a server that echoes the key back in its error message
    with FaultServer(FaultPlan(rate=1.0, faults=("401echo",))) as server:
        a = Assistant(engine="openai", base_url=server.base_url, model="m", cache=True)
        with pytest.raises(EndpointError) as info:
            a.analyze(make_bullet(1))
        r5 = runner.invoke(
            app,
            ["rewrite", str(resume), "--json", "-o", str(root / "again.md")],
            env={"OPENAI_BASE_URL": server.base_url},
        )
        outputs.append(r5.output)
    assert "HTTP 401" in str(info.value) and KEY not in str(info.value) and KEY[8:] not in str(info.value)
    assert r5.exit_code == 1 and "HTTP 401" in r5.stdout

    for text in outputs:
        assert KEY not in text and KEY[8:] not in text
    for record in caplog.records:
        assert KEY not in record.getMessage()
    assert (root / "resume.bulletsmith.md").exists() and (root / "resume.questions.yaml").exists()
    assert _files(cache) and _files(state), "the cache and the session must have been written"
    assert _scan(root, KEY.encode()) == []
    assert _scan(root, KEY[8:].encode()) == []


def test_cache_and_session_are_user_only_and_cache_values_are_json(dirs):
    root, cache, state = dirs
    resume = root / "resume.md"
    resume.write_text(f"# Alex\n\n- {make_bullet(1)}\n", encoding="utf-8")
    with FaultServer() as server:
        r = runner.invoke(app, ["coach", str(resume), "-y"], env={"OPENAI_BASE_URL": server.base_url}, input="q\n")
    assert r.exit_code == 0, r.output

    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    db = cache / "cache.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    for f in cache.glob("cache.db*"):
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f
    sessions = list(state.rglob("*.json"))
    assert sessions
    for f in sessions:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
        assert stat.S_IMODE(f.parent.stat().st_mode) == 0o700

    # diskcache keeps small str values inline (mode 1 = raw); a pickle would be mode 4.
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT mode, value, filename FROM Cache").fetchall()
    finally:
        con.close()
    assert rows
    for mode, value, filename in rows:
        assert mode == 1 and filename is None, (mode, filename)
        assert isinstance(json.loads(value), dict)
    assert not [p for p in cache.rglob("*.val")]  # no pickled value files


def test_a_planted_pickle_in_the_cache_is_a_miss_not_code(dirs):
    """diskcache unpickles any row stored in pickle mode; ours must refuse it, never run it."""
    import diskcache

    from bulletsmith.engines.openai.cache import ResponseCache

    root, cache, _ = dirs
    marker = root / "pwned"
    rc = ResponseCache(cache)
    rc.set("good", {"response": {"text": "x"}})
    rc.close()
    with diskcache.Cache(str(cache)) as dc:
        dc.set("k", _Boom(str(marker)))  # stored pickled (mode 4), as an attacker could
    rc = ResponseCache(cache)
    try:
        assert rc.get("k") is None
        assert rc.get("good") == {"response": {"text": "x"}}
    finally:
        rc.close()
    assert not marker.exists()


class _Boom:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


@pytest.mark.runs_last
def test_no_file_written_by_the_test_session_holds_a_test_key(tmp_path_factory, tmp_path):
    """Runs after every other test (conftest): scans all they wrote under pytest's temp folder."""
    base = tmp_path_factory.getbasetemp()
    # The scanner finds a key where there is one (a canary in this test's own folder)...
    canary = tmp_path_factory.mktemp("secrets-canary") / "canary.txt"
    canary.write_bytes(b"header\nOPENAI_API_KEY=sk-test-CANARY123456\n")
    assert ANY_TEST_KEY.search(canary.read_bytes())
    # ...and there must be something else to scan: run alone, it would pass having read nothing.
    ours = (canary.parent, tmp_path)
    written = [p for p in _files(base) if p.name != ".lock" and not any(d in p.parents for d in ours)]
    if not written:
        pytest.skip("no file written by another test to scan: this check runs last in the whole suite")
    hits = []
    for p in written:
        try:
            if p.stat().st_size > 20 * 1024 * 1024:
                continue
            data = p.read_bytes()
        except OSError:
            continue
        if ANY_TEST_KEY.search(data):
            hits.append(str(p.relative_to(base)))
    assert hits == [], hits[:10]

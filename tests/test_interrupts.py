"""SIGINT / SIGTERM in the middle of a batch, Ctrl-C in the middle of coach: nothing finished is lost.

The CLI runs in a subprocess against a slow loopback server (tests/support/fault_server.py), so the
signal lands while requests are in flight. Waits are bounded; no sleep is longer than a poll.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.fault_server import FaultPlan, FaultServer, make_bullet

pytestmark = pytest.mark.slow  # real processes, terminals and signals

KEY = "sk-test-INTERRUPT-0123456789"
N = 24
CLI = [sys.executable, "-c", "from bulletsmith.cli import main; main()"]


def _env(server: FaultServer, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BULLETSMITH_"))}
    env.update(
        {
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_API_KEY": KEY,
            "BULLETSMITH_MODEL": "fault-model",
            "BULLETSMITH_TIMEOUT": "5",
            "BULLETSMITH_CACHE_DIR": str(tmp_path / "cache"),
            "BULLETSMITH_STATE_DIR": str(tmp_path / "state"),
            "TERM": "dumb",
        }
    )
    return env


def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def _finished_queues(text: str) -> set[str]:
    """The bullets that were rewritten: the fault server's rewrites say "to fix flaky labels in queue qN"."""
    return set(re.findall(r"to fix flaky labels in queue (q\d+):", text))


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_batch_keeps_finished_bullets_and_the_rerun_repeats_no_request(tmp_path, sig, code):
    src = tmp_path / "resume.md"
    src.write_text("# Alex\n\n" + "".join(f"- {make_bullet(i)}\n" for i in range(N)), encoding="utf-8")
    out = tmp_path / "resume.bulletsmith.md"

    # The server answers K rewrites and holds the rest. The batch runs 8 requests at a time and
    # sends a new rewrite only when a bullet has finished, so once it has sent 8 + K rewrite
    # requests, exactly K bullets are done and the others wait: the signal lands mid-batch.
    k = 4
    with FaultServer(FaultPlan(hold_rewrites_after=k)) as server:
        env = _env(server, tmp_path)
        proc = subprocess.Popen(
            [*CLI, "rewrite", str(src)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _wait_for(lambda: server.count("rewrite") >= 8 + k or proc.poll() is not None)
            assert proc.poll() is None, proc.communicate()
            proc.send_signal(sig)
            stdout, stderr = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        first_run = list(server.served)

        assert proc.returncode == code, (stdout, stderr)
        assert "Traceback" not in stderr + stdout
        lines = [ln for ln in stderr.splitlines() if "interrupted after" in ln]
        assert len(lines) == 1 and lines[0].startswith(f"bulletsmith: {src}: "), stderr  # stopped, not an error
        assert out.exists()
        text = out.read_text(encoding="utf-8")
        assert text.count("\n- ") == N  # every bullet is there: rewritten or as it was
        done = _finished_queues(text)
        assert len(done) == k, text
        assert f"interrupted after {k} of {N} bullets" in lines[0], lines[0]
        assert not list(tmp_path.glob(".*.tmp")), "a temp file was left behind"

        if sig == signal.SIGTERM:
            return  # the rerun is the same as after SIGINT: checked once
        # The rerun finishes the rest and asks the server nothing about the finished bullets.
        server.plan.hold_rewrites_after = None
        server.plan.release.set()
        n_before = len(server.served)
        rerun = subprocess.run([*CLI, "rewrite", str(src)], env=env, capture_output=True, text=True, timeout=60)
        second_run = server.served[n_before:]

    assert rerun.returncode == 0, rerun.stderr
    assert len(_finished_queues(out.read_text(encoding="utf-8"))) == N
    repeated = {s.bullet for s in second_run} & {make_bullet(int(q[1:])) for q in done}
    assert not repeated, sorted(repeated)[:3]
    # Nothing answered in full is asked again: every analysis, and the K finished rewrites.
    completed_first = {(s.kind, s.bullet) for s in first_run if s.completed}
    assert not {(s.kind, s.bullet) for s in second_run} & completed_first
    assert sorted(s.kind for s in second_run) == ["rewrite"] * (N - k)


def test_second_signal_while_saving_does_not_leave_a_half_file(tmp_path):
    """atomic_write: the old file or the new one, never a mix, even if the process dies mid-write."""
    from bulletsmith.fsutil import atomic_write

    target = tmp_path / "out.md"
    target.write_text("old\n", encoding="utf-8")
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "import bulletsmith.fsutil as f\n"
        "real = os.replace\n"
        "def die(*a, **k):\n"
        "    os._exit(9)\n"  # crash after the temp file is written, before the rename
        "f.os.replace = die\n"
        f"f.atomic_write(Path({str(target)!r}), 'new\\n' * 100000)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert res.returncode == 9
    assert target.read_text(encoding="utf-8") == "old\n"
    # A later write still works and replaces the file in one step.
    atomic_write(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"


def test_ctrl_c_mid_coach_keeps_every_answer(tmp_path):
    """SIGINT while coach waits for an answer: the answers given so far are in the session file."""
    from bulletsmith.coach.session import SessionStore

    src = tmp_path / "resume.md"
    src.write_text(
        "# Alex\n\n- Built a classification model for image labeling\n- Wrote dashboards for the sales team\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BULLETSMITH_"))}
    env.update(
        {
            "BULLETSMITH_STATE_DIR": str(tmp_path / "state"),
            "BULLETSMITH_CACHE_DIR": str(tmp_path / "cache"),
            "TERM": "dumb",
        }
    )
    proc = subprocess.Popen(
        [*CLI, "coach", str(src), "--engine", "rules"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    store_path = None
    try:
        # Answer the first question, then wait until that answer is saved before the Ctrl-C.
        proc.stdin.write("the vendor labels disagreed on 30% of images\n")
        proc.stdin.flush()
        saved = {}

        def answer_saved() -> bool:
            for p in (tmp_path / "state").rglob("*.json"):
                text = p.read_text(encoding="utf-8", errors="replace")
                if "vendor labels disagreed" in text:
                    saved["path"] = p
                    return True
            return proc.poll() is not None

        _wait_for(answer_saved, timeout=30)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
        store_path = saved["path"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stdout + stderr
    assert "Interrupted: saved" in stdout + stderr
    data = SessionStore(src, store_path).load()
    answers = [a for b in data.bullets for a in b.answers.values()]
    assert "the vendor labels disagreed on 30% of images" in answers
    assert (store_path.stat().st_mode & 0o777) == 0o600
    assert (store_path.parent.stat().st_mode & 0o777) == 0o700


# --- Ctrl-C before the first question / before the batch, and after it -------------------------------


# The CLI, with reading the resume held at a gate: a named pipe that the read waits on until the
# test closes its other end, so a signal lands while the file is still loading, every time. (A
# named pipe as the resume itself is refused now: it could block forever.)
_GATED_CLI = [
    sys.executable,
    "-c",
    """
import os
import bulletsmith.documents.base as base
_read = base.read_input
def gated(path, limit):
    with open(os.environ["BULLETSMITH_TEST_GATE"], "rb") as gate:
        gate.read()
    return _read(path, limit)
base.read_input = gated
from bulletsmith.cli import main
main()
""",
]


def _blocking_resume(tmp_path: Path) -> Path:
    """A resume, and the gate its reading waits at (returned: the test writes to it, then closes it)."""
    (tmp_path / "resume.md").write_text(
        "# Alex\n\n- Built a classification model for image labeling\n", encoding="utf-8"
    )
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    return gate


def _open_writer(fifo: Path, proc: subprocess.Popen) -> int:
    """Open the pipe's writing end once the CLI has opened it for reading (then it is loading the file)."""
    fd: list[int] = []

    def opened() -> bool:
        try:
            fd.append(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # ENXIO until a reader is there
            return True
        except OSError:
            return proc.poll() is not None

    _wait_for(opened)
    assert fd and proc.poll() is None, proc.communicate()
    os.write(fd[0], b"# Alex\n\n- Built a classification model for image labeling\n")  # and no end yet
    return fd[0]


def _interrupt(proc: subprocess.Popen, fd: int | None = None) -> tuple[str, str]:
    """SIGINT, and the output. With fd (the pipe the CLI is reading): a signal that lands just
    before the CLI blocks in read() waits, unhandled, until read() returns (CPython handles
    signals between bytecodes); closing the pipe then lets it be handled, still while loading."""
    proc.send_signal(signal.SIGINT)
    try:
        if fd is not None:
            try:
                return proc.communicate(timeout=3)
            except subprocess.TimeoutExpired:
                os.close(fd)
        return proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _offline_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BULLETSMITH_"))}
    env.update(
        {
            "BULLETSMITH_STATE_DIR": str(tmp_path / "state"),
            "BULLETSMITH_CACHE_DIR": str(tmp_path / "cache"),
            "TERM": "dumb",
        }
    )
    return env


def _one_line_no_traceback(stdout: str, stderr: str) -> list[str]:
    both = stdout + stderr
    assert "Traceback" not in both and "Aborted" not in both and "KeyboardInterrupt" not in both, both
    lines = [ln for ln in both.splitlines() if ln.strip()]
    assert len(lines) == 1, both
    return lines


def _interrupt_while_loading(tmp_path, command, **popen):
    """Run `command` on a resume that is still being read (a named pipe), then Ctrl-C it."""
    gate = _blocking_resume(tmp_path)
    proc = subprocess.Popen(
        [*_GATED_CLI, command, str(tmp_path / "resume.md"), "--engine", "rules"],
        env={**_offline_env(tmp_path), "BULLETSMITH_TEST_GATE": str(gate)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **popen,
    )
    fd = _open_writer(gate, proc)
    try:
        stdout, stderr = _interrupt(proc, fd)
    finally:
        try:
            os.close(fd)
        except OSError:  # closed already by _interrupt
            pass
    return proc, stdout, stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_ctrl_c_while_coach_loads_the_file_is_one_line_and_exit_130(tmp_path):
    proc, stdout, stderr = _interrupt_while_loading(tmp_path, "coach", stdin=subprocess.PIPE)
    assert proc.returncode == 130, (stdout, stderr)
    [line] = _one_line_no_traceback(stdout, stderr)
    assert line.startswith("Interrupted before the first question"), line
    assert not list((tmp_path / "state").rglob("*.json"))  # nothing was answered: no session to resume


def test_ctrl_c_during_coachs_first_analysis_saves_and_exits_130(tmp_path):
    src = tmp_path / "resume.md"
    src.write_text("# Alex\n\n" + "".join(f"- {make_bullet(i)}\n" for i in range(3)), encoding="utf-8")
    with FaultServer(FaultPlan(delay=20)) as server:  # every answer takes 20 s: the coach is still waiting
        proc = subprocess.Popen(
            [*CLI, "coach", str(src)],
            env=_env(server, tmp_path),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        _wait_for(lambda: server.count("analyze") >= 1 or proc.poll() is not None)
        assert proc.poll() is None, proc.communicate()
        stdout, stderr = _interrupt(proc)
    assert proc.returncode == 130, (stdout, stderr)
    [line] = _one_line_no_traceback(stdout, stderr)
    assert line.startswith("Interrupted: saved at bullet 1 of 3") and "again to resume" in line, line
    assert list((tmp_path / "state").rglob("*.json")), "the session was not saved"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_ctrl_c_while_rewrite_loads_the_file_is_one_line_and_exit_130(tmp_path):
    proc, stdout, stderr = _interrupt_while_loading(tmp_path, "rewrite")
    src = tmp_path / "resume.md"
    assert proc.returncode == 130, (stdout, stderr)
    [line] = _one_line_no_traceback(stdout, stderr)
    assert line == f"bulletsmith: {src}: interrupted before any bullet was sent; nothing was written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gate", "resume.md"]  # nothing written


def test_ctrl_c_while_rewrite_writes_its_files_waits_for_them_then_exits_130(tmp_path, monkeypatch):
    """After the batch, a signal can't cut the writing short: both files are written, then one line, 130."""
    from typer.testing import CliRunner

    import bulletsmith.answer_bank
    from bulletsmith.cli import app

    src = tmp_path / "resume.md"
    src.write_text(
        "# Alex\n\n- Built a classification model for image labeling\n- Worked on the AV data pipeline\n",
        encoding="utf-8",
    )
    real = bulletsmith.answer_bank.write_questions_file

    def interrupted_write(path, qf):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C lands while the first file is written
        return real(path, qf)

    monkeypatch.setattr(bulletsmith.answer_bank, "write_questions_file", interrupted_write)
    result = CliRunner().invoke(app, ["rewrite", str(src), "--engine", "rules"])
    assert result.exit_code == 130, result.output
    out, questions = tmp_path / "resume.bulletsmith.md", tmp_path / "resume.questions.yaml"
    assert questions.exists() and out.exists()  # the output too, written after the signal came
    [line] = _one_line_no_traceback(result.stdout, result.stderr)
    assert line == (f"bulletsmith: {src}: interrupted after all 2 bullets finished; wrote {out} and {questions}")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def test_ctrl_c_in_a_command_without_its_own_handling_is_one_line_and_exit_130(monkeypatch):
    from typer.testing import CliRunner

    from bulletsmith import Assistant
    from bulletsmith.cli import app

    def interrupted(self, bullet):
        raise KeyboardInterrupt

    monkeypatch.setattr(Assistant, "analyze", interrupted)
    result = CliRunner().invoke(app, ["analyze", "Built a classification model", "--engine", "rules"])
    assert result.exit_code == 130
    assert _one_line_no_traceback(result.stdout, result.stderr) == ["bulletsmith: interrupted"]

"""One whole coach session in a real terminal (a pseudo-terminal from the standard library, so
CI needs nothing extra): rich output, readline input, Ctrl-C, Ctrl-D, resume, the output file."""

import codecs
import os
import re
import select
import shutil
import signal
import struct
import sys
import time

import pytest
from support.paths import REPO

from bulletsmith import Assistant
from bulletsmith.documents import load_document

pty = pytest.importorskip("pty", reason="pseudo-terminals are POSIX-only")
import fcntl  # noqa: E402
import termios  # noqa: E402

pytestmark = pytest.mark.slow  # real processes, terminals and signals

SAMPLE = REPO / "examples" / "sample-resume.md"
PROBLEM = "vendor labels disagreed on 14 object classes"
DATA = "label error rate fell from 9% to 3% across 1.2M images"
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>]|[\r\x07]")


class Terminal:
    """Just enough of pexpect: run a command on a pty, wait for text, type keys."""

    def __init__(self, args, env, cwd, columns=120, rows=40):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program, nothing else
            try:
                # A test run started in the background (`pytest &`) ignores SIGINT, and Python keeps an
                # ignored SIGINT ignored: give the program the default, as an interactive shell does.
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.chdir(cwd)
                os.execve(
                    sys.executable, [sys.executable, "-c", "from bulletsmith.cli import main; main()", *args], env
                )
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        # Incremental: a line editor may write one byte of a character at a time.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._carry = ""
        self.seen = ""  # everything shown so far, without escape codes
        self._pending = ""
        self.status = None

    def _read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the program ended and closed the terminal
            chunk = b""
        if not chunk:
            raise EOFError
        text = self._carry + self._decoder.decode(chunk)
        cut = text.rfind("\x1b")  # an escape code cut in two waits for its end
        if cut != -1 and len(text) - cut < 32 and not _ANSI.match(text, cut):
            text, self._carry = text[:cut], text[cut:]
        else:
            self._carry = ""
        text = _ANSI.sub("", text)
        self.seen += text
        self._pending += text
        return True

    def expect(self, pattern, timeout=30):
        """Wait until `pattern` (a regex) appears in the output not consumed yet; consume up to it."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self._pending)
            if m:
                self._pending = self._pending[m.end() :]
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {pattern!r}; last output:\n{self._pending[-2000:]}")
            try:
                self._read(min(left, 0.5))
            except EOFError:
                raise AssertionError(
                    f"the program ended before {pattern!r}; last output:\n{self._pending[-2000:]}"
                ) from None

    def send(self, keys):
        time.sleep(0.05)  # a person never types within milliseconds of a prompt
        os.write(self.fd, keys.encode())

    def press(self, key, then, tries=4):
        """Press a control key (Ctrl-C, Ctrl-D) and wait for `then`; press again if nothing happened.

        A key pressed before readline has put the terminal in raw mode is eaten by the kernel's line
        discipline (Ctrl-D), and a SIGINT that lands just before readline's select() is only noticed at
        the next one (Ctrl-C): a person simply presses again, and so does this.
        """
        for attempt in range(tries):
            self._wait_for_line_editor()
            os.write(self.fd, key.encode())
            try:
                return self.expect(then, timeout=5 if attempt < tries - 1 else 30)
            except AssertionError:
                if attempt == tries - 1:
                    raise

    def _wait_for_line_editor(self, timeout=3.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not termios.tcgetattr(self.fd)[3] & termios.ICANON:
                break
            time.sleep(0.02)
        time.sleep(0.2)

    def sendline(self, line=""):
        self.send(line + "\r")

    def wait(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self._read(0.2)
            except EOFError:
                break
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                break
        if self.status is None:
            _, status = os.waitpid(self.pid, 0)
            self.status = os.waitstatus_to_exitcode(status)
        os.close(self.fd)
        return self.status


@pytest.fixture
def terminal(tmp_path):
    resume = tmp_path / "resume.md"
    shutil.copy(SAMPLE, resume)
    env = {
        k: v for k, v in os.environ.items() if k not in ("TERMINAL_WIDTH", "_TYPER_FORCE_DISABLE_TERMINAL", "NO_COLOR")
    }
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="40", BULLETSMITH_STATE_DIR=str(tmp_path / "state"))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(name, None)
    started = []

    def start(*args):
        t = Terminal(["coach", "resume.md", "--engine", "rules", *args], env, tmp_path)
        started.append(t)
        return t

    start.resume = resume
    yield start
    for t in started:  # a failed test must not leave a program waiting for input
        if t.status is None:
            try:
                os.kill(t.pid, 9)
                os.waitpid(t.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def test_a_whole_session_in_a_terminal_with_ctrl_c_ctrl_d_and_resume(terminal):
    counts = [len(Assistant(engine="rules").analyze(b.text).questions) for b in load_document(terminal.resume).bullets]
    assert counts[:3] == [3, 0, 3]

    # First run: answer bullet 1, accept its rewrite, then Ctrl-C at bullet 2.
    t = terminal()
    t.expect(r"Bullet 1 of 11 · line 15")
    t.expect(r"Bullet 1 of 11 · question 1 of 3 · problem")
    t.expect(r"1/11 › ")
    t.sendline(PROBLEM)
    t.expect(r"question 2 of 3 · data outcome")
    t.expect(r"1/11 › ")
    t.sendline("?")
    t.expect(r"Why the data outcome matters")
    t.expect(r"1/11 › ")
    t.sendline(DATA)
    t.expect(r"1/11 › ")
    t.sendline("u")
    t.expect(r"Bullet 1 of 11 · rewrite")
    t.expect(r"Before\s+┃\s+After")  # side by side
    t.expect(r"1/11 › ")
    t.sendline("a")
    t.expect(r"Bullet 2 of 11 · line 16")
    t.expect(r"2/11 › ")
    t.press("\x03", r"Interrupted: saved at bullet 2 of 11\. Run `bulletsmith coach resume\.md` again to resume\.")
    assert t.wait() == 130

    # Second run: the resume question; keep bullet 2, then Ctrl-D at bullet 3.
    t = terminal()
    t.expect(r"A saved session for resume\.md \(bullet 2 of 11\) exists\. Resume\? \[Y/n\]")
    t.sendline("")
    t.expect(r"2/11 › ")
    t.sendline("k")
    t.expect(r"Bullet 3 of 11 · question 1 of 3")
    t.expect(r"3/11 › ")
    t.press("\x04", r"End of input: saved at bullet 3 of 11")
    assert t.wait() == 0

    # Third run: resume, skip every question, keep every bullet; the output is written.
    t = terminal()
    t.expect(r"Resume\? \[Y/n\]")
    t.sendline("y")
    for number, questions in enumerate(counts[2:], start=3):
        t.expect(rf"Bullet {number} of 11")
        for _ in range(questions):
            t.expect(rf"{number}/11 › ")
            t.sendline("")
            t.expect(r"\A[^\S\n]*\n\s*Skipped")  # an empty Enter ends the prompt's line, as typing does
        t.expect(rf"{number}/11 › ")
        t.sendline("k")
    t.expect(r"Wrote \S*resume\.bulletsmith\.md \(1 accepted, 0 edited, 10 kept\)")
    assert t.wait() == 0

    written = terminal.resume.with_name("resume.bulletsmith.md").read_text()
    assert f"- Built a classification model for image labeling because {PROBLEM}" in written
    assert terminal.resume.read_text() == SAMPLE.read_text()


def test_edit_starts_from_the_rewrite_already_on_the_line(terminal, monkeypatch):
    """`e` puts the rewrite on the input line: a few keys change it, nothing is retyped."""
    import json

    from bulletsmith.coach.session import session_path

    t = terminal()
    for answer in (PROBLEM, DATA, "u"):
        t.expect(r"1/11 › ")
        t.sendline(answer)
    t.expect(r"Bullet 1 of 11 · rewrite")
    t.expect(r"1/11 › ")
    t.sendline("e")
    t.expect(r"edit the text")
    t.expect(r"1/11 new text › Built a classification model for image labeling because " + re.escape(PROBLEM))
    t.sendline(" by hand")  # typed at the end of the prefilled text (a new name would ask to confirm)
    t.expect(r"Your text is used\.")
    t.expect(r"Bullet 2 of 11")
    t.press("\x04", r"End of input: saved at bullet 2 of 11")
    assert t.wait() == 0
    monkeypatch.setenv("BULLETSMITH_STATE_DIR", str(terminal.resume.parent / "state"))
    b1 = json.loads(session_path(terminal.resume).read_text())["bullets"][0]
    assert b1["decision"] == "edited"
    assert b1["final"].startswith(f"Built a classification model for image labeling because {PROBLEM}")
    assert b1["final"].endswith("by hand") and "1.2M images" in b1["final"]

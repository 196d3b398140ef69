"""Hostile input ends quickly, in bounded memory, with one line: never a hang, a MemoryError or a traceback.

Each probe runs `bulletsmith` as a child process under an address-space limit (500 MB; 600 MB
for the zip that lies about its size) and a timeout, on a file made by tests/support/hostile_inputs.py.
Before the budgets of limits.py, each of these hung for minutes, never finished, or died at GBs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support import hostile_inputs as h

from bulletsmith.coach.session import SessionError, SessionStore

SECONDS = 10  # each probe takes 0.3-2 s here; the timeout that kills a hang is longer
TIMEOUT = 60
MEMORY_MB = 500
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

TOKEN = "a" * 1_000_000


def _answers_fifo(p: Path) -> None:
    os.mkfifo(p)


# (id, file name, maker, command after `bulletsmith` ({file} is the file), exit code, words of the one line,
#  memory limit in MB)
PROBES = [
    (
        "1 MB token in a bullet",
        "token.md",
        h.markdown_bullet(f"Built {TOKEN} for image labeling"),
        ["rewrite", "{file}", "--engine", "rules"],
        2,
        r"line 5: the bullet is 1,000,\d+ characters long",
        MEMORY_MB,
    ),
    (
        "1 MB token of e-mail-like runs",
        "email.md",
        h.markdown_bullet("Built " + "a.b-c_" * 170_000 + " for labeling"),
        ["extract", "{file}"],
        2,
        "characters long",
        MEMORY_MB,
    ),
    (
        "1 MB of markdown link openers",
        "brackets.md",
        h.markdown_bullet("Built " + "[" * 1_000_000 + " labeling"),
        ["extract", "{file}"],
        2,
        "characters long",
        MEMORY_MB,
    ),
    (
        "10 MB of list items",
        "items.md",
        lambda p: p.write_text("- a\n" * 2_500_000, encoding="utf-8"),
        ["extract", "{file}"],
        2,
        "too large for a markdown resume",
        MEMORY_MB,
    ),
    (
        "200k-paragraph DOCX",
        "paragraphs.docx",
        h.docx_paragraphs(200_000, empty=True),
        ["extract", "{file}"],
        2,
        r"200,001 paragraphs \(at most 20,000\)",
        MEMORY_MB,
    ),
    (
        "200k paragraphs of text in a DOCX",
        "words.docx",
        h.docx_paragraphs(200_000),
        ["extract", "{file}"],
        2,
        r"holds more than 500,000 XML tags",
        MEMORY_MB,
    ),
    (
        "8M empty paragraphs in a 71 kB DOCX",
        "elements.docx",
        h.docx_paragraphs(8_000_000, empty=True),
        ["extract", "{file}"],
        2,
        r"holds more than 500,000 XML tags",
        MEMORY_MB,
    ),
    (
        "50k-style DOCX",
        "styles.docx",
        h.docx_styles(50_000),
        ["extract", "{file}"],
        2,
        "defines more than 5,000 styles",
        MEMORY_MB,
    ),
    (
        "DOCX whose zip directory says 2 kB for 1.8 GB",
        "lying.docx",
        h.docx_lying_zip(1800 * 1024 * 1024),
        ["extract", "{file}"],
        2,
        "is not a valid .docx file",
        600,
    ),
    (
        "DOCX whose zip directory says 2 GB",
        "bomb.docx",
        h.docx_lying_zip(1800 * 1024 * 1024, claimed_size=2**31),
        ["extract", "{file}"],
        2,
        r"unpacks to more than 64 MB",
        600,
    ),
    (
        "500-page PDF sharing one content stream",
        "pages.pdf",
        h.pdf_shared_content(500, 2000),
        ["extract", "{file}"],
        2,
        r"500 pages \(at most 100\)",
        MEMORY_MB,
    ),
    (
        "100-page PDF sharing one content stream",
        "shared.pdf",
        h.pdf_shared_content(100, 2000),
        ["extract", "{file}"],
        2,
        "MB of drawing operations by page",
        MEMORY_MB,
    ),
    (
        "PDF page drawing one form 20,000 times",
        "form.pdf",
        h.pdf_form_drawn(20_000, 2000),
        ["extract", "{file}"],
        2,
        "MB of drawing operations by page 1",
        MEMORY_MB,
    ),
    (
        "PDF content stream inflating to 1 GB",
        "bomb.pdf",
        h.pdf_stream_bomb(1024),
        ["extract", "{file}"],
        2,
        r"bomb\.pdf: ",
        MEMORY_MB,
    ),
    (
        "LaTeX with 100k nested braces",
        "braces.tex",
        h.latex_nested_braces(100_000),
        ["rewrite", "{file}", "--engine", "rules"],
        2,
        "braces nested more than 64 deep",
        MEMORY_MB,
    ),
    (
        "LaTeX with 200k unclosed [ after \\item",
        "options.tex",
        lambda p: p.write_text("\\section{Experience}\\n" + "\\item[" * 150_000, encoding="utf-8"),
        ["extract", "{file}"],
        2,
        r"more than 10,000 \\item lines",
        MEMORY_MB,
    ),
    (
        "a FIFO as the resume",
        "fifo.md",
        h.fifo,
        ["rewrite", "{file}", "--engine", "rules"],
        2,
        r"fifo\.md: is a named pipe \(FIFO\), not a regular file",
        MEMORY_MB,
    ),
    (
        "--answers /dev/zero",
        "resume.md",
        h.markdown_bullet("Built a classification model for image labeling"),
        ["rewrite", "{file}", "--engine", "rules", "--answers", "/dev/zero"],
        2,
        "/dev/zero: is a device, not a regular file",
        MEMORY_MB,
    ),
    (
        "--answers a FIFO",
        "resume.md",
        h.markdown_bullet("Built a classification model for image labeling"),
        ["rewrite", "{file}", "--engine", "rules", "--answers", "{dir}/answers.yaml"],
        2,
        "is a named pipe",
        MEMORY_MB,
    ),
]


@pytest.mark.parametrize("name, filename, make, command, code, words, memory", PROBES, ids=[p[0] for p in PROBES])
def test_hostile_file_ends_quickly_in_bounded_memory_with_one_line(
    tmp_path, name, filename, make, command, code, words, memory
):
    path = tmp_path / filename
    make(path)
    if "{dir}/answers.yaml" in command:
        _answers_fifo(tmp_path / "answers.yaml")
    before = sorted(p.name for p in tmp_path.iterdir())
    args = [a.format(file=path, dir=tmp_path) for a in command]
    r = h.run_probe(
        args,
        cwd=tmp_path,
        memory_mb=memory,
        timeout=TIMEOUT,
        env={"BULLETSMITH_CACHE_DIR": str(tmp_path / ".cache"), "BULLETSMITH_STATE_DIR": str(tmp_path / ".state")},
    )
    assert "Traceback" not in r.stderr + r.stdout and "MemoryError" not in r.stderr, r.stderr[-2000:]
    assert r.exit_code == code, (r.exit_code, r.stderr[-500:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bulletsmith: error: "), r.stderr[-500:]
    assert re.search(words, lines[0]), lines[0]
    assert r.seconds < SECONDS, f"{name}: {r.seconds:.1f} s"
    assert r.max_rss_mb < memory, f"{name}: {r.max_rss_mb:.0f} MB"
    # A refused input writes nothing: no output file, no questions file.
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == before


def test_control_sequences_in_a_bullet_are_printed_visibly_in_bounded_time(tmp_path):
    path = tmp_path / "resume.md"
    h.markdown_bullet(
        "Built \x1b]0;pwned\x07 a model \x1b[2J for \u202eimage labeling \x1b]8;;file:///etc/passwd"
        "\x1b\\link\x1b]8;;\x1b\\ at \x9b scale"
    )(path)
    for args in (["extract", str(path)], ["extract", str(path), "--json"], ["rewrite", str(path), "--engine", "rules"]):
        r = h.run_probe(
            args,
            cwd=tmp_path,
            memory_mb=MEMORY_MB,
            timeout=TIMEOUT,
            env={"BULLETSMITH_CACHE_DIR": str(tmp_path / ".cache")},
        )
        assert r.exit_code == 0, r.stderr
        assert not RAW_CONTROL.search(r.stdout + r.stderr), repr(r.stdout)
        assert r.seconds < SECONDS


# --------------------------------------------------------------------------- patterns on 1 MB

_PATTERN_CHECK = textwrap.dedent("""
    import json, re, sys, time
    from bulletsmith.answer_bank import _TRAILING
    from bulletsmith.documents import filters, latex, latex_text, markdown
    from bulletsmith.documents.base import normalize_space
    N = 1_000_000
    inputs = {"letters": "a" * N, "word-dash": "a-" * (N // 2), "word-dot": "a." * (N // 2), "digits": "1" * N,
              "digit-dot": "1." * (N // 2), "spaces": "x" + " " * N + "x", "at": "a@" * (N // 2),
              "digit-space": "1 " * (N // 2), "underscores": "_" * N, "mixed": "a.b-c_+" * (N // 7),
              "dots-then-tld": "a." * (N // 2) + "co", "layout": "\\\\par" * (N // 4) + "x"}
    calls = {f"filters.{p.pattern[:30]!r}": (lambda s, p=p: (p.search(s), p.findall(s), p.split(s)))
             for p in filters.PATTERNS}
    calls["filters._words"] = filters._words
    calls["filters.is_achievement"] = filters.is_achievement
    calls["answer_bank._TRAILING"] = lambda s: _TRAILING.sub("", s)
    calls["latex._trim"] = lambda s: latex._trim(s, 0, len(s))
    calls["latex_text.read_group"] = lambda s: latex_text.read_group("{" + s, 0, limit=40_000)
    calls["normalize_space"] = normalize_space
    worst = {}
    for name, call in calls.items():
        for label, s in inputs.items():
            t = time.perf_counter()
            call(s)
            worst[f"{name} on {label}"] = time.perf_counter() - t
    print(json.dumps(worst))
""")


@pytest.mark.slow
def test_every_pattern_over_bullet_text_is_linear_on_1_mb():
    """A quadratic pattern takes minutes to hours on 1 MB (the e-mail filter: 25 s on 100 kB); a
    linear one well under a second (the slowest here, 0.6 s for three passes of the URL filter).
    Run in a child process, so a regression fails instead of hanging."""
    proc = subprocess.run([sys.executable, "-c", _PATTERN_CHECK], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    times = json.loads(proc.stdout)
    slow = {k: round(v, 2) for k, v in times.items() if v > 3.0}  # margin for a busy CI machine
    assert not slow, slow


# --------------------------------------------------------------------------- session files


@pytest.mark.parametrize(
    "session, words",
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than 64 deep"),
        (
            json.dumps({"version": 1, "resume": "r.md", "file_hash": "x", "current": -5, "total": 3}),
            "current: Input should be greater than or equal to 0",
        ),
        (
            json.dumps({"version": 1, "resume": "r.md", "file_hash": "x", "current": 40, "total": 3}),
            "current is 40, past the 3 bullets",
        ),
    ],
    ids=["nested 100k deep", "current -5", "current past the end"],
)
def test_a_damaged_session_is_a_clear_error_and_coach_starts_afresh(tmp_path, session, words):
    resume = tmp_path / "resume.md"
    h.markdown_bullet("Built a classification model for image labeling")(resume)
    env = {"BULLETSMITH_STATE_DIR": str(tmp_path / "state"), "BULLETSMITH_CACHE_DIR": str(tmp_path / "cache")}
    os.environ.update(env)
    try:
        store = SessionStore(resume)
        store.path.parent.mkdir(parents=True)
        store.path.write_text(session, encoding="utf-8")
        with pytest.raises(SessionError, match=re.escape(words)):
            store.load()
    finally:
        for k in env:
            os.environ.pop(k, None)
    r = h.run_probe(
        ["coach", str(resume), "--engine", "rules"],
        cwd=tmp_path,
        memory_mb=MEMORY_MB,
        timeout=TIMEOUT,
        env=env,
        stdin="q\n",
    )
    assert r.exit_code == 0 and "Traceback" not in r.stderr + r.stdout, r.stderr
    assert "starting a new session" in r.stdout and "bullet -" not in r.stdout

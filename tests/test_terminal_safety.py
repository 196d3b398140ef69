"""Control sequences in a resume never reach the terminal raw; the files written keep them as they were.

A bullet can hold `ESC ]0;…BEL` (sets the window title), `ESC [2J` (clears the screen), an OSC 8
hyperlink to file:///etc/passwd, a C1 CSI (U+009B) or a bidi override (U+202E) that makes a
line read differently from what it holds. extract, rewrite and coach show each one visibly.
"""

from __future__ import annotations

import json
import re

import yaml
from typer.testing import CliRunner

from bulletsmith.cli import app
from bulletsmith.cli.safe_text import json_text, visible

runner = CliRunner()

HOSTILE = (
    "Built \x1b]0;pwned\x07 a labeling model \x1b[2J for image data \u202eat scale\u202c "
    "\x1b]8;;file:///etc/passwd\x1b\\docs\x1b]8;;\x1b\\ with \x9b31m color\r"
)
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _resume(tmp_path):
    path = tmp_path / "resume.md"
    path.write_text(f"# Alex\n\n## Experience\n\n- {HOSTILE}\n", encoding="utf-8")
    return path


def _env(tmp_path):
    return {"BULLETSMITH_CACHE_DIR": str(tmp_path / "cache"), "BULLETSMITH_STATE_DIR": str(tmp_path / "state")}


def test_visible_shows_every_control_and_bidi_character():
    assert visible("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert visible("bell\x07 del\x7f csi\x9b") == "bell\\x07 del\\x7f csi\\x9b"
    assert visible("left\u202eright\u2066x\u2069") == "left<U+202E>right<U+2066>x<U+2069>"
    assert visible("one\ntwo\tthree\r") == "one two three\\x0d"
    assert visible("one\ntwo", lines=True) == "one\ntwo"
    assert visible("Réduit les coûts de 30 % — “vite”") == "Réduit les coûts de 30 % — “vite”"  # text stays text


def test_json_keeps_the_text_and_escapes_what_a_terminal_would_act_on():
    out = json_text({"text": HOSTILE})
    assert not RAW.search(out), repr(out)
    assert json.loads(out) == {"text": HOSTILE}


def test_extract_shows_control_sequences_piped_and_as_json(tmp_path):
    path = _resume(tmp_path)
    plain = runner.invoke(app, ["extract", str(path)], env=_env(tmp_path))
    assert plain.exit_code == 0, plain.output
    assert not RAW.search(plain.stdout), repr(plain.stdout)
    assert "\\x1b]0;pwned\\x07" in plain.stdout and "<U+202E>" in plain.stdout and "\\x9b" in plain.stdout

    as_json = runner.invoke(app, ["extract", str(path), "--json"], env=_env(tmp_path))
    assert as_json.exit_code == 0, as_json.output
    assert not RAW.search(as_json.stdout), repr(as_json.stdout)
    [bullet] = json.loads(as_json.stdout)["bullets"]
    assert bullet["text"] == HOSTILE.replace("\r", "").strip()  # the text itself, intact


def test_rewrite_prints_them_visibly_and_writes_the_text_as_it_was(tmp_path):
    path = _resume(tmp_path)
    result = runner.invoke(app, ["rewrite", str(path), "--engine", "rules"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert not RAW.search(result.stdout + result.stderr), repr(result.stdout)
    assert "\\x1b[2J" in result.stdout
    # The files written hold the person's text, byte for byte (YAML escapes it, and reads it back).
    assert (tmp_path / "resume.bulletsmith.md").read_bytes() == path.read_bytes()
    saved = yaml.safe_load((tmp_path / "resume.questions.yaml").read_text(encoding="utf-8"))
    assert saved["bullets"][0]["bullet"] == HOSTILE.replace("\r", "").strip()


def test_coach_shows_them_visibly(tmp_path):
    path = _resume(tmp_path)
    result = runner.invoke(app, ["coach", str(path), "--engine", "rules"], env=_env(tmp_path), input="\n\nk\n")
    assert result.exit_code == 0, result.output
    assert not RAW.search(result.stdout), repr(result.stdout)
    assert "<U+202E>" in result.stdout


def test_an_error_naming_a_file_with_control_characters_is_one_visible_line(tmp_path):
    path = tmp_path / "cv\x1b]0;pwned\x07.md"
    path.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["extract", str(path)], env=_env(tmp_path))
    assert result.exit_code == 2
    assert not RAW.search(result.stderr) and "cv\\x1b]0;pwned\\x07.md: is empty" in result.stderr

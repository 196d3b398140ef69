"""The command line, as a person or a script calls it."""

import json
import subprocess
import sys

import pytest
from support.paths import WEAK
from typer.testing import CliRunner

from bulletsmith.cli import app

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_analyze_json_shape():
    result = run("analyze", WEAK, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"bullet", "slots", "missing", "questions"}
    assert set(data["slots"]) == {"problem", "action", "data_outcome", "model_impact"}
    assert data["slots"]["action"]["present"] is True
    assert data["missing"] == ["problem", "data_outcome", "model_impact"]
    assert [q["slot"] for q in data["questions"]] == data["missing"]
    assert all(set(q) == {"slot", "text"} for q in data["questions"])


def test_analyze_says_which_engine_on_stderr_only():
    result = run("analyze", WEAK, "--json")
    assert "rules engine" in result.stderr
    json.loads(result.stdout)  # stdout stays pure JSON


def test_analyze_plain_output_lists_slots_and_questions():
    result = run("analyze", WEAK, "--engine", "rules")
    assert result.exit_code == 0
    assert "action" in result.stdout and "missing" in result.stdout
    assert "Questions:" in result.stdout


def test_analyze_reads_stdin():
    result = run("analyze", "-", "--json", input=WEAK + "\n")
    assert json.loads(result.stdout)["bullet"] == WEAK


@pytest.mark.parametrize(
    "args, message",
    [
        (["analyze", ""], "the bullet is empty"),
        (["analyze", "x" * 5000], "characters long"),
        (["analyze", WEAK, "--engine", "gpt"], "unknown engine 'gpt'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_usage_error_exits_2():
    assert run("analyze").exit_code == 2


def test_help_teaches_with_examples():
    result = run("analyze", "--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout and "--json" in result.stdout


def test_console_script_runs_and_import_stays_light():
    """`import bulletsmith` and `bulletsmith --help` must not import openai or instructor."""
    code = (
        "import sys, bulletsmith, bulletsmith.cli;"
        "heavy = [m for m in ('openai', 'instructor', 'httpx2', 'pydantic') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "openai" not in out.stdout and "instructor" not in out.stdout
    out = subprocess.run(
        [sys.executable, "-c", "import sys, bulletsmith; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "pydantic" not in out.stdout  # the bare package import is instant


def test_version_is_printed_without_loading_the_library():
    from importlib.metadata import version

    result = run("--version")
    assert result.exit_code == 0 and result.stdout == f"bulletsmith {version('bulletsmith')}\n"
    code = (
        "import sys; from bulletsmith.cli import main; sys.argv = ['bulletsmith', '--version'];\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print([m for m in ('pydantic', 'openai', 'bulletsmith.assistant') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    "command, usage, lines",
    [
        (
            "rewrite",
            "Usage: bulletsmith rewrite [OPTIONS] FILE",
            [
                "* FILE The resumes",
                "--output -o PATH Where",
                "--answers -a PATH A filled-in",
                "--in-place Overwrite",
                "--engine TEXT rules",
                "--help Show",
            ],
        ),
        (
            "coach",
            "Usage: bulletsmith coach [OPTIONS] FILE",
            ["* FILE The resume", "--answers -a PATH More", "--in-place Overwrite", "--yes -y Resume"],
        ),
        ("analyze", "Usage: bulletsmith analyze [OPTIONS] BULLET", ["* BULLET The bullet", "--json Print"]),
    ],
)
def test_help_reads_like_usual_unix_help(command, usage, lines):
    """`--in-place`, `FILE`, `--answers PATH`; not `--in-place <bool>`, `{file}`, `--answers <list[Path]>`."""
    out = run(command, "--help").stdout
    assert usage in out
    flat = " ".join(out.replace("│", " ").split())
    for line in lines:
        assert line in flat
    assert "<bool>" not in out and "<str>" not in out and "<path>" not in out and "{file}" not in out


def test_eval_outside_a_checkout_says_how_to_run_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("eval")
    assert result.exit_code == 2
    assert result.stderr == (
        "bulletsmith: error: evals/cases: no such folder; run it from a bulletsmith source "
        "checkout (the cases are in its evals/cases/), or pass --cases FOLDER\n"
    )

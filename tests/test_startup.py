"""What a CLI run does before its command: the data files it parses, the imports it makes."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from bulletsmith.engines.rules.lexicon import data_yaml

REPO = Path(__file__).resolve().parents[1]

DATA_YAML = sorted(p.name for p in (files("bulletsmith") / "data").iterdir() if p.name.endswith(".yaml"))


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")
@pytest.mark.parametrize("name", DATA_YAML)
def test_libyaml_reads_the_data_files_as_the_pure_python_loader_does(name):
    """data_yaml() parses with libyaml when it can: the YAML files stay the source of truth only
    if both parsers read them the same (a YAML 1.1 corner, such as `no` or `on`, would show here)."""
    text = (files("bulletsmith") / "data" / name).read_text(encoding="utf-8")
    assert data_yaml(name) == yaml.safe_load(text)


# --------------------------------------------------------------------------- the console script

SCRIPT = "import sys, bulletsmith; sys.argv[0] = 'bulletsmith'; bulletsmith._console_script()"


def _script(*args: str, prelude: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    return subprocess.run(
        [sys.executable, "-c", prelude + SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, "TERM": "dumb", **(env or {})},
    )


def test_the_bulletsmith_command_is_the_console_script():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    module, _, name = project["project"]["scripts"]["bulletsmith"].partition(":")
    assert (module, name) == ("bulletsmith", "_console_script")
    assert callable(getattr(importlib.import_module(module), name))


def test_ctrl_c_while_the_cli_is_still_importing_is_one_line_and_exit_130():
    """A Ctrl-C in the first few hundred ms (typer, pydantic being imported) is no traceback."""
    prelude = (
        "import builtins\n"
        "real = builtins.__import__\n"
        "def interrupted(name, *args, **kwargs):\n"
        "    if name == 'typer':\n"
        "        raise KeyboardInterrupt\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = interrupted\n"
    )
    result = _script("--help", prelude=prelude)
    assert result.returncode == 130, result.stderr
    assert result.stderr == "bulletsmith: interrupted\n"
    assert result.stdout == ""


def test_the_console_script_turns_pydantic_plugins_off_unless_told_otherwise():
    show = "import atexit, os; atexit.register(lambda: print(repr(os.environ.get('PYDANTIC_DISABLE_PLUGINS'))))\n"
    assert _script("--help", prelude=show).stdout.splitlines()[-1] == "'__all__'"
    told = _script("--help", prelude=show, env={"PYDANTIC_DISABLE_PLUGINS": ""})
    assert told.stdout.splitlines()[-1] == "''"  # the person's own setting wins


def test_importing_bulletsmith_leaves_pydantic_plugins_alone():
    code = "import os, bulletsmith, bulletsmith.cli; print(repr(os.environ.get('PYDANTIC_DISABLE_PLUGINS')))"
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert out.stdout.strip() == "None", out.stderr


def test_ctrl_c_while_the_top_level_options_are_read_is_one_line_and_exit_130(monkeypatch):
    """Before any command runs, typer reads the top-level options (building its converters imports
    pydantic): a Ctrl-C there is the same one line, not typer's silent exit."""
    import importlib.metadata

    from typer.testing import CliRunner

    from bulletsmith.cli import app

    def interrupted(name):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.metadata, "version", interrupted)  # --version's eager callback
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 130
    assert result.stderr == "bulletsmith: interrupted\n" and result.stdout == ""

"""The YAML word lists are the source; data/compiled.json is what a run reads (no `import yaml`)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files
from typing import get_args, get_origin, get_type_hints

import pytest

from bulletsmith import datafiles as lx

DATA = files("bulletsmith") / "data"
YAML_FILES = sorted(p.name for p in DATA.iterdir() if p.name.endswith(".yaml"))


def test_compiled_json_is_up_to_date_with_every_yaml_file():
    stored = json.loads((DATA / lx.COMPILED).read_text(encoding="utf-8"))
    assert stored == lx.compile_data(), (
        "a YAML file under src/bulletsmith/data changed: run `python -m bulletsmith.datafiles` and commit "
        "data/compiled.json (until then the YAML is parsed on every run, which is slower, never wrong)"
    )
    assert sorted(stored) == YAML_FILES


@pytest.mark.parametrize("name", YAML_FILES)
def test_a_data_file_reads_the_same_from_json_or_yaml(name):
    text = (DATA / name).read_text(encoding="utf-8")
    assert lx.data_yaml(name) == lx.parse_yaml(text)


def test_an_edited_yaml_file_is_read_as_yaml_not_from_stale_json(monkeypatch):
    name = YAML_FILES[0]
    edited = (DATA / name).read_text(encoding="utf-8") + "\nadded_by_the_test: [x]\n"
    monkeypatch.setattr(lx, "data_text", lambda n: edited if n == name else (DATA / n).read_text(encoding="utf-8"))
    assert lx.data_yaml(name)["added_by_the_test"] == ["x"]


def _fits(value, hint) -> bool:
    """True when a value parsed from YAML has the shape a type hint names (str, list[str], dict[str, …], a TypedDict)."""
    if hint is str:
        return isinstance(value, str)
    if get_origin(hint) is list:
        return isinstance(value, list) and all(_fits(v, get_args(hint)[0]) for v in value)
    if get_origin(hint) is dict:  # dict[str, list[str]]: the non-data kinds, each with its words
        return isinstance(value, dict) and all(
            isinstance(k, str) and _fits(v, get_args(hint)[1]) for k, v in value.items()
        )
    hints = get_type_hints(hint)
    return isinstance(value, dict) and set(value) == set(hints) and all(_fits(value[k], t) for k, t in hints.items())


def test_the_rules_engine_vocabularies_have_the_shapes_its_types_name():
    from bulletsmith.engines.rules.lexicon import _DomainSpec, _LexiconFile

    assert _fits(lx.data_yaml("lexicon.yaml"), _LexiconFile)
    domains = lx.data_yaml("domains.yaml")
    assert domains and all(_fits(spec, _DomainSpec) for spec in domains.values())
    assert not _fits({"keywords": "label", "problem": "", "data": "", "data_unit": "", "model": ""}, _DomainSpec)


def test_a_rules_analysis_from_the_command_line_does_not_import_yaml():
    code = (
        "import sys, bulletsmith\n"
        "sys.argv = ['bulletsmith', 'analyze', '--engine', 'rules', 'Built a classification model for image labeling']\n"
        "try:\n"
        "    bulletsmith._console_script()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('yaml' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "missing" in out.stdout, out.stderr
    assert out.stderr.strip().splitlines()[-1] == "False", out.stderr

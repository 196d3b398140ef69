"""What a CLI run does before its command: the data files it parses, the imports it makes."""

from __future__ import annotations

from importlib.resources import files

import pytest
import yaml

from bulletsmith.lexicon import data_yaml

DATA_YAML = sorted(p.name for p in (files("bulletsmith") / "data").iterdir() if p.name.endswith(".yaml"))


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")
@pytest.mark.parametrize("name", DATA_YAML)
def test_libyaml_reads_the_data_files_as_the_pure_python_loader_does(name):
    """data_yaml() parses with libyaml when it can: the YAML files stay the source of truth only
    if both parsers read them the same (a YAML 1.1 corner, such as `no` or `on`, would show here)."""
    text = (files("bulletsmith") / "data" / name).read_text(encoding="utf-8")
    assert data_yaml(name) == yaml.safe_load(text)

"""The package's data files (bulletsmith/data): word lists and YAML vocabularies, read one way.

python -m bulletsmith.datafiles     rewrite data/compiled.json from the YAML files
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib.resources import files

# The YAML files under bulletsmith/data are the source. `compiled.json` beside them holds each
# one's data as JSON with the sha256 of the YAML text it was made from: reading it needs no
# `import yaml` (~9% of a `bulletsmith analyze --engine rules` run). A YAML file edited since
# (its hash differs) is parsed as YAML, so the JSON can be late but never wrong;
# tests/test_data_files.py says when to run `python -m bulletsmith.datafiles` to bring it up to date.
COMPILED = "compiled.json"


def data_text(name: str) -> str:
    return (files("bulletsmith") / "data" / name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=1)
def _compiled() -> dict:
    try:
        value = json.loads(data_text(COMPILED))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def parse_yaml(text: str) -> object:
    """YAML text parsed safely: by libyaml (CSafeLoader) when PyYAML was built with it, else by
    the pure-Python SafeLoader (tests/test_startup.py checks both read the data files alike)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def data_yaml(name: str) -> object:
    """A YAML data file's data: from compiled.json when that was made from this very text, else
    parsed from the YAML."""
    text = data_text(name)
    entry = _compiled().get(name)
    if isinstance(entry, dict) and entry.get("sha256") == _sha256(text) and "data" in entry:
        return entry["data"]
    return parse_yaml(text)


def compile_data() -> dict:
    """compiled.json's content for the YAML files under bulletsmith/data as they are now."""
    out = {}
    for item in sorted((files("bulletsmith") / "data").iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            text = item.read_text(encoding="utf-8")
            data = parse_yaml(text)
            if json.loads(json.dumps(data)) != data:
                raise ValueError(f"{item.name}: its data does not survive JSON (dates, non-string keys?)")
            out[item.name] = {"sha256": _sha256(text), "data": data}
    return out


@functools.cache
def word_list(name: str, *, fold: bool = False) -> tuple[str, ...]:
    """A one-entry-per-line data file, without comments ('#') and blank lines; lower-cased when fold."""
    entries = (line.split("#", 1)[0].strip() for line in data_text(name).splitlines())
    return tuple(e.casefold() if fold else e for e in entries if e)


if __name__ == "__main__":
    from pathlib import Path

    target = Path(str(files("bulletsmith") / "data" / COMPILED))
    target.write_text(json.dumps(compile_data(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")

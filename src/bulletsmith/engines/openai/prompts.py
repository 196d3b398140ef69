"""Prompt files: ``prompts/NAME.md``, YAML front matter plus a chat template.

    ---
    name: analyze
    temperature: 0
    max_tokens: 700
    ---
    ## system
    You read one resume bullet…
    ## user
    Bullet: {{bullet}}

The file's sha256 is the prompt's version: it is part of every cache and recording key,
so editing a prompt can never replay an answer to the old one. The files ship inside the
wheel (``bulletsmith/prompts/``); an editable install reads the repository's ``prompts/``.
``$BULLETSMITH_PROMPTS_DIR`` points at another folder (for trying a prompt edit in evals).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulletsmith.errors import BulletsmithError

__all__ = ["Prompt", "PromptError", "load_prompt", "prompts_dir"]

PROMPTS_DIR_ENV = "BULLETSMITH_PROMPTS_DIR"
_SECTION_RE = re.compile(r"^##[ \t]+(system|user)[ \t]*$", re.MULTILINE)
_VAR_RE = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


class PromptError(BulletsmithError, RuntimeError):
    """A prompt file is missing or malformed; the message names the file."""


def prompts_dir() -> Path:
    """Where the prompt files are: the env override, the wheel's copy, or the repository's."""
    env = os.environ.get(PROMPTS_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return _installed_prompts_dir()


@functools.cache
def _installed_prompts_dir() -> Path:
    """Found once per process (resolving the module's path is a few syscalls, and every request
    loads its prompt); the files in it are still checked for edits on every load."""
    package = Path(__file__).resolve().parents[2]  # bulletsmith/
    packaged = package / "prompts"  # the wheel: bulletsmith/prompts/*.md
    if (packaged / "analyze.md").is_file():
        return packaged
    return package.parents[1] / "prompts"  # src layout: <repo>/src/bulletsmith/


@dataclass(frozen=True)
class Prompt:
    name: str
    sha256: str
    settings: dict[str, Any] = field(default_factory=dict)
    system: str = ""
    user: str = ""
    path: Path | None = None

    @property
    def version(self) -> str:
        """``analyze@1a2b3c4d5e6f``: the name and the first 12 hex digits of the file's hash."""
        return f"{self.name}@{self.sha256[:12]}"

    @property
    def variables(self) -> set[str]:
        return set(_VAR_RE.findall(self.system)) | set(_VAR_RE.findall(self.user))

    def render(self, **values: str) -> list[dict[str, str]]:
        """The chat messages, a fresh list on every call (re-asks append to it)."""
        missing = self.variables - values.keys()
        extra = values.keys() - self.variables
        if missing or extra:
            raise PromptError(
                f"prompt {self.name}: "
                + "; ".join(
                    part
                    for part in (
                        f"no value for {', '.join(sorted(missing))}" if missing else "",
                        f"unused value {', '.join(sorted(extra))}" if extra else "",
                    )
                    if part
                )
            )

        def fill(template: str) -> str:
            # One pass, so a value that itself contains "{{x}}" is never expanded again.
            return _VAR_RE.sub(lambda m: str(values[m.group(1)]), template).strip()

        messages = []
        if self.system:
            messages.append({"role": "system", "content": fill(self.system)})
        messages.append({"role": "user", "content": fill(self.user)})
        return messages


def parse_prompt(text: str, *, name: str, path: Path | None = None) -> Prompt:
    import yaml

    text = text.replace("\r\n", "\n")
    settings: dict[str, Any] = {}
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end < 0:
            raise PromptError(f"{path or name}: the front matter has no closing '---' line")
        loaded = yaml.safe_load(text[4:end]) or {}
        if not isinstance(loaded, dict):
            raise PromptError(f"{path or name}: the front matter must be a mapping")
        settings = loaded
        body = text[end + 5 :]
    parts = _SECTION_RE.split(body)
    sections: dict[str, str] = {}
    for role, content in zip(parts[1::2], parts[2::2]):
        sections[role] = content.strip()
    if not sections.get("user"):
        raise PromptError(f"{path or name}: needs a '## user' section (and usually a '## system' one)")
    return Prompt(
        name=str(settings.get("name", name)),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        settings=settings,
        system=sections.get("system", ""),
        user=sections["user"],
        path=path,
    )


@functools.cache
def _load(path: Path, mtime_ns: int) -> Prompt:  # noqa: ARG001 - mtime in the cache key: an edited file is re-read
    return parse_prompt(path.read_text(encoding="utf-8"), name=path.stem, path=path)


def load_prompt(name: str) -> Prompt:
    path = prompts_dir() / f"{name}.md"
    try:
        stat = path.stat()
    except OSError:
        raise PromptError(f"prompt file {path} not found; is the package installed completely?") from None
    return _load(path, stat.st_mtime_ns)

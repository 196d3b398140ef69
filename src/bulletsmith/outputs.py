"""The output files bulletsmith wrote, so that it never replaces a file without asking.

`rewrite` and `coach` write NAME.bulletsmith.EXT (or `-o PATH`), and the next run replaces it.
That is safe when the file there is the one bulletsmith wrote last; it is not when the person
made that file, or edited bulletsmith's output by hand since. The ledger remembers the sha256
of every output written, keyed by the file's resolved path, in the tool's state folder (beside
the coach sessions: the tool's bookkeeping, not the person's files).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from bulletsmith.errors import InputError
from bulletsmith.fsutil import atomic_write, private_dir, state_dir

__all__ = ["OutputExistsError", "check_replace", "owns", "record"]

_MAX_ENTRIES = 500  # the most recent outputs; an older one forgotten only means one more question


class OutputExistsError(InputError):
    """The output file exists and bulletsmith did not write it (or it changed since)."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} exists and was not written by bulletsmith (or was edited since); "
            "pass --force to replace it, or -o to write elsewhere"
        )
        self.path = path


def _ledger() -> Path:
    return state_dir() / "outputs.json"


def _read() -> dict[str, str]:
    try:
        data = json.loads(_ledger().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def owns(path: Path) -> bool:
    """True when writing `path` replaces nothing of the person's: it doesn't exist, or it holds
    exactly what bulletsmith last wrote there."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return _read().get(str(path.resolve())) == _digest(data)


def record(path: Path, data: bytes) -> None:
    """Remember that bulletsmith wrote `data` to `path`. Failing to remember costs a question next time, never the write."""
    entries = _read()
    key = str(Path(path).resolve())
    entries.pop(key, None)
    entries[key] = _digest(data)
    entries = dict(list(entries.items())[-_MAX_ENTRIES:])
    try:
        private_dir(_ledger().parent)
        atomic_write(_ledger(), json.dumps(entries, indent=0) + "\n", mode=0o600)
    except OSError:
        pass


def check_replace(path: Path, *, force: bool = False) -> None:
    """Raise OutputExistsError unless `path` may be written without asking (see `owns`)."""
    if not force and not owns(path):
        raise OutputExistsError(Path(path))

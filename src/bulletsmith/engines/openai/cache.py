"""The response cache: finished results of model calls, on disk, as JSON text.

Where: ``$BULLETSMITH_CACHE_DIR`` if set, else the user cache directory that platformdirs
names (``~/.cache/bulletsmith/responses`` on Linux, ``~/Library/Caches/bulletsmith/responses``
on macOS, ``%LOCALAPPDATA%\\bulletsmith\\Cache\\responses`` on Windows).

What: one entry per `request_key`, the value a JSON string. diskcache pickles any value
that is not str/bytes/int/float, and loading a tampered pickle runs code; a JSON string is
stored as text and read back with ``json.loads``, so a cache file can at worst hold a wrong
answer, which the engine's validation then rejects as a miss. Entries never hold an API key
or a request header: only the parsed result (or, for a call that still failed its guards,
the failure and its last answer read for structure only), the model the server named, and
token counts.
The folder is made 0o700 and the database files 0o600: the cached answers hold the person's facts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bulletsmith.fsutil import private_dir

__all__ = ["ResponseCache", "default_cache_dir"]

CACHE_DIR_ENV = "BULLETSMITH_CACHE_DIR"
# Far more than any resume needs; beyond it diskcache evicts the least recently stored entries.
_SIZE_LIMIT = 256 * 1024 * 1024


def default_cache_dir() -> Path:
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("bulletsmith", appauthor=False)) / "responses"


def _json_only_disk() -> type:
    """A diskcache Disk that never unpickles: diskcache.get() loads any row stored in pickle
    mode, so a planted row would run code even though we only ever store strings."""
    import diskcache
    from diskcache.core import MODE_PICKLE

    class JsonOnlyDisk(diskcache.Disk):
        def fetch(self, mode, filename, value, read):  # noqa: ANN001, ANN202
            if mode == MODE_PICKLE:
                raise ValueError("refusing a pickled cache value")
            return super().fetch(mode, filename, value, read)

    return JsonOnlyDisk


def _chmod(path: Path, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except OSError:  # not ours (a shared folder someone chose): leave it
        pass


class ResponseCache:
    """A small JSON-valued key-value store on disk (diskcache underneath, opened on first use)."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else default_cache_dir()
        self._cache = None

    def _open(self):  # noqa: ANN202
        if self._cache is None:
            import diskcache

            private_dir(self.directory)
            self._cache = diskcache.Cache(str(self.directory), size_limit=_SIZE_LIMIT, disk=_json_only_disk())
            for f in self.directory.glob("cache.db*"):  # the answers are the person's facts: user-only
                _chmod(f, 0o600)
        return self._cache

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored value, or None on a miss or an entry that is not a JSON object."""
        try:
            raw = self._open().get(key)
        except Exception:  # noqa: BLE001 - a broken cache is a miss, never a crash
            return None
        if not isinstance(raw, str):
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        try:
            self._open().set(key, text)
        except Exception:  # noqa: BLE001, S110 - failing to cache must not fail the call
            pass

    def clear(self) -> None:
        self._open().clear()

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def __len__(self) -> int:
        return len(self._open())

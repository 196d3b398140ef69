"""The response cache: finished results of model calls, on disk, as JSON text.

Where: ``$BULLETSMITH_CACHE_DIR`` if set, else the user cache directory that platformdirs
names (``~/.cache/bulletsmith/responses`` on Linux, ``~/Library/Caches/bulletsmith/responses``
on macOS, ``%LOCALAPPDATA%\\bulletsmith\\Cache\\responses`` on Windows).

What: one entry per `request_key`, the value a JSON string. diskcache pickles any value
that is not str/bytes/int/float, and loading a tampered pickle runs code; a JSON string is
stored as text and read back with ``json.loads``. The database is not trusted either: every
value is kept inline in it (never in diskcache's side files), a row in any other form is a
miss, removed and reported once, a file name a row holds is never opened and only removed
when it is one diskcache could have made inside the folder, and a database whose settings
bulletsmith did not write is not opened (diskcache runs its settings as SQL pragmas). So a
tampered cache can hold a wrong answer, which the engine's validation rejects as a miss, and
nothing more: nothing outside the folder is read or removed. Entries never hold an API key
or a request header: only the parsed result (or, for a call that still failed its guards,
the failure and its last answer read for structure only), the model the server named, and
token counts.
The folder is made 0o700 and the database files 0o600: the cached answers hold the person's facts.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from pathlib import Path
from typing import Any

from bulletsmith.errors import InputError
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


_log = logging.getLogger("bulletsmith.engines.openai.cache")
_reported: set[str] = set()


def _report_once(directory: Path | str, message: str) -> None:
    """One line on stderr (through logging, so a library user can route it), once per cache
    folder and process: a tampered cache is worth one warning, not one per entry."""
    if str(directory) not in _reported:
        _reported.add(str(directory))
        _log.warning("bulletsmith: warning: the response cache %s %s", directory, message)


class RefusedRow(InputError):
    """A cache row bulletsmith did not write: pickled, kept in a side file, or not text."""


# The only side-file name diskcache makes: two levels of two hex digits, then 28 hex digits.
_DISKCACHE_FILE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{28}\.val")


def _inline_text_disk() -> type:
    """A diskcache Disk that keeps every value inline in the database and reads nothing else.

    diskcache writes a str of 32 KB or more to a side file and stores its name in the row;
    reading, replacing, expiring or evicting that row opens or deletes `directory/filename`
    with no check, so a planted '../../x' would reach outside the folder. This Disk never
    writes a side file, refuses every row that is not inline text (a pickle would run code),
    and deletes a side file only if its name is one diskcache could have made, under real
    folders (no symlink) inside the cache folder (an entry an older version kept in a file)."""
    import diskcache
    from diskcache.core import MODE_RAW

    class InlineTextDisk(diskcache.Disk):
        def store(self, value, read, key=None):  # noqa: ANN001, ANN202
            if type(value) is not str or read:
                raise TypeError("the response cache stores JSON text only")
            return 0, MODE_RAW, None, value

        def fetch(self, mode, filename, value, read):  # noqa: ANN001, ANN202
            if mode != MODE_RAW or filename is not None or type(value) is not str or read:
                raise RefusedRow("not inline JSON text")
            return value

        def remove(self, file_path):  # noqa: ANN001, ANN202
            root = Path(self._directory)
            if not isinstance(file_path, str) or not _DISKCACHE_FILE.fullmatch(file_path):
                _report_once(
                    root,
                    f"held an entry bulletsmith did not write, naming a file outside "
                    f"it ({file_path!r}); the entry was removed, the file not touched",
                )
                return
            first = root / file_path[:2]
            second = first / file_path[3:5]
            target = second / file_path[6:]
            try:
                if not (stat.S_ISDIR(first.lstat().st_mode) and stat.S_ISDIR(second.lstat().st_mode)):
                    return  # a symlinked folder could lead anywhere
                os.unlink(target)  # unlinking a symlink removes the link, never what it names
            except OSError:
                return
            for folder in (second, first):  # only the two folders diskcache made, never above
                try:
                    folder.rmdir()
                except OSError:
                    break

    return InlineTextDisk


def _settings() -> dict[str, Any]:
    """Every diskcache setting, given explicitly: what the database says is never used as is."""
    from diskcache.core import DEFAULT_SETTINGS

    return {
        **DEFAULT_SETTINGS,
        "size_limit": _SIZE_LIMIT,
        "statistics": 0,
        "tag_index": 0,
        "eviction_policy": "least-recently-stored",
        "disk_min_file_size": 2**62,
    }


def _foreign_settings(directory: Path) -> str | None:
    """Why the database in `directory` is not one bulletsmith wrote, or None when it is (or is new).

    diskcache executes every `sqlite_*` row of its Settings table as `PRAGMA name = value`
    on each connection, before any setting passed in code applies; a planted row must never
    reach it. Checked read-only with sqlite3 itself, before diskcache opens the file."""
    import sqlite3

    from diskcache.core import DEFAULT_SETTINGS, METADATA

    for name in ("cache.db", "cache.db-wal", "cache.db-shm"):
        try:
            mode = (directory / name).lstat().st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode):
            return f"{name} is not a regular file"
    db = directory / "cache.db"
    if not db.exists():
        return None
    try:
        con = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)  # as_uri needs an absolute path
    except sqlite3.Error as e:
        return f"cache.db cannot be opened ({e})"
    try:
        rows = con.execute("SELECT key, value FROM Settings").fetchall()
    except sqlite3.Error:
        return None  # no Settings table yet: diskcache creates it with ours
    finally:
        con.close()
    known = _settings()
    for key, value in rows:
        if key in METADATA:
            continue
        if key not in DEFAULT_SETTINGS:
            return f"its settings hold {key!r}, which bulletsmith never writes"
        if isinstance(key, str) and key.startswith("sqlite_") and value != known[key]:
            return f"its setting {key!r} was changed"
    return None


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
            why = _foreign_settings(self.directory)
            if why is not None:
                _report_once(
                    self.directory,
                    f"was not written by bulletsmith ({why}); it is not used: remove that folder to start a fresh one",
                )
                raise RefusedRow(why)
            self._cache = diskcache.Cache(str(self.directory), disk=_inline_text_disk(), **_settings())
            for f in self.directory.glob("cache.db*"):  # the answers are the person's facts: user-only
                _chmod(f, 0o600)
        return self._cache

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored value, or None on a miss or an entry that is not a JSON object."""
        try:
            raw = self._open().get(key)
        except RefusedRow:
            self._drop(key)
            return None
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

    def _drop(self, key: str) -> None:
        """Remove a row that is not ours (its side file only as InlineTextDisk.remove allows)."""
        _report_once(self.directory, "held an entry bulletsmith did not write; it was removed")
        try:
            self._open().delete(key)
        except Exception:  # noqa: BLE001, S110 - a broken cache is a miss, never a crash
            pass

    def clear(self) -> None:
        self._open().clear()

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def __len__(self) -> int:
        return len(self._open())

"""Writing files so that a crash never leaves half of one: temp file in the same folder, then rename."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from bulletsmith.errors import InputError


def atomic_write(path: Path, data: bytes | str, *, mode: int | None = None) -> None:
    """Replace `path` with `data` in one step; readers see the old file or the new one, never a mix.

    An OSError names `path`, never the temp file beside it (the person never sees that name)."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        _replace(path, payload, mode)
    except OSError as e:
        if e.filename == str(path) or e.errno is None:
            raise
        raise type(e)(e.errno, e.strerror, str(path)) from None


def _replace(path: Path, payload: bytes, mode: int | None) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def why_unwritable(path: Path) -> str | None:
    """Why a file can't be written at `path` (its folder is missing, not a folder, or read-only;
    or `path` is a folder), in words to follow the path; None when it can. Checked before any
    work, so none is lost."""
    path = Path(path)
    if path.is_dir():
        return "is a folder, not a file"
    folder = path.parent
    if not folder.exists():
        return f"the folder {folder} does not exist; create it first or choose another path"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable"
    return None


def describe_os_error(e: OSError, action: str) -> str:
    """'cannot save PATH: No such file or directory' (or 'cannot save: Broken pipe' when no file
    is named), one line, for an error message."""
    what = e.strerror or str(e)
    return f"{action} {e.filename}: {what}" if e.filename else f"{action}: {what}"


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def backup_path(path: Path) -> Path:
    """`resume.md` -> `resume.md.bak`; an existing backup is never overwritten (`.bak.1`, `.bak.2` …)."""
    candidate = path.with_name(path.name + ".bak")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak.{n}")
        n += 1
    return candidate


def private_dir(directory: Path) -> None:
    """Create `directory` (and missing parents) user-only (0o700); folders that already
    existed are left as they are: they may be a shared place the person chose."""
    missing = []
    p = Path(directory)
    while not p.exists():
        missing.append(p)
        p = p.parent
    Path(directory).mkdir(parents=True, exist_ok=True, mode=0o700)
    for p in missing:
        try:  # mkdir's mode is filtered by the umask; say it again
            os.chmod(p, 0o700)
        except OSError:
            pass


class InputRefused(InputError):
    """An input file that is not read: not a regular file, or over its size limit. The message
    is the problem in words to follow the path ("is a named pipe (FIFO), not a regular file")."""


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a file")
    return f"is {kind}, not a regular file" if kind != "not a file" else "is not a regular file"


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def read_input(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or InputRefused: a FIFO would block
    forever, /dev/zero never ends, and a huge file would be read whole before being refused.
    OSError (missing, unreadable) passes through."""
    refused = _not_regular(os.stat(path).st_mode)
    if refused:
        raise InputRefused(refused)
    # O_NONBLOCK: should the path become a FIFO between stat and open, opening it won't wait.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        refused = _not_regular(st.st_mode)
        if refused:
            raise InputRefused(refused)
        if st.st_size > limit:
            raise InputRefused(f"is too large ({_size(st.st_size)}; the limit is {_size(limit)})")
        data = fh.read(limit + 1)
    if len(data) > limit:  # it grew while we read
        raise InputRefused(f"is too large (over {_size(limit)})")
    return data


STATE_DIR_ENV = "BULLETSMITH_STATE_DIR"


def state_dir() -> Path:
    """The tool's own bookkeeping (coach sessions, the outputs it wrote): $BULLETSMITH_STATE_DIR,
    else the user state folder (~/.local/state/bulletsmith on Linux)."""
    override = os.environ.get(STATE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir("bulletsmith"))

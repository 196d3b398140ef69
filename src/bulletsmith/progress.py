"""A progress bar for long calls (`analyze_many`, `rewrite_many`) where someone is watching.

    with progress_bar(50, "analyzing", "analyzed", progress=None) as bar:   # None: decide from where we run
        ...; bar.advance()

* In a Jupyter kernel: an HTML ``<progress>`` bar in the cell's output, updated in place through
  a display handle (IPython's ``display(..., display_id=True)``). It needs nothing beyond the
  kernel: rich's and tqdm's notebook bars need ipywidgets, and a widget's output is not kept in
  the saved notebook, where this bar's last state ("analyzed 50 bullets in 41.2 s") is.
* In an interactive terminal session (the Python or IPython prompt, stderr a terminal): rich's
  progress bar on stderr, erased when done.
* Anywhere else (a script, a test, output piped to a file): nothing, unless ``progress=True``.

``progress=False`` turns it off everywhere, ``progress=True`` on (outside Jupyter: rich on stderr).
The display is only touched from the thread that made the bar: `advance` from another thread
(the event loop `analyze_many` runs in a worker thread inside Jupyter) only counts, and the owner
calls `refresh` while it waits.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import Any

__all__ = ["Progress", "progress_bar", "showing"]

# Redraw at most this often: a display update is a message to the browser.
_INTERVAL = 0.2


def _kernel_shell() -> Any:
    """The running IPython shell when it is a Jupyter kernel's, else None. IPython is never
    imported here: a kernel has always imported it already."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


def _interactive_terminal() -> bool:
    """At a prompt (python -i, the REPL, IPython in a terminal) with stderr on a terminal."""
    ipython = sys.modules.get("IPython")
    at_prompt = (
        hasattr(sys, "ps1")
        or bool(sys.flags.interactive)
        or (ipython is not None and ipython.get_ipython() is not None)
    )
    try:
        return at_prompt and sys.stderr.isatty()
    except (AttributeError, ValueError):  # stderr replaced or closed
        return False


def showing(progress: bool | None) -> str | None:
    """Where a bar would show: "jupyter", "terminal", or None (no bar)."""
    if progress is False:
        return None
    if _kernel_shell() is not None:
        return "jupyter"
    if progress or _interactive_terminal():
        return "terminal"
    return None


class Progress:
    """Counts finished items and shows the count; a no-op when nowhere to show it."""

    def __init__(self, total: int, verb: str, where: str | None, *, past: str | None = None) -> None:
        self.total = total
        self.verb = verb  # "analyzing"
        self.past = past or verb  # "analyzed"
        self.done = 0
        self.where = where
        self._lock = threading.Lock()
        self._owner = threading.get_ident()
        self._start = time.monotonic()
        self._drawn_at = 0.0
        self._drawn: int | None = None
        self._handle: Any = None
        self._rich: Any = None
        self._task: Any = None

    # -- counting (any thread) --------------------------------------------------------------

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
        if self._rich is not None:  # rich's progress is thread-safe and redraws on its own thread
            self._rich.update(self._task, completed=self.done)
        elif threading.get_ident() == self._owner:
            self.refresh()

    # -- drawing (the owner's thread) ----------------------------------------------------------

    def refresh(self, *, final: bool = False, failed: bool = False) -> None:
        if self.where != "jupyter" or threading.get_ident() != self._owner:
            return
        now = time.monotonic()
        if not final and (self._drawn == self.done or now - self._drawn_at < _INTERVAL):
            return
        self._drawn_at, self._drawn = now, self.done
        bundle = self._bundle(final=final, failed=failed)
        if self._handle is None:
            from IPython.display import display

            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)

    def _bundle(self, *, final: bool, failed: bool) -> dict[str, str]:
        seconds = time.monotonic() - self._start
        noun = "bullet" if self.total == 1 else "bullets"
        if final and not failed:
            text = f"{self.past} {self.total} {noun} in {seconds:.1f} s"
        elif failed:
            text = f"{self.verb}: stopped after {self.done} of {self.total} {noun} ({seconds:.1f} s)"
        else:
            text = f"{self.verb} {self.done}/{self.total} {noun} ({seconds:.1f} s)"
        # Fixed text only (numbers and our own words): nothing here needs escaping.
        html = (
            f'<div style="font-size:0.9em"><progress value="{self.done}" max="{max(self.total, 1)}" '
            f'style="width:16em;vertical-align:middle"></progress> {text}</div>'
        )
        return {"text/plain": text, "text/html": html}

    # -- lifetime ------------------------------------------------------------------------------

    def __enter__(self) -> Progress:
        if self.where == "terminal":
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            console = Console(stderr=True)
            self._rich = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=console.is_terminal,
            )
            self._rich.start()
            self._task = self._rich.add_task(self.verb, total=self.total)
        else:
            self.refresh(final=False)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._rich is not None:
            self._rich.stop()
        else:
            self.refresh(final=True, failed=kind is not None)


def progress_bar(total: int, verb: str, past: str, progress: bool | None = None) -> Progress:
    """A bar over `total` items ("analyzing", "analyzed"), shown where `showing(progress)` says;
    a single item shows none unless asked for."""
    where = showing(progress) if (total > 1 or progress) else None
    return Progress(total, verb, where, past=past)

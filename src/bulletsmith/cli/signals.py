"""Signals in the CLI: what Ctrl-C (SIGINT) and SIGTERM do while files are written.

A signal during the work ends it like Ctrl-C, keeping what finished; while a file is being
written it waits, so nothing is left half written. `rewrite` and `coach` both use these.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

__all__ = ["deferred_signals", "held_off", "interrupt_on_sigterm"]


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """SIGTERM stops the batch like Ctrl-C does (so what finished is written); exit 143, not 130."""
    from bulletsmith.batch import BatchInterrupted

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    terminated = threading.Event()

    def on_term(signum, frame):  # noqa: ANN001, ANN202, ARG001
        terminated.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except BatchInterrupted as e:
        if terminated.is_set():
            e.signal = "SIGTERM"
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def deferred_signals() -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM wait until the block is done (the files are written whole); yields the
    list of the signals that came meanwhile, for the caller to end the run with."""
    came: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield came
        return

    def note(signum, frame):  # noqa: ANN001, ANN202, ARG001
        came.append(signum)

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield came
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def held_off(work: Callable[[], T]) -> T:
    """Run `work` with Ctrl-C and SIGTERM held off, so a second signal can't cut a write short."""
    if threading.current_thread() is not threading.main_thread():
        return work()
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return work()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)

"""The coach's background work: analyses of the next bullets, and rewrites, on one event loop in
a thread of its own, while the person types. No terminal I/O."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["Background", "Prefetcher", "wait"]


class Background:
    """A thread running one asyncio loop: every engine call goes through it, so an async HTTP
    client always sees the same loop, and the analyses run while the main thread waits for input."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._gate: asyncio.Semaphore | None = None
        self._idle: asyncio.Event | None = None  # set when no call the person waits for is running
        self._urgent = 0
        self._closing = False
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="bulletsmith-coach", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            try:
                self.loop.run_until_complete(self._cancel_all())
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            finally:
                self.loop.close()

    def submit(self, make: Callable[[], Coroutine[Any, Any, Any]], *, gated: bool = True) -> concurrent.futures.Future:
        """Run make() on the loop. The coroutine is created there, so one that never starts is never made."""

        async def run() -> Any:
            if self._closing:
                raise asyncio.CancelledError
            if self._idle is None:
                self._idle = asyncio.Event()
                self._idle.set()
            if not gated:  # the person is waiting for this one: prefetches hold back until it is done
                self._urgent += 1
                self._idle.clear()
                try:
                    return await make()
                finally:
                    self._urgent -= 1
                    if not self._urgent:
                        self._idle.set()
            if self._gate is None:
                self._gate = asyncio.Semaphore(self.limit)
            async with self._gate:
                await self._idle.wait()
                return await make()

        return asyncio.run_coroutine_threadsafe(run(), self.loop)

    async def _cancel_all(self) -> None:
        self._closing = True
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def close(self) -> None:
        if self.loop.is_closed() or not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._cancel_all(), self.loop).result(timeout=5)
        except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError, RuntimeError):
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


def wait(future: concurrent.futures.Future) -> Any:
    """future.result(), but in short slices so Ctrl-C reaches the main thread at once."""
    while True:
        done, _ = concurrent.futures.wait([future], timeout=0.1)
        if done:
            return future.result()


class Prefetcher:
    """The analyses and rewrites of one coach session, by bullet and by (bullet, answers): each
    started once on a `Background` loop, made when first asked for."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.analyses: dict[int, concurrent.futures.Future] = {}
        self.rewrites: dict[tuple, concurrent.futures.Future] = {}
        self.lock = threading.RLock()
        self._bg: Background | None = None

    def background(self) -> Background:
        with self.lock:
            if self._bg is None:
                self._bg = Background(self.limit)
            return self._bg

    def close(self) -> None:
        if self._bg is not None:
            self._bg.close()
            self._bg = None

    def analysis(
        self, i: int, make: Callable[[], Coroutine[Any, Any, Any]], *, again: bool = False
    ) -> concurrent.futures.Future:
        """Bullet i's analysis, started now unless it already was (again: start it anew)."""
        with self.lock:
            fut = self.analyses.get(i)
            if fut is None or again:
                fut = self.background().submit(make)
                self.analyses[i] = fut
            return fut

    def analysis_if_ready(self, i: int) -> Any:
        """Bullet i's analysis when it has finished without an error, else None."""
        fut = self.analyses.get(i)
        if fut is None or not fut.done() or fut.cancelled() or fut.exception() is not None:
            return None
        return fut.result()

    def rewrite(
        self, key: tuple, make: Callable[[], Coroutine[Any, Any, Any]], *, again: bool = False
    ) -> concurrent.futures.Future:
        with self.lock:
            fut = self.rewrites.get(key)
            if fut is None or again:
                # Not gated: the rewrite the person waits for never queues behind prefetched analyses.
                fut = self.background().submit(make, gated=False)
                self.rewrites[key] = fut
            return fut

"""Adaptive concurrency on HTTP 429 (AIMD), for every async request of an engine on one event loop.

On HTTP 429 the bound halves the requests in flight (never below 1) and grows by one after a run
of successes, while the rate-limited request itself waits (``Retry-After``) and is retried within
its call's network budget (`retries`), so a rate-limited batch slows down instead of failing.
"""

from __future__ import annotations

import asyncio

__all__ = ["AdaptiveLimiter"]


class AdaptiveLimiter:
    """How many requests an engine may have in flight on one event loop: bounded, adaptive (AIMD).

    Unbounded (the callers' own concurrency applies) until the endpoint answers HTTP 429; then
    the bound becomes half the requests in flight, at least 1, and each later 429 halves it
    again, at most once per round (429s from requests sent before the last cut don't count
    twice). After `increase_after` successes in a row the bound grows by one. Shared by every
    call of the engine, so a whole batch slows down together instead of failing.
    """

    def __init__(self, increase_after: int = 8) -> None:
        self.limit: int | None = None
        self.in_flight = 0
        self.increase_after = max(1, int(increase_after))
        self.throttled = 0  # 429s seen
        self._successes = 0
        self._epoch = 0
        self._waiters: list[asyncio.Future] = []

    async def acquire(self) -> int:
        while self.limit is not None and self.in_flight >= self.limit:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self.in_flight += 1
        return self._epoch

    def release(self, ticket: int, *, throttled: bool = False) -> None:
        self.in_flight -= 1
        if throttled:
            self.throttled += 1
            self._successes = 0
            if ticket == self._epoch:  # the first 429 of this round: cut once
                current = self.in_flight + 1 if self.limit is None else min(self.limit, self.in_flight + 1)
                self.limit = max(1, current // 2)
                self._epoch += 1
        elif self.limit is not None:
            self._successes += 1
            if self._successes >= self.increase_after:
                self.limit += 1
                self._successes = 0
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:  # each re-checks the bound
            if not waiter.done():
                waiter.set_result(None)

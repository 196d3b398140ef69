"""At most N model calls at a time, with a place handed on as soon as a call's answer has arrived.

A batch (and `Assistant.aanalyze_many`) works on many bullets at once, each under a slot:

    gate = CallGate(16)
    async with gate.hold():
        analysis = await assistant.aanalyze(bullet)

Without the engine's help a slot is held for the whole call, parsing and checking the answer
included. With it (the openai engine calls `request_sent` just before each HTTP request and
`answer_read` just after the response body is read) the slot goes to the next waiting bullet as
soon as the answer is in: a request is in flight only under a slot, so there are never more than
N at once, and the next bullet's request goes out while this one's answer is still being parsed.

Answers arrive in bursts (a round of N requests sent together comes back together) and one event
loop handles them. So that the next round's requests go out first, a call whose answer has just
arrived waits, before parsing it, until every bullet its slot (or another's) went to has sent its
request or finished: sending starts the next answer's wait, parsing can happen during it. A call
that needs another request (a re-ask) queues for a slot again.

Sync code and code outside `hold()` see none of this: the hooks do nothing there.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["CallGate", "answer_read", "request_sent"]


class _Hold:
    __slots__ = ("held", "owner", "starting")

    def __init__(self, owner: CallGate) -> None:
        self.owner = owner
        self.held = False
        self.starting = False  # holds a slot and has sent no request yet


_current: contextvars.ContextVar[_Hold | None] = contextvars.ContextVar("bulletsmith_slot", default=None)


class CallGate:
    """`size` slots, handed over first come, first served."""

    def __init__(self, size: int) -> None:
        self.size = max(1, int(size))
        self._free = self.size
        self._waiters: deque[asyncio.Future] = deque()
        self.starting = 0  # slots given to bullets that have not sent their request yet
        self._parsers: list[asyncio.Future] = []

    @property
    def in_use(self) -> int:
        return self.size - self._free

    async def _acquire(self, hold: _Hold) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
        else:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():  # the slot was ours already: pass it on
                    self.starting -= 1
                    self._release()
                    self._wake_parsers()
                elif waiter in self._waiters:
                    self._waiters.remove(waiter)
                raise
            self.starting -= 1  # counted by `_release` when it handed the slot over
        hold.held = True
        hold.starting = True
        self.starting += 1

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.starting += 1  # from now until that bullet sends: parsing waits for it
                waiter.set_result(None)
                return
        self._free += 1

    def _sent(self, hold: _Hold) -> None:
        if hold.starting:
            hold.starting = False
            self.starting -= 1
            self._wake_parsers()

    def _wake_parsers(self) -> None:
        if self.starting <= 0:
            parsers, self._parsers = self._parsers, []
            for p in parsers:
                if not p.done():
                    p.set_result(None)

    async def _let_senders_go(self) -> None:
        while self.starting > 0:
            parser = asyncio.get_running_loop().create_future()
            self._parsers.append(parser)
            try:
                await parser
            finally:
                if parser in self._parsers:
                    self._parsers.remove(parser)

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        hold = _Hold(self)
        await self._acquire(hold)
        token = _current.set(hold)
        try:
            yield
        finally:
            _current.reset(token)
            self._sent(hold)
            if hold.held:
                hold.held = False
                self._release()


async def request_sent() -> None:
    """The engine is about to send a request: under a slot (queueing for one again if this call
    handed its slot on after an earlier answer)."""
    hold = _current.get()
    if hold is None:
        return
    if not hold.held:
        await hold.owner._acquire(hold)  # noqa: SLF001 - the hooks are CallGate's own, outside the class for contextvars
    hold.owner._sent(hold)  # noqa: SLF001


async def answer_read() -> None:
    """The engine has read an answer: the slot goes to the next bullet, whose request is sent
    before this answer is parsed."""
    hold = _current.get()
    if hold is None or not hold.held:
        return
    hold.held = False
    hold.owner._release()  # noqa: SLF001
    await hold.owner._let_senders_go()  # noqa: SLF001

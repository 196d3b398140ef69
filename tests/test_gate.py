"""bulletsmith.gate: at most N requests in flight, a slot handed on as soon as an answer is read,
and the next request sent before that answer is parsed."""

from __future__ import annotations

import asyncio

import pytest

from bulletsmith.gate import CallGate, answer_read, request_sent


class Wire:
    """A scripted endpoint on the event loop: each request answers after `delay`; counts what
    is in flight, and writes down what happened in order."""

    def __init__(self, delay: float = 0.01) -> None:
        self.delay = delay
        self.in_flight = 0
        self.most = 0
        self.events: list[str] = []

    async def call(self, name: str, requests: int = 1) -> None:
        """One model call as the engine makes it: per request, sent -> wait -> answer read -> parse."""
        for _ in range(requests):
            await request_sent()
            self.events.append(f"send {name}")
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            await asyncio.sleep(self.delay)
            self.in_flight -= 1
            await answer_read()
            self.events.append(f"parse {name}")


def run(coro):
    return asyncio.run(coro)


def test_never_more_than_n_requests_in_flight_with_reasks():
    wire, slots = Wire(), CallGate(3)

    async def bullet(i: int) -> None:
        async with slots.hold():
            await wire.call(str(i), requests=1 + i % 3)  # re-asks queue for a slot again

    async def main() -> None:
        await asyncio.gather(*(bullet(i) for i in range(12)))

    run(main())
    assert wire.most == 3
    assert sum(e.startswith("send") for e in wire.events) == sum(1 + i % 3 for i in range(12))
    assert slots.in_use == 0 and slots.starting == 0


def test_the_next_request_goes_out_before_the_answer_is_parsed():
    wire, slots = Wire(delay=0.02), CallGate(2)

    async def bullet(i: int) -> None:
        async with slots.hold():
            await wire.call(str(i))

    async def main() -> None:
        await asyncio.gather(*(bullet(i) for i in range(4)))

    run(main())
    # 0 and 1 answer together; 2 and 3 are sent before either answer is parsed.
    assert wire.events.index("send 2") < wire.events.index("parse 0")
    assert wire.events.index("send 3") < wire.events.index("parse 0")
    assert wire.most == 2


def test_a_bullet_that_sends_nothing_does_not_hold_up_the_others():
    wire, slots = Wire(), CallGate(1)

    async def cached() -> None:
        async with slots.hold():
            pass  # a cache hit: no request

    async def bullet(i: int) -> None:
        async with slots.hold():
            await wire.call(str(i))

    async def main() -> None:
        await asyncio.wait_for(asyncio.gather(bullet(0), cached(), bullet(1), cached(), bullet(2)), 5)

    run(main())
    assert [e for e in wire.events if e.startswith("parse")] == ["parse 0", "parse 1", "parse 2"]
    assert slots.in_use == 0 and slots.starting == 0


def test_a_failing_or_cancelled_bullet_gives_its_slot_back():
    wire, slots = Wire(), CallGate(1)

    async def failing() -> None:
        async with slots.hold():
            await request_sent()
            raise RuntimeError("endpoint down")

    async def bullet(i: int) -> None:
        async with slots.hold():
            await wire.call(str(i))

    async def main() -> None:
        waiting = asyncio.ensure_future(bullet(9))
        results = await asyncio.gather(failing(), bullet(0), return_exceptions=True)
        assert isinstance(results[0], RuntimeError)
        await waiting
        blocker = asyncio.ensure_future(bullet(1))
        queued = asyncio.ensure_future(bullet(2))
        await asyncio.sleep(0)
        queued.cancel()
        await blocker
        with pytest.raises(asyncio.CancelledError):
            await queued
        await asyncio.wait_for(bullet(3), 5)

    run(main())
    assert slots.in_use == 0 and slots.starting == 0


def test_outside_a_slot_the_hooks_do_nothing():
    """Code outside `hold()` neither waits for a slot nor gives one away, even when every slot is taken."""
    gate = CallGate(1)

    async def main() -> None:
        taken, done = asyncio.Event(), asyncio.Event()

        async def outside() -> None:  # started before the hold below: no slot in its context
            await taken.wait()
            for _ in range(3):
                await request_sent()
                await answer_read()
            done.set()

        task = asyncio.ensure_future(outside())
        async with gate.hold():
            await request_sent()  # the holder's request: the one slot is in use
            before = (gate.in_use, gate.starting)
            assert before == (1, 0)
            taken.set()
            # Had the hooks queued for the slot, this would time out.
            await asyncio.wait_for(done.wait(), 1)
            assert (gate.in_use, gate.starting) == before  # nothing released, nothing taken
        await task
        assert gate.in_use == 0

    run(main())
    # And with no gate at all, in a fresh loop: nothing to wait for.
    run(asyncio.wait_for(request_sent(), 1))
    run(asyncio.wait_for(answer_read(), 1))

"""Bounded, adaptive concurrency: on HTTP 429 the openai engine halves the requests it has in
flight (never below 1) and adds one back after a run of successes; the batch finishes."""

from __future__ import annotations

import asyncio
import json

import httpx2
from support.fault_server import analyze_args, make_bullet

from bulletsmith import Assistant
from bulletsmith.engines.openai.limiter import AdaptiveLimiter


def test_limiter_halves_once_per_round_and_grows_back():
    async def go():
        lim = AdaptiveLimiter(increase_after=2)
        tickets = [await lim.acquire() for _ in range(8)]
        assert lim.limit is None and lim.in_flight == 8
        lim.release(tickets[0], throttled=True)  # 8 in flight -> bound 4
        assert lim.limit == 4
        lim.release(tickets[1], throttled=True)  # sent before the cut: same round, no second cut
        assert lim.limit == 4 and lim.throttled == 2
        for t in tickets[2:]:
            lim.release(t)
        assert lim.limit == 7  # +1 after every 2 successes (6 successes)
        t = await lim.acquire()
        lim.release(t, throttled=True)  # a new round: 1 in flight -> never below 1
        assert lim.limit == 1

    asyncio.run(go())


def test_limiter_bounds_requests_in_flight():
    async def go():
        lim = AdaptiveLimiter()
        lim.limit = 2
        peak = 0

        async def one():
            nonlocal peak
            t = await lim.acquire()
            peak = max(peak, lim.in_flight)
            await asyncio.sleep(0.01)
            lim.release(t)

        await asyncio.gather(*(one() for _ in range(10)))
        return peak

    assert asyncio.run(go()) == 2


class _Capacity(httpx2.AsyncBaseTransport):
    """A provider that serves `capacity` requests at once and answers 429 (Retry-After 0) beyond."""

    def __init__(self, capacity: int) -> None:
        self.capacity, self.in_flight, self.rejected, self.served = capacity, 0, 0, 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self.in_flight >= self.capacity:
            self.rejected += 1
            return httpx2.Response(429, headers={"retry-after": "0"}, json={"error": {"message": "slow down"}})
        self.in_flight += 1
        try:
            await asyncio.sleep(0.01)
            body = json.loads(request.content)
            user = body["messages"][-1]["content"]
            bullet = user.split("Bullet: ", 1)[1].splitlines()[0].strip()
            call = {
                "id": "c1",
                "type": "function",
                "function": {"name": "AnalyzeCall", "arguments": json.dumps(analyze_args(bullet))},
            }
            self.served += 1
            return httpx2.Response(
                200,
                json={
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "m",
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "tool_calls",
                            "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                },
            )
        finally:
            self.in_flight -= 1


def test_rate_limited_batch_backs_off_and_finishes(tmp_path):
    provider = _Capacity(capacity=3)
    a = Assistant(
        engine="openai", base_url="http://127.0.0.1:9/v1", model="m", cache=False, http_client=provider, concurrency=16
    )
    bullets = [make_bullet(i) for i in range(30)]
    analyses = a.analyze_many(bullets)
    assert [an.bullet for an in analyses] == bullets
    assert all(not an.findings and not an.missing for an in analyses)
    assert provider.served == 30 and provider.rejected > 0
    limiter = a._engine.limiter
    assert limiter is not None and 1 <= limiter.limit < 16

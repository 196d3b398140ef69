"""A provider's rate limit slows a run down, never fails it (unless the person set a deadline).

The openai engine reads OpenAI's ``x-ratelimit-*`` headers on every answer, paces its requests
to the limit, and waits out a 429 as long as the server says, without spending the network
fault budget. The servers here are loopback ones with OpenAI's kind of limit in front
(`support.rate_limit.ProviderLimit`); only the network is replaced.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx2
import pytest
from support.fault_server import FaultPlan, FaultServer, analyze_args, make_bullet
from support.rate_limit import ProviderLimit, duration

from bulletsmith import Assistant
from bulletsmith.batch import Status, run_batch
from bulletsmith.documents import load_document
from bulletsmith.engines.openai.ratelimit import RatePacer, asked_wait, estimate_tokens, parse_duration
from bulletsmith.errors import EndpointError

KEY = "sk-test-RATELIMIT-0123456789"
BULLET = make_bullet(1)


# --------------------------------------------------------------------------- what the server says


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("120ms", 0.12),
        ("1h2m3.5s", 3723.5),
        ("17.25s", 17.25),
        ("7", 7.0),
        ("", None),
        ("soon", None),
        ("5 parsecs", None),
    ],
)
def test_openai_reset_durations_are_read_as_seconds(text, seconds):
    assert parse_duration(text) == seconds


def test_the_emulated_server_writes_durations_the_client_reads_back():
    for seconds in (0.004, 0.5, 1.0, 17.5, 61.25, 360.0):
        assert parse_duration(duration(seconds)) == pytest.approx(seconds, abs=0.001)


@pytest.mark.parametrize(
    ("headers", "message", "seconds"),
    [
        ({"retry-after-ms": "250", "retry-after": "9"}, "", 0.25),
        ({"retry-after": "9"}, "Please try again in 1.2s.", 9.0),
        (
            {},
            "Rate limit reached for gpt-4.1-mini on tokens per min (TPM): Limit 60000. Please try again in 1.2s. Visit",
            1.2,
        ),
        ({}, "Please try again in 20ms.", 0.02),
        ({}, "Please try again in 6m0s.", 360.0),
        ({}, "Try again in 2 seconds.", 2.0),
        ({"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "3s"}, "slow down", 3.0),
        ({"x-ratelimit-remaining-tokens": "10", "x-ratelimit-reset-tokens": "3s"}, "slow down", None),
    ],
)
def test_a_429_says_how_long_to_wait_in_one_of_four_ways(headers, message, seconds):
    assert asked_wait(headers, message) == seconds


def test_a_request_is_estimated_as_its_characters_over_4_plus_its_completion_tokens():
    request = {"messages": [{"role": "user", "content": "x" * 400}], "max_tokens": 450}
    base = estimate_tokens({"messages": request["messages"]})
    assert 100 <= base <= 120
    assert estimate_tokens(request) == base + 450


# --------------------------------------------------------------------------- the pacer


def _headers(limit: int, remaining: int, reset: str) -> dict[str, str]:
    return {
        "x-ratelimit-limit-tokens": str(limit),
        "x-ratelimit-remaining-tokens": str(remaining),
        "x-ratelimit-reset-tokens": reset,
    }


def test_nothing_waits_until_a_server_states_a_limit():
    pacer = RatePacer()
    first, delay = pacer.reserve(10_000)
    assert first is not None and delay == 0
    pacer.answered()
    pacer.observe({}, first)  # a local server: no headers
    assert not pacer.known
    assert all(pacer.reserve(10_000)[1] == 0 for _ in range(20))


def test_the_other_requests_wait_for_the_first_answer_to_learn_the_limit():
    pacer = RatePacer()
    first, _ = pacer.reserve(100)
    held, poll = pacer.reserve(100)
    assert first is not None and held is None and poll > 0
    pacer.answered()
    assert pacer.reserve(100)[0] is not None


def test_an_exhausted_limit_makes_the_next_request_wait_for_the_refill():
    pacer = RatePacer()
    probe, _ = pacer.reserve(600)
    pacer.sending(probe)
    pacer.answered()
    pacer.observe(_headers(6000, 5400, "6s"), probe)  # counted as estimated
    assert pacer.scale == 1.0
    r, delay = pacer.reserve(5400)
    assert delay == 0
    pacer.sending(r)
    # 6,000 tokens a minute (100 a second), all used: full again in a minute.
    pacer.observe(_headers(6000, 0, "1m0s"), r)
    _, delay = pacer.reserve(300)
    assert delay == pytest.approx(3.0, abs=0.1)
    _, delay = pacer.reserve(300)  # queued behind the first: its turn comes 3 s later
    assert delay == pytest.approx(6.0, abs=0.1)


def test_the_first_answer_says_how_the_server_counts_and_later_estimates_follow():
    pacer = RatePacer()
    probe, _ = pacer.reserve(1000)
    pacer.sending(probe)
    pacer.answered()
    pacer.observe(_headers(60_000, 58_800, "1.2s"), probe)  # the server counted 1,200
    assert pacer.scale == pytest.approx(1.2)
    r, _ = pacer.reserve(1000)
    assert r is not None and r.tokens == 1200


def test_the_window_is_read_from_the_reset_time_not_assumed():
    pacer = RatePacer()
    r, _ = pacer.reserve(1000)
    pacer.sending(r)
    pacer.answered()
    # 10,000 per 10 s: 4,000 used, full again in 4 s, i.e. 1,000 a second.
    pacer.observe(_headers(10_000, 6_000, "4s"), r)
    assert pacer.tokens.window == pytest.approx(10.0, rel=0.01)
    assert pacer.tokens.rate == pytest.approx(1000, rel=0.01)


def test_an_answer_that_says_less_is_left_than_counted_delays_the_queued_requests():
    pacer = RatePacer()
    probe, _ = pacer.reserve(100)
    pacer.sending(probe)
    pacer.answered()
    pacer.observe(_headers(6000, 5900, "1s"), probe)
    queued, _ = pacer.reserve(5000)
    assert pacer.recheck(queued) == 0
    sent, _ = pacer.reserve(100)
    pacer.sending(sent)
    # The server counted 800 more than estimated (it says 0 left where 800 were counted left):
    # the queued request's turn is 8 s later, at 100 tokens a second.
    pacer.observe(_headers(6000, 0, "1m0s"), sent)
    assert pacer.recheck(queued) == pytest.approx(8.0, abs=0.1)
    assert pacer.recheck(queued) == 0  # counted once


def test_a_429_holds_every_request_back_not_only_its_own():
    pacer = RatePacer()
    r, _ = pacer.reserve(100)
    pacer.answered()
    pacer.rejected(r, 2.0)
    _, delay = pacer.reserve(100)
    assert delay == pytest.approx(2.0, abs=0.05)


def test_the_wait_is_announced_with_its_end_and_then_its_end():
    told: list[float | None] = []
    pacer = RatePacer(told.append)
    ticket = pacer.begin_wait(30)
    pacer.end_wait(ticket)
    assert len(told) == 2 and told[1] is None
    assert told[0] == pytest.approx(time.time() + 30, abs=1)


# --------------------------------------------------------------------------- the engine


def _completion(bullet: str) -> dict:
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "AnalyzeCall", "arguments": json.dumps(analyze_args(bullet))},
    }
    return {
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
    }


def _scripted(*statuses: int, message: str = "Please try again in 1.5s."):
    sent: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(1)
        if len(sent) <= len(statuses):
            return httpx2.Response(
                statuses[len(sent) - 1],
                json={
                    "error": {
                        "message": f"Rate limit reached for m on tokens per min (TPM): Limit 100. {message}",
                        "code": "rate_limit_exceeded",
                    }
                },
            )
        return httpx2.Response(200, json=_completion(BULLET))

    return httpx2.MockTransport(handler), sent


def _engine(transport, **kw):
    from bulletsmith.engines.openai.engine import OpenAIEngine

    return OpenAIEngine(base_url="http://llm.test/v1", api_key=KEY, model="m", cache=False, http_client=transport, **kw)


def test_429s_are_waited_out_as_often_as_they_come_without_spending_the_network_budget():
    transport, sent = _scripted(429, 429, 429, 429, 429, 429)
    slept: list[float] = []
    an = _engine(transport, network_retries=0, sleep=slept.append).analyze(BULLET)
    assert an.ok and len(sent) == 7
    assert slept == [1.5] * 6  # as the message said, each time
    assert an.usage.requests == 7


def test_429s_are_waited_out_in_async_calls_too():
    import asyncio

    transport, sent = _scripted(429, 429, 429)
    slept: list[float] = []
    eng = _engine(transport, network_retries=0, sleep=slept.append)
    an = asyncio.run(eng.aanalyze(BULLET))
    assert an.slots and len(sent) == 4 and slept == [1.5] * 3


def test_a_429_that_says_nothing_backs_off_and_tries_again():
    transport, sent = _scripted(429, 429, message="slow down")
    slept: list[float] = []
    an = _engine(transport, network_retries=0, sleep=slept.append).analyze(BULLET)
    assert an.ok and len(sent) == 3
    # A backoff before each retry; the fake sleep moves no clock, so the pacer may add a short
    # wait of its own for the time the 429 asked to hold off (how long depends on the machine's load).
    assert 2 <= len(slept) <= 4 and all(0 <= s <= 10 for s in slept)
    assert sum(s > 0 for s in slept) >= 2


def test_a_deadline_that_a_429_would_pass_fails_the_call_at_once_and_names_the_wait():
    transport, sent = _scripted(429, message="Please try again in 6m0s.")
    with pytest.raises(EndpointError) as info:
        _engine(transport, deadline=60).analyze(BULLET)
    assert len(sent) == 1 and info.value.status == 429
    assert "asked to wait 360 s, beyond the deadline" in str(info.value) and KEY not in str(info.value)


def test_quota_exhaustion_is_not_a_rate_limit_and_is_not_waited_out():
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            429,
            json={
                "error": {
                    "message": "You exceeded your current quota. Please try again in 1s",
                    "code": "insufficient_quota",
                }
            },
        )

    with pytest.raises(EndpointError, match="HTTP 429"):
        _engine(httpx2.MockTransport(handler), sleep=lambda s: None).analyze(BULLET)


# --------------------------------------------------------------------------- a batch behind a limit


def _resume(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "resume.md"
    path.write_text("# Experience\n\n" + "".join(f"- {make_bullet(i)}\n" for i in range(n)), encoding="utf-8")
    return path


def test_a_batch_behind_a_tight_limit_finishes_paced_with_few_429s(tmp_path):
    # 24,000 tokens per 2 s: a request is ~1,300-1,700 tokens as the server counts them, so
    # 20 bullets (40 requests, ~60,000 tokens) need ~3 s beyond the first window's allowance.
    limit = ProviderLimit(24_000, window=2.0)
    told: list[float | None] = []
    with FaultServer(FaultPlan(delay=0.05), limit=limit) as server:
        a = Assistant(engine="openai", base_url=server.base_url, api_key=KEY, model="m", cache=False, concurrency=16)
        a.on_rate_limit = told.append
        start = time.monotonic()
        result = run_batch(load_document(_resume(tmp_path, 20)), a)
        wall = time.monotonic() - start
    floor = (limit.tokens_admitted - 24_000) / 12_000
    assert result.count(Status.FAILED) == 0, [o.error for o in result.outcomes]
    assert limit.admitted == 40
    # Paced, not hammering: without pacing a batch of 16 at a time meets a 429 on most requests.
    assert limit.rejected <= 6, limit.rejected
    assert wall >= 0.8 * floor  # the limit was real, and it was waited out
    assert any(t is not None for t in told) and told[-1] is None  # "waiting until …", then done


def test_a_deadline_fails_only_the_bullets_the_limit_would_hold_past_it(tmp_path):
    limit = ProviderLimit(16_000, window=60.0)  # ~10 requests a minute
    with FaultServer(FaultPlan(), limit=limit) as server:
        a = Assistant(
            engine="openai", base_url=server.base_url, api_key=KEY, model="m", cache=False, concurrency=2, deadline=2
        )
        start = time.monotonic()
        result = run_batch(load_document(_resume(tmp_path, 8)), a)
        wall = time.monotonic() - start
    failed = [o for o in result.outcomes if o.status is Status.FAILED]
    assert 0 < len(failed) < 8 and wall < 10  # failed at once, not after the limit's 60 s
    assert all("deadline" in (o.error or "") for o in failed), [o.error for o in failed]


def test_the_progress_bar_says_it_waits_for_the_limit_and_until_when():
    from bulletsmith.cli.rewrite import waiting_label

    until = time.time() + 90
    label = waiting_label(until)
    assert label == f"waiting for the rate limit until {time.strftime('%H:%M:%S', time.localtime(until))}"
    assert waiting_label(None) == "analyzing"


def test_rewrite_takes_a_deadline(tmp_path):
    from typer.testing import CliRunner

    from bulletsmith.cli import app

    limit = ProviderLimit(3_000, window=60.0)  # one request, then nothing for a minute
    path = _resume(tmp_path, 3)
    with FaultServer(FaultPlan(), limit=limit) as server:
        result = CliRunner().invoke(
            app,
            ["rewrite", str(path), "--json", "--deadline", "1"],
            env={"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": KEY},
        )
    assert result.exit_code == 1, result.output
    errors = [b["error"] for b in json.loads(result.stdout)["bullets"] if b["error"]]
    assert errors and all("deadline" in e for e in errors)

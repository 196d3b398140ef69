"""The engine sends chat requests through the openai client's `post`, not `chat.completions.create`
(which walks its TypedDicts to build the body: the largest per-request cost in the client). The
bytes on the wire must be the ones `create` would send: the eval recordings and the response cache
are keyed on the request, and a provider sees nothing different.

Each test runs the engine over a real ``httpx2.MockTransport``, then sends every body it captured
through the real `create` of a real openai client, and compares the two requests byte for byte.
Nothing is patched.
"""

from __future__ import annotations

import asyncio
import json

import httpx2
import openai
import pytest

from bulletsmith import Answer, Slot
from bulletsmith.engines.openai.engine import OpenAIEngine, _chat_body

from test_openai_engine import BASE, GOOD_WEAK, KEY, WEAK, Endpoint, completion

VOLATILE = {"x-stainless-retry-count", "x-stainless-read-timeout"}


def _through_create(sent: httpx2.Request, *, asynchronous: bool) -> httpx2.Request:
    """The request `create` makes from the body that was sent."""
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return completion(json.loads(request.content), content="ok")

    kwargs = json.loads(sent.content)
    options = {"api_key": KEY, "base_url": BASE, "max_retries": 0, "timeout": 60.0}
    if asynchronous:
        async def go() -> None:
            client = openai.AsyncOpenAI(**options, http_client=openai.DefaultAsyncHttpxClient(
                transport=httpx2.MockTransport(handler)))
            await client.chat.completions.create(**kwargs)

        asyncio.run(go())
    else:
        client = openai.OpenAI(**options, http_client=openai.DefaultHttpxClient(transport=httpx2.MockTransport(handler)))
        client.chat.completions.create(**kwargs)
    return seen[0]


def _same_as_create(endpoint: Endpoint, *, asynchronous: bool = False) -> None:
    assert endpoint.requests
    for sent in endpoint.requests:
        expected = _through_create(sent, asynchronous=asynchronous)
        assert sent.content == expected.content
        assert (sent.method, str(sent.url)) == (expected.method, str(expected.url))
        headers = {k: v for k, v in sent.headers.items() if k not in VOLATILE}
        assert headers == {k: v for k, v in expected.headers.items() if k not in VOLATILE}


def _engine(endpoint: Endpoint, **kw) -> OpenAIEngine:
    return OpenAIEngine(base_url=BASE, api_key=KEY, model="test-model", http_client=endpoint.transport(),
                        cache=False, sleep=lambda s: None, **kw)


UNGROUNDED = {**GOOD_WEAK, "action": {"present": True, "evidence": "Trained a deep network", "question": None}}
ANSWERS = {Slot.DATA_OUTCOME: Answer.parse(Slot.DATA_OUTCOME, "label error rate 9% -> 3%"),
           Slot.MODEL_IMPACT: Answer.parse(Slot.MODEL_IMPACT, "unknown")}


def test_analyze_with_a_reask_and_a_rewrite_send_what_create_sends():
    ep = Endpoint(UNGROUNDED, GOOD_WEAK, {"text": "Built a classification model for image labeling, cutting the "
                                                  "label error rate from 9% to 3%"})
    e = _engine(ep)
    analysis = e.analyze(WEAK)
    e.rewrite(analysis, ANSWERS)
    assert len(ep.requests) == 3  # the re-ask carries the assistant's tool call and the tool's error
    _same_as_create(ep)


def test_the_async_path_sends_what_create_sends():
    ep = Endpoint(UNGROUNDED, GOOD_WEAK)

    async def go() -> None:
        await _engine(ep).aanalyze(WEAK)

    asyncio.run(go())
    assert len(ep.requests) == 2
    _same_as_create(ep, asynchronous=True)


@pytest.mark.parametrize("mode", ["json_schema", "md_json"])
def test_the_other_modes_send_what_create_sends(mode):
    text = json.dumps(GOOD_WEAK)
    ep = Endpoint(lambda body: completion(body, content=text if mode == "json_schema" else f"```json\n{text}\n```"))
    assert _engine(ep, mode=mode).analyze(WEAK).ok
    _same_as_create(ep)


def test_a_request_only_create_can_send_is_left_to_create():
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    full = {"tools": [{"type": "function"}], "tool_choice": "auto", **request, "max_tokens": 9, "temperature": 0}
    assert _chat_body(full) == full  # every key and value, nothing added or dropped
    assert list(_chat_body(full)) == ["messages", "model", "max_tokens", "temperature", "tool_choice", "tools"]
    assert _chat_body({**request, "stream": True}) is None  # a stream
    assert _chat_body({**request, "not_a_create_argument": 1}) is None  # create would refuse it
    assert _chat_body({**request, "messages": ({"role": "user", "content": "hi"},)}) is None  # not plain JSON
    assert _chat_body({**request, "extra_headers": {"x": "y"}}) is None  # an option, not a body key


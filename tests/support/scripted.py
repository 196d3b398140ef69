"""A scripted OpenAI-compatible endpoint for the openai engine's tests.

`Endpoint` is handed to the real openai client as a real ``httpx2.MockTransport`` (through
``http_client``): the client, instructor's parsing and re-asks, our validators, the retry layers
and the cache all run for real; only the server's replies are scripted.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx2

from bulletsmith import Assistant
from bulletsmith.models import Analysis
from support.paths import WEAK

KEY = "sk-test-SECRET123"
BASE = "http://llm.test/v1"


# --------------------------------------------------------------------------- a scripted endpoint


def completion(
    body: dict,
    args: dict | None = None,
    *,
    content: str | None = None,
    finish: str | None = None,
    prompt_tokens: int = 100,
    completion_tokens: int = 20,
) -> httpx2.Response:
    """A chat completion in the wire format: a tool call with `args`, or a plain `content` message."""
    message: dict = {"role": "assistant", "content": content}
    if args is not None:
        name = body["tools"][0]["function"]["name"]
        message["tool_calls"] = [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
        ]
    return httpx2.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "served-model",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": finish or ("tool_calls" if args is not None else "stop"),
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        },
    )


class Endpoint:
    """Replies in order; each reply is a dict (tool-call arguments), a Response, an exception,
    or a callable taking the request body. Keeps every request it got."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.requests: list[httpx2.Request] = []

    @property
    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests]

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        body = json.loads(request.content)
        if not self.replies:  # a 400 is never retried, so the test fails at once, loudly
            return httpx2.Response(400, json={"error": {"message": "UNSCRIPTED: more requests than the test scripted"}})
        reply = self.replies.pop(0)
        if callable(reply) and not isinstance(reply, type):
            reply = reply(body)
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, httpx2.Response):
            return reply
        return completion(body, reply)

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self)


def slots(evidence: dict[str, str], **questions: str) -> dict:
    """Tool-call arguments for an analysis: slots in `evidence` are present with those words;
    the others are absent, with the question given for them by keyword."""
    out = {}
    for name in ("problem", "action", "data_outcome", "model_impact"):
        if name in evidence:
            out[name] = {"present": True, "evidence": evidence[name], "question": None}
        else:
            out[name] = {"present": False, "evidence": None, "question": questions.get(name)}
    return out


GOOD_WEAK = slots(
    {"action": "Built a classification model"},
    problem="What was going wrong with image labeling before you built the classification model?",
    data_outcome="How many images did the labels cover, and how did label quality change?",
    model_impact="What did the classification model change downstream, and by how much?",
)


def assistant(endpoint: Endpoint, tmp_path: Path | None = None, **kw) -> Assistant:
    kw.setdefault("cache", False)
    return Assistant(
        engine="openai", base_url=BASE, api_key=KEY, model="test-model", http_client=endpoint.transport(), **kw
    )


def engine(endpoint: Endpoint, **kw):
    from bulletsmith.engines.openai.engine import OpenAIEngine

    kw.setdefault("cache", False)
    kw.setdefault("sleep", lambda s: None)
    return OpenAIEngine(base_url=BASE, api_key=KEY, model="test-model", http_client=endpoint.transport(), **kw)


def weak_analysis() -> Analysis:
    return Assistant(engine="rules").analyze(WEAK)


COMPLETE = (
    "Vendor boxes were mis-sized, so I rebuilt the QA sampler, cutting box errors 9% to 3% "
    "and lifting detector recall 4 points"
)
COMPLETE_SLOTS = slots(
    {
        "problem": "Vendor boxes were mis-sized",
        "action": "rebuilt the QA sampler",
        "data_outcome": "cutting box errors 9% to 3%",
        "model_impact": "lifting detector recall 4 points",
    }
)

"""Sending a chat request through the openai client, and reading what came back.

The clients: made with the openai client's retries off (ours are in `retries`), over the
``httpx2`` transport or client a caller gave (tests, proxies, recordings) or the client's
default one. Requests go through the public ``client.chat.completions.with_raw_response.create``
(create's own path, with the answer's headers). `CallLog` keeps
what one logical call sent and got back; `lenient_parse` reads a failed attempt for structure
only, so a failure can still show what the model said.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

import instructor
import openai
from pydantic import BaseModel, ValidationError

from bulletsmith.engines.openai.schemas import guard_context
from bulletsmith.engines.openai.settings import Settings
from bulletsmith.models import Usage

__all__ = [
    "CallLog",
    "async_client",
    "asend_chat",
    "is_async_client",
    "lenient_parse",
    "send_chat",
    "sync_client",
    "tls_context",
]


@functools.cache
def tls_context() -> Any:
    """The TLS settings of every HTTP client this process makes, built once.

    Building them loads the CA bundle: ~50 ms of CPU here, as much as a dozen requests, and a
    client is made per event loop (every `analyze_many` call, every batch). They are what the
    openai client builds by default (httpx2's defaults: certifi's CAs, or SSL_CERT_FILE /
    SSL_CERT_DIR as set when the first client is made), handed to `DefaultHttpxClient` the
    documented way (`verify=`)."""
    import httpx2

    return httpx2.create_ssl_context()


def _options(settings: Settings, timeout: float) -> dict[str, Any]:
    return {
        "api_key": settings.api_key,
        "base_url": settings.base_url,
        "timeout": timeout,
        "max_retries": 0,  # network retries are ours (one layer, one budget)
    }


def sync_client(settings: Settings, timeout: float, given: Any = None) -> openai.OpenAI:
    """given: an ``httpx2.Client`` (used as is), an ``httpx2.BaseTransport``, or None."""
    import httpx2

    if isinstance(given, httpx2.Client):
        http = given
    elif isinstance(given, httpx2.BaseTransport):
        http = openai.DefaultHttpxClient(transport=given)
    else:
        http = openai.DefaultHttpxClient(verify=tls_context())
    return openai.OpenAI(**_options(settings, timeout), http_client=http)


def async_client(settings: Settings, timeout: float, given: Any = None) -> openai.AsyncOpenAI:
    """given: an ``httpx2.AsyncClient`` (used as is), an ``httpx2.AsyncBaseTransport``, or None.
    Any other client belongs to the event loop it is first used on."""
    import httpx2

    if isinstance(given, httpx2.AsyncClient):
        http = given
    elif isinstance(given, httpx2.AsyncBaseTransport):
        http = openai.DefaultAsyncHttpxClient(transport=given)
    else:
        http = openai.DefaultAsyncHttpxClient(verify=tls_context())
    return openai.AsyncOpenAI(**_options(settings, timeout), http_client=http)


def is_async_client(given: Any) -> bool:
    """True when the caller gave its own ``httpx2.AsyncClient``: one client for every loop."""
    import httpx2

    return isinstance(given, httpx2.AsyncClient)


# Through `with_raw_response`, the client's public way to the answer's headers: the rate limit's
# `x-ratelimit-*` come with every answer (`ratelimit.RatePacer.observe`). `.parse()` is the
# ChatCompletion that `create` itself would have returned.


def send_chat(client: openai.OpenAI, request: dict[str, Any]) -> Any:
    """The raw answer: ``.headers``, and ``.parse()`` for the ChatCompletion."""
    return client.chat.completions.with_raw_response.create(**request)


async def asend_chat(client: openai.AsyncOpenAI, request: dict[str, Any]) -> Any:
    return await client.chat.completions.with_raw_response.create(**request)


@dataclass
class CallLog:
    """Everything one logical call (with its re-asks and network retries) sent and got back."""

    requests: int = 0
    responses: list[Any] = field(default_factory=list)
    tokens: list[tuple[int, int]] = field(default_factory=list)

    def received(self, response: Any) -> None:
        # Read the counts now: instructor later overwrites each response's usage with its running total.
        u = getattr(response, "usage", None)
        self.tokens.append((int(getattr(u, "prompt_tokens", 0) or 0), int(getattr(u, "completion_tokens", 0) or 0)))
        self.responses.append(response)

    def usage(self, *, cached: bool = False) -> Usage:
        return Usage(
            requests=self.requests,
            reasks=max(0, len(self.responses) - 1),
            prompt_tokens=sum(p for p, _ in self.tokens),
            completion_tokens=sum(c for _, c in self.tokens),
            cached=cached,
        )

    @property
    def reported_model(self) -> str | None:
        return getattr(self.responses[-1], "model", None) if self.responses else None


_CODEBLOCK_RE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def lenient_parse(completion: Any, response_model: type[BaseModel], mode: Any) -> BaseModel | None:
    """What the last attempt said, checked for structure only (no guards), or None."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    calls = getattr(message, "tool_calls", None) or []
    raw = calls[0].function.arguments if calls else (message.content or "")
    if not calls and mode == instructor.Mode.MD_JSON and (m := _CODEBLOCK_RE.search(raw)):
        raw = m.group(1)
    try:
        # pydantic's strict JSON here, not `parsing.model_validate_json`: a failed answer with raw
        # control characters stays unread, as the eval's committed figures count it (reading it moves them).
        with guard_context(None):
            return response_model.model_validate_json(raw or "", strict=False)
    except (ValidationError, ValueError):
        return None

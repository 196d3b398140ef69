"""The openai engine: any OpenAI-compatible endpoint, through the openai client and instructor.

This is the only module that imports openai and instructor; the Assistant imports it
only when this engine is chosen, so ``import bulletsmith`` and ``bulletsmith --help`` stay
light.

Configuration, first found wins: the Assistant's arguments, then the environment
(``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``BULLETSMITH_MODEL``, ``BULLETSMITH_MODE``,
``BULLETSMITH_MAX_REASKS``, ``BULLETSMITH_TIMEOUT``).
A base URL without a key is a local server (llama.cpp, Ollama, vLLM, LM Studio): a
placeholder key is sent, which those servers ignore.

Two retry layers, each for one kind of failure, so they never multiply:

* **Network faults** (connection errors, timeouts, HTTP 408/409/429/5xx) are retried by
  tenacity around each HTTP request, below instructor, with jittered exponential backoff
  or the server's ``Retry-After``. One budget per call (``network_retries`` tries and
  ``network_deadline`` seconds) is shared by all of that call's requests, re-asks
  included. The openai client's own retries are off (``max_retries=0``).
* **Guard violations** (a validator in ``bulletsmith.engines.openai.schemas`` raised) are re-asked
  by instructor, at most ``max_reasks`` times. Its tenacity policy retries validation
  errors only, so a network error that survived the first layer ends the call at once.

A call therefore sends at most ``1 + max_reasks + network_retries`` requests, never their
product. Whatever still fails becomes an ``EndpointError`` with a one-line message naming
the host and the status, never the key or a header.

Concurrency is bounded and adaptive: async requests pass an `AdaptiveLimiter` shared by
every call on the event loop (a whole batch); on HTTP 429 it halves the requests in flight
(never below 1) and adds one back after a run of successes, while the request itself waits
(``Retry-After``) and is retried, so a rate-limited batch slows down instead of failing.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import inspect
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException, ResponseParsingError
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    Retrying,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from bulletsmith import guards
from bulletsmith.engines.openai.cache import ResponseCache
from bulletsmith.engines.base import Engine
from bulletsmith.errors import EndpointError, EngineError
from bulletsmith.engines.openai.schemas import AnalyzeCall, RewriteCall, RewriteDraft, format_answers, guard_context
from bulletsmith.models import Analysis, Answer, Finding, Slot, Usage
from bulletsmith.engines.openai.prompts import Prompt, load_prompt
from bulletsmith.engines.openai.request_key import request_key
from bulletsmith.gate import answer_read, request_sent

__all__ = ["DEFAULT_MODEL", "MODES", "AdaptiveLimiter", "OpenAIEngine", "resolve_settings"]

# A current small OpenAI chat model: cheap, fast, good at tool calls, and it accepts
# temperature 0 (reasoning models such as gpt-5-mini or o4-mini do not).
DEFAULT_MODEL = "gpt-4.1-mini"
DEFAULT_MAX_REASKS = 2
DEFAULT_TIMEOUT = 60.0  # seconds for one HTTP request
# A model on the same machine (llama.cpp, Ollama on a laptop CPU) can take minutes for one
# answer, and retrying after a timeout only queues a second request behind the first.
DEFAULT_LOCAL_TIMEOUT = 300.0
DEFAULT_NETWORK_RETRIES = 4  # extra tries per call for network faults, shared by its re-asks
DEFAULT_NETWORK_DEADLINE = 120.0  # seconds a call may spend retrying network faults
# A fresh rewrite (the coach's "regenerate") is sent at this temperature, or the prompt's own if
# higher: at the prompts' temperature 0 the model would give the same wording again.
FRESH_TEMPERATURE = 0.7
_BACKOFF = wait_random_exponential(multiplier=0.5, max=10)  # full jitter: uniform(0, min(10, 0.5 * 2^n))
# Sent to servers that need no key (a local llama.cpp, Ollama, vLLM): the client insists on one.
NO_KEY = "no-key-needed"

# BULLETSMITH_MODE values. tools: function calling, what OpenAI, Azure, vLLM, Ollama and the
# llama.cpp Python server all support. json_schema: response_format with the schema, for
# servers without tool calling. md_json: the schema in the prompt, JSON back in a code block,
# for servers that have neither.
MODES = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "md_json": instructor.Mode.MD_JSON,
}

# instructor's own log lines ("API call failed…") would otherwise reach stderr through
# logging's last-resort handler and mix with the CLI's output.
logging.getLogger("instructor").addHandler(logging.NullHandler())

_PARSE_ERRORS = (ValidationError, json.JSONDecodeError, ResponseParsingError)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    base_url: str | None
    api_key: str = field(repr=False)
    model: str
    mode: str

    @property
    def host(self) -> str:
        """The endpoint as errors name it: host[:port], never a credential."""
        parts = urlsplit(self.base_url or "https://api.openai.com/v1")
        host = parts.hostname or "endpoint"
        return f"{host}:{parts.port}" if parts.port else host

    @property
    def local(self) -> bool:
        host = urlsplit(self.base_url or "https://api.openai.com/v1").hostname or ""
        return host in ("localhost", "::1") or host.startswith("127.")

    @property
    def endpoint(self) -> str:
        """The base URL without credentials or query, for cache and recording keys."""
        parts = urlsplit(self.base_url or "https://api.openai.com/v1")
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def resolve_settings(
    *, base_url: str | None = None, api_key: str | None = None, model: str | None = None, mode: str | None = None
) -> Settings:
    """Arguments first, then OPENAI_BASE_URL, OPENAI_API_KEY, BULLETSMITH_MODEL, BULLETSMITH_MODE."""
    base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    api_key = api_key or os.environ.get("OPENAI_API_KEY") or None
    if not api_key and not base_url:
        raise ValueError(
            "the openai engine needs an endpoint: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL "
            "(any OpenAI-compatible server), or pass api_key= / base_url="
        )
    mode = (mode or os.environ.get("BULLETSMITH_MODE") or "tools").strip().lower()
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (BULLETSMITH_MODE); choose one of: {', '.join(MODES)}")
    model = model or os.environ.get("BULLETSMITH_MODEL") or DEFAULT_MODEL
    return Settings(base_url=base_url, api_key=api_key or NO_KEY, model=model, mode=mode)


def _max_reasks(value: int | None) -> int:
    """The argument, else $BULLETSMITH_MAX_REASKS, else 2."""
    if value is None:
        env = os.environ.get("BULLETSMITH_MAX_REASKS", "").strip()
        try:
            value = int(env) if env else DEFAULT_MAX_REASKS
        except ValueError:
            raise ValueError(f"BULLETSMITH_MAX_REASKS must be a whole number, not {env!r}") from None
    return max(0, int(value))


def _env_timeout() -> float | None:
    """$BULLETSMITH_TIMEOUT: seconds for one HTTP request (the CLI has no flag for it)."""
    env = os.environ.get("BULLETSMITH_TIMEOUT", "").strip()
    if not env:
        return None
    try:
        value = float(env)
    except ValueError:
        raise ValueError(f"BULLETSMITH_TIMEOUT must be a number of seconds, not {env!r}") from None
    if value <= 0:
        raise ValueError(f"BULLETSMITH_TIMEOUT must be a number of seconds above 0, not {env!r}")
    return value


@functools.cache
def _schema(response_model: type[BaseModel]) -> dict[str, Any]:
    """A response model's JSON schema, for request keys: built once, not on every request (~2 ms)."""
    return response_model.model_json_schema()


@functools.cache
def _tls_context() -> Any:
    """The TLS settings of every HTTP client this process makes, built once.

    Building them loads the CA bundle: ~50 ms of CPU here, as much as a dozen requests, and a
    client is made per event loop (every `analyze_many` call, every batch). They are what the
    openai client builds by default (httpx2's defaults: certifi's CAs, or SSL_CERT_FILE /
    SSL_CERT_DIR as set when the first client is made), handed to `DefaultHttpxClient` the
    documented way (`verify=`)."""
    import httpx2

    return httpx2.create_ssl_context()


@functools.cache
def _wrapped(response_model: type[BaseModel]) -> type[BaseModel]:
    """The response model as instructor sends and parses it: its `openai_schema` subclass, made once.

    Given a plain model, instructor wraps it in a new subclass on every request (`openai_schema`,
    a pydantic `create_model`), so its tool-schema cache (keyed on the class) never hits: each
    request built a class and its JSON schema again. Given the wrapped class, it uses it as is.
    The same wrapping, so the same tools in the request body and the same parsed result (an
    instance of a subclass of `response_model`).

    Its `model_validate_json` (what instructor parses every answer with, in each mode this engine
    offers) reads JSON the way `json.loads(strict=False)` does when pydantic's parser refuses a
    raw control character (a literal newline or tab inside a string, as small models write).
    The class is ours (made here, once), so nothing else sees the change."""
    wrapped = instructor.openai_schema(response_model)
    wrapped.model_validate_json = classmethod(_model_validate_json)  # type: ignore[method-assign]
    return wrapped


_PYDANTIC_VALIDATE_JSON = BaseModel.model_validate_json.__func__  # type: ignore[attr-defined]


def _model_validate_json(cls: type[BaseModel], json_data: str | bytes | bytearray, **kwargs: Any) -> BaseModel:
    """pydantic's `model_validate_json`, except that a raw control character inside a JSON string
    is read as `json.loads(..., strict=False)` reads it, not refused: the same object then goes
    through `model_validate` with the same arguments (context, strict), so every validator (the
    guards) runs as it would have. Any other JSON error is pydantic's, unchanged."""
    try:
        return _PYDANTIC_VALIDATE_JSON(cls, json_data, **kwargs)
    except ValidationError as e:
        if not any(err.get("type") == "json_invalid" and "control character" in str(err.get("msg", ""))
                   for err in e.errors()):
            raise
        try:
            obj = json.loads(json_data, strict=False)
        except ValueError:
            raise e from None
    return cls.model_validate(obj, **kwargs)


# --------------------------------------------------------------------------- sending a chat request

def _send_chat(client: openai.OpenAI, request: dict[str, Any]) -> Any:
    return client.chat.completions.create(**request)


async def _asend_chat(client: openai.AsyncOpenAI, request: dict[str, Any]) -> Any:
    return await client.chat.completions.create(**request)


# --------------------------------------------------------------------------- one call's bookkeeping


@dataclass
class _CallLog:
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


class _NetworkBudget:
    """Network retries left for one call, and its deadline. A tenacity `stop` condition."""

    def __init__(self, retries: int, deadline: float) -> None:
        self.retries_left = retries
        self.deadline = time.monotonic() + deadline
        self.gave_up_waiting: float | None = None  # the wait the server asked for, when too long

    def stop(self, retry_state: Any) -> bool:
        if self.retries_left <= 0:
            return True
        if retry_state.upcoming_sleep > self.deadline - time.monotonic():
            self.gave_up_waiting = retry_state.upcoming_sleep
            return True
        self.retries_left -= 1
        return False


@dataclass
class _Outcome:
    parsed: BaseModel | None  # validated: every guard passed
    usage: Usage
    model: str | None
    lenient: BaseModel | None = None  # the last failed attempt, structure-checked only
    failure: str | None = None
    # True when the guards rejected `lenient` (a later run checks it again); False for an answer
    # cut off at max_tokens or a refusal, whose reading may pass the guards and is still no answer.
    guards_failed: bool = False
    # False when the outcome says something about the transport, not the model: a reply whose
    # body never read as a completion (cut in half on the wire). Such a failure is not cached.
    cacheable: bool = True


# --------------------------------------------------------------------------- network faults


def _retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, Retry-After seconds or HTTP date)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        return max(0.0, float(headers.get("retry-after-ms")) / 1000)
    except (TypeError, ValueError):
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        flag = exc.response.headers.get("x-should-retry")
        if flag in ("true", "false"):
            return flag == "true"
        if exc.status_code == 429 and _error_code(exc) == "insufficient_quota":
            return False  # out of credit: waiting won't help
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


def _wait(retry_state: Any) -> float:
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    asked = _retry_after(exc) if exc is not None else None
    return asked if asked is not None else _BACKOFF(retry_state)


def _error_code(exc: Any) -> str | None:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("code"):
            return str(err["code"])
    return None


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            return str(err.get("message") or err.get("detail") or "")
        if isinstance(err, str):
            return err
    if isinstance(body, str):
        return body
    return ""


_SECRET_PATTERNS = [
    re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-*]{6,}"),
    re.compile(r"(?i)\b(bearer|api[-_ ]?key[\"']?\s*[:=])\s*[\"']?[^\s\"',;]+"),
]


def _redact(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4 and secret != NO_KEY:
        text = text.replace(secret, "***")
    text = _SECRET_PATTERNS[0].sub("***", text)
    text = _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)} ***", text)
    return " ".join(text.split())


# --------------------------------------------------------------------------- the engine


class OpenAIEngine(Engine):
    """Analyze and rewrite through an OpenAI-compatible chat endpoint with structured output.

    http_client: an ``httpx2`` transport (used for both the sync and the async client; how
    tests and recordings sit under the real openai client), an ``httpx2.Client``, or an
    ``httpx2.AsyncClient``. cache: True (the user cache directory), False, or a directory.
    sleep: called instead of sleeping between network retries (tests).
    """

    name = "openai"

    def __init__(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        mode: str | None = None,
        cache: bool | str | os.PathLike[str] | ResponseCache = True,
        max_reasks: int | None = None,
        timeout: float | None = None,
        network_retries: int = DEFAULT_NETWORK_RETRIES,
        network_deadline: float = DEFAULT_NETWORK_DEADLINE,
        http_client: Any = None,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        self.settings = resolve_settings(base_url=base_url, api_key=api_key, model=model, mode=mode)
        self.model = self.settings.model
        self.mode = self.settings.mode
        self._mode = MODES[self.mode]
        self.max_reasks = _max_reasks(max_reasks)
        timeout = timeout or _env_timeout()
        self.timeout = float(timeout) if timeout else (
            DEFAULT_LOCAL_TIMEOUT if self.settings.local else DEFAULT_TIMEOUT
        )
        self.network_retries = max(0, int(network_retries))
        self.network_deadline = float(network_deadline)
        self._sleep = sleep
        if isinstance(cache, ResponseCache):
            self.cache: ResponseCache | None = cache
        elif cache is True:
            self.cache = ResponseCache()
        elif cache:
            self.cache = ResponseCache(cache)
        else:
            self.cache = None
        self._http_client = http_client
        self._client: openai.OpenAI | None = None
        self._aclient: openai.AsyncOpenAI | None = None
        self._aclient_loop: asyncio.AbstractEventLoop | None = None
        self._limiter: AdaptiveLimiter | None = None
        self._limiter_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:  # never the key
        return f"OpenAIEngine(model={self.model!r}, endpoint={self.settings.endpoint!r}, mode={self.mode!r})"

    # -- clients ---------------------------------------------------------------------

    def _client_options(self) -> dict[str, Any]:
        return {
            "api_key": self.settings.api_key,
            "base_url": self.settings.base_url,
            "timeout": self.timeout,
            "max_retries": 0,  # network retries are ours (one layer, one budget)
        }

    def _sync_client(self) -> openai.OpenAI:
        if self._client is None:
            import httpx2

            given = self._http_client
            if isinstance(given, httpx2.Client):
                http = given
            elif isinstance(given, httpx2.BaseTransport):
                http = openai.DefaultHttpxClient(transport=given)
            else:
                http = openai.DefaultHttpxClient(verify=_tls_context())
            self._client = openai.OpenAI(**self._client_options(), http_client=http)
        return self._client

    def _async_client(self) -> openai.AsyncOpenAI:
        import httpx2

        given = self._http_client
        if isinstance(given, httpx2.AsyncClient):
            if self._aclient is None:
                self._aclient = openai.AsyncOpenAI(**self._client_options(), http_client=given)
            return self._aclient
        # An async connection pool belongs to the event loop that opened it; `analyze_many`
        # runs a fresh loop per call, so the client is made per loop.
        loop = asyncio.get_running_loop()
        if self._aclient is None or self._aclient_loop is not loop:
            if isinstance(given, httpx2.AsyncBaseTransport):
                http = openai.DefaultAsyncHttpxClient(transport=given)
            else:
                http = openai.DefaultAsyncHttpxClient(verify=_tls_context())
            self._aclient = openai.AsyncOpenAI(**self._client_options(), http_client=http)
            self._aclient_loop = loop
        return self._aclient

    def _request_limiter(self) -> AdaptiveLimiter:
        """The AIMD bound on requests in flight, one per event loop (its futures belong to it)."""
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._limiter_loop is not loop:
            self._limiter, self._limiter_loop = AdaptiveLimiter(), loop
        return self._limiter

    # -- analyze / rewrite --------------------------------------------------------------

    def analyze(self, bullet: str, *, fresh: bool = False) -> Analysis:
        """fresh: a new request above temperature 0, not read from the cache (the cached answer is
        the one that failed). If it passes, it is stored in that failure's place (see `_keys`)."""
        prompt = load_prompt("analyze")
        outcome = self._call(prompt, prompt.render(bullet=bullet), AnalyzeCall, {"bullet": bullet},
                             fresh=fresh, keep_fresh=True)
        return self._analysis(bullet, prompt, outcome)

    async def aanalyze(self, bullet: str, *, fresh: bool = False) -> Analysis:
        prompt = load_prompt("analyze")
        outcome = await self._acall(prompt, prompt.render(bullet=bullet), AnalyzeCall, {"bullet": bullet},
                                    fresh=fresh, keep_fresh=True)
        return self._analysis(bullet, prompt, outcome)

    def rewrite(self, analysis: Analysis, answers: dict[Slot, Answer], *, fresh: bool = False) -> str:
        """fresh: another wording was asked for: no rewrite from the analysis or the cache, and a
        temperature above 0 (`FRESH_TEMPERATURE`). The guards and re-asks are those of any rewrite."""
        if not fresh and (ready := _rewrite_from_analysis(analysis, answers)) is not None:
            return ready
        prompt, messages, context = self._rewrite_request(analysis, answers)
        return self._draft(prompt, self._call(prompt, messages, RewriteCall, context, fresh=fresh))

    async def arewrite(self, analysis: Analysis, answers: dict[Slot, Answer], *, fresh: bool = False) -> str:
        if not fresh and (ready := _rewrite_from_analysis(analysis, answers)) is not None:
            return ready
        prompt, messages, context = self._rewrite_request(analysis, answers)
        return self._draft(prompt, await self._acall(prompt, messages, RewriteCall, context, fresh=fresh))

    def _rewrite_request(self, analysis: Analysis, answers: dict[Slot, Answer]):  # noqa: ANN202
        # Only the bullet and the usable answers: unknown / not-mine answers never reach the model.
        prompt = load_prompt("rewrite")
        messages = prompt.render(bullet=analysis.bullet, answers=format_answers(answers))
        return prompt, messages, {"sources": guards.rewrite_sources(analysis.bullet, answers.values())}

    def _analysis(self, bullet: str, prompt: Prompt, outcome: _Outcome) -> Analysis:
        result = outcome.parsed or outcome.lenient
        findings = []
        if outcome.failure:
            findings.append(Finding(guard="reask", severity="error", message=outcome.failure))
        return Analysis(
            bullet=bullet,
            # Only from an answer that passed every guard (`outcome.parsed`), never a failed attempt.
            draft_rewrite=outcome.parsed.rewrite if isinstance(outcome.parsed, AnalyzeCall) else None,
            slots=result.slot_fills() if isinstance(result, AnalyzeCall) else {},
            questions=result.questions() if isinstance(result, AnalyzeCall) else [],
            findings=findings,
            engine=self.name,
            model=outcome.model or self.model,
            prompt_version=prompt.version,
            usage=outcome.usage,
        )

    def _draft(self, prompt: Prompt, outcome: _Outcome) -> RewriteDraft:
        result = outcome.parsed or outcome.lenient
        text = result.text if isinstance(result, RewriteCall) else ""
        findings = []
        if outcome.failure:
            # The text (if any) still goes back: the Assistant's provenance check names the
            # unsupported numbers and keeps the original bullet as the rewrite.
            findings.append(Finding(guard="reask", severity="error", message=outcome.failure))
        return RewriteDraft(
            text, findings=findings, usage=outcome.usage, model=outcome.model or self.model,
            prompt_version=prompt.version,
        )

    # -- one structured call: cache, instructor, re-asks -------------------------------------

    def _request(
        self, prompt: Prompt, messages: list[dict], response_model: type[BaseModel], *, fresh: bool = False
    ) -> tuple[dict, str]:
        """The request's arguments, and its cache key: always the key of the normal request (a
        fresh one differs only in temperature), so a fresh answer may replace what it stands for."""
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages}
        if prompt.settings.get("temperature") is not None:
            kwargs["temperature"] = prompt.settings["temperature"]
        if prompt.settings.get("max_tokens"):
            kwargs["max_tokens"] = int(prompt.settings["max_tokens"])
        body = {
            **kwargs,
            "mode": self.mode,
            "response_model": {"name": response_model.__name__, "schema": _schema(response_model)},
        }
        key = request_key(body, endpoint=self.settings.endpoint, prompt=prompt.sha256)
        if fresh and "temperature" in kwargs:
            # Only where the prompt sets one: a prompt that sets none may be for a model that
            # refuses the parameter (reasoning models), and the server's default varies anyway.
            kwargs["temperature"] = max(float(prompt.settings["temperature"]), FRESH_TEMPERATURE)
        return kwargs, key

    @staticmethod
    def _keys(key: str, *, fresh: bool, keep_fresh: bool) -> tuple[str | None, str | None]:
        """Where a call reads its answer from the cache, and where it stores its outcome.

        A fresh call is never answered from the cache. A fresh rewrite is not stored either: under
        the normal key it would answer later normal rewrites (coach after `b`, a `bulletsmith
        rewrite` run) with a sampled wording the person may just have rejected. A fresh analysis
        (the coach's `r` after a refused one) is stored when it passes (`_store` keeps only a
        passing fresh answer), so a later `bulletsmith rewrite` uses the analysis the person saw
        instead of the cached failure."""
        if not fresh:
            return key, key
        return None, key if keep_fresh else None

    def _cached(self, key: str | None, response_model: type[BaseModel], context: dict) -> _Outcome | None:
        if self.cache is None or key is None:
            return None
        hit = self.cache.get(key)
        if not hit:
            return None
        if hit.get("failed") is True:
            return self._cached_failure(hit, response_model, context)
        if not isinstance(hit.get("response"), dict):
            return None
        try:  # the guards run again: a tampered or stale entry is a miss
            parsed = response_model.model_validate(hit["response"], context=context)
        except ValidationError:
            return None
        return _Outcome(parsed=parsed, usage=Usage(cached=True), model=hit.get("model"))

    def _cached_failure(self, hit: dict, response_model: type[BaseModel], context: dict) -> _Outcome | None:
        """A call whose guards still failed after its last re-ask, as the first run ended it.

        The guards run again on the stored answer: if they pass now (the guard code changed),
        it is the answer; otherwise the same failure comes back, with the same structure-only
        reading of the answer, and no request is sent. An entry that isn't what `_store` writes
        is a miss. An answer cut off at max_tokens stays a failure, whatever its reading says."""
        failure, response = hit.get("failure"), hit.get("response")
        if not isinstance(failure, str) or not failure.strip() or len(failure) > 500 or "\n" in failure:
            return None
        if response is not None and not isinstance(response, dict):
            return None
        lenient = None
        if response is not None:
            if hit.get("guards_failed") is True:
                try:
                    parsed = response_model.model_validate(response, context=context)
                except ValidationError:
                    pass
                else:
                    return _Outcome(parsed=parsed, usage=Usage(cached=True), model=hit.get("model"))
            try:
                with guard_context(None):  # structure only, as `_lenient_parse` read it the first time
                    lenient = response_model.model_validate(response, strict=False)
            except ValidationError:
                return None
        return _Outcome(parsed=None, lenient=lenient, failure=failure, usage=Usage(cached=True), model=hit.get("model"))

    def _store(self, key: str | None, outcome: _Outcome, prompt: Prompt, *, fresh: bool = False) -> None:
        """Keep the final outcome of a call: an answer that passed every guard, or the failure
        after the last re-ask (so a re-run with the same inputs makes no request either). Of a
        fresh call, only an answer that passed (see `_keys`); never an endpoint error (that
        raises and never gets here)."""
        if self.cache is None or key is None or not outcome.cacheable or (fresh and outcome.parsed is None):
            return
        entry: dict[str, Any] = {
            "model": outcome.model,
            "prompt": prompt.version,
            "usage": outcome.usage.model_dump(),
            "stored": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        if outcome.parsed is not None:
            entry["response"] = outcome.parsed.model_dump(mode="json")
        elif outcome.failure:
            entry["failed"] = True
            entry["guards_failed"] = outcome.guards_failed
            entry["failure"] = _redact(outcome.failure, self.settings.api_key)
            entry["response"] = outcome.lenient.model_dump(mode="json") if outcome.lenient is not None else None
        else:
            return
        self.cache.set(key, entry)

    def _reask_policy(self, cls: type[Retrying] | type[AsyncRetrying]) -> Retrying | AsyncRetrying:
        # Validation errors only: anything else (our EndpointError) ends the call at once.
        return cls(
            stop=stop_after_attempt(self.max_reasks + 1),
            retry=retry_if_exception_type(_PARSE_ERRORS),
            reraise=True,
        )

    def _network_policy(self, cls: type[Retrying] | type[AsyncRetrying], budget: _NetworkBudget) -> Any:
        options: dict[str, Any] = {
            "retry": retry_if_exception(_is_transient),
            "wait": _wait,
            "stop": budget.stop,
            "reraise": True,
        }
        if self._sleep is not None:
            if cls is AsyncRetrying:
                async def asleep(seconds: float) -> None:
                    result = self._sleep(seconds)
                    if inspect.isawaitable(result):
                        await result

                options["sleep"] = asleep
            else:
                options["sleep"] = self._sleep
        return cls(**options)

    def _call(
        self, prompt: Prompt, messages: list[dict], response_model: type[BaseModel], context: dict,
        *, fresh: bool = False, keep_fresh: bool = False,
    ) -> _Outcome:
        kwargs, key = self._request(prompt, messages, response_model, fresh=fresh)
        read_key, store_key = self._keys(key, fresh=fresh, keep_fresh=keep_fresh)
        if (hit := self._cached(read_key, response_model, context)) is not None:
            return hit
        log, budget = _CallLog(), _NetworkBudget(self.network_retries, self.network_deadline)

        def send(**request: Any) -> Any:
            tries = 0

            def post() -> Any:
                nonlocal tries
                tries += 1
                log.requests += 1
                return _send_chat(self._sync_client(), request)

            try:
                response = self._network_policy(Retrying, budget)(post)
            except openai.OpenAIError as e:
                raise self._endpoint_error(e, budget, tries) from None
            log.received(response)
            return response

        create = instructor.patch(create=send, mode=self._mode)
        try:
            # Not instructor's context=: it would render the messages (the bullet!) as Jinja templates.
            with guard_context(context):
                parsed = create(
                    response_model=_wrapped(response_model), max_retries=self._reask_policy(Retrying), strict=False, **kwargs
                )
        except (InstructorRetryException, IncompleteOutputException) as e:
            outcome = self._failed(e, log, response_model)
        else:
            outcome = _Outcome(parsed=parsed, usage=log.usage(), model=log.reported_model)
        self._store(store_key, outcome, prompt, fresh=fresh)
        return outcome

    async def _acall(
        self, prompt: Prompt, messages: list[dict], response_model: type[BaseModel], context: dict,
        *, fresh: bool = False, keep_fresh: bool = False,
    ) -> _Outcome:
        kwargs, key = self._request(prompt, messages, response_model, fresh=fresh)
        read_key, store_key = self._keys(key, fresh=fresh, keep_fresh=keep_fresh)
        if (hit := self._cached(read_key, response_model, context)) is not None:
            return hit
        log, budget = _CallLog(), _NetworkBudget(self.network_retries, self.network_deadline)
        client = self._async_client()
        limiter = self._request_limiter()

        async def send(**request: Any) -> Any:
            tries = 0
            await request_sent()  # under the caller's slot, if it has one (bulletsmith.gate)

            async def post() -> Any:
                nonlocal tries
                tries += 1
                log.requests += 1
                ticket = await limiter.acquire()
                throttled = False
                try:
                    return await _asend_chat(client, request)
                except openai.APIStatusError as e:  # rate limited: fewer requests at once from now on
                    throttled = e.status_code == 429 and _error_code(e) != "insufficient_quota"
                    raise
                finally:
                    limiter.release(ticket, throttled=throttled)

            try:
                response = await self._network_policy(AsyncRetrying, budget)(post)
            except openai.OpenAIError as e:
                raise self._endpoint_error(e, budget, tries) from None
            log.received(response)
            await answer_read()  # the slot goes to the next bullet before this answer is parsed
            return response

        create = instructor.patch(create=send, mode=self._mode)
        try:
            with guard_context(context):  # this task only: concurrent calls each see their own bullet
                parsed = await create(
                    response_model=_wrapped(response_model), max_retries=self._reask_policy(AsyncRetrying), strict=False,
                    **kwargs,
                )
        except (InstructorRetryException, IncompleteOutputException) as e:
            outcome = self._failed(e, log, response_model)
        else:
            outcome = _Outcome(parsed=parsed, usage=log.usage(), model=log.reported_model)
        self._store(store_key, outcome, prompt, fresh=fresh)
        return outcome

    def _failed(self, exc: Exception, log: _CallLog, response_model: type[BaseModel]) -> _Outcome:
        """The guards still failed after the last re-ask (or the answer was cut off)."""
        cause = exc.__cause__
        if isinstance(cause, EngineError):
            raise cause from None
        # Attempts whose body never parsed (a truncated reply) count too: instructor knows them all.
        attempts = max(len(log.responses), getattr(exc, "n_attempts", 0) or 0)
        reasks = max(0, attempts - 1)
        tries = f"after {reasks} re-ask{'s' if reasks != 1 else ''}" if reasks else "on the only try"
        if isinstance(exc, IncompleteOutputException):
            failure = f"the model's answer was cut off at max_tokens ({tries})"
        elif isinstance(cause, _PARSE_ERRORS + (AssertionError,)):
            failure = f"the model's answer still failed its checks {tries}: {_short_reason(cause)}"
        else:
            raise exc  # not a model-output problem: let it surface
        last = log.responses[-1] if log.responses else getattr(exc, "last_completion", None)
        return _Outcome(
            parsed=None,
            usage=log.usage(),
            model=log.reported_model,
            lenient=_lenient_parse(last, response_model, self._mode),
            failure=failure,
            guards_failed=isinstance(cause, _PARSE_ERRORS) and not isinstance(exc, IncompleteOutputException),
            # Every attempt came back as a completion the model wrote: the failure is the model's,
            # and the same request gets the same failure. An attempt whose body never read as a
            # completion (cut on the wire) is a transport fault, which the next run should retry.
            cacheable=len(log.responses) >= attempts,
        )

    def _endpoint_error(self, exc: openai.OpenAIError, budget: _NetworkBudget, tries: int) -> EndpointError:
        host = self.settings.host
        gave_up = f" (gave up after {tries} tries)" if tries > 1 else ""
        status = getattr(exc, "status_code", None)
        if isinstance(exc, openai.APITimeoutError):
            message = f"{host}: no answer within {self.timeout:g} s{gave_up}"
        elif isinstance(exc, openai.APIConnectionError):
            reason = _redact(str(exc.__cause__ or "") or "connection failed", self.settings.api_key)
            message = f"{host}: can't connect ({reason[:120]}){gave_up}; is the server running and OPENAI_BASE_URL right?"
        elif isinstance(exc, openai.APIStatusError):
            phrase = getattr(exc.response, "reason_phrase", "") or ""
            said = _redact(_server_message(exc), self.settings.api_key)[:160]
            message = f"{host}: HTTP {status}" + (f" {phrase}" if phrase else "") + (f": {said}" if said else "")
            if budget.gave_up_waiting is not None:
                message += f" (the server asked to wait {budget.gave_up_waiting:.0f} s, beyond the time left)"
            message += gave_up
            if status == 401:
                message += "; check the API key (OPENAI_API_KEY)"
            elif status == 404:
                message += f"; check the model name ({self.model!r}, BULLETSMITH_MODEL) and that the base URL ends in /v1"
        else:
            message = f"{host}: {_redact(str(exc), self.settings.api_key)[:160]}"
        return EndpointError(message, host=host, status=status)


def _rewrite_from_analysis(analysis: Analysis, answers: dict[Slot, Answer]) -> RewriteDraft | None:
    """The rewrite the analysis already brought, when nothing is missing and no answer adds to it."""
    if not analysis.draft_rewrite or analysis.missing or any(a.usable for a in answers.values()):
        return None
    return RewriteDraft(
        analysis.draft_rewrite, usage=Usage(), model=analysis.model, prompt_version=analysis.prompt_version
    )


# --------------------------------------------------------------------------- reading failed attempts


def _short_reason(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        msgs = []
        for err in exc.errors():
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            loc = ".".join(str(p) for p in err.get("loc", ()))
            msgs.append(f"{loc}: {msg}" if loc and err.get("type") != "value_error" else msg)
        text = "; ".join(msgs)
    elif isinstance(exc, AssertionError):
        text = f"the model refused ({exc})"
    else:
        text = str(exc) or type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:299] + "…"


_CODEBLOCK_RE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def _lenient_parse(completion: Any, response_model: type[BaseModel], mode: Any) -> BaseModel | None:
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
        # pydantic's strict JSON here, not `_model_validate_json`: a failed answer with raw control
        # characters stays unread, as the eval's committed figures count it (reading it moves them).
        with guard_context(None):
            return response_model.model_validate_json(raw or "", strict=False)
    except (ValidationError, ValueError):
        return None

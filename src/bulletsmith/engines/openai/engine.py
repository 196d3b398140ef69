"""OpenAIEngine: analyze and rewrite through any OpenAI-compatible endpoint, with instructor.

Each call renders a prompt, asks the cache, sends the request through instructor (which parses
the answer into a response model of `schemas`, whose validators are the guards, and re-asks on a
violation), and stores the final outcome. The parts it is made of:

    settings    endpoint, key, model, mode, re-asks and timeout, from arguments and the environment
    transport   the openai clients, sending a chat request, reading a failed attempt
    parsing     the one override of instructor's JSON reading (raw control characters), and why
    retries     the network retry budget below instructor, the re-ask policy above it
    limiter     adaptive concurrency on HTTP 429, shared by every async call on a loop
    ratelimit   pacing to the provider's tokens and requests per minute; waiting out a 429
    failures    endpoint errors as one line, secrets redacted

A call sends at most ``1 + max_reasks + network_retries`` requests (`retries`), plus one for each
HTTP 429, which is waited out as the server says, never counted as a fault (`ratelimit`). Whatever still
fails becomes an ``EndpointError`` naming the host and the status, never the key or a header.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, Retrying

from bulletsmith import guards
from bulletsmith.engines.base import Draft, Engine
from bulletsmith.engines.openai import transport
from bulletsmith.engines.openai.cache import ResponseCache
from bulletsmith.engines.openai.failures import endpoint_error, redact, server_message, short_reason
from bulletsmith.engines.openai.limiter import AdaptiveLimiter
from bulletsmith.engines.openai.parsing import PARSE_ERRORS, response_model_for
from bulletsmith.engines.openai.prompts import Prompt, load_prompt
from bulletsmith.engines.openai.ratelimit import RateLimitDeadline, RatePacer, Reservation, asked_wait, estimate_tokens
from bulletsmith.engines.openai.request_key import request_key
from bulletsmith.engines.openai.retries import (
    NetworkBudget,
    is_rate_limited,
    network_policy,
    reask_policy,
)
from bulletsmith.engines.openai.schemas import AnalyzeCall, RewriteCall, format_answers, guard_context
from bulletsmith.engines.openai.settings import (
    DEFAULT_NETWORK_DEADLINE,
    DEFAULT_NETWORK_RETRIES,
    FRESH_TEMPERATURE,
    resolve_max_reasks,
    resolve_settings,
    resolve_timeout,
)
from bulletsmith.errors import EndpointError, EngineError
from bulletsmith.gate import answer_read, request_sent
from bulletsmith.models import Analysis, Answer, Finding, Slot, Usage

__all__ = ["OpenAIEngine"]

# The instructor mode of each BULLETSMITH_MODE (settings.MODES says when to use which).
_INSTRUCTOR_MODES = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "md_json": instructor.Mode.MD_JSON,
}

# instructor's own log lines ("API call failed…") would otherwise reach stderr through
# logging's last-resort handler and mix with the CLI's output.
logging.getLogger("instructor").addHandler(logging.NullHandler())


@functools.cache
def _schema(response_model: type[BaseModel]) -> dict[str, Any]:
    """A response model's JSON schema, for request keys: built once, not on every request (~2 ms)."""
    return response_model.model_json_schema()


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


@dataclass
class _Pending:
    """One call past the cache: what it sends, where its outcome goes, what it sent and got back."""

    prompt: Prompt
    response_model: type[BaseModel]
    kwargs: dict[str, Any]  # model, messages, temperature, max_tokens
    store_key: str | None
    fresh: bool
    log: transport.CallLog
    budget: NetworkBudget


class OpenAIEngine(Engine):
    """Analyze and rewrite through an OpenAI-compatible chat endpoint with structured output.

    http_client: an ``httpx2`` transport (used for both the sync and the async client; how
    tests and recordings sit under the real openai client), an ``httpx2.Client``, or an
    ``httpx2.AsyncClient``. cache: True (the user cache directory), False, or a directory.
    sleep: called instead of sleeping between network retries and for the rate limit (tests).
    deadline: seconds from now after which a rate limit fails a call instead of being waited
    out (None: wait as long as the server says). on_rate_limit: called with the wall-clock time
    (``time.time()``) until which requests wait for the rate limit, and None when none waits
    (`ratelimit.RatePacer`); it may be set later too.
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
        deadline: float | None = None,
        on_rate_limit: Callable[[float | None], None] | None = None,
    ) -> None:
        self.settings = resolve_settings(base_url=base_url, api_key=api_key, model=model, mode=mode)
        self.model = self.settings.model
        self.mode = self.settings.mode
        self._mode = _INSTRUCTOR_MODES[self.mode]
        self.max_reasks = resolve_max_reasks(max_reasks)
        self.timeout = resolve_timeout(timeout, local=self.settings.local)
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
        # One per engine, shared by its calls on every loop and thread: the limit is the key's.
        self.pacer = RatePacer(on_rate_limit)
        self.deadline = deadline

    def __repr__(self) -> str:  # never the key
        return f"OpenAIEngine(model={self.model!r}, endpoint={self.settings.endpoint!r}, mode={self.mode!r})"

    # -- clients ---------------------------------------------------------------------

    def _sync_client(self) -> openai.OpenAI:
        if self._client is None:
            self._client = transport.sync_client(self.settings, self.timeout, self._http_client)
        return self._client

    def _async_client(self) -> openai.AsyncOpenAI:
        # An async connection pool belongs to the event loop that opened it; `analyze_many` runs a
        # fresh loop per call, so the client is made per loop, unless the caller gave its own.
        loop = None if transport.is_async_client(self._http_client) else asyncio.get_running_loop()
        if self._aclient is None or self._aclient_loop is not loop:
            self._aclient = transport.async_client(self.settings, self.timeout, self._http_client)
            self._aclient_loop = loop
        return self._aclient

    @property
    def deadline(self) -> float | None:
        """Seconds left before a rate limit fails a call (None: no deadline)."""
        return None if self._deadline_at is None else self._deadline_at - time.monotonic()

    @deadline.setter
    def deadline(self, seconds: float | None) -> None:
        self._deadline_at = None if seconds is None else time.monotonic() + max(0.0, float(seconds))

    @property
    def on_rate_limit(self) -> Callable[[float | None], None] | None:
        return self.pacer.on_wait

    @on_rate_limit.setter
    def on_rate_limit(self, callback: Callable[[float | None], None] | None) -> None:
        self.pacer.on_wait = callback

    @property
    def limiter(self) -> AdaptiveLimiter | None:
        """The bound on requests in flight of the last event loop that sent (None before any)."""
        return self._limiter

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
        outcome = self._call(
            prompt, prompt.render(bullet=bullet), AnalyzeCall, {"bullet": bullet}, fresh=fresh, keep_fresh=True
        )
        return self._analysis(bullet, prompt, outcome)

    async def aanalyze(self, bullet: str, *, fresh: bool = False) -> Analysis:
        prompt = load_prompt("analyze")
        outcome = await self._acall(
            prompt, prompt.render(bullet=bullet), AnalyzeCall, {"bullet": bullet}, fresh=fresh, keep_fresh=True
        )
        return self._analysis(bullet, prompt, outcome)

    def rewrite(self, analysis: Analysis, answers: dict[Slot, Answer], *, fresh: bool = False) -> Draft:
        """fresh: another wording was asked for: no rewrite from the analysis or the cache, and a
        temperature above 0 (`FRESH_TEMPERATURE`). The guards and re-asks are those of any rewrite."""
        if not fresh and (ready := _rewrite_from_analysis(analysis, answers)) is not None:
            return ready
        prompt, messages, context = self._rewrite_request(analysis, answers)
        return self._draft(prompt, self._call(prompt, messages, RewriteCall, context, fresh=fresh))

    async def arewrite(self, analysis: Analysis, answers: dict[Slot, Answer], *, fresh: bool = False) -> Draft:
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

    def _draft(self, prompt: Prompt, outcome: _Outcome) -> Draft:
        result = outcome.parsed or outcome.lenient
        text = result.text if isinstance(result, RewriteCall) else ""
        findings = []
        if outcome.failure:
            # The text (if any) still goes back: the Assistant's provenance check names the
            # unsupported numbers and keeps the original bullet as the rewrite.
            findings.append(Finding(guard="reask", severity="error", message=outcome.failure))
        return Draft(
            text,
            findings=tuple(findings),
            usage=outcome.usage,
            model=outcome.model or self.model,
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
        # The re-ask budget too: a failure stored after one re-ask is not the outcome of two.
        key = request_key(body, endpoint=self.settings.endpoint, prompt=prompt.sha256, max_reasks=self.max_reasks)
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
                with guard_context(None):  # structure only, as `transport.lenient_parse` read it the first time
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
            entry["failure"] = redact(outcome.failure, self.settings.api_key)
            entry["response"] = outcome.lenient.model_dump(mode="json") if outcome.lenient is not None else None
        else:
            return
        self.cache.set(key, entry)

    # _call and _acall are twins over the same steps (`_begin`, `_create_args`, `_endpoint_error`,
    # `_finish`); each says which client sends, and the async one adds the gate and the limiter.

    def _call(
        self,
        prompt: Prompt,
        messages: list[dict],
        response_model: type[BaseModel],
        context: dict,
        *,
        fresh: bool = False,
        keep_fresh: bool = False,
    ) -> _Outcome:
        call = self._begin(prompt, messages, response_model, context, fresh=fresh, keep_fresh=keep_fresh)
        if isinstance(call, _Outcome):
            return call
        client = self._sync_client()

        def send(**request: Any) -> Any:
            tries = 0
            tokens = estimate_tokens(request)

            def post() -> Any:
                nonlocal tries
                tries += 1
                waited_until, throttles = 0.0, 0
                while True:  # until an answer that isn't a rate limit's 429
                    r = self._pace(tokens, waited_until, call.budget)
                    call.log.requests += 1
                    self.pacer.sending(r)
                    limited: openai.APIStatusError | None = None
                    try:
                        raw = transport.send_chat(client, request)
                    except openai.APIStatusError as e:
                        if not is_rate_limited(e):
                            raise
                        limited = e
                    finally:
                        self.pacer.answered()
                    if limited is None:
                        self.pacer.observe(raw.headers, r)
                        return raw.parse()
                    waited_until, wait = self._rejected(limited, r, throttles, tries)
                    throttles += 1
                    self._wait_for_limit(wait, call.budget)

            try:
                response = network_policy(Retrying, call.budget, self._sleep)(post)
            except openai.OpenAIError as e:
                raise self._endpoint_error(e, call, tries) from None
            call.log.received(response)
            return response

        create = instructor.patch(create=send, mode=self._mode)
        try:
            with guard_context(context):
                parsed = create(**self._create_args(call, Retrying))
        except (InstructorRetryException, IncompleteOutputException) as e:
            return self._finish(call, failed=e)
        return self._finish(call, parsed=parsed)

    async def _acall(
        self,
        prompt: Prompt,
        messages: list[dict],
        response_model: type[BaseModel],
        context: dict,
        *,
        fresh: bool = False,
        keep_fresh: bool = False,
    ) -> _Outcome:
        call = self._begin(prompt, messages, response_model, context, fresh=fresh, keep_fresh=keep_fresh)
        if isinstance(call, _Outcome):
            return call
        client = self._async_client()
        limiter = self._request_limiter()

        async def send(**request: Any) -> Any:
            tries = 0
            tokens = estimate_tokens(request)
            await request_sent()  # under the caller's slot, if it has one (bulletsmith.gate)

            async def post() -> Any:
                nonlocal tries
                tries += 1
                waited_until, throttles = 0.0, 0
                while True:  # until an answer that isn't a rate limit's 429
                    r = await self._apace(tokens, waited_until, call.budget)
                    call.log.requests += 1
                    ticket = await limiter.acquire()
                    self.pacer.sending(r)
                    limited: openai.APIStatusError | None = None
                    try:
                        raw = await transport.asend_chat(client, request)
                    except openai.APIStatusError as e:  # rate limited: fewer requests at once from now on
                        if not is_rate_limited(e):
                            raise
                        limited = e
                    finally:
                        self.pacer.answered()
                        limiter.release(ticket, throttled=limited is not None)
                    if limited is not None:
                        waited_until, wait = self._rejected(limited, r, throttles, tries)
                        throttles += 1
                        await self._await_limit(wait, call.budget)
                        continue
                    self.pacer.observe(raw.headers, r)
                    return raw.parse()

            try:
                response = await network_policy(AsyncRetrying, call.budget, self._sleep)(post)
            except openai.OpenAIError as e:
                raise self._endpoint_error(e, call, tries) from None
            call.log.received(response)
            await answer_read()  # the slot goes to the next bullet before this answer is parsed
            return response

        create = instructor.patch(create=send, mode=self._mode)
        try:
            with guard_context(context):  # this task only: concurrent calls each see their own bullet
                parsed = await create(**self._create_args(call, AsyncRetrying))
        except (InstructorRetryException, IncompleteOutputException) as e:
            return self._finish(call, failed=e)
        return self._finish(call, parsed=parsed)

    def _begin(
        self,
        prompt: Prompt,
        messages: list[dict],
        response_model: type[BaseModel],
        context: dict,
        *,
        fresh: bool,
        keep_fresh: bool,
    ) -> _Outcome | _Pending:
        """The cached outcome of this call, or the call to send."""
        kwargs, key = self._request(prompt, messages, response_model, fresh=fresh)
        read_key, store_key = self._keys(key, fresh=fresh, keep_fresh=keep_fresh)
        if (hit := self._cached(read_key, response_model, context)) is not None:
            return hit
        return _Pending(
            prompt=prompt,
            response_model=response_model,
            kwargs=kwargs,
            store_key=store_key,
            fresh=fresh,
            log=transport.CallLog(),
            budget=NetworkBudget(self.network_retries, self.network_deadline),
        )

    def _create_args(self, call: _Pending, retrying: type[Retrying] | type[AsyncRetrying]) -> dict[str, Any]:
        # The guards' context goes through `guard_context`, not instructor's context=: that would
        # render the messages (the bullet!) as Jinja templates.
        return {
            "response_model": response_model_for(call.response_model),
            "max_retries": reask_policy(self.max_reasks, retrying),
            "strict": False,
            **call.kwargs,
        }

    # -- the rate limit: pacing, 429s, the deadline ----------------------------------------------

    def _reserve(self, tokens: int, waited_until: float) -> tuple[Reservation | None, float]:
        """A place in the rate limit's queue, and how long to wait for it: never past the deadline."""
        r, delay = self.pacer.reserve(tokens, waited_until=waited_until)
        if (
            r is not None
            and delay > 0
            and self._deadline_at is not None
            and time.monotonic() + delay > self._deadline_at
        ):
            self.pacer.cancel(r)
            raise RateLimitDeadline(
                f"{self.settings.host}: rate limited: the next request may go in {delay:.0f} s, past the deadline",
                host=self.settings.host,
                status=429,
            )
        return r, delay

    def _pace(self, tokens: int, waited_until: float, budget: NetworkBudget) -> Reservation:
        while True:
            r, delay = self._reserve(tokens, waited_until)
            if r is None:  # the first answer is awaited, to learn the limit
                (self._sleep or time.sleep)(delay)
                continue
            while delay > 0:
                self._wait_for_limit(delay, budget)
                delay = self._recheck(r)
            return r

    async def _apace(self, tokens: int, waited_until: float, budget: NetworkBudget) -> Reservation:
        while True:
            r, delay = self._reserve(tokens, waited_until)
            if r is None:  # the first answer is awaited, to learn the limit
                await asyncio.sleep(delay)
                continue
            while delay > 0:
                await self._await_limit(delay, budget)
                delay = self._recheck(r)
            return r

    def _recheck(self, r: Reservation) -> float:
        delay = self.pacer.recheck(r)
        if delay > 0 and self._deadline_at is not None and time.monotonic() + delay > self._deadline_at:
            self.pacer.cancel(r)
            raise RateLimitDeadline(
                f"{self.settings.host}: rate limited: the next request may go in {delay:.0f} s, past the deadline",
                host=self.settings.host,
                status=429,
            )
        return delay

    def _rejected(self, exc: openai.APIStatusError, r: Reservation, throttles: int, tries: int) -> tuple[float, float]:
        """A 429 that waiting cures: how long to wait (as the server said, else a growing backoff),
        and when that wait ends. Past the deadline, the call ends here, saying what the server asked."""
        wait = asked_wait(exc.response.headers, server_message(exc))
        if wait is None:  # the server said nothing: full-jitter backoff as `retries.BACKOFF`, up to 10 s a time
            wait = random.uniform(0, min(10.0, 0.5 * 2**throttles))  # noqa: S311 - jitter, not a secret
        until = self.pacer.rejected(r, wait)
        if self._deadline_at is not None and until > self._deadline_at:
            err = endpoint_error(
                exc, self.settings, timeout=self.timeout, tries=tries, asked_to_wait=wait, beyond="the deadline"
            )
            raise RateLimitDeadline(str(err), host=err.host, status=err.status) from None
        return until, wait

    def _wait_for_limit(self, seconds: float, budget: NetworkBudget) -> None:
        ticket = self.pacer.begin_wait(seconds)
        try:
            (self._sleep or time.sleep)(seconds)
        finally:
            self.pacer.end_wait(ticket)
        budget.extend(seconds)

    async def _await_limit(self, seconds: float, budget: NetworkBudget) -> None:
        ticket = self.pacer.begin_wait(seconds)
        try:
            if self._sleep is None:
                await asyncio.sleep(seconds)
            elif inspect.isawaitable(result := self._sleep(seconds)):
                await result
        finally:
            self.pacer.end_wait(ticket)
        budget.extend(seconds)

    def _endpoint_error(self, exc: openai.OpenAIError, call: _Pending, tries: int) -> EndpointError:
        return endpoint_error(
            exc, self.settings, timeout=self.timeout, tries=tries, asked_to_wait=call.budget.gave_up_waiting
        )

    def _finish(self, call: _Pending, *, parsed: BaseModel | None = None, failed: Exception | None = None) -> _Outcome:
        """The call's outcome, stored in the cache when it may be (`_store`)."""
        if failed is not None:
            outcome = self._failed(failed, call.log, call.response_model)
        else:
            outcome = _Outcome(parsed=parsed, usage=call.log.usage(), model=call.log.reported_model)
        self._store(call.store_key, outcome, call.prompt, fresh=call.fresh)
        return outcome

    def _failed(self, exc: Exception, log: transport.CallLog, response_model: type[BaseModel]) -> _Outcome:
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
        elif isinstance(cause, PARSE_ERRORS + (AssertionError,)):
            failure = f"the model's answer still failed its checks {tries}: {short_reason(cause)}"
        else:
            raise exc  # not a model-output problem: let it surface
        last = log.responses[-1] if log.responses else getattr(exc, "last_completion", None)
        return _Outcome(
            parsed=None,
            usage=log.usage(),
            model=log.reported_model,
            lenient=transport.lenient_parse(last, response_model, self._mode),
            failure=failure,
            guards_failed=isinstance(cause, PARSE_ERRORS) and not isinstance(exc, IncompleteOutputException),
            # Every attempt came back as a completion the model wrote: the failure is the model's,
            # and the same request gets the same failure. An attempt whose body never read as a
            # completion (cut on the wire) is a transport fault, which the next run should retry.
            cacheable=len(log.responses) >= attempts,
        )


def _rewrite_from_analysis(analysis: Analysis, answers: dict[Slot, Answer]) -> Draft | None:
    """The rewrite the analysis already brought, when nothing is missing and no answer adds to it."""
    if not analysis.draft_rewrite or analysis.missing or any(a.usable for a in answers.values()):
        return None
    return Draft(analysis.draft_rewrite, usage=Usage(), model=analysis.model, prompt_version=analysis.prompt_version)

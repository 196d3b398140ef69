"""Two retry layers, each for one kind of failure, so they never multiply.

* **Rate limits** (HTTP 429 that waiting cures) are not faults: the engine waits as the server
  says, as often as it says, and paces its requests to the limit (`ratelimit`). They use none
  of the budget below; only a deadline the person set ends them.
* **Network faults** (connection errors, timeouts, HTTP 408/409/5xx) are retried by
  tenacity around each HTTP request, below instructor, with jittered exponential backoff or
  the server's ``Retry-After`` (`network_policy`). One `NetworkBudget` per call (a number of
  tries and a deadline) is shared by all of that call's requests, re-asks included. The
  openai client's own retries are off (``max_retries=0``).
* **Guard violations** (a validator in ``schemas`` raised) are re-asked by instructor, at most
  ``max_reasks`` times (`reask_policy`). It retries validation errors only, so a network error
  that survived the first layer ends the call at once.

A call therefore sends at most ``1 + max_reasks + network_retries`` requests, never their product.
"""

from __future__ import annotations

import email.utils
import inspect
import time
from collections.abc import Callable
from typing import Any

import openai
from tenacity import (
    AsyncRetrying,
    Retrying,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from bulletsmith.engines.openai.parsing import PARSE_ERRORS

__all__ = [
    "BACKOFF",
    "NetworkBudget",
    "error_code",
    "is_rate_limited",
    "is_transient",
    "network_policy",
    "reask_policy",
    "retry_after",
    "wait",
]

BACKOFF = wait_random_exponential(multiplier=0.5, max=10)  # full jitter: uniform(0, min(10, 0.5 * 2^n))


class NetworkBudget:
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

    def extend(self, seconds: float) -> None:
        """Time spent waiting for the rate limit is not time spent on network faults."""
        self.deadline += max(0.0, seconds)


def retry_after(exc: BaseException) -> float | None:
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


def error_code(exc: Any) -> str | None:
    """The `code` of an HTTP error's body (OpenAI's shape), e.g. "insufficient_quota"."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("code"):
            return str(err["code"])
    return None


def is_rate_limited(exc: BaseException) -> bool:
    """HTTP 429 that waiting cures: fewer requests at once from now on (not "out of credit")."""
    return isinstance(exc, openai.APIStatusError) and exc.status_code == 429 and error_code(exc) != "insufficient_quota"


def is_transient(exc: BaseException) -> bool:
    """A network fault worth another try: the server's x-should-retry, else the status."""
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        flag = exc.response.headers.get("x-should-retry")
        if flag in ("true", "false"):
            return flag == "true"
        if exc.status_code == 429 and error_code(exc) == "insufficient_quota":
            return False  # out of credit: waiting won't help
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


def wait(retry_state: Any) -> float:
    """Retry-After when the server sent one, else jittered backoff (`BACKOFF`, read at each wait)."""
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    asked = retry_after(exc) if exc is not None else None
    return asked if asked is not None else BACKOFF(retry_state)


def reask_policy(max_reasks: int, cls: type[Retrying] | type[AsyncRetrying]) -> Retrying | AsyncRetrying:
    """instructor's `max_retries`: validation errors only; anything else (our EndpointError)
    ends the call at once."""
    return cls(stop=stop_after_attempt(max_reasks + 1), retry=retry_if_exception_type(PARSE_ERRORS), reraise=True)


def network_policy(
    cls: type[Retrying] | type[AsyncRetrying], budget: NetworkBudget, sleep: Callable[[float], Any] | None = None
) -> Any:
    """The tenacity policy around one HTTP request. sleep: called instead of sleeping (tests);
    for AsyncRetrying it may return an awaitable or not."""
    options: dict[str, Any] = {
        "retry": retry_if_exception(is_transient),
        "wait": wait,
        "stop": budget.stop,
        "reraise": True,
    }
    if sleep is not None:
        if cls is AsyncRetrying:

            async def asleep(seconds: float) -> None:
                result = sleep(seconds)
                if inspect.isawaitable(result):
                    await result

            options["sleep"] = asleep
        else:
            options["sleep"] = sleep
    return cls(**options)

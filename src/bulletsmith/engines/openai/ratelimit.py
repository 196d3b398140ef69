"""Pacing to the provider's rate limit, so that a big run is slowed down by it, never failed.

OpenAI (and Azure, Groq, Together…) limit tokens and requests per minute and say where a key
stands on every answer: ``x-ratelimit-limit-tokens``, ``x-ratelimit-remaining-tokens``,
``x-ratelimit-reset-tokens`` ("6m0s", "1s", "120ms"), and the same for requests. `RatePacer`
keeps one token bucket per limit for every call of an engine: each request reserves its
estimated tokens (`estimate_tokens`: characters / 4 of what is sent, plus the completion tokens
it may use, which is what the provider counts at admission) and waits until the bucket has
them. Every answer's headers set the bucket to what the server says, corrected for what was
sent since (`RatePacer.observe`), so an estimate that is off drifts for one answer at most.

Until the first answer comes back the limit is unknown: one request goes, the others wait for
it (`PROBE_POLL`), so a batch's first round is not a burst of 429s. After it, with no such
headers (a local server sends none), nothing waits. On HTTP 429 every request waits as long as the server said
(`asked_wait`: ``retry-after-ms``, ``Retry-After``, "Please try again in 1.2s" in the
message), not only the one that got it. A rate limit never fails a call unless the person set
a deadline and the wait would end past it (`RateLimitDeadline`).

Pure arithmetic under a thread lock, no futures: the same pacer serves the async calls on any
event loop and the sync ones; the caller does the sleeping.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bulletsmith.errors import EndpointError

__all__ = [
    "Bucket",
    "RateLimitDeadline",
    "RatePacer",
    "Reservation",
    "asked_wait",
    "estimate_tokens",
    "parse_duration",
]

# OpenAI's durations: "1s", "6m0s", "120ms", "1h2m3.5s", "0.5s"; a bare number is seconds.
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
# "Please try again in 1.2s." / "in 20ms" / "in 6m0s" / "in 2 seconds" in a 429's message.
_TRY_AGAIN_RE = re.compile(
    r"try again in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+|\d+(?:\.\d+)?\s*(?:seconds?|secs?)\b)", re.IGNORECASE
)


def parse_duration(text: object) -> float | None:
    """Seconds in an OpenAI-style duration ("6m0s", "120ms", "1s") or a bare number, else None."""
    if text is None:
        return None
    value = str(text).strip().lower()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parts = _DURATION_RE.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value.replace(" ", ""):
        return None
    return sum(float(n) * _UNIT[u] for n, u in parts)


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def asked_wait(headers: Mapping[str, str] | None, message: str = "") -> float | None:
    """Seconds a rate-limited answer asked to wait: ``retry-after-ms``, ``Retry-After`` (seconds
    or an HTTP date), "try again in N" in the message, else the reset time of whichever limit
    is exhausted; None when it said nothing."""
    headers = headers or {}
    if (ms := _number(headers.get("retry-after-ms"))) is not None:
        return max(0.0, ms / 1000)
    value = headers.get("retry-after")
    if value is not None:
        if (seconds := _number(value)) is not None:
            return max(0.0, seconds)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - time.time())
    if m := _TRY_AGAIN_RE.search(message or ""):
        said = m.group(1).lower()
        words = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:seconds?|secs?)", said)
        seconds = float(words.group(1)) if words else parse_duration(said)
        if seconds is not None:
            return seconds
    for kind in ("tokens", "requests"):
        if _number(headers.get(f"x-ratelimit-remaining-{kind}")) == 0:
            reset = parse_duration(headers.get(f"x-ratelimit-reset-{kind}"))
            if reset is not None:
                return reset
    return None


def estimate_tokens(request: Mapping[str, Any]) -> int:
    """What a request counts against a tokens-per-minute limit, roughly: its messages and tool
    schemas at 4 characters a token, plus the completion tokens it may use (providers count
    ``max_tokens`` when the request is admitted). Cheap on purpose: the headers correct it."""
    sent = json.dumps(request.get("messages") or [], ensure_ascii=False, separators=(",", ":"))
    for extra in ("tools", "response_format"):
        if request.get(extra):
            sent += json.dumps(request[extra], ensure_ascii=False, separators=(",", ":"))
    completion = request.get("max_completion_tokens") or request.get("max_tokens") or 0
    return math.ceil(len(sent) / 4) + int(completion)


# How often requests held back for the first answer look again: the wait is one answer's time.
PROBE_POLL = 0.02


class RateLimitDeadline(EndpointError):
    """The rate limit would hold a request past the deadline the person set."""


class Bucket:
    """One limit (tokens or requests per minute) as a token bucket. Unknown until the server
    says: ``capacity`` None means nothing waits. A reservation takes from ``level`` at once, so
    the level goes below zero while requests queue, each waiting its turn (first come, first
    served) until the refill has covered it."""

    def __init__(self, window: float = 60.0) -> None:
        self.window = window  # seconds the limit is per: a minute until the reset times say otherwise
        self.capacity: float | None = None
        self.level = 0.0
        self.updated = time.monotonic()
        self.reserved = 0.0  # everything reserved so far, to correct a header for what was sent since
        self.lowered = 0.0  # how far the headers have set the level below this bucket's own count, net
        self.refunded = 0.0  # reservations given back (429s), summed

    @property
    def rate(self) -> float:
        return (self.capacity or 0.0) / self.window

    def _refill(self, now: float) -> None:
        if self.capacity is not None:
            self.level = min(self.capacity, self.level + self.rate * max(0.0, now - self.updated))
        self.updated = now

    def reserve(self, amount: float, now: float) -> float:
        """Take `amount`; the seconds until the bucket covers it (0: send now)."""
        self._refill(now)
        self.reserved += amount
        if self.capacity is None:
            return 0.0
        # A request bigger than the whole bucket can never be covered: it waits for a full one.
        amount = min(amount, self.capacity)
        self.level -= amount
        return 0.0 if self.level >= 0 else -self.level / self.rate

    def refund(self, amount: float, now: float) -> None:
        # `reserved` stays: it orders reservations, which a later one's header is corrected by.
        self._refill(now)
        self.refunded += amount
        if self.capacity is not None:
            self.level = min(self.capacity, self.level + min(amount, self.capacity))

    def sync(
        self,
        limit: float | None,
        remaining: float,
        *,
        reset: float | None = None,
        sent_at: float,
        reserved_then: float,
        now: float,
    ) -> None:
        """The server said `remaining` just after admitting a request sent at `sent_at` (when
        `reserved` stood at `reserved_then`): refilled since, less what was reserved since.

        reset: the seconds until the limit is full again. A bucket refilled at a steady rate is
        full after (limit - remaining) / rate, so the window (60 s for a per-minute limit, a day
        for a per-day one) is reset × limit / (limit - remaining); read when enough is used for
        the reset's rounding (ms) not to matter, else the window stays (a minute at first)."""
        self._refill(now)
        if limit is not None and limit > 0:
            self.capacity = limit
        if self.capacity is None:
            return
        used = self.capacity - remaining
        if reset is not None and reset > 0 and used >= max(1.0, 0.02 * self.capacity):
            self.window = min(86400.0, max(1.0, reset * self.capacity / used))
        level = min(
            self.capacity, remaining + self.rate * max(0.0, now - sent_at) - max(0.0, self.reserved - reserved_then)
        )
        # Net of both ways (an answer that was late says less than a newer one): the turns in the
        # queue come later by this much, or earlier (`RatePacer.recheck`).
        self.lowered += self.level - level
        self.level = level


@dataclass
class Reservation:
    tokens: int
    reserved_tokens: float = 0.0  # the buckets' `reserved` right after this reservation
    reserved_requests: float = 0.0
    sent_at: float = 0.0
    seen: tuple[float, float, float] = (0.0, 0.0, 0.0)  # `lowered` of both buckets, `blocked_until`, as last looked at


class RatePacer:
    """Both limits of one endpoint and key, for every call of an engine, and 429s' waits.

    on_wait: called with the wall-clock time (``time.time()``) until which requests are held
    back for the limit, whenever that moves by a second or more, and with None when nothing
    waits any more (a progress bar's "waiting for the rate limit until 10:02:31")."""

    def __init__(self, on_wait: Callable[[float | None], None] | None = None) -> None:
        self.tokens = Bucket()
        self.requests = Bucket()
        self.blocked_until = 0.0  # after a 429: nothing goes out before this (monotonic)
        self.on_wait = on_wait
        self.throttled = 0  # 429s seen
        self.waited = 0.0  # seconds calls spent waiting for the limit, summed
        self._lock = threading.Lock()
        self._waits: dict[int, float] = {}
        self._next_wait = 0
        self._told: float | None = None
        self._probe: Reservation | None = None  # the first request, until any answer has come back
        self._answered = False
        # The server's count of a request's tokens over our estimate, from the first answer
        # (`_learn`): a prompt of JSON schemas is more tokens than characters / 4 says; and a
        # little more after each 429 (`rejected`).
        self.scale = 1.0

    @property
    def known(self) -> bool:
        return self.tokens.capacity is not None or self.requests.capacity is not None

    def reserve(self, tokens: int, *, waited_until: float = 0.0) -> tuple[Reservation | None, float]:
        """Reserve a request of `tokens`: the reservation and the seconds to wait before sending.
        None: nothing reserved yet, the first request's answer is awaited; ask again after the wait.
        waited_until: the end of a 429's wait this request has served already (monotonic)."""
        now = time.monotonic()
        with self._lock:
            if not self._answered and self._probe is not None:
                return None, PROBE_POLL
            tokens = math.ceil(tokens * self.scale)
            delay = max(self.tokens.reserve(tokens, now), self.requests.reserve(1, now))
            delay = max(delay, self.blocked_until - max(now, waited_until))
            r = Reservation(
                tokens,
                self.tokens.reserved,
                self.requests.reserved,
                now + max(0.0, delay),
                (self.tokens.lowered, self.requests.lowered, max(self.blocked_until, waited_until)),
            )
            if not self._answered:
                self._probe = r
        return r, max(0.0, delay)

    def recheck(self, r: Reservation) -> float:
        """Seconds more a reservation must wait, once its wait is over: answers that came in
        meanwhile said the level was lower than counted (so every turn in the queue is later by
        as much), or a 429 stopped everything. Each change is counted once per reservation."""
        now = time.monotonic()
        with self._lock:
            tokens, requests, blocked = r.seen
            extra = 0.0
            if self.tokens.rate:
                extra = max(extra, (self.tokens.lowered - tokens) / self.tokens.rate)
            if self.requests.rate:
                extra = max(extra, (self.requests.lowered - requests) / self.requests.rate)
            if self.blocked_until > blocked:
                extra = max(extra, self.blocked_until - now)
            r.seen = (self.tokens.lowered, self.requests.lowered, max(blocked, self.blocked_until))
        return extra if extra > 0.001 else 0.0

    def answered(self) -> None:
        """Some answer came back (or the first request failed): the limit is as known as it gets."""
        self._answered = True

    def cancel(self, r: Reservation) -> None:
        """Give back a reservation that was not sent (rejected with 429, or given up)."""
        now = time.monotonic()
        with self._lock:
            self.tokens.refund(r.tokens, now)
            self.requests.refund(1, now)

    def sending(self, r: Reservation) -> None:
        r.sent_at = time.monotonic()

    def observe(self, headers: Mapping[str, str] | None, r: Reservation) -> None:
        """Set the buckets from an answer's ``x-ratelimit-*`` headers (when it has them)."""
        if not headers:
            return
        now = time.monotonic()
        with self._lock:
            for bucket, kind, reserved in (
                (self.tokens, "tokens", r.reserved_tokens),
                (self.requests, "requests", r.reserved_requests),
            ):
                remaining = _number(headers.get(f"x-ratelimit-remaining-{kind}"))
                if remaining is not None and kind == "tokens":
                    self._learn(r, remaining, _number(headers.get("x-ratelimit-limit-tokens")))
                if remaining is not None:
                    bucket.sync(
                        _number(headers.get(f"x-ratelimit-limit-{kind}")),
                        remaining,
                        reset=parse_duration(headers.get(f"x-ratelimit-reset-{kind}")),
                        sent_at=r.sent_at or now,
                        reserved_then=reserved,
                        now=now,
                    )

    def _learn(self, r: Reservation, remaining: float, limit: float | None) -> None:
        """The first answer's headers say what the server counted for it, the bucket being full
        before it (as it is at the start of a run, give or take): limit - remaining. Over our
        estimate of it, that is `scale`, never below 1: counted short, the requests in flight
        between two answers would meet 429s; counted long, the next answer corrects the level."""
        if r is not self._probe or limit is None or limit <= remaining or not r.tokens:
            return
        self.scale = min(2.0, max(1.0, (limit - remaining) / r.tokens))

    def rejected(self, r: Reservation, wait: float) -> float:
        """A 429: this request's tokens were not counted, and nothing goes out for `wait` s.
        Returns when that wait ends (monotonic)."""
        now = time.monotonic()
        with self._lock:
            self.throttled += 1
            self.scale = min(2.0, self.scale * 1.02)
            self.tokens.refund(r.tokens, now)
            self.requests.refund(1, now)
            self.blocked_until = max(self.blocked_until, now + wait)
        return now + wait

    # -- waiting, and saying so ---------------------------------------------------------------

    def begin_wait(self, seconds: float) -> int:
        with self._lock:
            self._next_wait += 1
            self._waits[self._next_wait] = time.monotonic() + seconds
            self.waited += seconds
            ticket = self._next_wait
        self._tell()
        return ticket

    def end_wait(self, ticket: int) -> None:
        with self._lock:
            self._waits.pop(ticket, None)
        self._tell()

    def _tell(self) -> None:
        if self.on_wait is None:
            return
        with self._lock:
            until = max(self._waits.values()) if self._waits else None
            wall = None if until is None else time.time() + (until - time.monotonic())
            told = self._told
            if (wall is None) == (told is None) and (wall is None or abs(wall - told) < 1.0):  # type: ignore[operator]
                return
            self._told = wall
        self.on_wait(wall)

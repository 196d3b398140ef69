"""An OpenAI-style rate limit, for the loopback servers of the tests and benchmarks.

What OpenAI documents and does (platform.openai.com/docs/guides/rate-limits): tokens and
requests per minute, each a bucket that refills at a steady rate (limit / 60 a second). A
request is admitted when both buckets cover it; its tokens are counted at admission as the
prompt's tokens plus ``max_tokens``. Every answer carries

    x-ratelimit-limit-requests / -tokens        the limits
    x-ratelimit-remaining-requests / -tokens    what is left after this request
    x-ratelimit-reset-requests / -tokens        until full again, as "1s", "6m0s", "120ms"

and a request beyond the limit gets HTTP 429 whose message says "Please try again in 1.2s"
(and, only when `retry_after_header`, a ``Retry-After`` header too: OpenAI's own 429s for
tokens per minute often carry none).

The prompt's tokens are counted here by a rough tokenizer of its own (words and punctuation
marks), not the client's characters / 4, so the client's estimate is off as it would be
against a real tokenizer and the headers have something to correct.

`window` is 60 s as OpenAI's; tests shorten it to keep a limited batch to a few seconds (the
reset times say so, and the client reads the window from them).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable

_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def prompt_tokens(body: dict) -> int:
    """Words and punctuation marks of the messages and tools: closer to a BPE count than chars / 4."""
    text = json.dumps(body.get("messages") or [], ensure_ascii=False) + json.dumps(body.get("tools") or [])
    return len(_TOKEN_RE.findall(text))


def request_cost(body: dict) -> int:
    return prompt_tokens(body) + int(body.get("max_completion_tokens") or body.get("max_tokens") or 0)


def duration(seconds: float) -> str:
    """OpenAI's way of writing a reset time: "120ms", "1s", "17.5s", "6m0s"."""
    if seconds < 1:
        return f"{max(0, math.ceil(seconds * 1000))}ms"
    minutes, rest = divmod(seconds, 60)
    rest_text = f"{rest:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{int(minutes)}m{rest_text}" if minutes else rest_text


class ProviderLimit:
    """Tokens (and optionally requests) per `window` seconds, as OpenAI limits them."""

    def __init__(
        self,
        tokens: int,
        requests: int | None = None,
        *,
        window: float = 60.0,
        retry_after_header: bool = False,
        model: str = "gpt-4.1-mini",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"tokens": float(tokens), "requests": float(requests or 1_000_000)}
        self.window = window
        self.retry_after_header = retry_after_header
        self.model = model
        self.clock = clock
        self.level = dict(self.limits)
        self.updated = clock()
        self.lock = threading.Lock()
        self.admitted = 0
        self.rejected = 0
        self.tokens_admitted = 0

    def _refill(self, now: float) -> None:
        dt = max(0.0, now - self.updated)
        for kind, limit in self.limits.items():
            self.level[kind] = min(limit, self.level[kind] + limit / self.window * dt)
        self.updated = now

    def _headers(self) -> dict[str, str]:
        out = {}
        for kind, limit in self.limits.items():
            left = max(0.0, self.level[kind])
            out[f"x-ratelimit-limit-{kind}"] = str(int(limit))
            out[f"x-ratelimit-remaining-{kind}"] = str(int(left))
            out[f"x-ratelimit-reset-{kind}"] = duration((limit - left) / (limit / self.window))
        return out

    def admit(self, body: dict) -> tuple[int, dict[str, str], dict | None]:
        """(status, headers, error body): 200 with the headers after counting it, or 429."""
        cost = {"tokens": float(request_cost(body)), "requests": 1.0}
        with self.lock:
            now = self.clock()
            self._refill(now)
            short = [k for k in ("tokens", "requests") if self.level[k] < min(cost[k], self.limits[k])]
            if not short:
                for kind in cost:
                    self.level[kind] -= cost[kind]
                self.admitted += 1
                self.tokens_admitted += int(cost["tokens"])
                return 200, self._headers(), None
            self.rejected += 1
            kind = short[0]
            need = min(cost[kind], self.limits[kind]) - self.level[kind]
            wait = need / (self.limits[kind] / self.window)
            headers = self._headers()
        per = "min" if self.window == 60 else f"{self.window:g}s"
        unit = "TPM" if kind == "tokens" else "RPM"
        message = (
            f"Rate limit reached for {self.model} in organization org-loopback on {kind} per {per} ({unit}): "
            f"Limit {int(self.limits[kind])}, Used {int(self.limits[kind] - self.level[kind])}, "
            f"Requested {int(cost[kind])}. Please try again in {duration(wait)}. "
            "Visit https://platform.openai.com/account/rate-limits to learn more."
        )
        if self.retry_after_header:
            headers["retry-after"] = str(math.ceil(wait))
        return 429, headers, {"error": {"message": message, "type": kind, "param": None, "code": "rate_limit_exceeded"}}

"""A loopback OpenAI-compatible server for the benchmarks: replays recorded answers after a latency.

    python benchmarks/replay_server.py --latency 0.3      # prints {"base_url": ...} and serves

``POST /v1/chat/completions`` is answered ``latency`` seconds after the request arrived, with

* the recorded response from ``evals/recordings`` when the request's key matches one
  (`bulletsmith.engines.openai.recording.recording_key` of the body, with each prompt hash the recordings
  were made under): real model output, real token counts ("recorded");
* otherwise a valid ``AnalyzeCall`` / ``RewriteCall`` tool call built from the bullet in the
  request by ``tests/support/fault_server.py``'s answer builders ("generated"); its ``prompt_tokens``
  is an estimate, ``ceil(characters of messages + tools / 4)``.

``GET /stats`` returns what was served: requests by kind and source, input tokens (reported
and estimated), the most requests in flight at once, 429s sent. ``POST /reset`` clears it.
``capacity`` (optional) makes it a rate-limited provider: a request arriving while
``capacity`` others are in flight gets HTTP 429 with ``Retry-After: retry_after``.
``tokens_per_minute`` (optional) puts OpenAI's kind of limit in front instead
(``tests/support/rate_limit.py``): tokens counted at admission, ``x-ratelimit-*`` headers on
every answer, 429 with "Please try again in N" and no Retry-After beyond it.
``reask_rate`` (optional): that share of first-attempt analyses (chosen by a hash of the
body, so the same every run) get an answer whose evidence is not in the bullet; the client's
guard refuses it and instructor re-asks, which this server answers validly.

Bounded: binds 127.0.0.1 only, answers at most ``max_requests`` requests (then HTTP 400) and
stops itself after ``lifetime`` seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.fault_server import BULLET_RE, analyze_args, rewrite_text
from support.rate_limit import ProviderLimit

from bulletsmith.engines.openai.recording import RecordingStore, recording_key

RECORDINGS = ROOT / "evals" / "recordings"


def estimate_tokens(body: dict) -> int:
    """About 4 characters a token (English prose and JSON): the same measure for every request."""
    text = json.dumps(body.get("messages", []), ensure_ascii=False) + json.dumps(
        body.get("tools", []), ensure_ascii=False
    )
    return math.ceil(len(text) / 4)


class ReplayServer:
    def __init__(
        self,
        *,
        latency: float = 0.3,
        recordings: Path = RECORDINGS,
        capacity: int | None = None,
        retry_after: float = 0.2,
        max_requests: int = 20_000,
        lifetime: float = 600.0,
        tokens_per_minute: int | None = None,
        window: float = 60.0,
        reask_rate: float = 0.0,
    ) -> None:
        self.reask_rate = reask_rate
        self.latency = latency
        self.capacity = capacity
        self.tokens_per_minute = tokens_per_minute
        self.window = window
        self.limit: ProviderLimit | None = None
        self.retry_after = retry_after
        self.max_requests = max_requests
        self.lifetime = lifetime
        self.store = RecordingStore(recordings)
        # Every context the recordings were keyed with (the prompt file's hash), and none.
        self.contexts: list[dict] = [{}]
        for key in sorted(self.store.keys()):
            rec = self.store.get(key)
            if rec is not None and rec.context and rec.context not in self.contexts:
                self.contexts.append(rec.context)
        self.lock = threading.Lock()
        self.reset()
        self._httpd: ThreadingHTTPServer | None = None
        self._timer: threading.Timer | None = None
        self._stopped = False

    def reset(self) -> None:
        with self.lock:
            self.counts: Counter = Counter()  # "analyze:recorded", "rewrite:generated", "429", "refused"
            self.tokens: dict[str, list[tuple[str, int, int]]] = {
                "analyze": [],
                "rewrite": [],
            }  # (source, reported, estimate)
            self.prefix: dict[str, list[str]] = {
                "analyze": [],
                "rewrite": [],
            }  # first messages' text, for the static prefix
            self.in_flight = 0
            self.max_in_flight = 0
            self.limit = ProviderLimit(self.tokens_per_minute, window=self.window) if self.tokens_per_minute else None

    def stats(self) -> dict:
        with self.lock:
            return {
                "requests": sum(v for k, v in self.counts.items() if ":" in k),
                "by_kind_source": {k: v for k, v in self.counts.items() if ":" in k},
                "rate_limited_429": self.counts["429"],
                "refused": self.counts["refused"],
                "max_in_flight": self.max_in_flight,
                "limit": None
                if self.limit is None
                else {
                    "tokens_per_window": int(self.limit.limits["tokens"]),
                    "window_s": self.limit.window,
                    "admitted": self.limit.admitted,
                    "rejected_429": self.limit.rejected,
                    "tokens_admitted": self.limit.tokens_admitted,
                },
                "tokens": {k: list(v) for k, v in self.tokens.items()},
                "static_prefix_chars": {k: _common_prefix(v) for k, v in self.prefix.items()},
                "mean_request_chars": {k: round(sum(map(len, v)) / len(v)) if v else 0 for k, v in self.prefix.items()},
            }

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self, port: int = 0) -> ReplayServer:
        owner = self

        class Handler(_Handler):
            server_owner = owner

        self._httpd = _Listener(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        with self.lock:
            httpd, stopped, self._stopped = self._httpd, self._stopped, True
        if self._timer is not None:
            self._timer.cancel()
        if httpd is not None and not stopped:
            httpd.shutdown()
            httpd.server_close()

    def wait(self) -> None:
        while not self._stopped:
            time.sleep(0.2)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- answers ------------------------------------------------------------------------------

    def recorded(self, body: dict) -> dict | None:
        for context in self.contexts:
            rec = self.store.get(recording_key(body, **context))
            if rec is not None and rec.status == 200 and isinstance(rec.response, dict):
                return rec.response
        return None


def _chosen(raw: bytes, rate: float) -> bool:
    import hashlib

    return rate > 0 and int(hashlib.sha256(raw).hexdigest()[:8], 16) / 0xFFFFFFFF < rate


def _ungrounded(answer: dict) -> dict:
    """The answer with a slot's evidence that the bullet never says: the grounding guard refuses it."""
    call = answer["choices"][0]["message"]["tool_calls"][0]["function"]
    args = json.loads(call["arguments"])
    args["action"] = {"present": True, "evidence": "tripled revenue in a week", "question": None}
    call["arguments"] = json.dumps(args)
    return answer


def _common_prefix(texts: list[str]) -> int:
    if len(texts) < 2:
        return 0
    lo, hi = min(texts), max(texts)  # the common prefix of all is that of the extremes
    n = 0
    while n < len(lo) and lo[n] == hi[n]:
        n += 1
    return n


def generated(body: dict, kind: str, bullet: str, model: str, prompt_tokens: int) -> dict:
    args = {"text": rewrite_text(bullet)} if kind == "rewrite" else analyze_args(bullet, rewrite=True)
    name = "RewriteCall" if kind == "rewrite" else "AnalyzeCall"
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}],
    }
    completion = math.ceil(len(message["tool_calls"][0]["function"]["arguments"]) / 4)
    return {
        "id": "chatcmpl-replay",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": prompt_tokens + completion,
        },
    }


class _Listener(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of 16 new connections (a batch's first
    # round) overflows it, the kernel drops the extra SYNs and those clients retry after the
    # 1 s TCP retransmission timeout, so a few requests took 1.3 s instead of 0.3 s. That was the
    # replay server's limit, not the client's nor any real provider's (nginx, uvicorn, llama.cpp
    # listen with a backlog of 128 to 2048).
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    server_owner: ReplayServer
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as real servers set it (nginx, uvicorn, Go's net/http): the handler writes a
    # response's headers and body in two sends, and with Nagle's algorithm on, the body waited for
    # the client's delayed ACK of the headers, 40 ms on Linux, on every kept-alive connection: ~40 ms
    # on each round of a batch after the first, counted against the client.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:
            pass

    def _send(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/stats":
            self._send(200, self.server_owner.stats())
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        arrived = time.monotonic()
        owner = self.server_owner
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") in ("/reset", "/stop"):
            if self.path.rstrip("/") == "/reset":
                owner.reset()
            self._send(200, {"ok": True})
            if self.path.rstrip("/") == "/stop":
                threading.Thread(target=owner.stop, daemon=True).start()
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(400, {"error": {"message": "bad JSON"}})
            return
        tool = ((body.get("tools") or [{}])[0].get("function") or {}).get("name", "")
        kind = "rewrite" if tool == "RewriteCall" else "analyze"
        limit_headers: dict[str, str] = {}
        with owner.lock:
            total = sum(v for k, v in owner.counts.items() if ":" in k)
            if total >= owner.max_requests:
                owner.counts["refused"] += 1
                refused = True
            else:
                refused = False
                throttled = owner.capacity is not None and owner.in_flight >= owner.capacity
                limited = owner.limit.admit(body) if owner.limit is not None and not throttled else None
                if limited is not None and limited[0] == 429:
                    owner.counts["429"] += 1
                elif throttled:
                    owner.counts["429"] += 1
                else:
                    owner.in_flight += 1
                    owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
                    limit_headers = limited[1] if limited is not None else {}
        if refused:
            self._send(400, {"error": {"message": "replay server: request limit reached"}})
            return
        if limited is not None and limited[0] == 429:
            self._send(429, limited[2] or {}, limited[1])
            return
        if throttled:
            self._send(
                429,
                {"error": {"message": "rate limited", "type": "rate_limit"}},
                {"Retry-After": f"{owner.retry_after:g}"},
            )
            return
        try:
            estimate = estimate_tokens(body)
            answer = owner.recorded(body)
            source = "recorded" if answer is not None else "generated"
            if answer is None:
                user = next((m.get("content") or "" for m in body.get("messages", []) if m.get("role") == "user"), "")
                m = BULLET_RE.search(user if isinstance(user, str) else json.dumps(user))
                answer = generated(body, kind, m.group(1).strip() if m else "", str(body.get("model")), estimate)
                first_try = sum(1 for msg in body.get("messages", []) if msg.get("role") == "user") == 1
                if kind == "analyze" and first_try and _chosen(raw, owner.reask_rate):
                    answer = _ungrounded(answer)
                    source = "ungrounded"
            reported = int((answer.get("usage") or {}).get("prompt_tokens") or 0)
            with owner.lock:
                owner.counts[f"{kind}:{source}"] += 1
                owner.tokens[kind].append((source, reported, estimate))
                owner.prefix[kind].append(json.dumps(body.get("messages", []), ensure_ascii=False))
            # The latency counts from the request's arrival: the server's own bookkeeping above (JSON,
            # the recording key), done one request at a time under the GIL when a round of 16 comes
            # in together, is not added to it.
            time.sleep(max(0.0, owner.latency - (time.monotonic() - arrived)))
            self._send(200, answer, limit_headers)
        finally:
            with owner.lock:
                owner.in_flight -= 1


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--latency", type=float, default=0.3)
    p.add_argument("--capacity", type=int, default=None, help="answer 429 beyond this many requests in flight")
    p.add_argument("--retry-after", type=float, default=0.2)
    p.add_argument("--max-requests", type=int, default=20_000)
    p.add_argument("--lifetime", type=float, default=600.0)
    p.add_argument("--tokens-per-minute", type=int, default=None, help="an OpenAI-style tokens-per-minute limit")
    p.add_argument("--reask-rate", type=float, default=0.0, help="share of first analyses to answer ungrounded")
    args = p.parse_args()
    server = ReplayServer(
        latency=args.latency,
        capacity=args.capacity,
        retry_after=args.retry_after,
        max_requests=args.max_requests,
        lifetime=args.lifetime,
        tokens_per_minute=args.tokens_per_minute,
        reask_rate=args.reask_rate,
    ).start()
    print(json.dumps({"base_url": server.base_url, "recordings": len(server.store.keys())}), flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()

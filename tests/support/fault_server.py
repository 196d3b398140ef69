"""A fault-injecting OpenAI-compatible server on 127.0.0.1, for tests.

It speaks just enough of ``POST /v1/chat/completions`` to answer instructor's TOOLS-mode
requests: an ``AnalyzeCall`` or ``RewriteCall`` tool call built from the bullet in the
request, valid for every guard. It only understands bullets shaped like the ones
`make_bullet` writes (four comma-separated parts: problem, action, data outcome, model
impact), so its answers are right without any model.

A seeded fault plan decides, per request, whether to misbehave instead:

    429        HTTP 429 with Retry-After (seconds)
    500, 503   HTTP errors (503 with Retry-After: 0)
    slow       answers only after `slow_seconds` (set it beyond the client's timeout)
    drop       closes the connection without a reply
    truncated  HTTP 200 whose JSON body is cut in half
    schema     HTTP 200, valid JSON, but the tool call's arguments fail the response model
    401echo    HTTP 401 whose message echoes the Authorization header (as some servers do);
               not in the default plan

The decision is a function of (seed, the request body, how often that body was seen), so
it does not depend on the order in which concurrent requests arrive. A bullet containing
``POISON`` gets answers that fail the guards every time (evidence that isn't in the bullet;
a rewrite with a number nobody gave).

``limit`` (a `support.rate_limit.ProviderLimit`) puts an OpenAI-style rate limit in front:
429 with "Please try again in N" beyond it, ``x-ratelimit-*`` headers on every answer.

Bounded: loopback only, at most `max_requests` requests (then HTTP 400, never retried),
and it shuts itself down after `lifetime` seconds. Use it as a context manager.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FAULTS = ("429", "500", "503", "slow", "drop", "truncated", "schema")
SLOTS = ("problem", "action", "data_outcome", "model_impact")
BULLET_RE = re.compile(r"^Bullet: (.*)$", re.MULTILINE)


def make_bullet(i: int, *, poison: bool = False) -> str:
    """A closed-loop bullet the server can parse: 'problem, action, data outcome, model impact'."""
    tag = " POISON" if poison else ""
    return (
        f"Fixed flaky labels in queue q{i}{tag}, rebuilt the sampler, "
        f"cut label errors 9% to 3%, lifting recall 4 points"
    )


def _user_text(body: dict) -> str:
    """The request's user message: the bullet, and for a rewrite the answers."""
    user = next((m.get("content") or "" for m in body.get("messages", []) if m.get("role") == "user"), "")
    return user if isinstance(user, str) else json.dumps(user)


def parts(bullet: str) -> list[str]:
    # ", " only: a number's thousands separator ("100,000 users") is not a part boundary.
    pieces = [p.strip() for p in re.split(r",\s+", bullet)]
    if len(pieces) != 4:
        return [bullet[:40], "", "", ""]
    return pieces


# Questions for a bullet that isn't 'problem, action, data outcome, model impact': its text is the action.
PLAIN_QUESTIONS = {
    "problem": "What was going wrong before this: {}?",
    "data_outcome": "What changed in the data after this: {}?",
    "model_impact": "What did that do for the model after this: {}?",
}


def analyze_args(bullet: str, *, poison: bool = False, rewrite: bool = False) -> dict:
    """The analysis a model would give. rewrite: also the rewrite of a bullet with nothing
    missing, in the same answer (what prompts/analyze.md asks for); off, the client needs a
    second request for it, which is what the fault tests exercise."""
    problem, action, data, impact = parts(bullet)
    if poison:  # evidence the bullet never says: the grounding guard rejects it every time
        return {s: {"present": True, "evidence": "tripled revenue in a week", "question": None} for s in SLOTS}
    if not data:  # a plain bullet ("Built a classification model for image labeling")
        short = bullet[:120]  # the schema's length limits
        return {
            s: {"present": True, "evidence": short, "question": None}
            if s == "action"
            else {"present": False, "evidence": None, "question": PLAIN_QUESTIONS[s].format(short)}
            for s in SLOTS
        }
    ev = {"problem": problem, "action": action, "data_outcome": data, "model_impact": impact}
    out = {}
    for slot in SLOTS:
        if ev[slot]:
            out[slot] = {"present": True, "evidence": ev[slot], "question": None}
        else:
            out[slot] = {"present": False, "evidence": None, "question": f"What changed after: {bullet}?"}
    if rewrite and all(ev.values()):
        out["rewrite"] = rewrite_text(bullet)
    return out


def rewrite_text(bullet: str, *, poison: bool = False, answers: str = "") -> str:
    """answers: the rewrite request's answer lines ("- problem: …"); a plain bullet takes them in."""
    if poison:
        return "Rebuilt the sampler, cutting label errors by 95% for 12 teams"
    problem, action, data, impact = parts(bullet)
    if not data:
        given = re.findall(r"^- [^:]+: (.+)$", answers, re.MULTILINE)
        return "; ".join([bullet, *given])
    action = action[0].upper() + action[1:]
    return f"{action} to fix {(problem[0].lower() + problem[1:]).removeprefix('fixed ')}: {data}, {impact}"


@dataclass
class Served:
    kind: str  # "analyze" or "rewrite"
    bullet: str
    fault: str | None
    completed: bool = False  # the whole reply was written


@dataclass
class FaultPlan:
    seed: int = 0
    rate: float = 0.0
    faults: tuple[str, ...] = FAULTS
    slow_seconds: float = 1.5
    delay: float = 0.0  # added to every answer (to make a batch slow enough to interrupt)
    retry_after: str = "1"
    first_only: bool = False  # only the first time a body is seen may fault
    # Answer this many rewrite requests, then hold the others unanswered until `release` is set
    # (or the server stops): a batch caught mid-way, deterministically.
    hold_rewrites_after: int | None = None
    release: threading.Event = field(default_factory=threading.Event)
    # A claim every rewrite adds after its opening verb and article ("PyTorch": "Built a PyTorch
    # classification model …"), as models do: the claims guard must refuse it every time.
    invent: str | None = None

    def decide(self, body_key: str, seen: int) -> str | None:
        if self.rate <= 0 or (self.first_only and seen > 0):
            return None
        rng = random.Random(f"{self.seed}:{body_key}:{seen}")
        if rng.random() >= self.rate:
            return None
        return rng.choice(self.faults)


class FaultServer:
    def __init__(
        self,
        plan: FaultPlan | None = None,
        *,
        max_requests: int = 5000,
        lifetime: float = 120.0,
        model: str = "fault-model",
        limit: object = None,
    ) -> None:
        self.plan = plan or FaultPlan()
        self.limit = limit  # a support.rate_limit.ProviderLimit, or None
        self.max_requests = max_requests
        self.lifetime = lifetime
        self.model = model
        self.lock = threading.Lock()
        self.seen: dict[str, int] = {}
        self.served: list[Served] = []
        self.headers_seen: list[dict[str, str]] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self._stopped = False

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def cli_env(self, folder: Path, *, key: str, model: str) -> dict[str, str]:
        """The environment of a CLI run against this server, its cache and state under `folder`."""
        return {
            "OPENAI_BASE_URL": self.base_url,
            "OPENAI_API_KEY": key,
            "BULLETSMITH_MODEL": model,
            "BULLETSMITH_CACHE_DIR": str(folder / "cache"),
            "BULLETSMITH_STATE_DIR": str(folder / "state"),
        }

    def start(self) -> FaultServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        self.plan.release.set()
        if self._timer is not None:
            self._timer.cancel()
        with self.lock:
            httpd, stopped, self._stopped = self._httpd, self._stopped, True
        if httpd is not None and not stopped:
            httpd.shutdown()
            httpd.server_close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- bookkeeping ------------------------------------------------------------------------

    def requests_for(self, bullet: str) -> list[Served]:
        with self.lock:
            return [s for s in self.served if s.bullet == bullet]

    def count(self, kind: str) -> int:
        """Requests of this kind received so far (answered or not)."""
        with self.lock:
            return sum(1 for s in self.served if s.kind == kind)

    def completed(self) -> int:
        with self.lock:
            return sum(1 for s in self.served if s.completed and s.fault is None)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up mid-request is part of the test, not an error


class _Handler(BaseHTTPRequestHandler):
    owner: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:  # the client gave up (timeout, interrupt): nothing to answer
            pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps({"error": {"message": message, "type": "fault"}}).encode(), headers)

    def do_POST(self) -> None:
        owner = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            self._error(400, "bad JSON")
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._error(404, f"no route {self.path}")
            return
        key = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        tool = ((body.get("tools") or [{}])[0].get("function") or {}).get("name", "")
        kind = "rewrite" if tool == "RewriteCall" else "analyze"
        m = BULLET_RE.search(_user_text(body))
        bullet = m.group(1).strip() if m else ""
        with owner.lock:
            owner.headers_seen.append({k.lower(): v for k, v in self.headers.items()})
            if len(owner.served) >= owner.max_requests:
                self._error(400, "fault server: request limit reached")
                return
            limited = owner.limit.admit(body) if owner.limit is not None else (200, {}, None)
            if limited[0] == 429:
                owner.served.append(Served(kind=kind, bullet=bullet, fault="ratelimit", completed=True))
            else:
                seen = owner.seen.get(key, 0)
                owner.seen[key] = seen + 1
                fault = owner.plan.decide(key, seen)
                record = Served(kind=kind, bullet=bullet, fault=fault)
                owner.served.append(record)
                nth = sum(1 for s in owner.served if s.kind == kind) - 1  # 0-based, among this kind
        status, limit_headers, limit_error = limited
        if status == 429:
            self._send(429, json.dumps(limit_error).encode(), limit_headers)
            return

        plan = owner.plan
        if fault == "401echo":
            self._error(401, f"Incorrect API key provided: {self.headers.get('Authorization', '')}")
        elif fault == "429":
            self._error(429, "rate limited", {"Retry-After": plan.retry_after})
        elif fault == "500":
            self._error(500, "internal error")
        elif fault == "503":
            self._error(503, "overloaded", {"Retry-After": "0"})
        elif fault == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        elif fault == "slow":
            time.sleep(plan.slow_seconds)
            try:
                self._send(200, self._completion(body, kind, bullet))
            except OSError:
                pass
        elif fault == "truncated":
            full = self._completion(body, kind, bullet)
            self._send(200, full[: len(full) // 2])
        elif fault == "schema":
            args = {"text": 42} if kind == "rewrite" else {"problem": "yes", "action": []}
            self._send(200, self._completion(body, kind, bullet, args=args))
        else:
            if plan.hold_rewrites_after is not None and kind == "rewrite" and nth >= plan.hold_rewrites_after:
                plan.release.wait(owner.lifetime)
            if plan.delay:
                time.sleep(plan.delay)
            try:
                self._send(200, self._completion(body, kind, bullet), limit_headers)
            except OSError:
                return
        record.completed = True

    def _completion(self, body: dict, kind: str, bullet: str, *, args: dict | None = None) -> bytes:
        poison = "POISON" in bullet
        if args is None:
            answers = _user_text(body).split("Answers:", 1)[-1]
            args = (
                {"text": rewrite_text(bullet, poison=poison, answers=answers)}
                if kind == "rewrite"
                else analyze_args(bullet, poison=poison)
            )
            if kind == "rewrite" and self.owner.plan.invent:
                args["text"] = re.sub(
                    r"^(\w+ (?:a|an|the) )", rf"\g<1>{self.owner.plan.invent} ", args["text"], count=1
                )
        name = "RewriteCall" if kind == "rewrite" else "AnalyzeCall"
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
            ],
        }
        return json.dumps(
            {
                "id": "chatcmpl-fault",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": self.owner.model,
                "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
                "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70},
            }
        ).encode()

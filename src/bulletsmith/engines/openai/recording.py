"""Record and replay model calls at the HTTP transport, under the real openai client.

The openai engine accepts an ``httpx2`` transport (``http_client=``). `RecordingTransport`
sits there, so the openai client, instructor (its parsing and re-asks), our validators and
the Assistant's guards all run for real on replay; only the bytes the server sent are
played back. Nothing mocks instructor or bulletsmith.

Each request is keyed by `recording_key`: the one key function of `bulletsmith.engines.openai.request_key`
over the normalised JSON body (model, messages, tools / response format, temperature,
max tokens…) plus the prompt file's hash when the caller names it (`RecordingTransport.context`).
The endpoint is not in the key: a recording made against ``127.0.0.1:8080`` replays with no
endpoint at all.

A recording is one pretty-printed JSON file, ``<dir>/<key>.json``, holding the normalised
request, the raw response body, the model the server reported, token usage, when it was
made and the library versions. Never a header, never a key: the request is stored as its
normalised body only (the body carries no credential), and `save` refuses to write a file
that contains the API key in use.

Modes:

* replay (no inner transport): a request without a recording raises `ReplayMiss`, naming
  the key; the miss is also kept in ``transport.misses`` (the openai client wraps exceptions
  from its transport in ``APIConnectionError``).
* record (``inner=`` a real transport): a recorded request is replayed; any other is sent
  through ``inner`` and, when the server answered 2xx, saved at once, so an interrupted
  run keeps every answer it got.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import platform
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from bulletsmith.engines.openai.request_key import KEY_VERSION, normalize_request, request_key
from bulletsmith.errors import BulletsmithError

__all__ = ["Recording", "RecordingStore", "RecordingTransport", "ReplayMiss", "library_versions", "recording_key"]

# Headers of a recorded response worth replaying; everything else (dates, server names,
# set-cookie…) is dropped.
_KEEP_RESPONSE_HEADERS = ("content-type",)
_CONTEXT: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar(
    "bulletsmith_recording_context",
    default={},  # noqa: B039 - never mutated: set() replaces it
)


class ReplayMiss(BulletsmithError, RuntimeError):
    """No recording for this request: the message names the key and says how to re-record."""

    def __init__(self, key: str, body: dict[str, Any] | None = None, context: dict[str, Any] | None = None) -> None:
        self.key = key
        self.body = body or {}
        self.context = dict(context or {})
        super().__init__(
            f"replay miss: no recording for request {key} (model {self.body.get('model')!r}); "
            "re-record with: bulletsmith eval --engine openai --record"
        )


def _route(path: str) -> str:
    """The API route without the base URL's prefix: '/v1/chat/completions' -> 'chat/completions'."""
    for route in ("chat/completions", "completions", "embeddings", "responses"):
        if path.rstrip("/").endswith("/" + route) or path.strip("/") == route:
            return route
    return path.strip("/")


def recording_key(body: dict[str, Any], *, route: str = "chat/completions", **context: Any) -> str:
    """The key of one HTTP request: `request_key` of its body, the API route and `context`
    (``prompt=`` the prompt file's sha256, as the response cache keys it)."""
    return request_key(body, api=route, **context)


def library_versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("bulletsmith", "openai", "instructor", "httpx2", "pydantic"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class Recording:
    key: str
    request: dict[str, Any]
    status: int
    response: Any  # the raw response body: parsed JSON, or text when it was not JSON
    content_type: str = "application/json"
    model: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    recorded: str = field(default_factory=_now)
    seconds: float | None = None
    versions: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "key_version": KEY_VERSION,
            "recorded": self.recorded,
            "model": self.model,
            "usage": self.usage,
            "seconds": self.seconds,
            "context": self.context,
            "versions": self.versions,
            "request": self.request,
            "response": {"status": self.status, "content_type": self.content_type, "body": self.response},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Recording:
        response = data.get("response") or {}
        return cls(
            key=data["key"],
            request=data.get("request") or {},
            status=int(response.get("status", 200)),
            response=response.get("body"),
            content_type=response.get("content_type") or "application/json",
            model=data.get("model"),
            usage=data.get("usage") or {},
            context=data.get("context") or {},
            recorded=data.get("recorded") or "",
            seconds=data.get("seconds"),
            versions=data.get("versions") or {},
        )

    def http_response(self) -> httpx2.Response:
        if isinstance(self.response, (dict, list)):
            content = json.dumps(self.response, ensure_ascii=False).encode("utf-8")
        else:
            content = str(self.response or "").encode("utf-8")
        return httpx2.Response(self.status, headers={"content-type": self.content_type}, content=content)


class RecordingStore:
    """A folder of recordings, one ``<key>.json`` file each; reads are cached in memory."""

    def __init__(self, directory: str | os.PathLike[str], *, secret: str | None = None) -> None:
        self.directory = Path(directory)
        self.secret = secret  # a key that must never reach a file
        self._loaded: dict[str, Recording | None] = {}
        self.used: set[str] = set()

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> Recording | None:
        if key not in self._loaded:
            try:
                data = json.loads(self.path(key).read_text(encoding="utf-8"))
                self._loaded[key] = Recording.from_json(data) if data.get("key") == key else None
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self._loaded[key] = None
        return self._loaded[key]

    def save(self, recording: Recording) -> Path:
        text = json.dumps(recording.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        if self.secret and len(self.secret) >= 8 and self.secret in text:
            raise ValueError("refusing to save a recording that contains the API key")
        from bulletsmith.fsutil import atomic_write

        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(recording.key)
        atomic_write(path, text)  # a crash leaves the old file or the new one, never half of one
        self._loaded[recording.key] = recording
        return path

    def keys(self) -> set[str]:
        if not self.directory.is_dir():
            return set()
        return {p.stem for p in self.directory.glob(f"{KEY_VERSION}-*.json")}

    def delete(self, key: str) -> None:
        with contextlib.suppress(OSError):
            self.path(key).unlink()
        self._loaded.pop(key, None)


class RecordingTransport(httpx2.BaseTransport):
    """Replays recorded answers; with `inner`, sends the others there and records them."""

    def __init__(
        self, store: RecordingStore, *, inner: httpx2.BaseTransport | None = None, endpoint: str | None = None
    ) -> None:
        self.store = store
        self.inner = inner
        self.endpoint = endpoint  # written into new recordings for the reader; never part of the key
        self.misses: list[ReplayMiss] = []
        self.keys: list[str] = []  # every key requested, in order
        self.recorded: list[str] = []  # keys recorded by this transport
        self.replayed = 0

    @property
    def recording(self) -> bool:
        return self.inner is not None

    @staticmethod
    @contextlib.contextmanager
    def context(**values: Any) -> Iterator[None]:
        """Key context for the requests made inside (``prompt=`` the prompt file's sha256)."""
        token = _CONTEXT.set({**_CONTEXT.get(), **values})
        try:
            yield
        finally:
            _CONTEXT.reset(token)

    def key_for(self, request: httpx2.Request) -> tuple[str, dict[str, Any], dict[str, Any]]:
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            body = {"raw": request.content.decode("utf-8", "replace")}
        if not isinstance(body, dict):
            body = {"body": body}
        context = {k: v for k, v in _CONTEXT.get().items() if v is not None}
        return recording_key(body, route=_route(request.url.path), **context), body, context

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        key, body, context = self.key_for(request)
        self.keys.append(key)
        recorded = self.store.get(key)
        if recorded is not None:
            self.store.used.add(key)
            self.replayed += 1
            return recorded.http_response()
        if self.inner is None:
            miss = ReplayMiss(key, body, context)
            self.misses.append(miss)
            raise miss
        started = time.perf_counter()
        response = self.inner.handle_request(request)
        content = response.read()
        seconds = round(time.perf_counter() - started, 3)
        content_type = response.headers.get("content-type", "application/json").split(";")[0].strip()
        if 200 <= response.status_code < 300:  # failures are retried, never recorded
            try:
                parsed: Any = json.loads(content)
            except ValueError:
                parsed = content.decode("utf-8", "replace")
            self.store.save(
                Recording(
                    key=key,
                    request={
                        "route": _route(request.url.path),
                        "body": normalize_request(body),
                        **({"endpoint": self.endpoint} if self.endpoint else {}),
                    },
                    status=response.status_code,
                    response=parsed,
                    content_type=content_type or "application/json",
                    model=parsed.get("model") if isinstance(parsed, dict) else None,
                    usage=(parsed.get("usage") or {}) if isinstance(parsed, dict) else {},
                    context=context,
                    seconds=seconds,
                    versions=library_versions(),
                )
            )
            self.store.used.add(key)
            self.recorded.append(key)
        headers = {k: v for k, v in response.headers.items() if k.lower() in _KEEP_RESPONSE_HEADERS}
        for name in ("retry-after", "retry-after-ms", "x-should-retry"):
            if name in response.headers:
                headers[name] = response.headers[name]
        return httpx2.Response(response.status_code, headers=headers, content=content, request=request)

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()

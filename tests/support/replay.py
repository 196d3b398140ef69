"""The committed eval recordings (real SmolLM2 answers) behind a batch's async client, so a
test can run real resumes through `run_batch` with the real openai client and instructor and
no network."""

from __future__ import annotations

import json

import httpx2

from bulletsmith import Assistant
from bulletsmith.engines.openai.prompts import load_prompt
from bulletsmith.engines.openai.recording import RecordingTransport
from bulletsmith.eval_recordings import REPLAY_API_KEY, REPLAY_BASE_URL, Recordings
from support.paths import REPO


class AsyncReplay(httpx2.AsyncBaseTransport):
    """The batch's async client over the recordings. The eval names the prompt of each call in
    the key's context; a batch interleaves calls, so each request names it from its tool."""

    PROMPTS = {"AnalyzeCall": "analyze", "RewriteCall": "rewrite"}

    def __init__(self, replay: RecordingTransport) -> None:
        self.replay = replay

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        tool = json.loads(request.content)["tools"][0]["function"]["name"]
        with RecordingTransport.context(prompt=load_prompt(self.PROMPTS[tool]).sha256):
            return self.replay.handle_request(request)


def replay_assistant() -> tuple[Assistant, Recordings]:
    """An openai-engine Assistant answering from evals/recordings, and the recordings (their
    transport counts what was replayed and what missed)."""
    recordings = Recordings(REPO / "evals" / "recordings")
    recordings.assistant()  # opens the recordings for replay (no endpoint, no network)
    index = recordings.index  # the model, mode and re-ask budget they were recorded with
    assistant = Assistant(
        engine="openai",
        base_url=REPLAY_BASE_URL,
        api_key=REPLAY_API_KEY,
        model=recordings.model,
        mode=index["mode"],
        max_reasks=int(index["max_reasks"]),
        cache=False,
        http_client=AsyncReplay(recordings.transport),
    )
    return assistant, recordings

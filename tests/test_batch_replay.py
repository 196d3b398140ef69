"""A batch over real resumes with the real model's recorded answers: the bullets of these resumes
are eval cases (shared/realdata/bullets.jsonl), so the analyses the batch asks for are the
recorded SmolLM2 requests, replayed by the real openai client and instructor with no network."""

from __future__ import annotations

import json

import httpx2
import pytest

from bulletsmith import Assistant
from bulletsmith.answer_bank import AnswerBank
from bulletsmith.batch import Status, run_batch
from bulletsmith.documents import load_document
from bulletsmith.evaluation import REPLAY_API_KEY, REPLAY_BASE_URL, Recordings
from bulletsmith.prompts import load_prompt
from bulletsmith.recording import RecordingTransport
from conftest import REPO, shared_path


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


@pytest.mark.parametrize("name", ["sb2nov_sourabh-bajaj_resume.tex", "jsonresume-org_senior-engineer.resume.json"])
def test_a_real_resume_through_the_batch_with_recorded_model_answers(name):
    recordings = Recordings(REPO / "evals" / "recordings")
    recordings.assistant()  # opens the recordings for replay (no endpoint, no network)
    index = recordings.index  # the model, mode and re-ask budget they were recorded with
    assistant = Assistant(
        engine="openai", base_url=REPLAY_BASE_URL, api_key=REPLAY_API_KEY, model=recordings.model,
        mode=index["mode"], max_reasks=int(index["max_reasks"]), cache=False,
        http_client=AsyncReplay(recordings.transport),
    )
    document = load_document(shared_path("realdata", "resumes", name))

    result = run_batch(document, assistant)

    assert recordings.transport.misses == [] and recordings.transport.replayed >= len(document.bullets)
    assert len(result.outcomes) == len(document.bullets) and all(o.finished for o in result.outcomes)
    refused = [o for o in result.outcomes if not o.analysis.ok]
    assert refused  # SmolLM2 rarely passes the analysis checks: each refusal says why, and changes nothing
    for o in refused:
        assert o.status is Status.FAILED and o.error.startswith("the analysis failed: reask: ")
        assert o.after == o.before and o.pending == []
    asked = {e.bullet for e in result.questions_file(name, AnswerBank()).bullets}
    assert asked == {o.original for o in result.outcomes if o.analysis.ok and o.analysis.questions}

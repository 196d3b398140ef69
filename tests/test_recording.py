"""The recording transport: record under the real openai client, replay with no network.

A scripted ``httpx2.MockTransport`` plays the server while recording; replay has no inner
transport at all, so a request without a recording can only fail (ReplayMiss).
"""

from __future__ import annotations

import json

import httpx2
import pytest
from support.paths import WEAK

from bulletsmith import Assistant, Slot
from bulletsmith.engines.openai.recording import (
    Recording,
    RecordingStore,
    RecordingTransport,
    ReplayMiss,
    recording_key,
)
from bulletsmith.engines.openai.request_key import normalize_request
from bulletsmith.errors import EndpointError

KEY = "sk-test-RECORDING-SECRET-42"
BASE = "http://llm.test/v1"
BULLET = WEAK


def analysis_args() -> dict:
    return {
        "problem": {
            "present": False,
            "evidence": None,
            "question": "What was going wrong with image labeling before you built the classification model?",
        },
        "action": {"present": True, "evidence": "Built a classification model", "question": None},
        "data_outcome": {
            "present": False,
            "evidence": None,
            "question": "How many images did the labels cover, and how did label quality change?",
        },
        "model_impact": {
            "present": False,
            "evidence": None,
            "question": "What did the classification model change downstream, and by how much?",
        },
    }


def reply(request: httpx2.Request, *, status: int = 200) -> httpx2.Response:
    body = json.loads(request.content)
    tool = body["tools"][0]["function"]["name"]
    args = analysis_args() if tool == "AnalyzeCall" else {"text": "Built a classification model for image labeling"}
    return httpx2.Response(
        status,
        headers={"set-cookie": "session=abc", "x-request-id": "r1"},
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "served-model-v1",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": "c1", "type": "function", "function": {"name": tool, "arguments": json.dumps(args)}}
                        ],
                    },
                }
            ],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
        },
    )


class Server:
    def __init__(self, *statuses: int) -> None:
        self.requests: list[httpx2.Request] = []
        self.statuses = list(statuses)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        if status != 200:
            return httpx2.Response(status, json={"error": {"message": "busy"}})
        return reply(request)


def assistant(transport, **kw) -> Assistant:
    return Assistant(
        engine="openai", base_url=BASE, api_key=KEY, model="test-model", cache=False, http_client=transport, **kw
    )


def test_record_then_replay_gives_the_same_result_with_no_server(tmp_path):
    server = Server()
    store = RecordingStore(tmp_path / "rec", secret=KEY)
    recorder = RecordingTransport(store, inner=httpx2.MockTransport(server), endpoint=BASE)
    recorded = assistant(recorder).analyze(BULLET)
    assert recorded.ok and len(server.requests) == 1 and len(recorder.recorded) == 1
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"  # the key did travel…

    files = list((tmp_path / "rec").glob("bs1-*.json"))
    assert len(files) == 1
    text = files[0].read_text()
    assert KEY not in text and "authorization" not in text.lower() and "bearer" not in text.lower()  # …never stored
    assert "set-cookie" not in text and "x-request-id" not in text
    assert text.startswith("{\n  ")  # pretty-printed
    data = json.loads(text)
    assert data["key"] == files[0].stem
    assert data["model"] == "served-model-v1"
    assert data["usage"]["prompt_tokens"] == 120
    assert data["request"]["body"]["model"] == "test-model" and data["request"]["body"]["temperature"] == 0
    assert data["request"]["body"] == normalize_request(json.loads(server.requests[0].content))
    assert data["response"]["body"]["choices"][0]["message"]["tool_calls"]
    assert {"openai", "instructor", "httpx2", "python"} <= data["versions"].keys()
    assert data["recorded"].endswith("Z")

    replayer = RecordingTransport(RecordingStore(tmp_path / "rec"))  # no inner transport: no network
    replayed = assistant(replayer).analyze(BULLET)
    assert replayed.slots == recorded.slots and replayed.questions == recorded.questions
    assert replayed.model == "served-model-v1" and replayed.usage.prompt_tokens == 120
    assert replayer.replayed == 1 and not replayer.misses


def test_a_request_without_recording_raises_replay_miss_naming_the_key(tmp_path):
    transport = RecordingTransport(RecordingStore(tmp_path))
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0}
    with pytest.raises(ReplayMiss) as e:
        transport.handle_request(httpx2.Request("POST", f"{BASE}/chat/completions", json=body))
    key = recording_key(body)
    assert e.value.key == key and key in str(e.value) and "--record" in str(e.value)
    assert transport.misses[0].key == key


def test_a_miss_under_the_openai_client_ends_the_call_with_the_miss_kept(tmp_path):
    from bulletsmith.engines.openai.engine import OpenAIEngine

    transport = RecordingTransport(RecordingStore(tmp_path))
    engine = OpenAIEngine(
        base_url=BASE, api_key=KEY, model="test-model", cache=False, http_client=transport, network_retries=0
    )
    with pytest.raises(EndpointError, match="replay miss"):
        engine.analyze(BULLET)
    assert len(transport.misses) == 1 and transport.misses[0].key.startswith("bs1-")


def test_the_key_is_the_one_key_function_over_body_route_and_prompt_hash():
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.0, "stream": False}
    same = {"temperature": 0, "messages": [{"content": "hi", "role": "user"}], "model": "m"}
    assert recording_key(body) == recording_key(same)  # key order, 0 vs 0.0, transport-only fields
    assert recording_key(body) != recording_key({**body, "model": "other"})
    assert recording_key(body) != recording_key({**body, "messages": [{"role": "user", "content": "hi!"}]})
    assert recording_key(body, prompt="a" * 64) != recording_key(body, prompt="b" * 64)


def test_the_endpoint_is_not_in_the_key_so_a_recording_replays_anywhere(tmp_path):
    store = RecordingStore(tmp_path)
    assistant(RecordingTransport(store, inner=httpx2.MockTransport(Server()))).analyze(BULLET)
    other = Assistant(
        engine="openai",
        base_url="http://elsewhere:9999/v1",
        api_key="x",
        model="test-model",
        cache=False,
        http_client=RecordingTransport(RecordingStore(tmp_path)),
    )
    assert other.analyze(BULLET).ok


def test_prompt_context_changes_the_key(tmp_path):
    store = RecordingStore(tmp_path)
    transport = RecordingTransport(store, inner=httpx2.MockTransport(Server()))
    a = assistant(transport)
    with transport.context(prompt="1" * 64):
        a.analyze(BULLET)
    with transport.context(prompt="2" * 64):
        a.analyze(BULLET)
    a.analyze(BULLET)
    assert len(set(transport.keys)) == 3 and len(store.keys()) == 3


def test_failed_responses_are_retried_and_never_recorded(tmp_path):
    from bulletsmith.engines.openai.engine import OpenAIEngine

    server = Server(503, 200)
    store = RecordingStore(tmp_path)
    engine = OpenAIEngine(
        base_url=BASE,
        api_key=KEY,
        model="test-model",
        cache=False,
        sleep=lambda s: None,
        http_client=RecordingTransport(store, inner=httpx2.MockTransport(server)),
    )
    assert engine.analyze(BULLET).slots[Slot.ACTION].present
    assert len(server.requests) == 2 and len(store.keys()) == 1
    (key,) = store.keys()
    assert store.get(key).status == 200


def test_a_recording_holding_the_key_is_refused(tmp_path):
    store = RecordingStore(tmp_path, secret=KEY)
    leaky = Recording(key="bs1-x", request={"body": {"note": KEY}}, status=200, response={})
    with pytest.raises(ValueError, match="API key"):
        store.save(leaky)
    assert not list(tmp_path.iterdir())


def test_a_corrupt_or_mismatched_recording_is_a_miss(tmp_path):
    store = RecordingStore(tmp_path)
    (tmp_path / "bs1-a.json").write_text("{not json")
    (tmp_path / "bs1-b.json").write_text(json.dumps({"key": "bs1-other"}))
    assert store.get("bs1-a") is None and store.get("bs1-b") is None

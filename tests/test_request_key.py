"""What the request key covers: each thing that can change a model's answer, changed alone.

The response cache and the eval recordings are keyed by `request_key`. A key that misses one
of these would answer a changed request from the old cache (or replay an old recording): the
prompt file's bytes (its front-matter header too, not only the text sent), the model, the
endpoint, the mode, the re-ask budget, the temperature and max tokens, the answers, the
response schema. Each test changes exactly one of them and nothing else.
"""

from __future__ import annotations

import dataclasses
import json
import shutil

import httpx2
import pytest
from pydantic import BaseModel
from support.paths import REPO, WEAK

from bulletsmith import Answer, Assistant, Slot
from bulletsmith.engines.openai.engine import OpenAIEngine
from bulletsmith.engines.openai.prompts import load_prompt
from bulletsmith.engines.openai.recording import RecordingStore, RecordingTransport
from bulletsmith.engines.openai.request_key import request_key
from bulletsmith.engines.openai.schemas import AnalyzeCall, RewriteCall

BASE = "http://llm.test/v1"
KEY = "sk-test-REQUESTKEY-0001"


def engine(**kw) -> OpenAIEngine:
    kw = {"base_url": BASE, "api_key": KEY, "model": "test-model", "cache": False, **kw}
    return OpenAIEngine(**kw)


def key_of(eng: OpenAIEngine, prompt=None, messages=None, response_model=RewriteCall) -> str:
    prompt = prompt or load_prompt("rewrite")
    messages = messages if messages is not None else prompt.render(bullet=WEAK, answers="- problem: labels were slow")
    return eng._request(prompt, messages, response_model)[1]


def header_only_edit(tmp_path, monkeypatch, name: str):
    """A copy of prompts/ where `name`.md differs only in its front matter's description."""
    folder = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts", folder)
    path = folder / f"{name}.md"
    text = path.read_text()
    assert text.startswith("---\ndescription:") or "\ndescription: " in text.split("\n---\n", 1)[0]
    head, sep, body = text.partition("\n---\n")
    path.write_text(head.replace("description: ", "description: (edited) ", 1) + sep + body)
    monkeypatch.setenv("BULLETSMITH_PROMPTS_DIR", str(folder))
    return path


# --------------------------------------------------------------------------- the key, one thing changed at a time


def test_the_same_request_gets_the_same_key():
    assert key_of(engine()) == key_of(engine())


def test_a_header_only_edit_of_the_prompt_file_changes_the_key(tmp_path, monkeypatch):
    before = load_prompt("rewrite")
    header_only_edit(tmp_path, monkeypatch, "rewrite")
    after = load_prompt("rewrite")
    # Nothing sent to the model changed: same messages, same settings...
    assert (after.system, after.user, after.settings.get("temperature"), after.settings.get("max_tokens")) == (
        before.system,
        before.user,
        before.settings.get("temperature"),
        before.settings.get("max_tokens"),
    )
    assert after.render(bullet=WEAK, answers="x") == before.render(bullet=WEAK, answers="x")
    # ...only the file's bytes: the key must still change.
    assert after.sha256 != before.sha256
    assert key_of(engine(), prompt=after) != key_of(engine(), prompt=before)


def test_the_prompt_hash_alone_changes_the_key():
    prompt = load_prompt("rewrite")
    other = dataclasses.replace(prompt, sha256="0" * 64)
    assert key_of(engine(), prompt=other) != key_of(engine(), prompt=prompt)


def test_the_model_changes_the_key():
    assert key_of(engine(model="other-model")) != key_of(engine())


def test_the_endpoint_changes_the_key():
    assert key_of(engine(base_url="http://other.test/v1")) != key_of(engine())


@pytest.mark.parametrize("mode", ["json_schema", "md_json"])
def test_the_mode_changes_the_key(mode):
    assert key_of(engine(mode=mode)) != key_of(engine(mode="tools"))


def test_the_reask_budget_changes_the_key():
    """A failure cached after one re-ask is not the answer of an engine allowed two."""
    assert key_of(engine(max_reasks=2)) != key_of(engine(max_reasks=1))


@pytest.mark.parametrize("setting, a, b", [("temperature", 0, 0.7), ("max_tokens", 300, 301)])
def test_each_prompt_setting_sent_changes_the_key(setting, a, b):
    prompt = load_prompt("rewrite")
    one = dataclasses.replace(prompt, settings={**prompt.settings, setting: a})
    two = dataclasses.replace(prompt, settings={**prompt.settings, setting: b})
    assert one.sha256 == two.sha256  # the file's hash is the same: only the setting differs
    assert key_of(engine(), prompt=one) != key_of(engine(), prompt=two)


def test_temperature_0_and_0_0_are_the_same_request():
    prompt = load_prompt("rewrite")
    assert key_of(
        engine(), prompt=dataclasses.replace(prompt, settings={**prompt.settings, "temperature": 0})
    ) == key_of(engine(), prompt=dataclasses.replace(prompt, settings={**prompt.settings, "temperature": 0.0}))


def test_each_answer_changes_the_key():
    eng = engine()
    analysis = Assistant(engine="rules").analyze(WEAK)
    base = {
        Slot.PROBLEM: Answer.parse(Slot.PROBLEM, "labels took a week"),
        Slot.DATA_OUTCOME: Answer.parse(Slot.DATA_OUTCOME, "40% fewer errors"),
    }
    keys = set()
    for answers in (
        base,
        {**base, Slot.PROBLEM: Answer.parse(Slot.PROBLEM, "labels took two weeks")},
        {**base, Slot.DATA_OUTCOME: Answer.parse(Slot.DATA_OUTCOME, "41% fewer errors")},
        {**base, Slot.MODEL_IMPACT: Answer.parse(Slot.MODEL_IMPACT, "F1 up 3 points")},
    ):
        prompt, messages, _ = eng._rewrite_request(analysis, answers)
        keys.add(eng._request(prompt, messages, RewriteCall)[1])
    assert len(keys) == 4


def test_the_bullet_changes_the_key():
    prompt = load_prompt("analyze")
    assert key_of(engine(), prompt, prompt.render(bullet=WEAK), AnalyzeCall) != key_of(
        engine(), prompt, prompt.render(bullet=WEAK + "s"), AnalyzeCall
    )


def test_the_response_schema_changes_the_key():
    class Longer(RewriteCall):
        note: str = ""

    Longer.__name__ = RewriteCall.__name__  # same name, another schema
    assert Longer.model_json_schema() != RewriteCall.model_json_schema()
    assert key_of(engine(), response_model=Longer) != key_of(engine())


def test_the_key_never_depends_on_the_api_key():
    assert key_of(engine(api_key="sk-test-ANOTHER-KEY-99")) == key_of(engine())


def test_context_values_are_part_of_the_key_and_none_is_left_out():
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    assert request_key(body, prompt="a") != request_key(body, prompt="b")
    assert request_key(body, prompt=None) == request_key(body)
    assert request_key(body, api="chat/completions") != request_key(body, api="completions")


class _Other(BaseModel):
    text: str


# --------------------------------------------------------------------------- through the cache and the recordings


def _reply(body: dict, args: dict) -> httpx2.Response:
    name = body["tools"][0]["function"]["name"]
    return httpx2.Response(
        200,
        json={
            "id": "c",
            "object": "chat.completion",
            "created": 1,
            "model": "served",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": "t", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
                        ],
                    },
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        },
    )


ANALYSIS = {
    name: {
        "present": False,
        "evidence": None,
        "question": f"What was the {name.replace('_', ' ')} of the image labeling model?",
    }
    for name in ("problem", "data_outcome", "model_impact")
}
ANALYSIS["action"] = {"present": True, "evidence": "Built a classification model", "question": None}


class Counting:
    def __init__(self) -> None:
        self.requests = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests += 1
        return _reply(json.loads(request.content), ANALYSIS)


def test_a_header_only_prompt_edit_is_a_cache_miss(tmp_path, monkeypatch):
    server = Counting()

    def analyze():
        return Assistant(
            engine="openai",
            base_url=BASE,
            api_key=KEY,
            model="test-model",
            http_client=httpx2.MockTransport(server),
            cache=tmp_path / "cache",
        ).analyze(WEAK)

    analyze()
    assert analyze().usage.cached and server.requests == 1
    header_only_edit(tmp_path, monkeypatch, "analyze")
    again = analyze()
    assert server.requests == 2 and not again.usage.cached


def test_a_cached_failure_is_not_the_answer_of_a_larger_reask_budget(tmp_path):
    """max_reasks=0 stores the failure; an engine allowed a re-ask must ask, not reuse it."""
    bad = dict(ANALYSIS, action={"present": True, "evidence": "Trained a deep CNN", "question": None})
    replies = [bad, bad, ANALYSIS]
    sent = []

    def server(request: httpx2.Request) -> httpx2.Response:
        sent.append(1)
        return _reply(json.loads(request.content), replies.pop(0))

    def analyze(reasks):
        return Assistant(
            engine="openai",
            base_url=BASE,
            api_key=KEY,
            model="test-model",
            max_reasks=reasks,
            http_client=httpx2.MockTransport(server),
            cache=tmp_path / "cache",
        ).analyze(WEAK)

    assert not analyze(0).ok and len(sent) == 1
    assert not analyze(0).ok and len(sent) == 1  # the same budget: the stored failure, no request
    assert analyze(1).ok and len(sent) == 3  # one more try allowed: asked, re-asked, passed


def test_a_header_only_prompt_edit_makes_a_recording_stale(tmp_path, monkeypatch):
    """Replay keys each HTTP request with the prompt file's hash: a header edit is a miss, not an old answer."""
    from bulletsmith.eval_recordings import Recordings
    from bulletsmith.evaluation import evaluate, load_cases

    recordings = REPO / "evals" / "recordings"
    index = json.loads((recordings / "index.json").read_text())
    cases = [c for c in load_cases(REPO / "evals" / "cases") if c.id in index["cases"]][:1]
    rec = Recordings(recordings)
    assert evaluate(rec.assistant(), cases, replay=rec).cases == 1 and not rec.stale
    header_only_edit(tmp_path, monkeypatch, "analyze")
    rec = Recordings(recordings)
    report = evaluate(rec.assistant(), cases, replay=rec)
    assert report.cases == 0 and [s.id for s in rec.stale] == [cases[0].id]
    assert rec.stale[0].call == "analyze" and "analyze.md changed" in rec.stale[0].message


def test_the_recording_key_takes_the_prompt_hash_from_its_context(tmp_path):
    transport = RecordingTransport(RecordingStore(tmp_path))
    request = httpx2.Request("POST", BASE + "/chat/completions", json={"model": "m", "messages": []})
    with transport.context(prompt="a" * 64):
        one = transport.key_for(request)[0]
    with transport.context(prompt="b" * 64):
        two = transport.key_for(request)[0]
    assert one != two and one != transport.key_for(request)[0]


# --------------------------------------------------------------------------- how a body is spelled does not matter, what it says does

BODY = {"model": "test-model", "messages": [{"role": "user", "content": "Rewrite:\nBuilt a churn model"}]}


def _with_content(content) -> dict:
    return {"model": "test-model", "messages": [{"role": "user", "content": content}]}


def test_windows_line_endings_are_the_same_request():
    """A prompt file checked out with CRLF line endings sends the same text: its cached answer is reused."""
    assert request_key(_with_content("Rewrite:\r\nBuilt a churn model")) == request_key(BODY)
    assert request_key(_with_content("a\r\nb\r\nc")) == request_key(_with_content("a\nb\nc"))
    # ...but a lone carriage return is text, kept as sent: another request.
    assert request_key(_with_content("Rewrite:\rBuilt a churn model")) != request_key(BODY)


def test_a_template_string_keys_like_the_plain_text_it_holds():
    """Jinja renders to markupsafe.Markup, a str subclass: the same text, the same key, CRLF or not."""
    from markupsafe import Markup

    assert request_key(_with_content(Markup("Rewrite:\nBuilt a churn model"))) == request_key(BODY)
    assert request_key(_with_content(Markup("Rewrite:\r\nBuilt a churn model"))) == request_key(BODY)
    assert request_key(_with_content(Markup("Rewrite:\nBuilt a fraud model"))) != request_key(BODY)


def test_a_mapping_that_is_not_a_dict_keys_like_the_dict():
    """A message built as an OrderedDict (or any Mapping) is the same request, null fields dropped."""
    from collections import OrderedDict
    from types import MappingProxyType

    message = OrderedDict([("role", "user"), ("content", "Rewrite:\nBuilt a churn model"), ("name", None)])
    assert request_key({"model": "test-model", "messages": [message]}) == request_key(BODY)
    frozen = MappingProxyType({"role": "user", "content": "Rewrite:\nBuilt a churn model"})
    assert request_key({"model": "test-model", "messages": [frozen]}) == request_key(BODY)
    other = MappingProxyType({"role": "user", "content": "Rewrite:\nBuilt a fraud model"})
    assert request_key({"model": "test-model", "messages": [other]}) != request_key(BODY)
    named = MappingProxyType({"role": "user", "content": "Rewrite:\nBuilt a churn model", "name": "ana"})
    assert request_key({"model": "test-model", "messages": [named]}) != request_key(BODY)


def test_a_tuple_is_the_same_request_as_the_list():
    stops = {**BODY, "stop": ["\n\n", "END"]}
    assert request_key({**BODY, "stop": ("\n\n", "END")}) == request_key(stops)
    assert request_key({**BODY, "stop": ("\n\n", "STOP")}) != request_key(stops)
    assert request_key({**BODY, "messages": tuple(BODY["messages"])}) == request_key(BODY)


def test_token_ids_as_numbers_or_strings_are_the_same_logit_bias():
    """OpenAI's logit_bias maps token ids to a bias; Python code writes the ids as ints, JSON as strings."""
    as_json = request_key({**BODY, "logit_bias": {"2": -100, "10": 5}})
    assert request_key({**BODY, "logit_bias": {2: -100, 10: 5}}) == as_json
    assert request_key({**BODY, "logit_bias": {2: -100, "10": 5}}) == as_json
    assert request_key({**BODY, "logit_bias": {2: -100, 11: 5}}) != as_json


@pytest.mark.parametrize(
    "secret",
    [
        {"api_key": KEY},
        {"API_KEY": KEY},
        {"Authorization": f"Bearer {KEY}"},
        {"api-key": KEY},
        {"headers": {"Authorization": f"Bearer {KEY}"}},
    ],
    ids=lambda s: next(iter(s)),
)
def test_a_secret_in_the_body_or_the_context_never_reaches_the_key(secret):
    """The key is stored in the cache and the recordings: a key that hashed the API key would change
    with it (a new key misses every recording) and could be checked against a guessed key."""
    from types import MappingProxyType

    assert request_key({**BODY, **secret}) == request_key(BODY)
    assert request_key(BODY, endpoint=BASE, **secret) == request_key(BODY, endpoint=BASE)
    message = {**BODY["messages"][0], **secret}
    assert request_key({**BODY, "messages": [MappingProxyType(message)]}) == request_key(BODY)


def test_a_context_value_that_is_not_json_is_keyed_by_its_text():
    """A Path to the prompt file, as a caller may pass it: keyed as its text, not an error."""
    from pathlib import PurePosixPath

    assert request_key(BODY, prompt_file=PurePosixPath("prompts/rewrite.md")) == request_key(
        BODY, prompt_file="prompts/rewrite.md"
    )
    assert request_key(BODY, prompt_file=PurePosixPath("prompts/analyze.md")) != request_key(
        BODY, prompt_file="prompts/rewrite.md"
    )

"""The openai engine over a scripted HTTP endpoint.

Every test hands a real ``httpx2.MockTransport`` to the real openai client (through
``http_client``), so the openai client, instructor's parsing and re-asks, our validators,
the retry layers and the cache all run for real; only the server's replies are scripted.
Nothing here patches instructor, openai or bulletsmith, and nothing reaches a network.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx2
import pytest
from support.paths import REPO, WEAK
from support.scripted import (
    BASE,
    COMPLETE,
    COMPLETE_SLOTS,
    GOOD_WEAK,
    KEY,
    Endpoint,
    assistant,
    completion,
    engine,
    slots,
    weak_analysis,
)

from bulletsmith import Answer, AnswerStatus, Assistant, Slot
from bulletsmith.assistant import EngineUnavailable
from bulletsmith.engines.openai.request_key import normalize_request, request_key
from bulletsmith.errors import EndpointError
from bulletsmith.models import Analysis

# --------------------------------------------------------------------------- analyze


def test_analyze_returns_typed_analysis_with_usage_and_prompt_version():
    ep = Endpoint(GOOD_WEAK)
    an = assistant(ep).analyze(WEAK)
    assert isinstance(an, Analysis) and an.ok, an.findings
    assert an.engine == "openai" and an.model == "served-model"
    assert an.slots[Slot.ACTION].present and an.slots[Slot.ACTION].evidence == "Built a classification model"
    assert an.missing == [Slot.PROBLEM, Slot.DATA_OUTCOME, Slot.MODEL_IMPACT]
    assert [q.slot for q in an.questions] == an.missing
    assert all(q.why for q in an.questions)
    assert an.prompt_version.startswith("analyze@")
    assert (an.usage.requests, an.usage.reasks, an.usage.prompt_tokens, an.usage.completion_tokens) == (1, 0, 100, 20)

    body = ep.bodies[0]
    assert body["model"] == "test-model" and body["temperature"] == 0
    assert body["tools"][0]["function"]["name"] == "AnalyzeCall"
    assert body["tool_choice"]["function"]["name"] == "AnalyzeCall"
    assert WEAK in body["messages"][-1]["content"]
    assert ep.requests[0].url == "http://llm.test/v1/chat/completions"


def test_ungrounded_evidence_is_sent_back_and_the_fixed_answer_is_used():
    bad = dict(GOOD_WEAK, action={"present": True, "evidence": "Trained a deep CNN on 2M images", "question": None})
    ep = Endpoint(bad, GOOD_WEAK)
    an = assistant(ep).analyze(WEAK)
    assert an.ok and an.slots[Slot.ACTION].evidence == "Built a classification model"
    assert (an.usage.requests, an.usage.reasks) == (2, 1)
    assert (an.usage.prompt_tokens, an.usage.completion_tokens) == (200, 40)  # summed over both attempts
    reask = ep.bodies[1]["messages"]
    assert len(ep.bodies[0]["messages"]) == 2 and len(reask) == 4  # + the model's answer + the error
    assert reask[-1]["role"] == "tool"
    assert "is not in the bullet" in reask[-1]["content"] and "Trained a deep CNN" in reask[-1]["content"]


def test_generic_and_missing_questions_are_reasked():
    generic = dict(GOOD_WEAK, data_outcome={"present": False, "evidence": None, "question": "Can you add metrics?"})
    no_question = dict(GOOD_WEAK, model_impact={"present": False, "evidence": None, "question": None})
    ep = Endpoint(generic, no_question, GOOD_WEAK)
    an = assistant(ep).analyze(WEAK)
    assert an.ok and an.usage.reasks == 2
    assert "generic" in ep.bodies[1]["messages"][-1]["content"]
    assert "model impact is missing but has no question" in ep.bodies[2]["messages"][-1]["content"]


def test_analysis_that_still_fails_carries_the_failure():
    bad = dict(GOOD_WEAK, action={"present": True, "evidence": "Trained a deep CNN", "question": None})
    ep = Endpoint(bad, bad, bad)
    an = assistant(ep).analyze(WEAK)
    assert not an.ok
    assert an.usage.requests == 3 and an.usage.reasks == 2
    messages = [str(f) for f in an.findings if f.severity == "error"]
    assert any(m.startswith("reask:") and "after 2 re-asks" in m for m in messages)
    # Which evidence is not in the bullet, by name:
    assert any(
        f.guard == "grounding" and f.slot is Slot.ACTION and "Trained a deep CNN" in f.message for f in an.findings
    )


def test_a_rewrite_built_on_a_refused_analysis_says_so():
    """`rewrite` and `coach` rewrite nothing from a refused analysis; a notebook may still ask,
    and the failure travels with the result instead of being lost."""
    bad = dict(GOOD_WEAK, action={"present": True, "evidence": "Trained a deep CNN", "question": None})
    ep = Endpoint(bad, bad, bad, {"text": "Built a classification model for image labeling of 40k photos"})
    a = assistant(ep)
    an = a.analyze(WEAK)
    rw = a.rewrite(an, {Slot.DATA_OUTCOME: "labeled 40k photos"})
    assert not an.ok and rw.ok  # nothing in the text is refused…
    [warning] = [w for w in rw.warnings if w.guard == "analysis"]  # …but it is built on a guess
    assert warning.severity == "warning" and "failed its checks" in warning.message and an.failure in warning.message


def raw_arguments(body: dict, arguments: str) -> httpx2.Response:
    """A tool call whose arguments are this exact text, as a model wrote it (not re-encoded)."""
    response = completion(body, {})
    data = response.json()
    data["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = arguments
    return httpx2.Response(200, json=data)


def test_a_raw_newline_or_tab_inside_a_json_string_is_read_not_reasked():
    # SmolLM2 writes line breaks and tabs inside JSON strings unescaped; json.loads(strict=False)
    # reads them, so they cost no re-ask. The guards still run on what was read.
    args = json.dumps(GOOD_WEAK).replace("Built a classification model", "Built a\tclassification\nmodel", 1)
    assert "\t" in args and "\n" in args  # literal control characters, not escapes
    ep = Endpoint(lambda body: raw_arguments(body, args))
    an = assistant(ep).analyze(WEAK)
    assert an.ok, an.findings
    assert len(ep.requests) == 1 and (an.usage.requests, an.usage.reasks) == (1, 0)
    assert an.slots[Slot.ACTION].present

    ep = Endpoint(lambda body: raw_arguments(body, '{"text": "Built an image-labeling\nclassification model"}'))
    rw = assistant(ep).rewrite(weak_analysis(), {})
    assert rw.ok and rw.text == "Built an image-labeling classification model" and len(ep.requests) == 1


def test_a_raw_newline_does_not_let_an_invented_number_through():
    invented = '{"text": "Built a classification model\nreaching 95% accuracy"}'
    ep = Endpoint(*[lambda body: raw_arguments(body, invented)] * 3)
    rw = assistant(ep).rewrite(weak_analysis(), {})
    assert not rw.ok and rw.text == WEAK and rw.usage.requests == 3
    feedback = ep.bodies[1]["messages"][-1]["content"]
    assert '"95%" is not in the bullet' in feedback and "control character" not in feedback


def test_max_reasks_is_configurable(monkeypatch):
    bad = dict(GOOD_WEAK, action={"present": True, "evidence": "Trained a deep CNN", "question": None})
    ep = Endpoint(bad, bad)
    an = assistant(ep, max_reasks=1).analyze(WEAK)
    assert not an.ok and an.usage.requests == 2
    ep = Endpoint(bad)
    an = assistant(ep, max_reasks=0).analyze(WEAK)
    assert not an.ok and an.usage.requests == 1
    assert any("on the only try" in f.message for f in an.findings)
    monkeypatch.setenv("BULLETSMITH_MAX_REASKS", "1")
    ep = Endpoint(bad, bad)
    assert assistant(ep).analyze(WEAK).usage.requests == 2


def test_a_bullet_is_sent_verbatim_never_rendered_as_a_template():
    bullet = "Built {{ 7*7 }} dashboards with {% raw %} Jinja"
    ep = Endpoint(
        slots(
            {"action": "Built {{ 7*7 }} dashboards"},
            problem="Why did the {{ 7*7 }} dashboards matter?",
            data_outcome="What changed in the data behind the dashboards?",
            model_impact="What did the dashboards change downstream?",
        )
    )
    an = assistant(ep).analyze(bullet)
    assert bullet in ep.bodies[0]["messages"][-1]["content"]
    assert "49" not in ep.bodies[0]["messages"][-1]["content"]
    assert an.ok, an.findings


def test_answer_cut_off_at_max_tokens_is_a_failure_not_a_crash():
    ep = Endpoint(lambda body: completion(body, GOOD_WEAK, finish="length"))
    an = assistant(ep).analyze(WEAK)
    assert not an.ok and any("cut off" in f.message for f in an.findings)


# --------------------------------------------------------------------------- rewrite


def test_rewrite_gets_only_the_bullet_and_usable_answers():
    ep = Endpoint({"text": "Built an image-labeling classifier that cut label errors from 9% to 3% across 1.2M images"})
    rw = assistant(ep).rewrite(
        weak_analysis(),
        {
            Slot.DATA_OUTCOME: "label errors 9% -> 3% across 1.2M images",
            Slot.PROBLEM: "unknown",
            Slot.MODEL_IMPACT: Answer(
                slot=Slot.MODEL_IMPACT, value="+4 points of recall", status=AnswerStatus.NOT_MINE
            ),
        },
    )
    assert rw.ok and rw.text.startswith("Built an image-labeling") and rw.engine == "openai"
    assert rw.usage.requests == 1 and rw.prompt_version.startswith("rewrite@") and rw.model == "served-model"
    sent = json.dumps(ep.bodies[0]["messages"])
    assert "9% -> 3% across 1.2M images" in sent and WEAK in sent
    assert "recall" not in sent  # the not-mine answer never reaches the model
    user = ep.bodies[0]["messages"][-1]["content"]
    assert user.split("Answers:", 1)[1].strip() == "- data outcome: label errors 9% -> 3% across 1.2M images"
    assert ep.bodies[0]["tools"][0]["function"]["name"] == "RewriteCall"


def test_fabricated_number_is_reasked_and_never_presented():
    ep = Endpoint(
        {"text": "Built a classification model that cut label errors by 67% across 1.2M images"},
        {"text": "Built a classification model that cut label errors from 9% to 3% across 1.2M images"},
    )
    rw = assistant(ep).rewrite(weak_analysis(), {Slot.DATA_OUTCOME: "label errors 9% -> 3% across 1.2M images"})
    assert rw.ok and "67%" not in rw.text and "9% to 3%" in rw.text
    assert (rw.usage.requests, rw.usage.reasks) == (2, 1)
    feedback = ep.bodies[1]["messages"][-1]["content"]
    assert '"67%" is not in the bullet or the answers' in feedback


def test_rewrite_that_still_invents_a_number_keeps_the_original():
    invented = {"text": "Built a classification model reaching 95% accuracy"}
    ep = Endpoint(invented, invented, invented)
    rw = assistant(ep).rewrite(weak_analysis(), {})
    assert not rw.ok
    assert rw.text == WEAK and "95%" in rw.rejected_text
    assert any(w.guard == "provenance" and '"95%"' in w.message for w in rw.warnings)
    assert any(w.guard == "reask" and w.severity == "error" for w in rw.warnings)
    assert rw.usage.requests == 3


def test_invented_hedge_is_reasked():
    ep = Endpoint(
        {"text": "Built a classification model covering about 1.2M images"},
        {"text": "Built a classification model covering 1.2M images"},
    )
    rw = assistant(ep).rewrite(weak_analysis(), {Slot.DATA_OUTCOME: "1.2M images"})
    assert rw.ok and "about" not in rw.text and rw.usage.reasks == 1


def test_an_empty_rewrite_after_failures_is_never_presented():
    ep = Endpoint(
        lambda b: completion(b, content="I cannot do that."),
        lambda b: completion(b, content="No."),
        lambda b: completion(b, content="No."),
    )
    rw = assistant(ep).rewrite(weak_analysis(), {})
    assert not rw.ok and rw.text == WEAK and rw.usage.requests == 3


# --------------------------------------------------------------------------- one request for a complete bullet


def test_a_complete_bullet_is_analyzed_and_rewritten_in_one_request():
    polished = "Rebuilt the QA sampler for mis-sized vendor boxes, cutting box errors from 9% to 3% and lifting recall 4 points"
    ep = Endpoint({**COMPLETE_SLOTS, "rewrite": polished})
    a = assistant(ep)
    an = a.analyze(COMPLETE)
    rw = a.rewrite(an)
    assert an.complete and rw.ok and rw.text == polished
    assert len(ep.requests) == 1 and rw.usage.requests == 0  # the rewrite came with the analysis
    assert "rewrite" in ep.bodies[0]["tools"][0]["function"]["parameters"]["properties"]
    assert "draft_rewrite" not in an.to_public_dict()


def test_a_rewrite_sent_with_a_missing_slot_is_ignored():
    ep = Endpoint(
        {**GOOD_WEAK, "rewrite": "Built a classification model for image labeling"},
        {"text": "Built an image-labeling classifier covering 1.2M images"},
    )
    a = assistant(ep)
    an = a.analyze(WEAK)
    assert an.draft_rewrite is None
    rw = a.rewrite(an, {Slot.DATA_OUTCOME: "1.2M images"})
    assert rw.text == "Built an image-labeling classifier covering 1.2M images" and len(ep.requests) == 2


def test_a_bundled_rewrite_with_an_invented_number_falls_back_to_the_rewrite_call():
    ep = Endpoint(
        {**COMPLETE_SLOTS, "rewrite": "Rebuilt the QA sampler, cutting box errors 67% across 12 teams"},
        {"text": "Rebuilt the QA sampler for mis-sized boxes, cutting box errors 9% to 3%, lifting recall 4 points"},
    )
    a = assistant(ep)
    an = a.analyze(COMPLETE)
    assert an.ok and an.complete and an.draft_rewrite is None  # dropped, not re-asked: the analysis was right
    rw = a.rewrite(an)
    assert rw.ok and "67%" not in rw.text and len(ep.requests) == 2
    assert ep.bodies[1]["tools"][0]["function"]["name"] == "RewriteCall"


def test_answers_given_for_a_complete_bullet_go_to_the_rewrite_call():
    ep = Endpoint(
        {**COMPLETE_SLOTS, "rewrite": "Rebuilt the QA sampler, cutting box errors 9% to 3%"},
        {"text": "Rebuilt the QA sampler over 40k boxes, cutting box errors 9% to 3%"},
    )
    a = assistant(ep)
    rw = a.rewrite(a.analyze(COMPLETE), {Slot.DATA_OUTCOME: "over 40k boxes"})
    assert "40k" in rw.text and len(ep.requests) == 2


# --------------------------------------------------------------------------- network faults


def test_429_honours_retry_after_then_5xx_backs_off_with_jitter():
    slept: list[float] = []
    ep = Endpoint(
        httpx2.Response(429, headers={"Retry-After": "7"}, json={"error": {"message": "slow down"}}),
        httpx2.Response(503, json={"error": {"message": "overloaded"}}),
        GOOD_WEAK,
    )
    an = engine(ep, sleep=slept.append).analyze(WEAK)
    assert an.usage.requests == 3 and an.usage.reasks == 0
    assert slept[0] == 7.0
    assert 0 <= slept[1] <= 10  # jittered exponential backoff, capped


def test_a_rate_limit_is_waited_out_however_long_the_server_asks_without_a_deadline():
    slept: list[float] = []
    ep = Endpoint(
        httpx2.Response(429, headers={"Retry-After": "3600"}, json={"error": {"message": "quota window"}}), GOOD_WEAK
    )
    an = engine(ep, network_deadline=60, sleep=slept.append).analyze(WEAK)
    assert an.ok and len(ep.requests) == 2 and slept == [3600.0]


def test_a_rate_limit_wait_past_the_deadline_gives_up_at_once_and_says_so():
    ep = Endpoint(httpx2.Response(429, headers={"Retry-After": "3600"}, json={"error": {"message": "quota window"}}))
    with pytest.raises(EndpointError) as info:
        engine(ep, deadline=60).analyze(WEAK)
    assert len(ep.requests) == 1 and info.value.status == 429
    assert "asked to wait 3600 s, beyond the deadline" in str(info.value)


def test_a_503_retry_after_beyond_the_network_budget_still_gives_up():
    ep = Endpoint(httpx2.Response(503, headers={"Retry-After": "3600"}, json={"error": {"message": "down"}}))
    with pytest.raises(EndpointError) as info:
        engine(ep, network_deadline=60).analyze(WEAK)
    assert len(ep.requests) == 1 and "asked to wait 3600 s, beyond the time left" in str(info.value)


def test_network_retries_are_bounded_and_the_error_names_host_and_status_not_the_key():
    ep = Endpoint(*[httpx2.Response(500, json={"error": {"message": f"boom, key was {KEY}"}})] * 10)
    with pytest.raises(EndpointError) as info:
        engine(ep, network_retries=3).analyze(WEAK)
    message = str(info.value)
    assert len(ep.requests) == 4  # 1 + 3 network retries
    assert message.startswith("llm.test: HTTP 500") and "gave up after 4 tries" in message
    assert KEY not in message and "SECRET" not in message and "\n" not in message
    # The openai error (which may echo what the server said) is not chained into a traceback.
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_the_assistant_sets_the_network_retries_a_replay_has_none():
    ep = Endpoint(*[httpx2.Response(503, json={"error": {"message": "busy"}})] * 3)
    with pytest.raises(EndpointError, match="HTTP 503"):
        assistant(ep, network_retries=0).analyze(WEAK)
    assert len(ep.requests) == 1


def test_client_errors_are_not_retried_and_a_401_says_what_to_check():
    ep = Endpoint(
        httpx2.Response(
            401, json={"error": {"message": f"Incorrect API key provided: {KEY}", "code": "invalid_api_key"}}
        )
    )
    with pytest.raises(EndpointError) as info:
        assistant(ep).analyze(WEAK)
    assert len(ep.requests) == 1
    assert "HTTP 401" in str(info.value) and "OPENAI_API_KEY" in str(info.value)
    assert KEY not in str(info.value) and "SECRET" not in str(info.value)


def test_insufficient_quota_429_is_not_retried():
    ep = Endpoint(
        httpx2.Response(429, json={"error": {"message": "You exceeded your quota", "code": "insufficient_quota"}})
    )
    with pytest.raises(EndpointError):
        engine(ep).analyze(WEAK)
    assert len(ep.requests) == 1


def test_connection_errors_and_timeouts_are_retried_then_reported():
    ep = Endpoint(httpx2.ConnectError("connection refused"), httpx2.ReadTimeout("slow"), GOOD_WEAK)
    assert engine(ep).analyze(WEAK).usage.requests == 3
    ep = Endpoint(*[httpx2.ConnectError("connection refused")] * 3)
    with pytest.raises(EndpointError) as info:
        engine(ep, network_retries=2).analyze(WEAK)
    assert "llm.test: can't connect" in str(info.value) and len(ep.requests) == 3


def test_the_two_retry_layers_add_up_instead_of_multiplying():
    bad = dict(GOOD_WEAK, action={"present": True, "evidence": "Trained a deep CNN", "question": None})
    down = httpx2.Response(503, json={"error": {"message": "down"}})
    # A network fault costs a network retry, not a re-ask; a guard failure costs a re-ask, not a network retry.
    ep = Endpoint(down, bad, down, GOOD_WEAK)
    an = engine(ep, max_reasks=1, network_retries=2).analyze(WEAK)
    assert an.ok and (an.usage.requests, an.usage.reasks) == (4, 1)
    # One budget of network retries per call, shared by its re-asks: at most 1 + max_reasks + network_retries.
    ep = Endpoint(bad, down, down, down, down, down, down)
    with pytest.raises(EndpointError):
        engine(ep, max_reasks=2, network_retries=2).analyze(WEAK)
    assert len(ep.requests) == 4  # not (1 + 2) x (1 + 2)


def test_the_openai_clients_own_retries_are_off():
    e = engine(Endpoint())
    assert e._sync_client().max_retries == 0


# --------------------------------------------------------------------------- cache


def cached_assistant(ep: Endpoint, cache_dir: Path, **kw) -> Assistant:
    return Assistant(
        engine="openai",
        base_url=BASE,
        api_key=KEY,
        model="test-model",
        http_client=ep.transport(),
        cache=cache_dir,
        **kw,
    )


def test_an_identical_second_call_makes_no_request(tmp_path):
    ep = Endpoint(GOOD_WEAK, {"text": "Built an image-labeling classification model"})
    a = cached_assistant(ep, tmp_path / "c")
    first = a.analyze(WEAK)
    again = a.analyze(WEAK)
    assert len(ep.requests) == 1
    assert again.usage.requests == 0 and again.usage.cached and again.slots == first.slots
    assert again.questions == first.questions
    # A fresh Assistant (a new process, as far as the cache knows) hits too.
    b = cached_assistant(ep, tmp_path / "c")
    assert b.analyze(WEAK).usage.cached and len(ep.requests) == 1
    b.rewrite(first, {})
    assert len(ep.requests) == 2
    assert b.rewrite(first, {}).usage.cached and len(ep.requests) == 2


def test_cache_is_keyed_by_model_endpoint_and_bullet(tmp_path):
    ep = Endpoint(GOOD_WEAK, GOOD_WEAK, GOOD_WEAK)
    cached_assistant(ep, tmp_path).analyze(WEAK)
    Assistant(
        engine="openai", base_url=BASE, api_key=KEY, model="other-model", http_client=ep.transport(), cache=tmp_path
    ).analyze(WEAK)
    Assistant(
        engine="openai",
        base_url="http://other.test/v1",
        api_key=KEY,
        model="test-model",
        http_client=ep.transport(),
        cache=tmp_path,
    ).analyze(WEAK)
    assert len(ep.requests) == 3


def test_a_prompt_edit_is_a_cache_miss(tmp_path, monkeypatch):
    ep = Endpoint(GOOD_WEAK, GOOD_WEAK)
    cached_assistant(ep, tmp_path / "c").analyze(WEAK)
    edited = tmp_path / "prompts"
    edited.mkdir()
    for name in ("analyze.md", "rewrite.md"):
        (edited / name).write_text((REPO / "prompts" / name).read_text() + "\nBe brief.\n")
    monkeypatch.setenv("BULLETSMITH_PROMPTS_DIR", str(edited))
    an = cached_assistant(ep, tmp_path / "c").analyze(WEAK)
    assert len(ep.requests) == 2 and not an.usage.cached


def test_cache_false_always_asks():
    ep = Endpoint(GOOD_WEAK, GOOD_WEAK)
    a = Assistant(
        engine="openai", base_url=BASE, api_key=KEY, model="test-model", http_client=ep.transport(), cache=False
    )
    a.analyze(WEAK), a.analyze(WEAK)
    assert len(ep.requests) == 2


UNGROUNDED = dict(GOOD_WEAK, action={"present": True, "evidence": "Trained a deep CNN", "question": None})


def findings(result) -> list[str]:
    return [str(f) for f in getattr(result, "findings", None) or result.warnings]


def test_a_rerun_makes_no_request_even_when_the_answer_still_failed_the_guards(tmp_path):
    invented = {"text": "Built a classification model reaching 95% accuracy"}
    ep = Endpoint(UNGROUNDED, UNGROUNDED, UNGROUNDED, invented, invented, invented)
    a = cached_assistant(ep, tmp_path / "c")
    an = a.analyze(WEAK)
    rw = a.rewrite(an, {})  # the analysis failed; the rewrite still happens, and fails too
    assert not an.ok and not rw.ok and len(ep.requests) == 6
    assert an.usage.requests == 3 and not an.usage.cached
    assert any(f.guard == "reask" and "after 2 re-asks" in f.message for f in an.findings)

    # A new process on the same cache: no request, and exactly the same findings.
    b = cached_assistant(ep, tmp_path / "c")
    again = b.analyze(WEAK)
    rw_again = b.rewrite(again, {})
    assert len(ep.requests) == 6
    assert again.usage.cached and again.usage.requests == 0 and rw_again.usage.cached and rw_again.usage.requests == 0
    assert findings(again) == findings(an) and again.slots == an.slots and again.questions == an.questions
    assert not again.ok and findings(rw_again) == findings(rw)
    assert rw_again.text == WEAK and rw_again.rejected_text == rw.rejected_text and "95%" in rw_again.rejected_text
    # The async path (a batch) reads the same entries.
    assert b.analyze_many([WEAK])[0].usage.cached and len(ep.requests) == 6
    for path in (tmp_path / "c").rglob("*"):
        if path.is_file():
            assert b"SECRET123" not in path.read_bytes(), path


def test_an_answer_cut_off_at_max_tokens_is_cached_and_stays_a_failure(tmp_path):
    # Even a cut-off answer whose reading would pass the guards is no answer: the re-run says the same.
    ep = Endpoint(lambda body: completion(body, GOOD_WEAK, finish="length"))
    first = cached_assistant(ep, tmp_path / "c").analyze(WEAK)
    again = cached_assistant(ep, tmp_path / "c").analyze(WEAK)
    assert len(ep.requests) == 1 and again.usage.cached and not again.ok
    assert any("cut off" in f.message for f in again.findings) and findings(again) == findings(first)
    assert again.slots == first.slots


def _the_entry(cache_dir: Path, change) -> None:
    import diskcache

    with diskcache.Cache(str(cache_dir)) as raw:
        key = next(iter(raw))
        entry = json.loads(raw[key])
        change(entry)
        raw[key] = json.dumps(entry)


def test_a_cached_failure_runs_the_guards_again_and_a_garbage_entry_is_a_miss(tmp_path):
    ep = Endpoint(UNGROUNDED, GOOD_WEAK)
    assert not cached_assistant(ep, tmp_path, max_reasks=0).analyze(WEAK).ok
    # The stored answer passes the guards now (as after a guard that got more lenient): it is the answer.
    _the_entry(tmp_path, lambda e: e.update(response=GOOD_WEAK))
    an = cached_assistant(ep, tmp_path, max_reasks=0).analyze(WEAK)
    assert an.ok and an.usage.cached and len(ep.requests) == 1
    assert an.slots[Slot.ACTION].evidence == "Built a classification model"
    # An entry that is not what the engine writes is a miss: the model is asked.
    _the_entry(tmp_path, lambda e: e.update(response={"problem": 5}))
    an = cached_assistant(ep, tmp_path, max_reasks=0).analyze(WEAK)
    assert len(ep.requests) == 2 and an.ok and not an.usage.cached


def test_endpoint_errors_are_not_cached(tmp_path):
    down = httpx2.Response(500, json={"error": {"message": "boom"}})
    ep = Endpoint(down, down, down, GOOD_WEAK)
    with pytest.raises(EndpointError):
        engine(ep, cache=tmp_path, network_retries=2).analyze(WEAK)
    assert len(ep.requests) == 3
    an = engine(ep, cache=tmp_path, network_retries=2).analyze(WEAK)  # the next run asks again
    assert an.ok and not an.usage.cached and len(ep.requests) == 4


def test_a_failed_fresh_rewrite_is_not_cached(tmp_path):
    invented = {"text": "Built a classification model reaching 95% accuracy"}
    ep = Endpoint(invented, {"text": FIRST})
    a = cached_assistant(ep, tmp_path / "c", max_reasks=0)
    answers = {Slot.DATA_OUTCOME: "1.2M images"}
    assert not a.rewrite(weak_analysis(), answers, fresh=True).ok
    normal = a.rewrite(weak_analysis(), answers)
    assert normal.ok and normal.text == FIRST and not normal.usage.cached and len(ep.requests) == 2


def test_cache_holds_json_text_and_never_the_key(tmp_path):
    import diskcache

    ep = Endpoint(GOOD_WEAK)
    cached_assistant(ep, tmp_path / "c").analyze(WEAK)
    with diskcache.Cache(str(tmp_path / "c")) as raw:
        keys = list(raw)
        assert len(keys) == 1 and re.fullmatch(r"bs1-[0-9a-f]{64}", keys[0])
        value = raw[keys[0]]
    assert isinstance(value, str)  # stored as text, never a pickle
    assert json.loads(value)["response"]["action"]["evidence"] == "Built a classification model"
    for path in (tmp_path / "c").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert KEY.encode() not in data and b"SECRET123" not in data, path


def test_a_tampered_cache_entry_is_a_miss(tmp_path):
    import diskcache

    ep = Endpoint(GOOD_WEAK, GOOD_WEAK)
    cached_assistant(ep, tmp_path).analyze(WEAK)
    with diskcache.Cache(str(tmp_path)) as raw:
        key = next(iter(raw))
        entry = json.loads(raw[key])
        entry["response"]["action"]["evidence"] = "Led a team of 40 engineers"
        raw[key] = json.dumps(entry)
    an = cached_assistant(ep, tmp_path).analyze(WEAK)
    assert len(ep.requests) == 2 and an.ok and not an.usage.cached


def test_request_key_is_versioned_and_normalised():
    body = {"model": "m", "temperature": 0.0, "messages": [{"role": "user", "content": "a\r\nb"}], "stream": False}
    same = {"messages": [{"content": "a\nb", "role": "user"}], "temperature": 0, "model": "m", "user": "x"}
    assert request_key(body, endpoint="e") == request_key(same, endpoint="e")
    assert request_key(body, endpoint="e").startswith("bs1-")
    assert request_key(body, endpoint="e") != request_key(body, endpoint="f")
    assert request_key(body, endpoint="e", prompt="p1") != request_key(body, endpoint="e", prompt="p2")
    assert request_key({**body, "model": "n"}) != request_key(body)
    assert "api_key" not in json.dumps(normalize_request({**body, "api_key": KEY}))


# --------------------------------------------------------------------------- a fresh rewrite (coach "r")

FIRST = "Built an image-labeling classification model covering 1.2M images"
SECOND = "Built a classification model that labels images, covering 1.2M images"


def test_a_fresh_rewrite_asks_the_model_again_above_temperature_0_and_is_not_cached(tmp_path):
    ep = Endpoint({"text": FIRST}, {"text": SECOND})
    a = cached_assistant(ep, tmp_path / "c")
    answers = {Slot.DATA_OUTCOME: "1.2M images"}
    first = a.rewrite(weak_analysis(), answers)
    assert a.rewrite(weak_analysis(), answers).usage.cached and len(ep.requests) == 1  # the cache has it
    again = a.rewrite(weak_analysis(), answers, fresh=True)
    assert len(ep.requests) == 2, "a fresh rewrite must not be answered from the cache"
    assert again.ok and again.text == SECOND and not again.usage.cached and again.usage.requests == 1
    normal, fresh = ep.bodies
    assert normal["temperature"] == 0 and fresh["temperature"] > 0
    # Only the temperature differs: the same prompt, messages, schema and limits.
    assert {k: v for k, v in fresh.items() if k != "temperature"} == {
        k: v for k, v in normal.items() if k != "temperature"
    }
    # The fresh wording is not stored: a normal rewrite still gets the cached one, with no request.
    later = a.rewrite(weak_analysis(), answers)
    assert later.usage.cached and later.text == first.text == FIRST and len(ep.requests) == 2


def test_a_fresh_rewrite_of_a_complete_bullet_does_not_reuse_the_bundled_rewrite():
    bundled = "Rebuilt the QA sampler for mis-sized vendor boxes, cutting box errors from 9% to 3% and lifting recall 4 points"
    other = (
        "Cut box errors from 9% to 3% by rebuilding the QA sampler for mis-sized vendor boxes, lifting recall 4 points"
    )
    ep = Endpoint({**COMPLETE_SLOTS, "rewrite": bundled}, {"text": other})
    a = assistant(ep)
    an = a.analyze(COMPLETE)
    assert a.rewrite(an).text == bundled and len(ep.requests) == 1
    rw = a.rewrite(an, fresh=True)
    assert rw.ok and rw.text == other and len(ep.requests) == 2
    assert ep.bodies[1]["tools"][0]["function"]["name"] == "RewriteCall" and ep.bodies[1]["temperature"] > 0


async def test_a_fresh_async_rewrite_is_guarded_like_any_rewrite(tmp_path):
    """An invented number in a fresh rewrite is re-asked (still above temperature 0) and never presented."""
    ep = Endpoint(
        {"text": FIRST},
        {"text": "Built a classification model that cut label errors by 67% across 1.2M images"},
        {"text": SECOND},
    )
    a = cached_assistant(ep, tmp_path / "c")
    answers = {Slot.DATA_OUTCOME: "1.2M images"}
    await a.arewrite(weak_analysis(), answers)
    rw = await a.arewrite(weak_analysis(), answers, fresh=True)
    assert rw.ok and rw.text == SECOND and (rw.usage.requests, rw.usage.reasks) == (2, 1)
    assert [b["temperature"] > 0 for b in ep.bodies] == [False, True, True]
    assert '"67%" is not in the bullet or the answers' in ep.bodies[2]["messages"][-1]["content"]

    invented = {"text": "Built a classification model reaching 95% accuracy on 1.2M images"}
    ep.replies += [invented] * 3
    rw = await a.arewrite(weak_analysis(), answers, fresh=True)
    assert not rw.ok and rw.text == WEAK and "95%" in rw.rejected_text
    assert any(w.guard == "provenance" for w in rw.warnings)


def test_a_fresh_rewrite_from_the_rules_engine_is_the_same_text():
    a = Assistant(engine="rules")
    an = a.analyze(WEAK)
    answers = {Slot.DATA_OUTCOME: "label errors 9% -> 3% across 1.2M images"}
    assert a.deterministic and not assistant(Endpoint()).deterministic
    assert a.rewrite(an, answers, fresh=True).text == a.rewrite(an, answers).text


# --------------------------------------------------------------------------- async


def test_analyze_many_runs_concurrently_under_the_bound():
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    async def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        await asyncio.sleep(0.05)
        with lock:
            in_flight -= 1
        body = json.loads(request.content)
        bullet = body["messages"][-1]["content"].split("Bullet: ", 1)[1].strip()
        return completion(
            body,
            slots(
                {"action": bullet},
                problem=f"Why did {bullet} matter?",
                data_outcome=f"What changed in the data after {bullet}?",
                model_impact=f"What did {bullet} change downstream?",
            ),
        )

    bullets = [f"Built pipeline number {i}" for i in range(12)]
    a = Assistant(
        engine="openai",
        base_url=BASE,
        api_key=KEY,
        http_client=httpx2.MockTransport(handler),
        cache=False,
        concurrency=3,
    )
    results = a.analyze_many(bullets)
    assert [r.bullet for r in results] == bullets
    assert all(r.ok and r.slots[Slot.ACTION].evidence == b for r, b in zip(results, bullets))
    assert 1 < peak <= 3
    # A second event loop (a second analyze_many) gets its own async client.
    assert len(a.analyze_many(bullets[:2])) == 2


async def test_aanalyze_and_arewrite():
    ep = Endpoint(GOOD_WEAK, {"text": "Built an image-labeling classification model"})
    a = assistant(ep)
    an = await a.aanalyze(WEAK)
    rw = await a.arewrite(an, {})
    assert an.ok and rw.ok and rw.usage.requests == 1 and len(ep.requests) == 2


# --------------------------------------------------------------------------- configuration and modes


def test_endpoint_from_the_environment_selects_the_openai_engine(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("BULLETSMITH_MODEL", "llama3.2")
    a = Assistant(cache=False)
    assert a.engine == "openai" and a.model == "llama3.2" and a.notice is None
    assert Assistant(engine="rules").engine == "rules"


def test_default_model_and_mode(monkeypatch):
    from bulletsmith.engines.openai.settings import DEFAULT_MODEL

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    a = Assistant(cache=False)
    assert a.model == DEFAULT_MODEL and a._engine.mode == "tools"
    assert KEY not in repr(a._engine)


def test_configuration_errors_are_one_line(monkeypatch):
    with pytest.raises(EngineUnavailable, match="needs an endpoint: set OPENAI_API_KEY"):
        Assistant(engine="openai")
    monkeypatch.setenv("OPENAI_BASE_URL", BASE)
    monkeypatch.setenv("BULLETSMITH_MODE", "telepathy")
    with pytest.raises(EngineUnavailable, match="unknown mode 'telepathy'"):
        Assistant()


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("BULLETSMITH_TIMEOUT", "soon", "BULLETSMITH_TIMEOUT must be a number of seconds, not 'soon'"),
        ("BULLETSMITH_TIMEOUT", "0", "above 0"),
        ("BULLETSMITH_MAX_REASKS", "two", "BULLETSMITH_MAX_REASKS must be a whole number, not 'two'"),
    ],
)
def test_a_bad_setting_in_the_environment_is_an_input_error(monkeypatch, name, value, words):
    from bulletsmith.engines.openai.settings import resolve_max_reasks, resolve_timeout
    from bulletsmith.errors import InputError

    monkeypatch.setenv(name, value)
    with pytest.raises(InputError, match=words):
        resolve_timeout(None, local=False) if name == "BULLETSMITH_TIMEOUT" else resolve_max_reasks()
    with pytest.raises(EngineUnavailable, match=words):  # the Assistant says it in the same line
        Assistant(engine="openai", base_url=BASE, cache=False)


def test_json_schema_mode_for_servers_without_tool_calls():
    ep = Endpoint(lambda body: completion(body, content=json.dumps(GOOD_WEAK)))
    an = assistant(ep, mode="json_schema").analyze(WEAK)
    assert an.ok
    body = ep.bodies[0]
    assert body["response_format"]["type"] == "json_schema" and "tools" not in body


def test_md_json_mode_for_servers_with_neither():
    ep = Endpoint(lambda body: completion(body, content="```json\n" + json.dumps(GOOD_WEAK) + "\n```"))
    assert assistant(ep, mode="md_json").analyze(WEAK).ok
    assert "tools" not in ep.bodies[0] and "response_format" not in ep.bodies[0]


def test_local_server_needs_no_key():
    ep = Endpoint(GOOD_WEAK)
    a = Assistant(base_url=BASE, http_client=ep.transport(), cache=False)
    assert a.engine == "openai" and a.analyze(WEAK).ok


# --------------------------------------------------------------------------- prompts


def test_prompt_files_version_every_result():
    import hashlib

    from bulletsmith.engines.openai.prompts import load_prompt

    for name in ("analyze", "rewrite"):
        p = load_prompt(name)
        digest = hashlib.sha256((REPO / "prompts" / f"{name}.md").read_text().encode()).hexdigest()
        assert p.sha256 == digest and p.version == f"{name}@{digest[:12]}"
        assert p.settings["temperature"] == 0 and p.system and p.user
    a, b = load_prompt("analyze").render(bullet="x"), load_prompt("analyze").render(bullet="x")
    assert a == b and a is not b  # a fresh list each call: re-asks append to it


def test_prompt_files_ship_inside_the_wheel():
    text = (REPO / "pyproject.toml").read_text()
    section = text.split("[tool.hatch.build.targets.wheel.force-include]", 1)[1].split("\n[", 1)[0]
    assert '"prompts" = "bulletsmith/prompts"' in section


# --------------------------------------------------------------------------- CLI over real HTTP


class _FakeServer(BaseHTTPRequestHandler):
    replies: list = []
    seen: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"path": self.path, "auth": self.headers.get("Authorization")})
        response = completion(body, GOOD_WEAK)
        data = response.content
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def fake_server():
    _FakeServer.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", _FakeServer.seen
    server.shutdown()
    server.server_close()


def test_cli_analyze_json_over_http_and_the_second_run_is_cached(fake_server, tmp_path):
    url, seen = fake_server
    env = {**os.environ, "OPENAI_BASE_URL": url, "OPENAI_API_KEY": KEY, "BULLETSMITH_CACHE_DIR": str(tmp_path / "c")}
    cmd = [sys.executable, "-c", "from bulletsmith.cli import main; main()", "analyze", WEAK, "--json"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["slots"]["action"]["evidence"] == "Built a classification model"
    assert data["missing"] == ["problem", "data_outcome", "model_impact"]
    assert len(seen) == 1 and seen[0]["path"] == "/v1/chat/completions"
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0 and json.loads(second.stdout) == data
    assert len(seen) == 1  # the identical second call made no request
    for path in (tmp_path / "c").rglob("*"):
        if path.is_file():
            assert b"SECRET123" not in path.read_bytes()
    assert "SECRET123" not in first.stderr + second.stderr


def test_an_unreachable_endpoint_is_one_line_and_logs_nothing(capfd):
    from bulletsmith.engines.openai.engine import OpenAIEngine

    e = OpenAIEngine(
        base_url="http://127.0.0.1:9/v1", api_key=KEY, cache=False, network_retries=1, sleep=lambda s: None, timeout=5
    )
    with pytest.raises(EndpointError) as info:
        e.analyze("Built a model")
    assert str(info.value).startswith("127.0.0.1:9: can't connect") and "gave up after 2 tries" in str(info.value)
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # instructor's own "API call failed" log lines stay out of the CLI's stderr


def test_a_local_server_gets_a_longer_timeout():
    from bulletsmith.engines.openai.engine import OpenAIEngine
    from bulletsmith.engines.openai.settings import DEFAULT_LOCAL_TIMEOUT, DEFAULT_TIMEOUT

    assert OpenAIEngine(base_url="http://127.0.0.1:8080/v1", cache=False).timeout == DEFAULT_LOCAL_TIMEOUT
    assert OpenAIEngine(base_url="http://localhost:11434/v1", cache=False).timeout == DEFAULT_LOCAL_TIMEOUT
    assert OpenAIEngine(api_key=KEY, cache=False).timeout == DEFAULT_TIMEOUT
    assert OpenAIEngine(api_key=KEY, cache=False, timeout=5).timeout == 5

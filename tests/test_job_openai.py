"""The openai engine reads a posting's requirements in one structured call (prompts/job.md), and
which bullets show the uncovered ones in other words in one more (prompts/job_coverage.md),
over a scripted HTTP endpoint: the real openai client, instructor, our validators and the cache
run; only the server's replies are scripted (test_openai_engine's Endpoint)."""

from __future__ import annotations

import json

from support.paths import REPO
from support.scripted import BASE, KEY, Endpoint

from bulletsmith import Assistant, read

POSTING = REPO / "examples" / "sample-posting.md"
SAMPLE = REPO / "examples" / "sample-resume.md"

GOOD = {
    "title": "Data Scientist, Training Data",
    "requirements": [
        {"text": "Airflow", "kind": "tool", "required": True},
        {"text": "annotator agreement", "kind": "duty", "required": True},
        {"text": "Python", "kind": "skill", "required": True},
        {"text": "Spark", "kind": "tool", "required": False},
    ],
}
NONE_SHOWN: dict = {"shown": []}  # the coverage call: no bullet shows an uncovered one in other words
PREFERENCES = "Designed a pairwise-preference collection flow"  # the sample's line 27


def assistant(endpoint: Endpoint, **kw) -> Assistant:
    kw.setdefault("cache", False)
    return Assistant(
        engine="openai",
        base_url=BASE,
        api_key=KEY,
        model="test-model",
        http_client=endpoint.transport(),
        job=str(POSTING),
        max_reasks=1,
        **kw,
    )


def test_requirements_come_from_one_structured_call_with_the_job_prompt():
    ep = Endpoint(GOOD, NONE_SHOWN)
    report = assistant(ep).requirements(read(SAMPLE))
    assert len(ep.requests) == 2  # the requirements, then coverage by meaning of the uncovered ones
    body = ep.bodies[0]
    assert body["tools"][0]["function"]["name"] == "JobCall"
    assert ep.bodies[1]["tools"][0]["function"]["name"] == "CoverageCall"
    assert "Schedule the sensor data pipelines with Airflow" in body["messages"][-1]["content"]
    assert report.source == "the model served-model" and report.note is None
    by = {r.text: r for r in report.requirements}
    assert list(by) == ["Airflow", "annotator agreement", "Python", "Spark"]
    assert by["Spark"].required is False and by["Python"].kind == "skill"
    # Coverage is the same term matching as on the rules engine.
    assert by["Python"].covered_by == ["line 35"]
    assert by["annotator agreement"].covered_by  # the sample's bullets say "annotator agreement"
    assert by["Airflow"].note == "listed in Skills, shown in no bullet"
    # The question goes where the posting's line that names it fits best.
    asked = {q.requirement: q for q in report.questions}
    assert asked["Airflow"].bullet == "Worked on the AV data pipeline"


def test_a_requirement_not_in_the_posting_is_asked_again():
    invented = {**GOOD, "requirements": [{"text": "Python 3.x", "kind": "tool", "required": True}]}
    ep = Endpoint(invented, GOOD, NONE_SHOWN)
    report = assistant(ep).requirements(read(SAMPLE))
    assert len(ep.requests) == 3
    reask = json.dumps(ep.bodies[1]["messages"])
    assert "Python 3.x" in reask and "not in the posting" in reask
    assert [r.text for r in report.requirements][0] == "Airflow"


def test_still_invented_after_the_reask_falls_back_to_the_postings_structure_and_says_so():
    invented = {**GOOD, "requirements": [{"text": "Python 3.x", "kind": "tool", "required": True}]}
    ep = Endpoint(invented, invented, NONE_SHOWN)
    report = assistant(ep).requirements(read(SAMPLE))
    assert len(ep.requests) == 3
    assert report.source == "the posting's sections and lists"
    assert report.note is not None and "'Python 3.x' is not in the posting" in report.note
    assert "\n" not in report.note
    assert {"Airflow", "Python", "Kubernetes"} <= {r.text for r in report.requirements}
    assert report.to_dict()["note"] == report.note


def test_the_answer_is_cached_like_any_call(tmp_path):
    ep = Endpoint(GOOD, NONE_SHOWN)
    first = assistant(ep, cache=tmp_path / "cache").requirements(read(SAMPLE))
    again = assistant(Endpoint(), cache=tmp_path / "cache").requirements(read(SAMPLE))  # no reply scripted
    assert [r.text for r in again.requirements] == [r.text for r in first.requirements]


def test_one_call_per_posting_however_many_resumes():
    ep = Endpoint(GOOD, NONE_SHOWN, NONE_SHOWN)
    a = assistant(ep)
    a.requirements(read(SAMPLE))
    a.requirements(["Wrote SQL checks for billing"])
    calls = [body["tools"][0]["function"]["name"] for body in ep.bodies]
    assert calls == ["JobCall", "CoverageCall", "CoverageCall"]  # coverage is per resume


def test_a_bullet_that_shows_a_requirement_in_other_words_covers_it_with_its_words():
    rlhf = {**GOOD, "requirements": [*GOOD["requirements"], {"text": "RLHF", "kind": "method", "required": False}]}
    bullets = [b.text for b in read(SAMPLE).bullets]
    number = next(i for i, b in enumerate(bullets, start=1) if b.startswith(PREFERENCES))
    shown = {"shown": [{"requirement": "RLHF", "bullet": number, "evidence": "pairwise-preference collection flow"}]}
    ep = Endpoint(rlhf, shown)
    report = assistant(ep).requirements(read(SAMPLE))
    by = {r.text: r for r in report.requirements}
    assert by["RLHF"].covered_by == ["line 27"]
    assert by["RLHF"].to_dict()["by_meaning"] == {"line 27": "pairwise-preference collection flow"}
    assert "RLHF" not in {q.requirement for q in report.questions}  # shown: not asked
    assert "Spark" in {q.requirement for q in report.questions}  # the model's reading covers only what it shows
    sent = ep.bodies[1]["messages"][-1]["content"]
    assert "- RLHF" in sent and f"{number}. {PREFERENCES}" in sent and "- Python" not in sent  # only the uncovered


def test_coverage_words_not_in_the_bullet_are_asked_again_then_dropped_with_a_note():
    rlhf = {**GOOD, "requirements": [*GOOD["requirements"], {"text": "RLHF", "kind": "method", "required": False}]}
    unfounded = {"shown": [{"requirement": "RLHF", "bullet": 1, "evidence": "trained a reward model with PPO"}]}
    ep = Endpoint(rlhf, unfounded, unfounded)
    report = assistant(ep).requirements(read(SAMPLE))
    assert len(ep.requests) == 3
    assert "is not in bullet 1" in json.dumps(ep.bodies[2]["messages"])
    by = {r.text: r for r in report.requirements}
    assert by["RLHF"].covered_by == [] and "RLHF" in {q.requirement for q in report.questions}
    assert report.note is not None and report.note.startswith("coverage by meaning failed")


def test_the_rules_engine_never_asks_a_model():
    report = Assistant(engine="rules", job=str(POSTING)).requirements(read(SAMPLE))
    assert report.source == "the posting's sections and lists" and report.note is None


def test_job_eval_replays_the_recorded_smollm2_answer_offline():
    from bulletsmith.job_eval import run

    (row,) = run([REPO / "evals" / "jobs" / "sample"], engine="openai")["openai"]
    assert row["status"] == "scored" and row["model"] == "smollm2", row
    # SmolLM2-135M's recorded answer names requirements the posting does not state: refused after
    # its re-ask, so the requirements are the posting's structure's, and the row says so.
    assert row["source"] == "the posting's sections and lists" and "not in the posting" in row["note"]
    assert row["expected"] == 10 and 0 <= row["recall"] <= 1

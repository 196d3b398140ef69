"""A batch over real resumes with the real model's recorded answers: the bullets of these resumes
are eval cases (shared/realdata/bullets.jsonl), so the analyses the batch asks for are the
recorded SmolLM2 requests, replayed by the real openai client and instructor with no network."""

from __future__ import annotations

import pytest
from support.paths import shared_path
from support.replay import replay_assistant

from bulletsmith.answer_bank import AnswerBank
from bulletsmith.batch import Status, run_batch
from bulletsmith.documents import load_document


@pytest.mark.parametrize("name", ["sb2nov_sourabh-bajaj_resume.tex", "jsonresume-org_senior-engineer.resume.json"])
def test_a_real_resume_through_the_batch_with_recorded_model_answers(name):
    assistant, recordings = replay_assistant()
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

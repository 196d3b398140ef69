"""The public Python API, as a notebook user calls it (README, "From Python or a notebook")."""

import asyncio

import pytest
from support.paths import WEAK

from bulletsmith import Answer, AnswerStatus, Assistant, Slot
from bulletsmith.assistant import BulletError

STRONG = (
    "Redesigned labeling taxonomy for LLM feedback data, increasing annotator agreement from 0.68 to 0.84 "
    "and reducing edge-case mislabels by 37% over 3M examples"
)


@pytest.fixture
def assistant():
    return Assistant(engine="rules")


def test_default_engine_is_rules_and_says_so():
    a = Assistant()
    assert a.engine == "rules"
    assert "rules engine" in a.notice


def test_weak_bullet_has_only_an_action(assistant):
    an = assistant.analyze(WEAK)
    assert an.slots[Slot.ACTION].present
    assert an.slots[Slot.ACTION].evidence in WEAK
    assert an.missing == [Slot.PROBLEM, Slot.DATA_OUTCOME, Slot.MODEL_IMPACT]
    assert [q.slot for q in an.questions] == an.missing


def test_questions_quote_the_bullet_not_generic(assistant):
    an = assistant.analyze(WEAK)
    for q in an.questions:
        assert "classification model" in q.text, q.text
        assert "add metrics" not in q.text.lower()


def test_strong_bullet_has_action_and_data_outcome_grounded(assistant):
    an = assistant.analyze(STRONG)
    assert an.slots[Slot.ACTION].present and an.slots[Slot.DATA_OUTCOME].present
    for slot in (Slot.ACTION, Slot.DATA_OUTCOME):
        assert an.slots[slot].evidence.lower() in STRONG.lower()
    # Both measured changes, joined by "and", are one piece of evidence.
    assert an.slots[Slot.DATA_OUTCOME].evidence.endswith("by 37% over 3M examples")
    assert "0.68" in an.slots[Slot.DATA_OUTCOME].evidence
    assert Slot.ACTION not in an.missing and Slot.DATA_OUTCOME not in an.missing
    assert an.ok, an.findings


def test_rewrite_uses_answers_and_never_claims_unknown_or_not_mine(assistant):
    an = assistant.analyze(WEAK)
    rw = assistant.rewrite(
        an,
        answers={
            Slot.DATA_OUTCOME: "label error rate fell from 9% to 3% across 1.2M images",
            "problem": "unknown",
            Slot.MODEL_IMPACT: Answer(
                slot=Slot.MODEL_IMPACT, value="+4 points of recall", status=AnswerStatus.NOT_MINE
            ),
        },
    )
    assert rw.ok, rw.warnings
    assert "1.2M" in rw.text and "9%" in rw.text
    assert "recall" not in rw.text
    assert rw.text.startswith("Built")
    assert rw.facts_used == ["label error rate fell from 9% to 3% across 1.2M images"]


def test_rewrite_accepts_a_bare_bullet_and_no_answers(assistant):
    rw = assistant.rewrite(WEAK)
    assert rw.text == WEAK
    assert not rw.changed


def test_unknown_slot_in_answers_is_a_clear_error(assistant):
    with pytest.raises(ValueError, match="unknown slot 'impact'"):
        assistant.rewrite(WEAK, answers={"impact": "x"})


@pytest.mark.parametrize("bad", ["", "   \n ", "x" * 5000])
def test_bad_bullets_raise_one_line_errors(assistant, bad):
    with pytest.raises(BulletError) as info:
        assistant.analyze(bad)
    assert "\n" not in str(info.value)


def test_unknown_engine_is_rejected():
    with pytest.raises(ValueError, match="unknown engine"):
        Assistant(engine="gpt")


def test_analyze_many_keeps_order(assistant):
    bullets = [WEAK, STRONG, "Wrote SQL models in dbt to standardize point-of-sale data across vendors"]
    results = assistant.analyze_many(bullets, concurrency=2)
    assert [r.bullet for r in results] == bullets


def test_async_twins_match_sync(assistant):
    an = asyncio.run(assistant.aanalyze(WEAK))
    assert an == assistant.analyze(WEAK)
    rw = asyncio.run(assistant.arewrite(an, {Slot.PROBLEM: "vendor labels disagreed on 14 classes"}))
    assert "14 classes" in rw.text


def test_analyze_many_inside_a_running_loop(assistant):
    # Jupyter runs a loop already; the sync API must still work there.
    async def inside():
        return assistant.analyze_many([WEAK])

    assert asyncio.run(inside())[0].bullet == WEAK


def test_results_render_in_notebooks(assistant):
    an = assistant.analyze(WEAK)
    assert "<table>" in an._repr_html_() and "missing" in an._repr_markdown_()
    rw = assistant.rewrite(an, {Slot.DATA_OUTCOME: "3% label errors <b>"})
    assert "&lt;b&gt;" in rw._repr_html_()


@pytest.mark.parametrize(
    "typed, status",
    [
        ("unknown", AnswerStatus.UNKNOWN),
        ("", AnswerStatus.UNKNOWN),
        ("not mine", AnswerStatus.NOT_MINE),
        ("~40% fewer errors", AnswerStatus.APPROXIMATE),
        ("about 2M rows", AnswerStatus.APPROXIMATE),
        ("40% fewer errors", AnswerStatus.GIVEN),
        ("n", AnswerStatus.NOT_MINE),
        # A leading backslash: the rest is a plain answer, never a keyword.
        ("\\n", AnswerStatus.GIVEN),
        ("\\unknown", AnswerStatus.GIVEN),
        ("\\~40%", AnswerStatus.APPROXIMATE),
        ("\\", AnswerStatus.UNKNOWN),
    ],
)
def test_answer_parse(typed, status):
    assert Answer.parse("data_outcome", typed).status is status
    if typed.startswith("\\") and status is not AnswerStatus.UNKNOWN:
        assert Answer.parse("data_outcome", typed).value == typed[1:]


def test_a_rewrite_with_an_invented_number_is_never_presented():
    """Any engine's text goes through the provenance guard; here, one that makes up a percentage."""
    from bulletsmith.engines.base import Draft
    from bulletsmith.engines.rules.engine import RulesEngine

    class Boastful(RulesEngine):
        def rewrite(self, analysis, answers, *, fresh=False):
            return Draft(analysis.bullet + ", improving accuracy by 45%")

    a = Assistant(engine="rules")
    a._engine = Boastful()
    rw = a.rewrite(WEAK, {Slot.DATA_OUTCOME: "37% fewer mislabels"})
    assert not rw.ok
    assert rw.text == WEAK  # the original stands
    assert rw.rejected_text.endswith("45%")
    assert any(w.guard == "provenance" and "45%" in w.message for w in rw.warnings)


def test_what_an_engine_says_about_its_draft_reaches_the_rewrite():
    """The engine contract: `rewrite` returns a Draft; its own findings, usage, model and prompt
    version are copied onto the Rewrite, after the same guards as any engine's text."""
    from bulletsmith.engines.base import Draft
    from bulletsmith.engines.rules.engine import RulesEngine
    from bulletsmith.models import Finding, Usage

    class Reporting(RulesEngine):
        def rewrite(self, analysis, answers, *, fresh=False):
            return Draft(
                analysis.bullet,
                findings=(Finding(guard="reask", message="still failed"),),
                usage=Usage(requests=2, reasks=1),
                model="m-1",
                prompt_version="abc",
            )

    a = Assistant(engine="rules")
    a._engine = Reporting()
    rw = a.rewrite(WEAK)
    assert rw.text == WEAK and (rw.model, rw.prompt_version) == ("m-1", "abc")
    assert rw.usage.requests == 2 and rw.usage.reasks == 1
    assert [w.message for w in rw.warnings if w.guard == "reask"] == ["still failed"]


def test_an_engine_that_returns_a_bare_string_is_told_what_to_return():
    from bulletsmith.engines.rules.engine import RulesEngine

    class OldStyle(RulesEngine):
        def rewrite(self, analysis, answers, *, fresh=False):
            return analysis.bullet

    a = Assistant(engine="rules")
    a._engine = OldStyle()
    with pytest.raises(TypeError, match="OldStyle.rewrite returned str, not a Draft"):
        a.rewrite(WEAK)

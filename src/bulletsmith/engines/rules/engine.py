"""The offline engine: lexicons and templates, deterministic, never invents a fact."""

from __future__ import annotations

from bulletsmith.engines.base import Draft, Engine
from bulletsmith.engines.rules.assembly import assemble
from bulletsmith.engines.rules.clauses import detect
from bulletsmith.engines.rules.questions import questions_for
from bulletsmith.models import Analysis, Answer, Slot


class RulesEngine(Engine):
    name = "rules"
    model = None
    deterministic = True

    def analyze(self, bullet: str, *, fresh: bool = False) -> Analysis:
        found = detect(bullet)
        missing = [slot for slot in Slot if not found.slots[slot].present]
        return Analysis(
            bullet=bullet,
            slots=found.slots,
            questions=questions_for(missing, bullet, found.action_verb, found.action_object),
            engine=self.name,
        )

    def rewrite(self, analysis: Analysis, answers: dict[Slot, Answer], *, fresh: bool = False) -> Draft:
        # Deterministic: a fresh rewrite is the same text (Engine.deterministic says so to callers).
        return Draft(assemble(analysis, answers))

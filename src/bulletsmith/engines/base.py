"""What every engine provides. Guards run in the Assistant, the same for every engine."""

from __future__ import annotations

from abc import ABC, abstractmethod

from bulletsmith.models import Analysis, Answer, Slot


class Engine(ABC):
    name: str
    model: str | None = None

    @abstractmethod
    def analyze(self, bullet: str) -> Analysis: ...

    @abstractmethod
    def rewrite(self, analysis: Analysis, answers: dict[Slot, Answer]) -> str:
        """The rewritten text; the Assistant checks it and wraps it in a Rewrite."""

    # CPU-only engines answer at once; network engines override these.
    async def aanalyze(self, bullet: str) -> Analysis:
        return self.analyze(bullet)

    async def arewrite(self, analysis: Analysis, answers: dict[Slot, Answer]) -> str:
        return self.rewrite(analysis, answers)

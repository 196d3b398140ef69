"""What every engine provides. Guards run in the Assistant, the same for every engine."""

from __future__ import annotations

from abc import ABC, abstractmethod

from bulletsmith.models import Analysis, Answer, Slot


class Engine(ABC):
    name: str
    model: str | None = None
    # True when the same analysis and answers always give the same rewrite (the rules engine):
    # asking for a fresh rewrite can't change the text, so the coach says so instead of asking.
    deterministic: bool = False

    @abstractmethod
    def analyze(self, bullet: str, *, fresh: bool = False) -> Analysis:
        """fresh: the last analysis failed its checks and the person asked to try again (coach
        "r"): a network engine sends a new request that may answer differently instead of
        answering from its cache."""

    @abstractmethod
    def rewrite(self, analysis: Analysis, answers: dict[Slot, Answer], *, fresh: bool = False) -> str:
        """The rewritten text; the Assistant checks it and wraps it in a Rewrite.

        fresh: the person asked for another wording (coach "r"): a network engine sends a new
        request that may word it differently instead of answering from what it already has.
        """

    # CPU-only engines answer at once; network engines override these.
    async def aanalyze(self, bullet: str, *, fresh: bool = False) -> Analysis:
        return self.analyze(bullet, fresh=fresh)

    async def arewrite(self, analysis: Analysis, answers: dict[Slot, Answer], *, fresh: bool = False) -> str:
        return self.rewrite(analysis, answers, fresh=fresh)

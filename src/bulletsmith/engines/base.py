"""What every engine provides. Guards run in the Assistant, the same for every engine."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from bulletsmith.models import Analysis, Answer, Finding, Slot, Usage

__all__ = ["Draft", "Engine", "MeaningCoverage", "PostingRequirements"]


@dataclass(frozen=True)
class Draft:
    """What an engine's rewrite returns: the text, and how it was made.

    The Assistant checks `text` with the guards, the same for every engine, and copies the rest
    onto the Rewrite. findings: the engine's own (e.g. the model still failed its checks after
    the re-asks); usage, model and prompt_version: None for an engine with no model (rules).
    """

    text: str
    findings: tuple[Finding, ...] = ()
    usage: Usage | None = None
    model: str | None = None
    prompt_version: str | None = None


@dataclass(frozen=True)
class MeaningCoverage:
    """Requirements a model says bullets show by meaning (`Engine.job_coverage`).

    shown: (requirement as given, index of the bullet, the bullet's words that show it, copied
    from it). failure: why there is nothing to go on (the model's answer still failed its
    checks); the coverage by term stands alone then, and the report says so."""

    shown: tuple[tuple[str, int, str], ...] = ()
    failure: str | None = None
    model: str | None = None
    prompt_version: str | None = None


@dataclass(frozen=True)
class PostingRequirements:
    """A job posting's requirements as an engine read them (`Engine.job_requirements`).

    requirements: (text in the posting's words, kind, required). failure: why the engine has
    none to give (the model's answer still failed its checks): the caller falls back to the
    posting's structure and says so."""

    title: str = ""
    requirements: tuple[tuple[str, str, bool], ...] = ()
    failure: str | None = None
    model: str | None = None
    prompt_version: str | None = None


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
    def rewrite(self, analysis: Analysis, answers: dict[Slot, Answer], *, fresh: bool = False) -> Draft:
        """The rewritten text as a Draft; the Assistant checks it and wraps it in a Rewrite.

        fresh: the person asked for another wording (coach "r"): a network engine sends a new
        request that may word it differently instead of answering from what it already has.
        """

    # CPU-only engines answer at once; network engines override these.
    async def aanalyze(self, bullet: str, *, fresh: bool = False) -> Analysis:
        return self.analyze(bullet, fresh=fresh)

    async def arewrite(self, analysis: Analysis, answers: dict[Slot, Answer], *, fresh: bool = False) -> Draft:
        return self.rewrite(analysis, answers, fresh=fresh)

    def job_coverage(self, requirements: list[str], bullets: list[str]) -> MeaningCoverage | None:
        """Which bullets show each requirement by meaning, in other words than the posting's, or
        None when the engine only matches terms (`bulletsmith.job.shows`: the rules engine)."""
        return None

    def job_requirements(self, posting: str) -> PostingRequirements | None:
        """A posting's requirements read by the engine, or None when the posting's structure
        (sections, bullet lists: `bulletsmith.job.parse_posting`) is what it has to go on."""
        return None

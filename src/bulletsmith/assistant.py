"""The one entry point that the CLI, notebooks and evals share.

    from bulletsmith import Assistant, Slot
    a = Assistant()
    an = a.analyze("Built a classification model for image labeling")
    rw = a.rewrite(an, answers={Slot.DATA_OUTCOME: "label error rate 9% -> 3% over 1.2M images"})

Every engine's output goes through the same guards here, so a failure is never silent:
an Analysis carries its findings, and a Rewrite whose numbers the person never gave is
not presented as the rewrite (``rw.ok`` is False, ``rw.text`` stays the original).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from bulletsmith import guards
from bulletsmith.claims import question_claim_findings
from bulletsmith.engines.base import Draft, Engine
from bulletsmith.errors import BulletsmithError, InputError
from bulletsmith.models import Analysis, Answer, Finding, Rewrite, Slot
from bulletsmith.progress import Progress, progress_bar
from bulletsmith.results import Analyses, Rewrites

if TYPE_CHECKING:
    from bulletsmith.documents.base import Bullet

if TYPE_CHECKING:
    from bulletsmith.review import Review

ENGINES = ("rules", "openai")
DEFAULT_CONCURRENCY = 8
# Longer than any real bullet; a paste of a whole section is a mistake to report, not to send.
MAX_BULLET_CHARS = 1200

AnswersArg = Mapping["Slot", "str | Answer | None"] | Mapping[str, "str | Answer | None"] | Iterable[Answer] | None


class BulletError(InputError):
    """The bullet itself can't be analyzed (empty, too long). The message is one line."""


class EngineUnavailable(BulletsmithError, RuntimeError):
    """The chosen engine can't run here; the message says what to do instead."""


def endpoint_configured(base_url: str | None = None, api_key: str | None = None) -> bool:
    return bool(base_url or api_key or os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY"))


class Assistant:
    """Analyze bullets, ask for their missing slots, rewrite them from the answers.

    engine: "rules" (offline, deterministic) or "openai" (any OpenAI-compatible endpoint).
    Without an engine, openai is used when an endpoint is configured (OPENAI_API_KEY or
    OPENAI_BASE_URL, or api_key= / base_url=), else the rules engine, and `notice` says so
    in one line.

    For the openai engine: model (else $BULLETSMITH_MODEL, else the default), mode ("tools",
    "json_schema" or "md_json"; else $BULLETSMITH_MODE, else "tools"), cache (True: the user
    cache directory or $BULLETSMITH_CACHE_DIR; False: off; or a directory), max_reasks (how
    often a guard violation goes back to the model; else $BULLETSMITH_MAX_REASKS, else 2),
    timeout (seconds per HTTP request), network_retries (extra tries per call for network faults;
    else 4; 0 for a replay, where a miss is final), http_client (an httpx2 transport, Client or
    AsyncClient: tests, proxies, recordings).

    A provider's rate limit slows the openai engine down, never fails it: requests are paced to
    the limit its answers announce, and a 429 is waited out as long as the server says, unless
    `deadline` (seconds from now) is set and the wait would end past it. `on_rate_limit`, when
    set, is called with the wall-clock time (``time.time()``) until which requests wait for the
    limit, and with None when none waits: a progress display's "waiting for the rate limit".
    """

    def __init__(
        self,
        engine: str | None = None,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        cache: bool | str | os.PathLike[str] = True,
        role: str | None = "data scientist",
        concurrency: int = DEFAULT_CONCURRENCY,
        max_reasks: int | None = None,
        mode: str | None = None,
        timeout: float | None = None,
        network_retries: int | None = None,
        http_client: object = None,
        deadline: float | None = None,
    ) -> None:
        if engine is not None and engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
        self.role = role
        self.concurrency = max(1, int(concurrency))
        self.notice: str | None = None
        self._engine: Engine = self._make_engine(
            engine,
            model=model,
            base_url=base_url,
            api_key=api_key,
            cache=cache,
            max_reasks=max_reasks,
            mode=mode,
            timeout=timeout,
            http_client=http_client,
            **({} if network_retries is None else {"network_retries": network_retries}),
            **({} if deadline is None else {"deadline": deadline}),
        )

    def _make_engine(self, engine: str | None, **settings: object) -> Engine:
        if engine is None and endpoint_configured(settings.get("base_url"), settings.get("api_key")):  # type: ignore[arg-type]
            engine = "openai"
        if engine == "openai":
            from bulletsmith.engines.openai.engine import OpenAIEngine  # imports openai + instructor: only now

            try:
                return OpenAIEngine(**settings)  # type: ignore[arg-type]
            except ValueError as e:  # no endpoint, unknown mode: one line that says what to set
                raise EngineUnavailable(str(e)) from None
        if engine is None:
            self.notice = (
                "No endpoint configured: using the offline rules engine "
                "(set OPENAI_API_KEY or OPENAI_BASE_URL to use a model)."
            )
        from bulletsmith.engines.rules.engine import RulesEngine

        return RulesEngine()

    @property
    def engine(self) -> str:
        return self._engine.name

    @property
    def model(self) -> str | None:
        return self._engine.model

    @property
    def on_rate_limit(self) -> Callable[[float | None], None] | None:
        """Called with the time (``time.time()``) until which requests wait for the provider's
        rate limit, and None when none waits. Never called by the offline rules engine."""
        return getattr(self._engine, "on_rate_limit", None)

    @on_rate_limit.setter
    def on_rate_limit(self, callback: Callable[[float | None], None] | None) -> None:
        if hasattr(self._engine, "on_rate_limit"):
            setattr(self._engine, "on_rate_limit", callback)  # noqa: B010 - only the openai engine has it

    @property
    def deterministic(self) -> bool:
        """True when a fresh rewrite can't differ from the last one (the rules engine)."""
        return bool(getattr(self._engine, "deterministic", False))

    # -- analyze -------------------------------------------------------------------

    def analyze(self, bullet: str, *, fresh: bool = False) -> Analysis:
        """The bullet's four slots, with one question per missing slot, checked by the guards.

        fresh=True tries again after a failed analysis (the coach's "retry"): the openai engine
        sends a new request above temperature 0 instead of answering from its cache."""
        bullet = _check_bullet(bullet)
        return self._checked(self._engine.analyze(bullet, fresh=fresh))

    async def aanalyze(self, bullet: str, *, fresh: bool = False) -> Analysis:
        bullet = _check_bullet(bullet)
        return self._checked(await self._engine.aanalyze(bullet, fresh=fresh))

    def analyze_many(
        self, bullets: Sequence[str | Bullet], *, concurrency: int | None = None, progress: bool | None = None
    ) -> Analyses:
        """Analyze many bullets, at most `concurrency` at a time, results in input order.

        `bullets` are texts, or a file's bullets (``bulletsmith.read(path).bullets``), whose
        locations the result keeps. The result is a list that renders as one table in Jupyter and
        has ``to_pandas()``. progress: a bar in Jupyter or at an interactive prompt (None, the
        default); False never, True always (elsewhere on stderr)."""
        bullets = list(bullets)  # a generator too, as before; the bar needs the count
        with progress_bar(len(bullets), "analyzing", "analyzed", progress) as bar:
            return _run(self._analyze_many(bullets, concurrency, bar), tick=bar.refresh)

    async def aanalyze_many(
        self, bullets: Sequence[str | Bullet], *, concurrency: int | None = None, progress: bool | None = None
    ) -> Analyses:
        bullets = list(bullets)  # a generator too, as before; the bar needs the count
        with progress_bar(len(bullets), "analyzing", "analyzed", progress) as bar:
            return await self._analyze_many(bullets, concurrency, bar)

    async def _analyze_many(self, bullets: Sequence[str | Bullet], concurrency: int | None, bar: Progress) -> Analyses:
        import asyncio  # here, not at the top: one bullet from the CLI never needs it (~30 ms)

        from bulletsmith.gate import CallGate

        gate = CallGate(concurrency or self.concurrency)
        texts = [b if isinstance(b, str) else b.text for b in bullets]

        async def one(bullet: str) -> Analysis:
            async with gate.hold():
                result = await self.aanalyze(bullet)
            bar.advance()
            return result

        results = await asyncio.gather(*(one(b) for b in texts))
        return Analyses(results, locations=_locations(bullets))

    def rewrite_many(
        self,
        analyses: Sequence[Analysis | str],
        answers: Sequence[AnswersArg] | Mapping[int | str, AnswersArg] | None = None,
        *,
        concurrency: int | None = None,
        progress: bool | None = None,
    ) -> Rewrites:
        """Rewrite many analyzed bullets from their answers, results in input order.

        answers: one per analysis (a list as long as `analyses`, None for none), or a mapping from
        an analysis's index, or from its location (when the analyses came from a file's bullets),
        to that bullet's answers; a bullet without answers is rewritten from its own words only.
        Each answers value is what `rewrite` takes ({Slot.DATA_OUTCOME: "…"}). The result is a
        list that renders as one table and has ``to_pandas()``, with the analyses beside the
        rewrites. progress: as in `analyze_many`."""
        analyses = analyses if isinstance(analyses, Analyses) else list(analyses)
        with progress_bar(len(analyses), "rewriting", "rewrote", progress) as bar:
            return _run(self._rewrite_many(analyses, answers, concurrency, bar), tick=bar.refresh)

    async def arewrite_many(
        self,
        analyses: Sequence[Analysis | str],
        answers: Sequence[AnswersArg] | Mapping[int | str, AnswersArg] | None = None,
        *,
        concurrency: int | None = None,
        progress: bool | None = None,
    ) -> Rewrites:
        analyses = analyses if isinstance(analyses, Analyses) else list(analyses)
        with progress_bar(len(analyses), "rewriting", "rewrote", progress) as bar:
            return await self._rewrite_many(analyses, answers, concurrency, bar)

    async def _rewrite_many(
        self,
        analyses: Sequence[Analysis | str],
        answers: Sequence[AnswersArg] | Mapping[int | str, AnswersArg] | None,
        concurrency: int | None,
        bar: Progress,
    ) -> Rewrites:
        import asyncio

        from bulletsmith.gate import CallGate

        locations = list(analyses.locations) if isinstance(analyses, Analyses) else [None] * len(analyses)
        per_bullet = _answers_per_bullet(answers, len(analyses), locations)
        gate = CallGate(concurrency or self.concurrency)

        async def one(item: Analysis | str, given: AnswersArg) -> tuple[Analysis, Rewrite]:
            async with gate.hold():
                analysis = await self.aanalyze(item) if isinstance(item, str) else item
                result = await self.arewrite(analysis, given)
            bar.advance()
            return analysis, result

        pairs = await asyncio.gather(*(one(item, given) for item, given in zip(analyses, per_bullet)))
        return Rewrites([rw for _, rw in pairs], locations=locations, analyses=[an for an, _ in pairs])

    def _checked(self, analysis: Analysis) -> Analysis:
        found = (
            guards.grounding_findings(analysis.bullet, analysis.slots)
            + guards.question_findings(analysis.slots, analysis.questions)
            + question_claim_findings(analysis.bullet, analysis.questions)
        )
        if not found:
            return analysis
        return analysis.model_copy(update={"findings": [*analysis.findings, *found]})

    # -- review --------------------------------------------------------------------

    def review(
        self,
        path_or_text: str | os.PathLike[str],
        *,
        role: str | None = None,
        rewritten: str | os.PathLike[str] | None = None,
        questions: str | os.PathLike[str] | None = None,
    ) -> Review:
        """The whole resume against the guide's rubric (see ``bulletsmith.review``).

        path_or_text: a resume file in any format ``extract`` reads, or a resume's text (Markdown or
        plain text with bullet lines). The analyses are the same calls ``rewrite`` makes, so after a
        rewrite they come from the cache. role: the target role for the title check (default: the
        Assistant's role, "data scientist"). rewritten / questions: the rewritten resume and the
        questions file to compare with (default: NAME.bulletsmith.EXT and NAME.questions.yaml beside
        the file, when they exist).
        """
        from pathlib import Path

        from bulletsmith.review import review_document

        document = _load_resume(path_or_text)
        return review_document(
            document,
            self,
            role=role,
            rewritten=Path(rewritten) if rewritten is not None else None,
            questions=Path(questions) if questions is not None else None,
        )

    # -- rewrite -------------------------------------------------------------------

    def rewrite(self, analysis: Analysis | str, answers: AnswersArg = None, *, fresh: bool = False) -> Rewrite:
        """The bullet rewritten from its answers, checked by every guard.

        fresh=True asks for another wording (the coach's "regenerate"): the openai engine sends
        a new request, above temperature 0, instead of answering from its cache or from the
        rewrite that came with the analysis. The guards apply exactly as to any rewrite. The
        rules engine is deterministic (``deterministic`` is True): its fresh rewrite is the same text.
        """
        analysis = self.analyze(analysis) if isinstance(analysis, str) else analysis
        typed = normalize_answers(answers)
        draft = self._engine.rewrite(analysis, typed, fresh=fresh)
        return self._checked_rewrite(analysis, typed, draft)

    async def arewrite(self, analysis: Analysis | str, answers: AnswersArg = None, *, fresh: bool = False) -> Rewrite:
        analysis = await self.aanalyze(analysis) if isinstance(analysis, str) else analysis
        typed = normalize_answers(answers)
        draft = await self._engine.arewrite(analysis, typed, fresh=fresh)
        return self._checked_rewrite(analysis, typed, draft)

    def _checked_rewrite(self, analysis: Analysis, answers: dict[Slot, Answer], draft: Draft) -> Rewrite:
        if not isinstance(draft, Draft):  # an engine written against the old contract (a str)
            raise TypeError(
                f"{type(self._engine).__name__}.rewrite returned {type(draft).__name__}, not a Draft "
                "(bulletsmith.engines.base.Draft)"
            )
        text = draft.text
        if guards.kept_as_written(text, analysis.bullet):  # no new claim to refuse, only style advice
            findings: list[Finding] = guards.style_findings(text, role=self.role)
        else:
            sources = guards.rewrite_sources(analysis.bullet, answers.values())
            findings = guards.check_rewrite(text, sources, role=self.role)
        findings += draft.findings  # the engine's own: e.g. the model still failed after its re-asks
        if not analysis.ok:
            # `rewrite` and `coach` never get here (they rewrite nothing from a refused analysis);
            # a notebook may, and must not lose the failure on the way: its slots were a guess.
            findings.append(
                Finding(
                    guard="analysis",
                    message=f"built on an analysis that failed its checks "
                    f"({analysis.failure}); its slots are a guess the checks refused",
                )
            )
        rejected = any(f.severity == "error" for f in findings)
        return Rewrite(
            original=analysis.bullet,
            # A text with an unsupported number is never presented as the rewrite.
            text=analysis.bullet if rejected else text,
            rejected_text=(text or None) if rejected else None,
            answers=list(answers.values()),
            warnings=findings,
            engine=self.engine,
            model=draft.model or self.model,
            prompt_version=draft.prompt_version,
            usage=draft.usage,
        )


def _load_resume(path_or_text: str | os.PathLike[str]):  # noqa: ANN202 - a documents.Document
    """A resume file, or a resume's text (anything with a line break, or no file extension we read)."""
    from pathlib import Path

    from bulletsmith.documents import SUPPORTED_SUFFIXES, DocumentError, load_document

    if isinstance(path_or_text, os.PathLike):
        return load_document(path_or_text)
    if not isinstance(path_or_text, str):
        raise InputError(f"a resume is a path or its text, not {type(path_or_text).__name__}")
    text = path_or_text
    if "\n" not in text and (Path(text).suffix.lower() in SUPPORTED_SUFFIXES or os.path.lexists(text)):
        return load_document(text)  # a path: its own errors ("no such file", "unsupported file type")
    from bulletsmith.documents.markdown import parse_markdown

    if not text.strip():
        raise DocumentError("<text>: is empty")
    document = parse_markdown(Path("<text>.md"), text.encode("utf-8"))
    if not document.bullets:
        raise DocumentError("<text>: no bullets found; expected list items (-, *, •) under Experience or Projects")
    return document


def normalize_answers(answers: AnswersArg) -> dict[Slot, Answer]:
    """Accept {slot: "text"}, {"data_outcome": Answer(...)}, or a list of Answers."""
    if answers is None:
        return {}
    if isinstance(answers, Mapping):
        out = {}
        for key, raw in answers.items():
            try:
                slot = Slot(key)
            except ValueError:
                raise ValueError(
                    f"unknown slot {key!r} in answers; slots are: {', '.join(s.value for s in Slot)}"
                ) from None
            out[slot] = Answer.parse(slot, raw)
        return out
    return {a.slot: a for a in answers}


def _check_bullet(bullet: str) -> str:
    if not isinstance(bullet, str):
        raise BulletError(f"a bullet is text, not {type(bullet).__name__}")
    text = " ".join(bullet.split())
    if not text:
        raise BulletError("the bullet is empty")
    if len(text) > MAX_BULLET_CHARS:
        raise BulletError(
            f"the bullet is {len(text):,} characters long (at most {MAX_BULLET_CHARS:,}); is it several bullets pasted as one?"
        )
    return text


def _locations(bullets: Sequence[str | Bullet]) -> list[str | None] | None:
    found = [None if isinstance(b, str) else getattr(b, "location", None) for b in bullets]
    return found if any(found) else None


def _answers_per_bullet(
    answers: Sequence[AnswersArg] | Mapping[int | str, AnswersArg] | None, n: int, locations: Sequence[str | None]
) -> list[AnswersArg]:
    """rewrite_many's answers as one entry per bullet, refusing what would silently go unused."""
    if answers is None:
        return [None] * n
    if isinstance(answers, Mapping):
        if answers and all(isinstance(k, Slot) or k in {s.value for s in Slot} for k in answers):
            raise ValueError(
                "answers are per bullet: {index or location: {slot: answer}}, e.g. {0: {'data_outcome': '...'}}"
            )
        out: list[AnswersArg] = [None] * n
        for key, given in answers.items():
            if isinstance(key, int) and not isinstance(key, bool) and -n <= key < n:
                out[key] = given
            elif isinstance(key, str) and key in locations:
                out[locations.index(key)] = given
            else:
                raise ValueError(f"answers for {key!r}: no such bullet (use an index below {n} or a location)")
        return out
    given_list = list(answers)
    if len(given_list) != n:
        raise ValueError(f"{len(given_list)} answers for {n} bullets; give one per bullet (None for none)")
    return given_list


def _run(coro, tick: Callable[[], None] | None = None):  # noqa: ANN001, ANN202
    """Run a coroutine from sync code, also inside Jupyter, where a loop is already running.

    There it runs in a worker thread, and this thread calls `tick` while it waits (a progress
    bar's display belongs to the thread that made it)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_boxed(coro)).value
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(asyncio.run, _boxed(coro))
        if tick is not None:
            while not concurrent.futures.wait([future], timeout=0.1).done:
                tick()
        return future.result().value


class _Box:
    """A coroutine's result, with a repr that does not print it. On Python 3.11 `asyncio.run`
    formats the main task's repr (its result included) twice while restoring the SIGINT
    handler (`signal.getsignal` of a partial): for a 40-bullet batch that was every analysis
    and rewrite, ~0.2 ms of CPU a bullet."""

    __slots__ = ("value",)
    value: object

    def __repr__(self) -> str:
        return "<result>"


async def _boxed(coro):  # noqa: ANN001, ANN202
    box = _Box()
    box.value = await coro
    return box

"""The coach: one resume, bullet by bullet, as a state machine with no terminal I/O.

    coach = Coach(document, Assistant(engine="rules"), store=SessionStore(path))
    coach.start()
    while (step := coach.step()).stage is not Stage.DONE:
        show(step)                       # bullet i of n, slots, the question or the rewrite
        reply = coach.handle(input())    # what the person typed: an answer or a command
        if reply.quit: break             # the session is already saved
    else:
        coach.finish()                   # writes the output file, the fact bank; drops the session
    coach.close()

What the person can type depends on the stage (``Step.stage``):

- QUESTION: text = the answer; Enter = skip (or keep the answer already given); ``?`` why the
  slot matters, with an example; ``u`` unknown; ``n`` not mine; ``b`` back; ``q`` save and quit;
  ``w`` write the output file now (decided bullets rewritten, the others as they are). A leading
  backslash makes the rest the answer as typed, never a command: ``\\b`` answers "b" (`ESCAPE_HELP`).
- DECIDE (the rewrite beside the original): ``a`` accept, ``e`` edit, ``r`` regenerate,
  ``k`` keep the original, ``b``, ``q``, ``w``. A rewrite that failed its guards offers only
  ``e`` and ``k`` (plus ``b``, ``q``, ``w``).
- EDIT: the new text (Enter or ``b`` cancels). ``Step.edit_default`` is the text to start from
  (the rewrite, or the person's own text after ``e edit again``): a UI prefills it where it can,
  and the same text sent back unchanged cancels too. It goes through the same guards as a
  rewrite, with the bullet and the answers as sources; with findings the stage becomes
  CONFIRM_EDIT (``y`` use it anyway, ``e`` edit again, anything else discards it).
- FAILED (the analysis failed, e.g. the endpoint is down): ``r`` retry, ``k`` keep, ``b``, ``q``, ``w``.
- DONE: every bullet is decided; call ``finish()``.

Every answer and every decision is saved at once (session file + the questions file beside
the resume, which is the person's fact bank). A bullet that holds a rewrite recorded in the fact
bank (after ``--in-place``) is analyzed and rewritten from its original text, as in ``rewrite``.
Analyses of the next bullets run on a background
thread with its own event loop while the person answers (``lookahead`` bullets ahead), and a
bullet with nothing to ask also gets its rewrite prepared there; ``stats`` records how long the
person waited for the model after the first bullet.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from bulletsmith import guards
from bulletsmith.answer_bank import AnswerBank, BulletEntry, QuestionEntry, QuestionsFile, bullet_key, write_questions_file
from bulletsmith.assistant import Assistant
from bulletsmith.batch import default_output_path, default_questions_path
from bulletsmith.documents import Bullet, Document, Markup
from bulletsmith.errors import BulletsmithError, EngineError
from bulletsmith.fsutil import atomic_write, backup_path
from bulletsmith.models import WHY, Analysis, Answer, Finding, Question, Rewrite, Slot

from bulletsmith.session import BulletRecord, Decision, SessionData, SessionStore, file_hash

DEFAULT_LOOKAHEAD = 3  # bullets analyzed ahead of the one shown
# Prefetched analyses in flight at once. Small on purpose: a local server (llama.cpp) answers one
# request at a time, and the rewrite the person waits for must not queue behind many of them.
PREFETCH_CONCURRENCY = 2
_ENGINE_ERRORS = (BulletsmithError, OSError)  # what one engine call may raise; the coach goes on


class AnalysisRefused(EngineError):
    """The model answered, and its analysis still failed the guards after the re-asks."""


class Stage(str, Enum):
    QUESTION = "question"
    DECIDE = "decide"
    EDIT = "edit"
    CONFIRM_EDIT = "confirm_edit"
    FAILED = "failed"
    DONE = "done"

    def __str__(self) -> str:
        return self.value


COMMANDS = {
    Stage.QUESTION: "Enter skip · ? why · u unknown · n not mine · b back · w write file now · q save and quit",
    Stage.DECIDE: "a accept · e edit · r regenerate · k keep original · b back · w write file now · q save and quit",
    Stage.EDIT: "type the new text · Enter keeps the text as it was",
    Stage.CONFIRM_EDIT: "y use it anyway · e edit again · Enter discard",
    Stage.FAILED: "r retry · k keep original · b back · w write file now · q save and quit",
    Stage.DONE: "",
}
# How to answer with text that is also a command. The backslash is kept in the session and the fact
# bank, where Answer.parse reads it the same way ("\\n" is the answer "n", not "not mine").
ESCAPE_HELP = 'To answer with text that is also a command (b, n, u, q, w, ?), start it with a backslash: \\b answers "b".'
COMMANDS_REJECTED = "e edit · k keep original · b back · w write file now · q save and quit"
COMMANDS_REWRITE_FAILED = "r retry · e edit · k keep original · b back · w write file now · q save and quit"


@dataclass
class Step:
    """What to show now and what the next input answers."""

    stage: Stage
    index: int  # 0-based; shown as index + 1
    total: int
    bullet: Bullet | None = None
    analysis: Analysis | None = None
    answers: dict[Slot, str] = field(default_factory=dict)  # what the person typed, per slot (non-empty)
    prefilled: set[Slot] = field(default_factory=set)  # answered before this bullet came up in this run
    question: Question | None = None
    question_number: int = 0  # 1-based among the bullet's questions
    question_count: int = 0
    rewrite: Rewrite | None = None
    decision: Decision | None = None  # an earlier decision on this bullet (after `b`, or from the session)
    final: str | None = None
    edit_text: str | None = None
    edit_findings: list[Finding] = field(default_factory=list)
    edit_default: str | None = None  # EDIT: the text to start from (prefilled where the UI can)
    dropped_markup: list[Markup] = field(default_factory=list)  # DECIDE: links, bold… accepting would lose
    error: str | None = None
    entered: bool = False  # True the first time a step of this bullet is returned after moving to it

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def header(self) -> str:
        return f"Bullet {self.number} of {self.total}"

    @property
    def commands(self) -> str:
        if self.stage is Stage.DECIDE:
            if self.rewrite is None:
                return COMMANDS_REWRITE_FAILED
            if not self.rewrite.ok:
                return COMMANDS_REJECTED
        return COMMANDS[self.stage]

    @property
    def changed(self) -> bool:
        """The rewrite differs from the bullet as the file holds it (which, after --in-place, may
        already be this very rewrite of the original)."""
        return self.rewrite is not None and self.bullet is not None and self.rewrite.text.strip() != self.bullet.text.strip()

    @property
    def current_answer(self) -> str | None:
        return self.answers.get(self.question.slot) if self.question else None


@dataclass
class Reply:
    """What the coach says back to one input."""

    message: str = ""
    level: Literal["info", "warning", "error"] = "info"
    quit: bool = False
    wrote: Path | None = None


@dataclass
class Finished:
    output: Path
    backup: Path | None
    questions_file: Path | None
    accepted: int
    edited: int
    kept: int
    undecided: int
    dropped_markup: dict[str, list[Markup]] = field(default_factory=dict)  # location -> what the output lost


@dataclass
class WaitStats:
    """How long the person waited for the model. The prefetch is meant to make the later figures ~0."""

    first_analysis: float = 0.0  # the first bullet shown in this run: nothing could be prefetched yet
    analysis_waits: list[float] = field(default_factory=list)  # every later bullet entered
    rewrite_waits: list[float] = field(default_factory=list)

    @property
    def analysis_after_first(self) -> float:
        return sum(self.analysis_waits)

    @property
    def rewrite_total(self) -> float:
        return sum(self.rewrite_waits)

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_analysis_seconds": round(self.first_analysis, 4),
            "analysis_wait_after_first_seconds": round(self.analysis_after_first, 4),
            "analysis_waits": [round(w, 4) for w in self.analysis_waits],
            "rewrite_wait_seconds": round(self.rewrite_total, 4),
            "rewrites": len(self.rewrite_waits),
        }


@dataclass
class _Item:
    bullet: Bullet
    answers: dict[Slot, str] = field(default_factory=dict)
    prefilled: set[Slot] = field(default_factory=set)
    decision: Decision | None = None
    final: str | None = None
    source: str = ""  # the original text when the bullet holds its recorded rewrite (--in-place)

    @property
    def key(self) -> str:
        return bullet_key(self.bullet.text)

    @property
    def original(self) -> str:
        """The text analyzed and rewritten."""
        return self.source or self.bullet.text

    @property
    def output(self) -> str:
        """The text the output file holds for this bullet."""
        if self.decision in (Decision.ACCEPTED, Decision.EDITED) and self.final:
            return self.final
        return self.bullet.text


class _Background:
    """A thread running one asyncio loop: every engine call goes through it, so an async HTTP
    client always sees the same loop, and the analyses run while the main thread waits for input."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._gate: asyncio.Semaphore | None = None
        self._idle: asyncio.Event | None = None  # set when no call the person waits for is running
        self._urgent = 0
        self._closing = False
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="bulletsmith-coach", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            try:
                self.loop.run_until_complete(self._cancel_all())
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            finally:
                self.loop.close()

    def submit(self, make: Callable[[], Coroutine[Any, Any, Any]], *, gated: bool = True) -> concurrent.futures.Future:
        """Run make() on the loop. The coroutine is created there, so one that never starts is never made."""

        async def run() -> Any:
            if self._closing:
                raise asyncio.CancelledError
            if self._idle is None:
                self._idle = asyncio.Event()
                self._idle.set()
            if not gated:  # the person is waiting for this one: prefetches hold back until it is done
                self._urgent += 1
                self._idle.clear()
                try:
                    return await make()
                finally:
                    self._urgent -= 1
                    if not self._urgent:
                        self._idle.set()
            if self._gate is None:
                self._gate = asyncio.Semaphore(self.limit)
            async with self._gate:
                await self._idle.wait()
                return await make()

        return asyncio.run_coroutine_threadsafe(run(), self.loop)

    async def _cancel_all(self) -> None:
        self._closing = True
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def close(self) -> None:
        if self.loop.is_closed() or not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._cancel_all(), self.loop).result(timeout=5)
        except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError, RuntimeError):
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


def _wait(future: concurrent.futures.Future) -> Any:
    """future.result(), but in short slices so Ctrl-C reaches the main thread at once."""
    while True:
        done, _ = concurrent.futures.wait([future], timeout=0.1)
        if done:
            return future.result()


def _one_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def saved_position(saved: SessionData) -> str:
    """'bullet 4 of 11' for the resume prompt."""
    total = saved.total or len(saved.bullets)
    return f"bullet {min(saved.current + 1, max(total, 1))} of {total}"


class Coach:
    def __init__(
        self,
        document: Document,
        assistant: Assistant,
        *,
        bank: AnswerBank | None = None,
        store: SessionStore | None = None,
        saved: SessionData | None = None,
        questions_path: Path | None = None,
        output: Path | None = None,
        in_place: bool = False,
        lookahead: int = DEFAULT_LOOKAHEAD,
    ) -> None:
        self.document = document
        self.assistant = assistant
        self.bank = bank or AnswerBank()
        self.store = store
        self.questions_path = questions_path if questions_path is not None else default_questions_path(document.path)
        self.in_place = in_place
        self.output = document.path if in_place else (output or default_output_path(document))
        self.lookahead = max(1, lookahead)
        self.notices: list[str] = []
        self.stats = WaitStats()

        self._source_bytes = document.path.read_bytes()
        self._hash = file_hash(self._source_bytes)
        self._backup: Path | None = None
        self.items = [_Item(bullet=b) for b in document.bullets]
        start = self._merge(saved)
        for item in self.items:
            original = self.bank.original(item.bullet.text)
            item.source = original if original != item.bullet.text else ""
            # The fact bank is written at every save, so an answer there that differs from the
            # session's was edited by the person since: theirs wins.
            for slot in Slot:
                raw = self.bank.raw(item.bullet.text, slot)
                if raw.strip():
                    item.answers[slot] = raw
            item.prefilled = set(item.answers)

        self._analyses: dict[int, concurrent.futures.Future] = {}
        self._rewrites: dict[tuple, concurrent.futures.Future] = {}
        self._lock = threading.RLock()
        self._bg: _Background | None = None

        self.index = start
        self.stage: Stage = Stage.DONE if start >= len(self.items) else Stage.QUESTION
        self._entering: Literal["forward", "back"] | None = None if self.stage is Stage.DONE else "forward"
        self._entered_any = False
        self.qpos = 0
        self._rewrite: Rewrite | None = None
        self._rewrite_error: str | None = None
        self._analysis_error: str | None = None
        self._analysis_refused = False  # the failure is the guards' verdict, not the network's
        self._edit_text: str | None = None
        self._edit_findings: list[Finding] = []

    # -- session -------------------------------------------------------------------------------

    def _merge(self, saved: SessionData | None) -> int:
        """Take answers and decisions from a saved session; return the index to start at."""
        if saved is None:
            return 0
        by_place = {(r.location, r.key): r for r in saved.bullets}
        by_text: dict[str, BulletRecord] = {}
        by_final: dict[str, BulletRecord] = {}
        for r in saved.bullets:
            by_text.setdefault(r.key, r)
            if r.final:
                by_final.setdefault(bullet_key(r.final), r)
        changed = saved.file_hash != self._hash
        reused = 0
        for item in self.items:
            rec = by_place.get((item.bullet.location, item.key)) or by_text.get(item.key)
            if rec is not None:
                item.decision, item.final = rec.decision, rec.final
            elif changed and item.key in by_final:
                # The file already holds the text decided last time (written with --in-place).
                rec = by_final[item.key]
                item.decision, item.final = Decision.KEPT, None
            if rec is None:
                continue
            reused += 1
            for slot_name, raw in rec.answers.items():
                try:
                    slot = Slot(slot_name)
                except ValueError:
                    continue
                if raw.strip():
                    item.answers[slot] = raw
        if not changed:
            return max(0, min(saved.current, len(self.items)))
        name = self.document.path.name
        self.notices.append(
            f"{name} changed since the saved session: the answers and decisions of the {reused} of "
            f"{len(self.items)} bullets whose text is unchanged are reused."
        )
        return next((i for i, it in enumerate(self.items) if it.decision is None), len(self.items))

    def session_data(self) -> SessionData:
        return SessionData(
            resume=str(self.document.path.resolve()),
            file_hash=self._hash,
            current=self.index,
            total=len(self.items),
            bullets=[
                BulletRecord(
                    location=it.bullet.location,
                    text=it.bullet.text,
                    answers={s.value: raw for s, raw in it.answers.items()},
                    decision=it.decision,
                    final=it.final,
                )
                for it in self.items
            ],
        )

    def save(self) -> None:
        """Write the session and the fact bank (atomic; called after every answer and decision)."""
        if self.store is not None:
            self.store.save(self.session_data())
        self._write_bank()

    def questions_file(self) -> QuestionsFile:
        """The fact bank, built like BatchResult.questions_file: this resume's questions with the
        answers known now, plus answered bullets from earlier files that this resume no longer has."""
        known = {bullet_key(e.bullet): e for e in self.bank.carried_over(set())}
        entries = []
        for i, it in enumerate(self.items):
            original_key = bullet_key(it.original)
            analysis = self._analysis_if_ready(i)
            if analysis is not None:
                questions = [
                    QuestionEntry(slot=q.slot, question=q.text, answer=it.answers.get(q.slot, "")) for q in analysis.questions
                ]
            elif original_key in known:
                questions = [
                    QuestionEntry(slot=q.slot, question=q.question, answer=it.answers.get(q.slot, q.answer))
                    for q in known[original_key].questions
                ]
            else:
                questions = []
            asked = {q.slot for q in questions}
            questions += [QuestionEntry(slot=s, answer=raw) for s, raw in it.answers.items() if s not in asked]
            if questions:
                # The output's text, when it differs from the original, lets the next run (on a
                # resume written --in-place) find this entry by either text.
                output = it.output
                rewritten = output if bullet_key(output) != original_key else self.bank.rewritten(it.original)
                entries.append(BulletEntry(location=it.bullet.location, bullet=it.original, rewritten=rewritten,
                                           questions=questions))
        current = {bullet_key(it.original) for it in self.items}
        return QuestionsFile(resume=self.document.path.name, bullets=entries + self.bank.carried_over(current))

    def _write_bank(self) -> bool:
        if not any(it.answers for it in self.items) and not self.questions_path.exists():
            return False
        write_questions_file(self.questions_path, self.questions_file())
        return True

    # -- background work -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the background loop and the first analyses."""
        self._ensure_background()
        self._prefetch(self.index)

    def _ensure_background(self) -> _Background:
        with self._lock:
            if self._bg is None:
                self._bg = _Background(min(self.assistant.concurrency, PREFETCH_CONCURRENCY))
            return self._bg

    def close(self) -> None:
        if self._bg is not None:
            self._bg.close()
            self._bg = None

    def __enter__(self) -> "Coach":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _prefetch(self, index: int) -> None:
        for i in range(index, min(index + self.lookahead + 1, len(self.items))):
            self._analysis_future(i)

    def _analysis_future(self, i: int, *, again: bool = False, fresh: bool = False) -> concurrent.futures.Future:
        with self._lock:
            fut = self._analyses.get(i)
            if fut is None or again:
                fut = self._ensure_background().submit(lambda: self._analyze_then_prepare(i, fresh=fresh))
                self._analyses[i] = fut
            return fut

    async def _analyze_then_prepare(self, i: int, *, fresh: bool = False) -> Analysis:
        analysis = await self.assistant.aanalyze(self.items[i].original, fresh=fresh)
        if not analysis.ok:  # a guess the guards refused: shown as a failed bullet, never asked from
            raise AnalysisRefused(f"the analysis failed: {analysis.failure}")
        # Nothing to ask for this bullet: its rewrite can be ready before the person gets there.
        if not self._open_questions(i, analysis):
            try:
                self._rewrite_future(i, analysis)
            except RuntimeError:  # the loop is closing: the analysis itself is still good
                pass
        return analysis

    def _analysis_if_ready(self, i: int) -> Analysis | None:
        fut = self._analyses.get(i)
        if fut is None or not fut.done() or fut.cancelled() or fut.exception() is not None:
            return None
        return fut.result()

    def _open_questions(self, i: int, analysis: Analysis) -> list[Question]:
        answers = self.items[i].answers
        return [q for q in analysis.questions if not answers.get(q.slot, "").strip()]

    def _answers_for_rewrite(self, i: int, analysis: Analysis) -> dict[Slot, Answer]:
        raw = self.items[i].answers
        return {s: Answer.parse(s, raw[s]) for s in analysis.missing if raw.get(s, "").strip()}

    def _rewrite_key(self, i: int, analysis: Analysis) -> tuple:
        answers = self.items[i].answers
        return (i, tuple(sorted((s.value, answers[s]) for s in analysis.missing if s in answers)))

    def _rewrite_future(
        self, i: int, analysis: Analysis, *, again: bool = False, fresh: bool = False
    ) -> concurrent.futures.Future:
        """again: ask once more (retry after an error); fresh: ask for another wording (regenerate)."""
        key = self._rewrite_key(i, analysis)
        with self._lock:
            fut = self._rewrites.get(key)
            if fut is None or again or fresh:
                answers = self._answers_for_rewrite(i, analysis)
                # Not gated: the rewrite the person waits for never queues behind prefetched analyses here.
                fut = self._ensure_background().submit(
                    lambda: self.assistant.arewrite(analysis, answers, fresh=fresh), gated=False
                )
                self._rewrites[key] = fut
            return fut

    def ready(self) -> bool:
        """True when step() will not wait for the model (the CLI shows a spinner otherwise)."""
        if self.stage is Stage.DONE:
            return True
        if self._entering is not None:
            fut = self._analyses.get(self.index)
            if fut is None or not fut.done():
                return False
            analysis = self._analysis_if_ready(self.index)
            if analysis is None:
                return True  # it failed: nothing more to wait for
            to_decide = self._entering == "back" or not self._open_questions(self.index, analysis)
            return not to_decide or self._rewrite_done(analysis)
        if self.stage is Stage.DECIDE and self._rewrite is None and self._rewrite_error is None:
            analysis = self._analysis_if_ready(self.index)
            return analysis is not None and self._rewrite_done(analysis)
        return True

    def pending_work(self) -> str | None:
        """None when step() won't wait; else what it waits for: "analyzing" or "rewriting"."""
        if self.ready():
            return None
        return "analyzing" if self._entering is not None else "rewriting"

    def _rewrite_done(self, analysis: Analysis) -> bool:
        fut = self._rewrites.get(self._rewrite_key(self.index, analysis))
        return fut is not None and fut.done()

    # -- the state machine ---------------------------------------------------------------------

    def step(self) -> Step:
        """What to show now. Waits for the model when the analysis or the rewrite is not ready yet."""
        if self.stage is Stage.DONE:
            return Step(stage=Stage.DONE, index=len(self.items), total=len(self.items))
        entered = False
        if self._entering is not None:
            self._resolve_entry()
            entered = True
        if self.stage is Stage.DECIDE and self._rewrite is None and self._rewrite_error is None:
            self._resolve_rewrite()
        return self._make_step(entered=entered)

    def _resolve_entry(self) -> None:
        direction = self._entering
        self._entering = None
        self._prefetch(self.index)
        fut = self._analysis_future(self.index)
        started = time.perf_counter()
        try:
            analysis = _wait(fut)
        except _ENGINE_ERRORS as e:
            analysis = None
            self._analysis_error = _one_line(e)
            self._analysis_refused = isinstance(e, AnalysisRefused)
        waited = time.perf_counter() - started
        if self._entered_any:
            self.stats.analysis_waits.append(waited)
        else:
            self.stats.first_analysis = waited
            self._entered_any = True
        self._rewrite, self._rewrite_error = None, None
        self._edit_text, self._edit_findings = None, []
        if analysis is None:
            self.stage = Stage.FAILED
            return
        self._analysis_error = None
        if direction == "back":
            self.stage = Stage.DECIDE
            return
        self.qpos = self._next_open(analysis, 0)
        self.stage = Stage.QUESTION if self.qpos < len(analysis.questions) else Stage.DECIDE

    def _resolve_rewrite(self, *, again: bool = False, fresh: bool = False) -> None:
        analysis = self._current_analysis()
        fut = self._rewrite_future(self.index, analysis, again=again, fresh=fresh)
        started = time.perf_counter()
        try:
            self._rewrite = _wait(fut)
            self._rewrite_error = None
        except _ENGINE_ERRORS as e:
            self._rewrite, self._rewrite_error = None, _one_line(e)
        self.stats.rewrite_waits.append(time.perf_counter() - started)

    def _current_analysis(self) -> Analysis:
        analysis = self._analysis_if_ready(self.index)
        if analysis is None:  # step() resolves the entry first; this is only reached after it
            analysis = _wait(self._analysis_future(self.index))
        return analysis

    def _next_open(self, analysis: Analysis, start: int) -> int:
        answers = self.items[self.index].answers
        pos = start
        while pos < len(analysis.questions) and answers.get(analysis.questions[pos].slot, "").strip():
            pos += 1
        return pos

    def _make_step(self, *, entered: bool) -> Step:
        item = self.items[self.index]
        analysis = self._analysis_if_ready(self.index) if self.stage is not Stage.FAILED else None
        step = Step(
            stage=self.stage,
            index=self.index,
            total=len(self.items),
            bullet=item.bullet,
            analysis=analysis,
            answers=dict(item.answers),
            prefilled=set(item.prefilled),
            decision=item.decision,
            final=item.final,
            entered=entered,
        )
        if self.stage is Stage.FAILED:
            step.error = self._analysis_error
        if analysis is not None:
            step.question_count = len(analysis.questions)
            if self.stage is Stage.QUESTION:
                step.question = analysis.questions[self.qpos]
                step.question_number = self.qpos + 1
        if self.stage in (Stage.DECIDE, Stage.EDIT, Stage.CONFIRM_EDIT):
            step.rewrite = self._rewrite
            step.error = self._rewrite_error
        if self.stage is Stage.DECIDE and step.changed and self._rewrite.ok:
            # Said before `a`, not after the file is written: the person may prefer to edit.
            loc = item.bullet.location
            step.dropped_markup = self.document.dropped_markup({loc: self._rewrite.text}).get(loc, [])
        if self.stage in (Stage.EDIT, Stage.CONFIRM_EDIT):
            step.edit_text, step.edit_findings = self._edit_text, list(self._edit_findings)
        if self.stage is Stage.EDIT:
            rw = self._rewrite
            step.edit_default = self._edit_text or (rw.text if rw is not None and rw.ok else item.bullet.text)
        return step

    def handle(self, raw: str) -> Reply:
        """Apply what the person typed at the current step."""
        if self.stage is Stage.DONE:
            return Reply()
        if self._entering is not None or (self.stage is Stage.DECIDE and self._rewrite is None and self._rewrite_error is None):
            self.step()  # the input answers the step that was shown; make sure it is resolved
        text = raw.strip()
        low = text.lower()
        if self.stage is Stage.EDIT:
            return self._on_edit(text)
        if self.stage is Stage.CONFIRM_EDIT:
            return self._on_confirm(low)
        if low == "q":
            self.save()
            return Reply(quit=True)
        if low == "w":
            return self._write_now()
        if low == "b":
            return self.back()
        if self.stage is Stage.QUESTION:
            return self._on_question(text, low)
        if self.stage is Stage.DECIDE:
            return self._on_decide(low)
        return self._on_failed(low)

    # QUESTION

    def _on_question(self, text: str, low: str) -> Reply:
        analysis = self._current_analysis()
        q = analysis.questions[self.qpos]
        item = self.items[self.index]
        if low == "?":
            why = q.why or WHY[q.slot]
            return Reply(message=f"Why the {q.slot.label} matters: {why}\n  {ESCAPE_HELP}")
        if not text:
            kept = item.answers.get(q.slot)
            self._advance_question(analysis)
            return Reply(message=f"Kept: {kept}" if kept else "Skipped: asked again next time.")
        if text.startswith("\\"):  # the answer as typed, even "b" or "n" (ESCAPE_HELP)
            literal = text[1:].strip()
            if not literal:
                return Reply(message=f"Nothing after the backslash. {ESCAPE_HELP}", level="warning")
            item.answers[q.slot] = text  # kept with its backslash: Answer.parse reads it as plain text
            message = f'Answer: "{literal}".'
        elif low in ("u", "unknown"):
            item.answers[q.slot] = "unknown"
            message = "Unknown: nothing is claimed for it."
        elif low in ("n", "not mine"):
            item.answers[q.slot] = "not mine"
            message = "Not mine: nothing is claimed for it."
        else:
            item.answers[q.slot] = text
            message = ""
        self._advance_question(analysis)
        self.save()
        return Reply(message=message)

    def _advance_question(self, analysis: Analysis) -> None:
        self.qpos = self._next_open(analysis, self.qpos + 1)
        if self.qpos >= len(analysis.questions):
            self._enter_decide()

    def _enter_decide(self) -> None:
        self.stage = Stage.DECIDE
        self._rewrite, self._rewrite_error = None, None
        self._edit_text, self._edit_findings = None, []

    # DECIDE

    def _on_decide(self, low: str) -> Reply:
        rw = self._rewrite
        usable = rw is not None and rw.ok
        if low == "a" and usable:
            assert rw is not None
            # The rewrite starts from the original; a bullet holding an older rewrite takes it even unchanged.
            item = self.items[self.index]
            return self._decide(Decision.ACCEPTED, rw.text if rw.changed or item.source else None)
        if low == "k":
            return self._decide(Decision.KEPT, None)
        if low == "e":
            self.stage = Stage.EDIT
            self._edit_text, self._edit_findings = None, []
            return Reply()
        if low == "r" and rw is None:  # the rewrite failed (endpoint down): the same request again
            self._resolve_rewrite(again=True)
            return Reply(message="Tried the rewrite again.")
        if low == "r" and usable and self.assistant.deterministic:
            return Reply(
                message="The offline rules engine always gives the same text for the same answers: "
                "e edit it, b go back and change an answer, or use a model (OPENAI_BASE_URL / OPENAI_API_KEY)."
            )
        if low == "r" and usable:
            assert rw is not None
            return self._regenerate(rw)
        if low == "a" and rw is None:
            return Reply(message="There is no rewrite to accept: r retry, e edit, or k keep the original.", level="warning")
        if low == "a":
            return Reply(message="This rewrite failed its checks, so it can't be accepted: e edit, or k keep the original.", level="warning")
        return Reply(message=f"Choose: {self._make_step(entered=False).commands}", level="warning")

    def _regenerate(self, previous: Rewrite) -> Reply:
        """Ask for another wording (fresh: not the cached text nor the one that came with the
        analysis, and above temperature 0). A new text that fails, or an error, keeps the previous one."""
        key = self._rewrite_key(self.index, self._current_analysis())
        with self._lock:
            previous_future = self._rewrites.get(key)
        self._resolve_rewrite(fresh=True)
        new = self._rewrite
        if new is not None and new.ok:
            if new.text == previous.text:
                return Reply(message="Regenerated: the model gave the same text again.")
            return Reply(message="Regenerated.")
        if new is None:
            why = self._rewrite_error or "no answer"
        else:
            errors = [str(f) for f in new.warnings if f.severity == "error"]
            why = "the new text failed its checks" + (f": {errors[0]}" if errors else "")
        self._rewrite, self._rewrite_error = previous, None
        with self._lock:
            if previous_future is not None:
                self._rewrites[key] = previous_future
        return Reply(message=f"Regenerating failed ({why}); the previous rewrite stays.", level="warning")

    def _decide(self, decision: Decision, final: str | None) -> Reply:
        item = self.items[self.index]
        item.decision, item.final = decision, final
        self._next_bullet()
        self.save()
        return Reply(message={Decision.ACCEPTED: "Accepted.", Decision.EDITED: "Your text is used.", Decision.KEPT: "Original kept."}[decision])

    def _next_bullet(self) -> None:
        self._edit_text, self._edit_findings = None, []
        self.index += 1
        if self.index >= len(self.items):
            self.stage = Stage.DONE
            self._entering = None
            return
        self.stage = Stage.QUESTION
        self._entering = "forward"

    # EDIT / CONFIRM_EDIT

    def _on_edit(self, text: str) -> Reply:
        if not text or text.lower() == "b":
            self.stage = Stage.DECIDE
            self._edit_text, self._edit_findings = None, []
            return Reply(message="Edit cancelled.")
        if text.lower() == "q":
            self.save()
            return Reply(quit=True)
        text = " ".join(text.split())
        rw = self._rewrite
        if self._edit_text is None and rw is not None and rw.ok and text == " ".join(rw.text.split()):
            # The prefilled rewrite sent back as it was: nothing was edited.
            self.stage = Stage.DECIDE
            return Reply(message="Edit cancelled: the text is unchanged.")
        item = self.items[self.index]
        analysis = self._current_analysis()
        sources = [item.bullet.text, item.original,
                   *(a.text for a in self._answers_for_rewrite(self.index, analysis).values() if a.usable)]
        findings = guards.check_rewrite(text, sources, role=self.assistant.role)
        if not findings:
            return self._decide(Decision.EDITED, text if text != item.bullet.text else None)
        self._edit_text, self._edit_findings = text, findings
        self.stage = Stage.CONFIRM_EDIT
        return Reply()

    def _on_confirm(self, low: str) -> Reply:
        if low in ("y", "yes"):
            item = self.items[self.index]
            text = self._edit_text or item.bullet.text
            return self._decide(Decision.EDITED, text if text != item.bullet.text else None)
        if low == "e":
            self.stage = Stage.EDIT
            return Reply()
        if low == "q":
            self.save()
            return Reply(quit=True)
        self.stage = Stage.DECIDE
        self._edit_text, self._edit_findings = None, []
        return Reply(message="Edit discarded.")

    # FAILED

    def _on_failed(self, low: str) -> Reply:
        if low == "r":
            # A refused answer is in the cache: only a fresh request can bring another one.
            self._analysis_future(self.index, again=True, fresh=self._analysis_refused)
            self._entering = "forward"
            return Reply(message="Trying the analysis again.")
        if low == "k":
            return self._decide(Decision.KEPT, None)
        return Reply(message=f"Choose: {COMMANDS[Stage.FAILED]}", level="warning")

    # BACK

    def back(self) -> Reply:
        """One prompt back: the previous question of this bullet, else the previous bullet's decision."""
        if self.stage in (Stage.EDIT, Stage.CONFIRM_EDIT):
            self.stage = Stage.DECIDE
            return Reply()
        analysis = self._analysis_if_ready(self.index) if self.stage is not Stage.FAILED else None
        if analysis is not None and self.stage is Stage.DECIDE and analysis.questions:
            self.qpos = len(analysis.questions) - 1
            self.stage = Stage.QUESTION
            return Reply()
        if analysis is not None and self.stage is Stage.QUESTION and self.qpos > 0:
            self.qpos -= 1
            return Reply()
        if self.index == 0:
            return Reply(message="This is the first bullet: there is nothing before it.", level="warning")
        self.index -= 1
        self.stage = Stage.DECIDE
        self._entering = "back"
        return Reply()

    # -- output ----------------------------------------------------------------------------------

    def replacements(self) -> dict[str, str]:
        return {
            it.bullet.location: it.final
            for it in self.items
            if it.decision in (Decision.ACCEPTED, Decision.EDITED) and it.final and it.final != it.bullet.text
        }

    def write_output(self) -> Path:
        """Write the resume with the decided bullets rewritten (the others as they are)."""
        data = self.document.render(self.replacements())
        if self.in_place and self._backup is None:
            self._backup = backup_path(self.document.path)
            atomic_write(self._backup, self._source_bytes)
        atomic_write(self.output, data)
        return self.output

    def _write_now(self) -> Reply:
        path = self.write_output()
        self.save()
        done = sum(1 for it in self.items if it.decision is not None)
        return Reply(message=f"Wrote {path} ({done} of {len(self.items)} bullets decided; the others unchanged).", wrote=path)

    def finish(self) -> Finished:
        """Write the output and the fact bank, and drop the session: the next run starts fresh."""
        output = self.write_output()
        dropped = self.document.dropped_markup(self.replacements())  # the render just done: no second one
        wrote_bank = self._write_bank()
        if self.store is not None:
            self.store.remove()
        count = lambda d: sum(1 for it in self.items if it.decision is d)  # noqa: E731
        return Finished(
            output=output,
            backup=self._backup,
            questions_file=self.questions_path if wrote_bank else None,
            accepted=count(Decision.ACCEPTED),
            edited=count(Decision.EDITED),
            kept=count(Decision.KEPT),
            undecided=count(None),
            dropped_markup=dropped,
        )

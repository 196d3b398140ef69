"""The coach's state machine: one resume, bullet by bullet, with no terminal I/O (see the package
docstring for the stages and what the person can type at each)."""

from __future__ import annotations

import concurrent.futures
import time
from pathlib import Path
from typing import Literal

from bulletsmith import guards
from bulletsmith.answer_bank import (
    AnswerBank,
    QuestionsFile,
    build_questions_file,
)
from bulletsmith.answer_words import NOT_MINE, UNKNOWN, no_answer_kind
from bulletsmith.assistant import Assistant
from bulletsmith.batch import default_output_path, default_questions_path
from bulletsmith.coach.files import FactBankFile, write_backup, write_output
from bulletsmith.coach.prefetch import Prefetcher, wait
from bulletsmith.coach.session import (
    Decision,
    Item,
    SessionData,
    SessionStore,
    decision_counts,
    fact_records,
    file_hash,
    merge_saved,
    replacements,
    session_data,
    take_from_bank,
)
from bulletsmith.coach.steps import COMMANDS, ESCAPE_HELP, Finished, Reply, Stage, Step, WaitStats
from bulletsmith.documents import Document
from bulletsmith.errors import BulletsmithError, EngineError
from bulletsmith.models import WHY, Analysis, Answer, Finding, Question, Rewrite, Slot

__all__ = ["DEFAULT_LOOKAHEAD", "AnalysisRefused", "Coach", "saved_position"]

DEFAULT_LOOKAHEAD = 3  # bullets analyzed ahead of the one shown
# Prefetched analyses in flight at once. Small on purpose: a local server (llama.cpp) answers one
# request at a time, and the rewrite the person waits for must not queue behind many of them.
PREFETCH_CONCURRENCY = 2
_ENGINE_ERRORS = (BulletsmithError, OSError)  # what one engine call may raise; the coach goes on


class AnalysisRefused(EngineError):
    """The model answered, and its analysis still failed the guards after the re-asks."""


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
        self.bank = AnswerBank() if bank is None else bank
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
        self.items = [Item(bullet=b) for b in document.bullets]
        start = merge_saved(self.items, saved, self._hash, self.document.path.name, self.notices)
        take_from_bank(self.items, self.bank)

        # What the questions file held when last read or written: a difference later is the person's edit.
        self._bank_file = FactBankFile(self.questions_path)
        self._work = Prefetcher(min(self.assistant.concurrency, PREFETCH_CONCURRENCY))

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

    def session_data(self) -> SessionData:
        return session_data(self.document.path, self._hash, self.index, self.items)

    def save(self) -> None:
        """Write the session and the fact bank (atomic; called after every answer and decision)."""
        if self.store is not None:
            self.store.save(self.session_data())
        self._write_bank()

    def questions_file(self) -> QuestionsFile:
        """The fact bank, as the batch writes it (`build_questions_file`): this resume's questions
        with the answers known now, plus answered bullets from earlier files that this resume no longer has."""
        records = fact_records(self.items, self._analysis_if_ready, self.bank)
        return build_questions_file(self.document.path.name, records, self.bank)

    def _write_bank(self) -> bool:
        return self._bank_file.write(self.items, self.questions_file)

    # -- background work -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the background loop and the first analyses."""
        self._work.background()
        self._prefetch(self.index)

    def close(self) -> None:
        self._work.close()

    def __enter__(self) -> Coach:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _prefetch(self, index: int) -> None:
        for i in range(index, min(index + self.lookahead + 1, len(self.items))):
            self._analysis_future(i)

    def _analysis_future(self, i: int, *, again: bool = False, fresh: bool = False) -> concurrent.futures.Future:
        return self._work.analysis(i, lambda: self._analyze_then_prepare(i, fresh=fresh), again=again)

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
        return self._work.analysis_if_ready(i)

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
        answers = self._answers_for_rewrite(i, analysis)
        make = lambda: self.assistant.arewrite(analysis, answers, fresh=fresh)  # noqa: E731
        return self._work.rewrite(key, make, again=again or fresh)

    def ready(self) -> bool:
        """True when step() will not wait for the model (the CLI shows a spinner otherwise)."""
        if self.stage is Stage.DONE:
            return True
        if self._entering is not None:
            fut = self._work.analyses.get(self.index)
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
        fut = self._work.rewrites.get(self._rewrite_key(self.index, analysis))
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
            analysis = wait(fut)
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
            self._rewrite = wait(fut)
            self._rewrite_error = None
        except _ENGINE_ERRORS as e:
            self._rewrite, self._rewrite_error = None, _one_line(e)
        self.stats.rewrite_waits.append(time.perf_counter() - started)

    def _current_analysis(self) -> Analysis:
        analysis = self._analysis_if_ready(self.index)
        if analysis is None:  # step() resolves the entry first; this is only reached after it
            analysis = wait(self._analysis_future(self.index))
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
        if self.stage is Stage.DECIDE and step.changed and self._rewrite is not None and self._rewrite.ok:
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
        reply = self._handle(raw)
        if notes := self._bank_file.take_notes():  # answers taken from the questions file while saving
            reply.message = "\n".join(filter(None, [reply.message, *notes]))
        return reply

    def _handle(self, raw: str) -> Reply:
        if self.stage is Stage.DONE:
            return Reply()
        if self._entering is not None or (
            self.stage is Stage.DECIDE and self._rewrite is None and self._rewrite_error is None
        ):
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
            item.answers[q.slot] = text  # as typed; "No idea." or "not my work" read as u / n (answer_words)
            kind = no_answer_kind(text)
            message = {
                UNKNOWN: "Read as unknown: nothing is claimed for it.",
                NOT_MINE: "Read as not mine: nothing is claimed for it.",
            }.get(kind or "", "")
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
            return Reply(
                message="There is no rewrite to accept: r retry, e edit, or k keep the original.", level="warning"
            )
        if low == "a":
            return Reply(
                message="This rewrite failed its checks, so it can't be accepted: e edit, or k keep the original.",
                level="warning",
            )
        return Reply(message=f"Choose: {self._make_step(entered=False).commands}", level="warning")

    def _regenerate(self, previous: Rewrite) -> Reply:
        """Ask for another wording (fresh: not the cached text nor the one that came with the
        analysis, and above temperature 0). A new text that fails, or an error, keeps the previous one."""
        key = self._rewrite_key(self.index, self._current_analysis())
        with self._work.lock:
            previous_future = self._work.rewrites.get(key)
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
        with self._work.lock:
            if previous_future is not None:
                self._work.rewrites[key] = previous_future
        return Reply(message=f"Regenerating failed ({why}); the previous rewrite stays.", level="warning")

    def _decide(self, decision: Decision, final: str | None) -> Reply:
        item = self.items[self.index]
        item.decision, item.final = decision, final
        self._next_bullet()
        self.save()
        return Reply(
            message={
                Decision.ACCEPTED: "Accepted.",
                Decision.EDITED: "Your text is used.",
                Decision.KEPT: "Original kept.",
            }[decision]
        )

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
        sources = [
            item.bullet.text,
            item.original,
            *(a.text for a in self._answers_for_rewrite(self.index, analysis).values() if a.usable),
        ]
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
        return replacements(self.items)

    def write_output(self) -> Path:
        """Write the resume with the decided bullets rewritten (the others as they are)."""
        if self.in_place and self._backup is None:
            self._backup = write_backup(self.document.path, self._source_bytes)
        write_output(self.output, self.document.render(self.replacements()))
        return self.output

    def _write_now(self) -> Reply:
        path = self.write_output()
        self.save()
        done = sum(1 for it in self.items if it.decision is not None)
        return Reply(
            message=f"Wrote {path} ({done} of {len(self.items)} bullets decided; the others unchanged).", wrote=path
        )

    def finish(self) -> Finished:
        """Write the output and the fact bank, and drop the session: the next run starts fresh."""
        output = self.write_output()
        dropped = self.document.dropped_markup(self.replacements())  # the render just done: no second one
        wrote_bank = self._write_bank()
        if self.store is not None:
            self.store.remove()
        questions_file = self.questions_path if wrote_bank else None
        return Finished(output, self._backup, questions_file, **decision_counts(self.items), dropped_markup=dropped)

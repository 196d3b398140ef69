"""The coach: one resume, bullet by bullet, as a state machine with no terminal I/O.

    machine.py   Coach: the stages, what each input does, saving after every answer
    steps.py     what the coach shows (Step) and says back (Reply), its stages and commands
    prefetch.py  the analyses and rewrites, run on a background event loop while the person types
    session.py   the session file (answers and decisions so far) and merging a saved one
    files.py     the questions file as coach keeps it: re-read before each write

The terminal UI is `bulletsmith.cli.coach`.


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

from bulletsmith.coach.machine import DEFAULT_LOOKAHEAD, AnalysisRefused, Coach, saved_position
from bulletsmith.coach.session import Decision, SessionData, SessionError, SessionStore
from bulletsmith.coach.steps import COMMANDS, ESCAPE_HELP, Finished, Reply, Stage, Step, WaitStats

__all__ = [
    "COMMANDS",
    "DEFAULT_LOOKAHEAD",
    "ESCAPE_HELP",
    "AnalysisRefused",
    "Coach",
    "Decision",
    "Finished",
    "Reply",
    "SessionData",
    "SessionError",
    "SessionStore",
    "Stage",
    "Step",
    "WaitStats",
    "saved_position",
]

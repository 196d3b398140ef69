"""`bulletsmith coach FILE`: the interactive Q&A over a resume, bullet by bullet.

The logic (state machine, session, prefetch, output) is bulletsmith.coach; this module only
shows steps and reads lines: rich on a terminal, plain text when piped.
"""

from __future__ import annotations

import re
import shlex
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from bulletsmith.cli.app import EXIT_INTERRUPTED, EXIT_OK, app, fail, is_terminal
from bulletsmith.cli.options import (
    BaseUrlOpt,
    EngineOpt,
    ForceOpt,
    ModelOpt,
    NoCacheOpt,
    announce,
    make_assistant,
    open_resume,
)
from bulletsmith.cli.safe_text import echo, visible
from bulletsmith.cli.signals import held_off

if TYPE_CHECKING:
    from bulletsmith.coach import Coach, Reply, Step

SLOT_STYLES = {
    "problem": "magenta",
    "action": "cyan",
    "data_outcome": "green",
    "model_impact": "blue",
}


@app.command()
def coach(
    file: Path = typer.Argument(
        ..., help="The resume: .md .txt .json (JSON Resume) .tex .docx, or .pdf (read only).", show_default=False
    ),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Where to write the rewritten resume. Default: NAME.bulletsmith.EXT beside it."
    ),
    in_place: bool = typer.Option(False, "--in-place", help="Overwrite the resume itself, after saving NAME.EXT.bak."),
    answers: Optional[list[Path]] = typer.Option(
        None, "--answers", "-a", help="More fact banks to read (questions files of other resumes); repeatable."
    ),
    questions: Optional[Path] = typer.Option(
        None,
        "--questions",
        "-q",
        help="The fact bank read at start and kept up to date. Default: NAME.questions.yaml beside it.",
    ),
    restart: bool = typer.Option(
        False, "--restart", help="Start over, ignoring a saved session (answers in the fact bank stay)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Resume a saved session without asking (for scripts)."),
    force: ForceOpt = False,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Walk through the resume's bullets: answer what each one is missing, then accept, edit or keep its rewrite.

    At a question: type the answer; Enter skips (asked again next time); ? says why the slot
    matters, with an example; u = unknown; n = not mine; b = back; w = write the output file now;
    q = save and quit. To answer with one of those letters, start with a backslash: \\b answers "b".
    After the rewrite: a accept, e edit, r regenerate (a new wording from the model; the offline
    rules engine gives the same text), k keep the original. A rewrite holds no number, tool,
    method, scope or ownership that you did not give: one that does is refused, with the reason.

    Every answer and decision is saved as you go (Ctrl-C and Ctrl-D too); run the same command
    again to resume where you stopped: it asks first (y resume, n start over), also when the input
    is piped, where the first line answers; -y resumes without asking, --restart starts over. When every bullet is decided, the rewritten resume is
    written to NAME.bulletsmith.EXT (the input only with --in-place, which keeps a .bak), and your
    answers stay in NAME.questions.yaml, the fact bank that `bulletsmith rewrite` reads too.

    Examples:

      bulletsmith coach resume.md                      # writes resume.bulletsmith.md at the end

      bulletsmith coach resume.md                      # again after quitting: offers to resume

      bulletsmith coach resume.tex --in-place          # keeps resume.tex.bak

      bulletsmith coach cv.json --answers resume.questions.yaml --restart
    """
    from bulletsmith.coach import Coach, saved_position
    from bulletsmith.coach.session import SessionError, SessionStore
    from bulletsmith.fsutil import describe_os_error

    session: Coach | None = None
    saved = None
    try:
        # Ctrl-C anywhere from here (reading the file, importing the engine, the first analysis)
        # ends like Ctrl-C at a question: what there is saved, one line, exit 130.
        document, out_path, questions_path, bank = open_resume(
            file, output=output, in_place=in_place, questions=questions, answers=answers, force=force
        )

        ui = _make_ui()
        store = SessionStore(file)
        try:
            saved = store.load()
        except SessionError as e:
            ui.warn(f"{e}; starting a new session")
            saved = None
        if saved is not None and restart:
            store.remove()
            saved = None
        if saved is not None:
            where = saved_position(saved)
            # Asked from a terminal and from piped input alike, so a script's lines mean what
            # typed ones do (its first line answers this); -y is the way not to be asked.
            if yes:
                ui.info(f"Resuming the saved session for {file.name} at {where} (--restart starts over).")
            elif not _resume_saved(ui, f"A saved session for {file.name} ({where}) exists. Resume? [Y/n] "):
                store.remove()
                saved = None

        assistant = make_assistant(engine, model=model, base_url=base_url, no_cache=no_cache)
        announce(assistant)
        session = Coach(
            document,
            assistant,
            bank=bank,
            store=store,
            saved=saved,
            questions_path=questions_path,
            output=out_path,
            in_place=in_place,
        )
        for notice in session.notices:
            ui.warn(notice)
        try:
            _run(session, ui, file)
        except OSError as e:
            fail(describe_os_error(e, "cannot save"))
    except KeyboardInterrupt:
        if session is None:
            kept = " The saved session is kept as it was." if saved is not None else ""
            echo(f"\nInterrupted before the first question: nothing new to save.{kept}")
        else:  # before the loop started: the session as it stands (answers from the fact bank included)
            try:
                held_off(session.save)
            except OSError as e:
                fail(describe_os_error(e, "cannot save"))
            echo(f"\nInterrupted: saved at {_position(session)}. {_resume_hint(file)}")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        if session is not None:
            held_off(session.close)  # bounded (a few seconds at most); a Ctrl-C can't cut it short


def _resume_saved(ui: _Ui, question: str) -> bool:
    """y or Enter: resume; n: start over; anything else asks again. End of input ends the run."""
    while True:
        try:
            reply = ui.read(question).strip().lower()
        except EOFError:
            ui.info("")
            raise typer.Exit(EXIT_OK) from None
        if reply in ("", "y", "yes"):
            return True
        if reply in ("n", "no"):
            return False
        ui.warn("Answer y to resume the saved session, or n to start over.")


def _resume_hint(file: Path) -> str:
    return f"Run `bulletsmith coach {shlex.quote(str(file))}` again to resume."


def _run(session: Coach, ui: _Ui, file: Path) -> None:
    from bulletsmith.coach import Stage

    resume_hint = _resume_hint(file)
    last_bullet: int | None = None
    last_view: tuple | None = None
    prompt = "> "
    try:
        session.start()
        while True:
            step = _next_step(session, ui)
            if step.stage is Stage.DONE:
                break
            if step.entered or step.index != last_bullet:
                ui.bullet(step)
                last_bullet, last_view = step.index, None
            # After `?` or a refused command nothing moved: ask again without printing it all again.
            view = (step.index, step.stage, step.question_number, id(step.rewrite), step.edit_text)
            if view != last_view:
                prompt = ui.show(step)
                last_view = view
            line = ui.read_edit(prompt, step.edit_default) if step.stage is Stage.EDIT else ui.read(prompt)
            reply = session.handle(line)
            ui.reply(reply)
            if reply.quit:
                ui.info(f"Saved at {_position(session)}. {resume_hint}")
                raise typer.Exit(EXIT_OK)
    except EOFError:
        held_off(session.save)
        ui.info(f"\nEnd of input: saved at {_position(session)}. {resume_hint}")
        raise typer.Exit(EXIT_OK) from None
    except KeyboardInterrupt:
        held_off(session.save)
        ui.info(f"\nInterrupted: saved at {_position(session)}. {resume_hint}")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    # The session file is gone after finish(): a Ctrl-C now must not save it again, so the
    # summary is printed with Ctrl-C held off too (a few lines).
    done = held_off(session.finish)
    parts = [f"{done.accepted} accepted", f"{done.edited} edited", f"{done.kept} kept"]
    if done.undecided:
        parts.append(f"{done.undecided} undecided")
    lines = [f"Wrote {done.output} ({', '.join(parts)})."]
    if done.backup:
        lines.append(f"The original is in {done.backup}.")
    if done.questions_file:
        lines.append(f"Your answers are kept in {done.questions_file}.")
    for location, lost in done.dropped_markup.items():
        lines.extend(f"! {location}: {m.not_kept}" for m in lost)

    def show() -> None:
        for line in lines:
            ui.info(line)

    held_off(show)


def _position(session: Coach) -> str:
    total = len(session.items)
    return f"bullet {min(session.index + 1, total)} of {total}"


def _next_step(session: Coach, ui: _Ui) -> Step:
    work = session.pending_work()
    if work is None:
        return session.step()
    index = min(session.index + 1, len(session.items))
    with ui.waiting(f"{work.capitalize()} bullet {index} of {len(session.items)}…"):
        return session.step()


def _make_ui() -> _Ui:
    if is_terminal():
        return _RichUi()
    return _Ui()


# --- plain text ------------------------------------------------------------------------------


class _Ui:
    """Plain text: every line stands alone, so a piped transcript reads well."""

    def __init__(self) -> None:
        self._echo_input = not sys.stdin.isatty()

    def info(self, text: str) -> None:
        echo(text)

    def warn(self, text: str) -> None:
        echo(f"! {text}")

    def waiting(self, text: str) -> AbstractContextManager[object]:  # no spinner off a terminal
        return nullcontext()

    def read_edit(self, prompt: str, text: str | None) -> str:
        """Read the new text of a bullet; `text` is what it starts from, prefilled where possible."""
        return self.read(prompt)

    def read(self, prompt: str) -> str:
        sys.stdout.write(visible(prompt, lines=True))
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        value = line.rstrip("\r\n")
        if self._echo_input:  # piped input: show what was read, so the transcript reads like a session
            sys.stdout.write(visible(value) + "\n")
            sys.stdout.flush()
        return value

    def reply(self, reply: Reply) -> None:
        if not reply.message:
            return
        if reply.level == "info":
            self.info(f"  {reply.message}")
        else:
            self.warn(reply.message)

    def bullet(self, step: Step) -> None:
        assert step.bullet is not None
        echo("")
        echo(f"== {step.header} · {step.bullet.location} ==")
        echo(step.bullet.text)
        if step.analysis is None:
            return
        for slot, fill in step.analysis.slots.items():
            if fill.present:
                echo(f"  {slot.label:<13} present   “{fill.evidence}”")
            elif slot in step.answers:
                tag = "answered before" if slot in step.prefilled else "answered"
                echo(f"  {slot.label:<13} missing   {tag}: {step.answers[slot]}")
            else:
                echo(f"  {slot.label:<13} missing")
        for f in step.analysis.findings:
            echo(f"  ! {f}")

    def show(self, step: Step) -> str:
        """Print the step and return the prompt for its input."""
        from bulletsmith.coach import Stage
        from bulletsmith.diffing import plain_diff

        if step.stage is Stage.QUESTION:
            assert step.question is not None
            echo(
                f"{step.header} · question {step.question_number} of {step.question_count} · {step.question.slot.label}"
            )
            echo(f"  {step.question.text}")
            if step.current_answer:
                echo(f"  current answer: {step.current_answer} (Enter keeps it)")
            echo(f"  ({step.commands})")
            return "> "
        if step.stage is Stage.DECIDE:
            echo(f"{step.header} · rewrite")
            self._rewrite_lines(step, plain_diff)
            echo(f"  ({step.commands})")
            return "> "
        if step.stage is Stage.EDIT:
            # No line editor to prefill here: the text to start from is shown, ready to copy.
            echo(f"{step.header} · your text (Enter keeps the text as it was)")
            echo(f"  current: {step.edit_default}")
            return "new text> "
        if step.stage is Stage.CONFIRM_EDIT:
            echo(f"{step.header} · your text has findings:")
            for f in step.edit_findings:
                echo(f"  ! {f}")
            echo(f"  ({step.commands})")
            return "use it anyway? [y/N/e] "
        echo(f"{step.header} · the analysis failed: {step.error}")
        echo(f"  ({step.commands})")
        return "> "

    def _rewrite_lines(self, step: Step, plain_diff) -> None:  # noqa: ANN001
        assert step.bullet is not None
        rw = step.rewrite
        echo(f"  before:  {step.bullet.text}")
        if rw is None:
            echo(f"  ! the rewrite failed: {step.error}")
        elif not rw.ok:
            echo("  ! the rewrite failed its checks and is not shown:")
            for w in rw.warnings:
                echo(f"    ! {w}")
        else:
            if step.changed:
                echo(f"  after:   {rw.text}")
                echo(f"  changes: {plain_diff(step.bullet.text, rw.text)}")
            else:
                echo("  after:   (no change)")
            for w in rw.warnings:
                echo(f"  ! {w}")
            for m in step.dropped_markup:
                echo(f"  ! {m.not_kept}")
        if step.decision is not None:
            echo(f"  decided before: {step.decision}" + (f": {step.final}" if step.final else ""))


# --- rich, on a terminal ---------------------------------------------------------------------

_ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")


class _RichUi(_Ui):
    def __init__(self) -> None:
        super().__init__()
        from rich.console import Console

        # Created per run, never at import: a Console keeps the width it saw when it was made.
        self.console = Console(highlight=False)
        try:  # line editing (arrows, history) for input(), and the edit prompt prefilled
            import readline
        except ImportError:  # pragma: no cover - Windows
            self._readline = None
        else:
            self._readline = readline if hasattr(readline, "set_pre_input_hook") else None

    def info(self, text: str) -> None:
        from bulletsmith.cli.safe_text import Text

        self.console.print(Text(text))

    def warn(self, text: str) -> None:
        from bulletsmith.cli.safe_text import Text

        self.console.print(Text(f"! {text}", style="yellow"))

    def waiting(self, text: str) -> AbstractContextManager[object]:
        return self.console.status(text)

    def read(self, prompt: str) -> str:
        from bulletsmith.cli.safe_text import Text

        # The prompt goes to input() itself, not printed before it (rich's console.input): readline
        # must know the prompt's width, or an empty Enter leaves the next line on the prompt's line
        # and a redisplay (the `e` prefill, history) draws over it.
        with self.console.capture() as captured:
            self.console.print(Text(prompt, style="bold"), end="")
        styled = captured.get()
        if self._readline is not None:  # colour codes take no columns: readline's \001..\002 markers
            styled = _ANSI_CODE.sub("\001\\g<0>\002", styled)
        return input(styled)

    def read_edit(self, prompt: str, text: str | None) -> str:
        readline = self._readline
        if not text or readline is None or not sys.stdin.isatty() or visible(text) != text:
            return self.read(prompt)  # a text holding control characters is never put on the line raw

        def insert() -> None:  # the text to edit, already on the line, cursor at its end
            readline.insert_text(text)
            readline.redisplay()

        readline.set_pre_input_hook(insert)
        try:
            return self.read(prompt)
        finally:
            readline.set_pre_input_hook()

    def reply(self, reply: Reply) -> None:
        from bulletsmith.cli.safe_text import Text

        if not reply.message:
            return
        style = {"info": "dim", "warning": "yellow", "error": "red"}[reply.level]
        self.console.print(Text(f"  {reply.message}", style=style))

    def bullet(self, step: Step) -> None:
        from rich.markup import escape
        from rich.table import Table

        from bulletsmith.cli.safe_text import Text

        assert step.bullet is not None
        c = self.console
        c.print()
        c.rule(f"[bold]{escape(step.header)}[/] · {escape(step.bullet.location)}")
        text = Text(step.bullet.text)
        if step.analysis is not None:
            for slot, fill in step.analysis.slots.items():
                if fill.evidence:
                    _highlight(text, fill.evidence, f"bold underline {SLOT_STYLES[slot.value]}")
        c.print(text)
        if step.analysis is None:
            return
        table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2))
        table.add_column("slot")
        table.add_column("state")
        table.add_column("evidence / answer")
        for slot, fill in step.analysis.slots.items():
            name = Text(slot.label, style=SLOT_STYLES[slot.value])
            if fill.present:
                table.add_row(name, Text("✓ present", style="green"), Text(fill.evidence or ""))
            elif slot in step.answers:
                tag = "answered before" if slot in step.prefilled else "answered"
                table.add_row(name, Text(f"✓ {tag}", style="cyan"), Text(step.answers[slot], style="italic"))
            else:
                table.add_row(name, Text("missing", style="yellow"), Text(""))
        c.print(table)
        for f in step.analysis.findings:
            c.print(Text(f"! {f}", style="red" if f.severity == "error" else "yellow"))

    def show(self, step: Step) -> str:
        from bulletsmith.cli.safe_text import Text
        from bulletsmith.coach import Stage

        c = self.console
        position = f"{step.number}/{step.total}"
        if step.stage is Stage.QUESTION:
            assert step.question is not None
            slot = step.question.slot
            head = Text()
            head.append(f"{step.header} · question {step.question_number} of {step.question_count} · ", style="bold")
            head.append(slot.label, style=f"bold {SLOT_STYLES[slot.value]}")
            c.print()
            c.print(head)
            c.print(Text(step.question.text))
            if step.current_answer:
                c.print(Text(f"current answer: {step.current_answer} (Enter keeps it)", style="cyan"))
            c.print(Text(step.commands, style="dim"))
            return f"{position} › "
        if step.stage is Stage.DECIDE:
            c.print()
            c.print(Text(f"{step.header} · rewrite", style="bold"))
            self._rewrite_table(step)
            c.print(Text(step.commands, style="dim"))
            return f"{position} › "
        if step.stage is Stage.EDIT:
            if self._readline is not None and sys.stdin.isatty():  # read() puts the text on the line
                c.print(Text(f"{step.header} · edit the text (unchanged or empty: keeps it as it was)", style="bold"))
            else:
                c.print(Text(f"{step.header} · type your text (Enter keeps the text as it was)", style="bold"))
                c.print(Text(f"current: {step.edit_default}", style="cyan"))
            return f"{position} new text › "
        if step.stage is Stage.CONFIRM_EDIT:
            c.print(Text(f"{step.header} · your text has findings:", style="bold"))
            for f in step.edit_findings:
                c.print(Text(f"  ! {f}", style="red" if f.severity == "error" else "yellow"))
            c.print(Text(step.commands, style="dim"))
            return f"{position} use it anyway? [y/N/e] "
        c.print(Text(f"{step.header} · the analysis failed: {step.error}", style="red"))
        c.print(Text(step.commands, style="dim"))
        return f"{position} › "

    def _rewrite_table(self, step: Step) -> None:
        from rich.table import Table

        from bulletsmith.cli.safe_text import Text
        from bulletsmith.diffing import word_diff

        assert step.bullet is not None
        c = self.console
        rw = step.rewrite
        if rw is None or not rw.ok:
            c.print(Text(step.bullet.text))
            if rw is None:
                c.print(Text(f"! the rewrite failed: {step.error}", style="red"))
            else:
                c.print(Text("! the rewrite failed its checks and is not shown:", style="red"))
                for w in rw.warnings:
                    c.print(Text(f"  ! {w}", style="red" if w.severity == "error" else "yellow"))
        else:
            before, after = Text(), Text()
            for change in word_diff(step.bullet.text, rw.text):
                if change.op == "equal":
                    before.append(change.text)
                    after.append(change.text)
                elif change.op == "delete":
                    before.append(change.text, style="red strike")
                else:
                    after.append(change.text, style="bold green")
            table = Table(show_lines=False, expand=True)
            table.add_column("Before", ratio=1)
            table.add_column("After" if step.changed else "After (no change)", ratio=1)
            table.add_row(before, after)
            c.print(table)
            for w in rw.warnings:
                c.print(Text(f"! {w}", style="yellow"))
            for m in step.dropped_markup:
                c.print(Text(f"! {m.not_kept}", style="yellow"))
        if step.decision is not None:
            c.print(Text(f"decided before: {step.decision}" + (f": {step.final}" if step.final else ""), style="cyan"))


def _highlight(text, evidence: str, style: str) -> None:  # noqa: ANN001
    """Style every occurrence of the evidence in the bullet, case- and whitespace-insensitively."""
    words = [re.escape(w) for w in evidence.split()]
    if not words:
        return
    text.highlight_regex(re.compile(r"\s+".join(words), re.IGNORECASE), style=style)

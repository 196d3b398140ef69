"""How results look: rich on a terminal, plain lines when piped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bulletsmith.cli.app import is_terminal
from bulletsmith.cli.safe_text import echo

if TYPE_CHECKING:
    from bulletsmith.models import Analysis


def print_analysis(analysis: Analysis) -> None:
    if is_terminal():
        _rich_analysis(analysis)
        return
    echo(analysis.bullet)
    for slot, fill in analysis.slots.items():
        mark = "present" if fill.present else "missing"
        evidence = f"  “{fill.evidence}”" if fill.evidence else ""
        echo(f"  {slot.label:<13} {mark}{evidence}")
    if analysis.questions:
        echo("Questions:")
        for q in analysis.questions:
            echo(f"  [{q.slot.label}] {q.text}")
    for f in analysis.findings:
        echo(f"  ! {f}")


def _rich_analysis(analysis: Analysis) -> None:
    from rich.console import Console
    from rich.table import Table

    from bulletsmith.cli.safe_text import Text

    console = Console()
    bullet = Text(analysis.bullet)
    for fill in analysis.slots.values():
        if fill.evidence:
            bullet.highlight_words([fill.evidence], style="bold green", case_sensitive=False)
    console.print(bullet)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("slot")
    table.add_column("")
    table.add_column("evidence / question")
    for slot, fill in analysis.slots.items():
        if fill.present:
            table.add_row(slot.label, Text("✓", style="green"), Text(fill.evidence or ""))
        else:
            q = analysis.question_for(slot)
            table.add_row(slot.label, Text("missing", style="yellow"), Text(q.text if q else "", style="italic"))
    console.print(table)
    for f in analysis.findings:
        console.print(Text(f"! {f}", style="red" if f.severity == "error" else "yellow"))


def print_report(report, breaches: list[str], *, show_failures: bool = False) -> None:  # noqa: ANN001
    """The eval report as a plain table (it is read in CI logs as often as on a terminal)."""
    echo(f"engine: {report.engine}" + (f"  model: {report.model}" if report.model else "") + f"  cases: {report.cases}")
    echo("")
    echo(f"{'slot':<14}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}")
    rows = [*report.slots.items(), ("all slots", report.overall_slots)]
    for name, s in rows:
        echo(f"{name:<14}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}{s['support']:>9}")
    q = report.questions
    echo("")
    echo(f"questions     precision {q['precision']:.3f}  recall {q['recall']:.3f}  F1 {q['f1']:.3f}")
    r = report.rewrites
    echo(
        f"rewrites      fabricated numbers after guard: {r['fabricated_numbers_after_guard']}  "
        f"invented claims after guard: {r.get('invented_claims_after_guard', 0)}  "
        f"rejected by guard: {r['guard_rejected']}  style compliance: {r['style_compliance']:.3f} "
        f"(answered cases: {r.get('style_compliance_answered', 0):.3f})  "
        f"expectations met: {r['expectations_met']:.3f}"
    )
    echo(f"time          {report.seconds:.2f} s")
    if show_failures:
        for res in report.failures():
            unsupported = [f"unsupported {u}" for u in res.unsupported + res.unsupported_claims]
            echo(f"  {res.id}: {'; '.join(res.expect_failures + unsupported)}")
            echo(f"    -> {res.rewrite.text}")
    for b in breaches:
        echo(f"THRESHOLD: {b}")


def print_batch(result, output, questions_path, pending: int, dropped: dict | None = None) -> None:  # noqa: ANN001
    """Per bullet: before, after, slots filled, warnings; then what was written and what is next."""
    from bulletsmith.batch import Status

    marks = {
        Status.REWRITTEN: "rewritten",
        Status.UNCHANGED: "unchanged",
        Status.NEEDS_ANSWERS: "needs answers",
        Status.FAILED: "FAILED",
        Status.DECIDED: "as decided in coach",
    }
    for o in result.outcomes:
        echo(f"{o.bullet.location}  [{marks[o.status]}]")
        echo(f"  before: {o.before}")
        if o.status is Status.DECIDED and o.after != o.before:
            echo(f"  after:  {o.after}  ({o.decision}; --redo-decided rewrites it again)")
        if o.status is Status.REWRITTEN:
            echo(f"  after:  {o.after}")
            echo(f"  filled: {', '.join(s.label for s in o.filled) or '-'}")
        if o.pending:
            echo(f"  asks:   {', '.join(q.slot.label for q in o.pending)}")
        if o.error:
            echo(f"  error:  {o.error}")
        for w in o.rewrite.warnings if o.rewrite else []:
            echo(f"  ! {w}")
        for m in (dropped or {}).get(o.bullet.location, []):
            echo(f"  ! {m.not_kept}")
    # "1 needs answers", "10 need answers"
    counts = ", ".join(
        f"{n} {'need answers' if s is Status.NEEDS_ANSWERS and n != 1 else marks[s]}"
        for s in Status
        if (n := result.count(s))
    )
    echo("")
    echo(f"{_bullets(len(result.outcomes))}: {counts}")
    echo(f"wrote {output}")
    if questions_path is not None and pending:
        # A partly answered bullet is rewritten already; it is rewritten again, from the original
        # bullet, with every answer there is by then.
        has = "has" if pending == 1 else "have"
        echo(
            f"{_bullets(pending)} still {has} open questions: fill in {questions_path} and run the same "
            "command again (answered bullets are rewritten with the answers given so far)"
        )
    elif questions_path is not None:
        echo(f"answers kept in {questions_path}")
    refused = sum(1 for o in result.outcomes if o.analysis is not None and not o.analysis.ok)
    if refused >= 3 and refused * 2 >= len(result.outcomes):
        echo(
            f"the model's analysis failed its checks for {refused} of {_bullets(len(result.outcomes))}: it may be "
            "too small for this job; try a larger model (BULLETSMITH_MODEL), or --engine rules"
        )


def _bullets(n: int) -> str:
    return f"{n} bullet" if n == 1 else f"{n} bullets"

"""`bulletsmith eval`: score the engines on the labelled cases and check the thresholds.

The rules engine runs offline; the openai engine replays its recorded model calls
(evals/recordings/) with no network, or records the missing and stale ones with --record.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import typer

from bulletsmith.cli.app import EXIT_BULLET_FAILED, app, fail

ENGINE_CHOICES = ("all", "rules", "openai")
DEFAULT_CASES = Path("evals/cases")
DEFAULT_LABELS = Path("evals/labels/rewrites.yaml")
# The figures the comparison table shows, in order: (label, dotted path in a report).
TABLE = (
    ("cases", "cases"),
    ("slot P", "overall_slots.precision"),
    ("slot R", "overall_slots.recall"),
    ("slot F1", "overall_slots.f1"),
    ("question P", "questions.precision"),
    ("question R", "questions.recall"),
    (
        "analyze guard viol. before/after re-ask",
        "rewrites.analyze_violations_before_reask|rewrites.analyze_violations_after_reask",
    ),
    (
        "rewrite guard viol. before/after re-ask",
        "rewrites.rewrite_violations_before_reask|rewrites.rewrite_violations_after_reask",
    ),
    # An integration check: counted with the guard's own function, so non-zero only if the guard was skipped.
    (
        "fabricated numbers before/after guard (integration)",
        "rewrites.fabricated_numbers_before_guard|rewrites.fabricated_numbers_after_guard",
    ),
    # The guard measured: numbers hand-labelled invented in the recorded drafts (evals/labels/).
    (
        "labelled invented numbers caught/missed",
        "rewrites.invented_numbers_caught_by_guard|rewrites.invented_numbers_missed_by_guard",
    ),
    ("labelled given numbers flagged", "rewrites.given_numbers_flagged_by_guard"),
    (
        "invented claims before/after guard",
        "rewrites.invented_claims_before_guard|rewrites.invented_claims_after_guard",
    ),
    ("rejected by guard", "rewrites.guard_rejected"),
    ("style compliance", "rewrites.style_compliance"),
    ("style compliance (answered cases)", "rewrites.style_compliance_answered"),
    ("expectations met", "rewrites.expectations_met"),
    ("requests / bullet", "rewrites.requests_per_bullet"),
    ("tokens / bullet", "rewrites.tokens_per_bullet"),
)


def _get(data: dict, dotted: str):  # noqa: ANN202
    value = data
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _fmt(value) -> str:  # noqa: ANN001
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def _delta(new, old) -> str:  # noqa: ANN001
    if not isinstance(new, (int, float)) or not isinstance(old, (int, float)) or new == old:
        return ""
    d = new - old
    # Written to the precision of the figure it changes: 0.574 (-0.006), 2535 (-13).
    text = _fmt(d) if isinstance(new, float) and abs(new) < 100 else f"{d:.0f}" if isinstance(d, float) else str(d)
    return f" ({'+' if d > 0 else ''}{text})"


def _cell(report: dict, spec: str, previous: dict | None) -> str:
    parts = []
    for dotted in spec.split("|"):
        new = _get(report, dotted)
        old = _get(previous, dotted) if previous else None
        parts.append(_fmt(new) + _delta(new, old))
    return " / ".join(parts)


def committed_report(path: Path) -> dict | None:
    """The report as last committed (git HEAD), else the file on disk, else None."""
    try:
        root = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=path.resolve().parent,
        )
        if root.returncode == 0:
            rel = path.resolve().relative_to(Path(root.stdout.strip()).resolve())
            shown = subprocess.run(
                ["git", "show", f"HEAD:{rel.as_posix()}"],
                capture_output=True,
                text=True,
                timeout=10,
                cwd=root.stdout.strip(),
            )
            if shown.returncode == 0:
                return json.loads(shown.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def print_table(rows: dict[str, dict], previous: dict | None, *, markdown: bool = False) -> None:
    """One column per engine; a figure that changed since the committed report shows (±delta)."""
    echo = typer.echo
    names = list(rows)
    heads = [f"{n}" + (f" ({rows[n].get('model')})" if rows[n].get("model") else "") for n in names]
    cells = [[_cell(rows[n], spec, (previous or {}).get("engines", {}).get(n)) for n in names] for _, spec in TABLE]
    if markdown:  # for evals/README.md
        echo("| | " + " | ".join(heads) + " |")
        echo("|---|" + "---:|" * len(heads))
        for (label, _), row in zip(TABLE, cells):
            echo(f"| {label} | " + " | ".join(row) + " |")
        return
    label_w = max(len(label) for label, _ in TABLE) + 2
    widths = [max(len(h), *(len(c[i]) for c in cells)) + 2 for i, h in enumerate(heads)]
    echo("".join([f"{'':<{label_w}}", *(f"{h:>{w}}" for h, w in zip(heads, widths))]))
    for (label, _), row in zip(TABLE, cells):
        echo("".join([f"{label:<{label_w}}", *(f"{c:>{w}}" for c, w in zip(row, widths))]))
    if previous is None:
        echo("(no committed report to compare with)")


def _first_per_file(directory: Path, n: int) -> set[str]:
    import yaml

    ids: set[str] = set()
    for path in sorted(directory.glob("*.yaml")):
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        ids.update(str(item["id"]) for item in items[:n] if isinstance(item, dict) and "id" in item)
    return ids


def _compact(ids: list[str], limit: int = 12) -> str:
    return ", ".join(ids[:limit]) + (f", … (+{len(ids) - limit})" if len(ids) > limit else "")


@app.command("eval")
def eval_(
    cases: Path = typer.Option(DEFAULT_CASES, "--cases", help="Folder of labelled case files (*.yaml)."),
    thresholds: Path = typer.Option(
        Path("evals/thresholds.yaml"), "--thresholds", help="Minimum/maximum figures per engine; a breach exits 1."
    ),
    engine: str = typer.Option("all", "--engine", help="all (rules + openai replay), rules, or openai."),
    only: str = typer.Option(None, "--only", help="Run only cases whose id contains this text or that carry this tag."),
    per_file: int = typer.Option(
        None, "--per-file", min=1, help="Run only the first N cases of each case file (a fixed subset, e.g. to record)."
    ),
    record: bool = typer.Option(
        False,
        "--record",
        help="Call the configured endpoint (OPENAI_BASE_URL, "
        "BULLETSMITH_MODEL…) for the openai engine's missing or stale recordings.",
    ),
    status: bool = typer.Option(
        False,
        "--status",
        help="List recorded, stale, not recorded cases and unused recordings (offline), without scoring.",
    ),
    recordings: Path = typer.Option(Path("evals/recordings"), "--recordings", help="Folder of recorded model calls."),
    labels: Path = typer.Option(
        DEFAULT_LABELS,
        "--labels",
        help="Hand labels of the recorded rewrites: which "
        "numbers each invents; the number guard is scored against them (openai row).",
    ),
    report_path: Path = typer.Option(
        Path("evals/report.json"),
        "--report",
        help="Where a full run saves its report (and the committed one it is compared with).",
    ),
    no_save: bool = typer.Option(False, "--no-save", help="Don't write the report file."),
    server: str = typer.Option(None, "--server", help="With --record: a note naming the server, kept in the index."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    markdown: bool = typer.Option(False, "--markdown", help="Print only the engines table, as Markdown."),
    show_failures: bool = typer.Option(False, "--failures", help="List each case whose rewrite missed an expectation."),
) -> None:
    """Score the engines on the labelled bullets: per-slot precision/recall/F1, question targeting, guards, cost.

    The openai engine replays evals/recordings/ (no network); a recording whose request
    changed (a prompt edit, another model) fails, naming the case and the prompt file.

    Examples:

      bulletsmith eval                       # rules + openai replay, table, evals/report.json

      bulletsmith eval --status              # which cases are recorded, stale, not recorded

      OPENAI_BASE_URL=http://127.0.0.1:8080/v1 BULLETSMITH_MODEL=smollm2 bulletsmith eval --engine openai --record
    """
    from bulletsmith.assistant import Assistant
    from bulletsmith.cli.render import print_report
    from bulletsmith.errors import EngineError
    from bulletsmith.eval_labels import load_draft_labels, score_guard_on_labels
    from bulletsmith.eval_recordings import Recordings
    from bulletsmith.evaluation import CaseError, check_thresholds, evaluate, load_cases, load_thresholds

    if engine not in ENGINE_CHOICES:
        fail(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINE_CHOICES)}")
    if (record or status) and engine == "rules":
        fail("--record and --status are for the openai engine's recordings")
    if record and status:
        fail("choose --record or --status, not both")
    if not cases.is_dir() or not any(cases.glob("*.yaml")):
        found = (
            "no such folder"
            if not cases.exists()
            else "not a folder"
            if not cases.is_dir()
            else "no case files (*.yaml)"
        )
        how = (
            "run it from a bulletsmith source checkout (the cases are in its evals/cases/), or pass --cases FOLDER"
            if cases == DEFAULT_CASES
            else "pass --cases a folder of case files (*.yaml)"
        )
        fail(f"{cases}: {found}; {how}")
    full = only is None and per_file is None
    missed_by_guard: list[str] = []
    rec: Recordings | None = None
    try:
        if full and not status:
            load_thresholds(thresholds)  # a bad thresholds file fails now, not after the whole run
        loaded = load_cases(cases)
        if per_file is not None:
            keep = _first_per_file(cases, per_file)
            loaded = [c for c in loaded if c.id in keep]
        reports = {}
        if engine in ("all", "rules") and not (record or status):
            reports["rules"] = evaluate(Assistant(engine="rules"), loaded, select=only)
        if engine in ("all", "openai") or record or status:
            rec = Recordings(recordings, record=record)
            assistant = rec.assistant(server=server)
            if assistant is not None:
                reports["openai"] = evaluate(assistant, loaded, select=only, replay=rec)
                if full:
                    if not labels.is_file():
                        fail(f"{labels}: no labels of the recorded rewrites; pass --labels FILE ({DEFAULT_LABELS})")
                    guard_score = score_guard_on_labels(load_draft_labels(labels), loaded)
                    missed_by_guard = guard_score.pop("missed")
                    reports["openai"].rewrites.update(guard_score)
            elif engine == "openai":
                fail(f"no recordings in {recordings} ({recordings / 'index.json'} missing); record them with --record")
        breaches = {name: check_thresholds(r, thresholds) if full else [] for name, r in reports.items()}
    except CaseError as e:
        fail(str(e))
    except EngineError as e:  # --record: the endpoint failed; what was recorded so far is kept
        done = f"; {len(rec.recorded_now)} cases recorded before it, kept" if rec is not None and rec.record else ""
        fail(f"{e}{done}", EXIT_BULLET_FAILED)
    finally:
        if rec is not None and rec.transport is not None:
            rec.transport.close()

    unused = rec.unused() if rec is not None and full and rec.transport is not None else []
    if status:
        _print_status(rec, unused)
        return

    rows = {}
    for name, r in reports.items():
        row = r.model_dump(exclude={"seconds"})
        if name == "openai" and rec is not None:
            row["recordings"] = rec.summary()
        rows[name] = row
    previous = committed_report(report_path) if not json_out else None
    if full and not no_save and engine == "all" and reports:
        from bulletsmith.fsutil import atomic_write

        saved = {"cases": len(loaded), "engines": rows}
        report_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(report_path, json.dumps(saved, indent=2, sort_keys=True, ensure_ascii=False) + "\n")

    if json_out:
        flat = [b for bs in breaches.values() for b in bs]
        if len(reports) == 1:
            (only_report,) = reports.values()
            out = {**only_report.model_dump(), "threshold_breaches": flat}
        else:  # the rules figures at the top (as before), every engine under "engines"
            out = {**reports["rules"].model_dump(), "engines": rows, "threshold_breaches": flat}
        if missed_by_guard:
            out["missed_by_guard"] = missed_by_guard
        if rec is not None:
            out["replay"] = {
                **rec.summary(),
                "stale_messages": [s.message for s in rec.stale],
                "not_recorded_ids": rec.not_recorded,
                "unused_recordings": unused,
            }
        typer.echo(json.dumps(out, indent=2))
    elif markdown:
        print_table(rows, previous, markdown=True)
    else:
        for r in reports.values():
            print_report(r, [], show_failures=show_failures)
            typer.echo("")
        if rows:
            print_table(rows, previous)
            print_by_file(rows)
        if rec is not None:
            _print_replay(rec, unused)
        for miss in missed_by_guard:
            typer.echo(f"MISSED BY THE GUARD (hand labels): {miss}")
        for name, bs in breaches.items():
            for b in bs:
                typer.echo(f"THRESHOLD ({name}): {b}")

    failed = any(breaches.values()) or any(
        r.rewrites["fabricated_numbers_after_guard"] or r.rewrites.get("invented_claims_after_guard")
        for r in reports.values()
    )
    if rec is not None and rec.stale:
        failed = True
    if failed:
        raise typer.Exit(EXIT_BULLET_FAILED)


def print_by_file(rows: dict[str, dict]) -> None:
    """Slot F1 per case file and engine: a held-back file (realdata-heldout) is read beside the
    files an engine was tuned on."""
    echo = typer.echo
    echo("")
    echo(
        "slot F1 per case file   cases   problem  action  data_outcome  model_impact   macro  micro"
        "   style  answered style (n)"
    )
    for name, row in rows.items():
        for file, fig in (row.get("by_file") or {}).items():
            f1 = {slot: fig["slots"][slot]["f1"] for slot in fig["slots"]}
            echo(
                f"{name + ' ' + file:<24}{fig['cases']:>5}   {f1.get('problem', 0):>7.3f} {f1.get('action', 0):>7.3f} "
                f"{f1.get('data_outcome', 0):>13.3f} {f1.get('model_impact', 0):>13.3f} {fig['macro_f1']:>7.3f} "
                f"{fig['overall_slots']['f1']:>6.3f}{_style_cells(fig)}"
            )


def _style_cells(fig: dict) -> str:
    """Style compliance of the file's rewrites, over all its cases and over those giving answers."""
    st = fig.get("rewrites") or {}
    if not st:
        return ""
    answered = (
        f"{st['style_compliance_answered']:>8.3f} ({st['answered_cases']})" if st["answered_cases"] else "       - (0)"
    )
    return f"  {st['style_compliance']:>6.3f}  {answered}"


def _print_replay(rec, unused: list[str]) -> None:  # noqa: ANN001
    echo = typer.echo
    s = rec.summary()
    verb = "recorded now" if rec.record else "replayed"
    echo("")
    echo(
        f"openai recordings: {rec.directory}  model {s['model']}"
        + (f" (served as {s['served_model']})" if s["served_model"] else "")
        + (f"  server: {s['server']}" if s["server"] else "")
    )
    echo(
        f"  {len(rec.ran)} cases {verb if not rec.record else 'run'}"
        + (f", {len(rec.recorded_now)} recorded now" if rec.record else "")
        + f"; {len(rec.not_recorded)} not recorded (not a failure)"
        + (f": {_compact(rec.not_recorded)}" if rec.not_recorded else "")
    )
    for stale in rec.stale:
        echo(f"STALE: {stale.message}")
    if unused:
        echo(f"  {len(unused)} unused recordings (no case asks for them): {_compact(unused, 5)}")


def _print_status(rec, unused: list[str]) -> None:  # noqa: ANN001
    echo = typer.echo
    s = rec.summary()
    echo(f"recordings: {rec.directory}  model {s['model']}  mode {s['mode']}  max re-asks {s['max_reasks']}")
    echo(f"up to date:   {len(rec.ran)}" + (f"  ({_compact(rec.ran)})" if rec.ran else ""))
    echo(f"stale:        {len(rec.stale)}" + (f"  ({_compact([x.id for x in rec.stale])})" if rec.stale else ""))
    for stale in rec.stale:
        echo(f"  {stale.message}")
    echo(f"not recorded: {len(rec.not_recorded)}" + (f"  ({_compact(rec.not_recorded)})" if rec.not_recorded else ""))
    echo(f"unused recordings: {len(unused)}" + (f"  ({_compact(unused, 5)})" if unused else ""))

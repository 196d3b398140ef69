"""Write the mutation scores of the last `make mutation` into docs/mutation.md.

Reads mutmut's results (mutants/**/*.py.meta) and replaces the table between the
``<!-- scores -->`` and ``<!-- /scores -->`` lines of the report with one row per module:
mutants made, killed, survived, not run, and the score (killed / run). A module no run has
reached yet shows as not run. The surviving mutants are listed below the table by name
(`mutmut show NAME` prints the change); the reason each one lives is written by hand in the
report, above the table.

    python scripts/mutation_report.py docs/mutation.md
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

START, END = "<!-- scores -->", "<!-- /scores -->"
KILLED = {1, 3, 36, 37, 24, -24, 152, 255, -11, -9}  # killed, a timeout, a crash, caught by the type check
SURVIVED = {0}
NO_TESTS = {5, 33}


def scores(mutants: Path) -> tuple[list[str], list[str], list[str]]:
    rows, survivors, untested = [], [], []
    total: Counter[str] = Counter()
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = meta.relative_to(mutants / "src").as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        count: Counter[str] = Counter()
        for name, code in codes.items():
            if code is None:
                count["not run"] += 1
            elif code in KILLED:
                count["killed"] += 1
            elif code in SURVIVED:
                count["survived"] += 1
                survivors.append(name)
            elif code in NO_TESTS:
                count["no tests"] += 1
                untested.append(name)
            else:
                count["other"] += 1
        count["mutants"] = len(codes)
        total.update(count)
        rows.append(_row(module, count))
    if rows:
        rows.append(_row("**all core modules**", total))
    return rows, survivors, untested


def _row(label: str, count: Counter[str]) -> str:
    run = count["killed"] + count["survived"] + count["no tests"]
    score = f"{count['killed'] / run:.1%}" if run else "not run"
    return (
        f"| {label} | {count['mutants']} | {count['killed']} | {count['survived']} | {count['no tests']} "
        f"| {count['not run'] + count['other']} | {score} |"
    )


def by_function(survivors: list[str]) -> list[str]:
    """One line per function: "bulletsmith.guards.Finding.render: 3 (2, 7, 11)", most first."""
    groups: dict[str, list[int]] = {}
    for name in survivors:
        mangled, _, number = name.rpartition("__mutmut_")
        module, _, func = mangled.rpartition(".")
        func = func.removeprefix("x").replace("ǁ", ".").strip(".").removeprefix("_") if "ǁ" in func else func[2:]
        groups.setdefault(f"{module}.{func}", []).append(int(number))
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [f"- `{f}`: {len(ns)} ({', '.join(map(str, sorted(ns)))})" for f, ns in ordered]


def main(report: Path) -> int:
    rows, survivors, untested = scores(Path("mutants"))
    if not rows:
        print("no mutmut results in mutants/: run `make mutation` first", file=sys.stderr)
        return 1
    table = [
        START,
        f"Last run: {time.strftime('%Y-%m-%d')} (mutmut; `make mutation`).",
        "",
        "| module | mutants | killed | survived | no tests | not run | score (killed / run) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Surviving mutants ({len(survivors)}), by function: how many, and their numbers "
        "(`mutmut show MODULE.x_FUNCTION__mutmut_N` prints one change):",
        "",
        *by_function(survivors),
        "",
        f"Mutants no test in the selection calls ({len(untested)}), by function:",
        "",
        *by_function(untested),
        END,
    ]
    text = report.read_text(encoding="utf-8") if report.exists() else f"# Mutation testing\n\n{START}\n{END}\n"
    head, sep, rest = text.partition(START)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        print(f"{report}: no {START} ... {END} block to fill", file=sys.stderr)
        return 1
    report.write_text(head + "\n".join(table) + tail, encoding="utf-8")
    print(f"{report}: {len(rows) - 1} modules, {len(survivors)} surviving mutants")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/mutation.md")))

"""Re-run a few named mutants after a test was added for them, keeping every other result.

mutmut 3 throws away all stored results when the test selection in pyproject.toml changes (a
new test file added to it), even when only a few mutants are asked for, so a run of hours
would be lost. This keeps a copy of the results (mutants/**/*.py.meta), runs the named
mutants, then writes back the old result of every mutant not named. Adding tests can only
kill more mutants, so an old "killed" stays true and an old "survived" is at worst stale.

    python scripts/mutation_rerun.py bulletsmith.guards.x_is_filler__mutmut_2 ...
    python scripts/mutation_rerun.py --from-file names.txt

Run from the project root (where mutants/ is), after `make mutation` has run once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

MUTANTS = Path("mutants")


def saved_results() -> dict[Path, dict[str, int | None]]:
    return {
        meta: json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"] for meta in MUTANTS.rglob("*.py.meta")
    }


def merge(before: dict[Path, dict[str, int | None]], names: set[str]) -> int:
    """Put back the saved result of every mutant not re-run (not named, or the run was stopped
    before its turn); return how many were re-run."""
    rerun = 0
    for meta, old in before.items():
        data = json.loads(meta.read_text(encoding="utf-8"))
        codes = data["exit_code_by_key"]
        for key, code in old.items():
            if key not in codes:
                continue
            if key in names and codes[key] is not None:
                rerun += 1
            else:  # not named, or named but stopped before its turn
                codes[key] = code
        meta.write_text(json.dumps(data, indent=4), encoding="utf-8")
    return rerun


def main(argv: list[str]) -> int:
    if argv[:1] == ["--from-file"] and len(argv) == 2:
        names = Path(argv[1]).read_text(encoding="utf-8").split()
    else:
        names = argv
    if not names or not MUTANTS.is_dir():
        print(__doc__, file=sys.stderr)
        return 2
    before = saved_results()
    # On disk too, so a crash of this script does not lose hours of results.
    backup = MUTANTS / "results-before-rerun.json"
    backup.write_text(json.dumps({str(k): v for k, v in before.items()}), encoding="utf-8")
    known = {key for codes in before.values() for key in codes}
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"not a mutant of the last run: {', '.join(unknown[:5])}", file=sys.stderr)
        return 2
    env = {**os.environ, "BULLETSMITH_SHARED_DIR": str(Path("..").resolve() / "shared")}
    mutmut = Path(sys.executable).with_name("mutmut")
    run = subprocess.run([str(mutmut), "run", *names], env=env, check=False)
    rerun = merge(before, set(names))
    backup.unlink()
    print(f"re-ran {rerun} mutants; every other result is the last run's", file=sys.stderr)
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

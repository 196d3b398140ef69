"""Score job cases (evals/jobs/*/expected.yaml): requirements found (precision, recall) and
coverage errors, for both engines: the rules engine live, the openai engine by replaying its
recorded calls (evals/recordings/jobs/: the same recording files and index format as `bulletsmith eval`).

    python -m bulletsmith.job_eval evals/jobs/sample                      # both engines
    python -m bulletsmith.job_eval --engine rules evals/jobs/sample
    OPENAI_BASE_URL=http://127.0.0.1:8080/v1 BULLETSMITH_MODEL=smollm2 BULLETSMITH_MAX_REASKS=1 \\
        python -m bulletsmith.job_eval --engine openai --record evals/jobs/sample   # record what is missing

A found requirement matches an expected one when both name the same vocabulary concept, or
share at least half their content words. A coverage error is a matched requirement whose
covered_by differs from the expected locations (any difference counts once). A case's
recording is indexed as ``job-<folder name>``; a request with no recording makes the case
"stale" (a prompt or schema edit), reported, never scored.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from bulletsmith.datafiles import parse_yaml
from bulletsmith.job import JobCoverage, JobPosting
from bulletsmith.job.posting import requirement_key
from bulletsmith.terms import content_stems

# Beside the eval's recordings, with an index of their own (the eval scores exactly the cases of its index).
DEFAULT_RECORDINGS = Path("evals/recordings/jobs")


def _same(a: str, b: str) -> bool:
    if requirement_key(a) == requirement_key(b):
        return True
    sa, sb = content_stems(a), content_stems(b)
    return bool(sa and sb) and len(sa & sb) >= 0.5 * max(len(sa), len(sb))


def _expected(folder: Path) -> dict:
    expected = parse_yaml((folder / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(expected, dict)
    return expected


def score(expected: dict, report: JobCoverage, case: str = "") -> dict[str, Any]:
    """The report's requirements against the expected ones."""
    found = report.requirements
    matched, errors, unmatched = 0, [], []
    used: set[int] = set()
    for want in expected["requirements"]:
        hit = next((i for i, r in enumerate(found) if i not in used and _same(r.text, want["text"])), None)
        if hit is None:
            unmatched.append(want["text"])
            continue
        used.add(hit)
        matched += 1
        if set(found[hit].covered_by) != set(want["covered_by"]):
            errors.append(f"{want['text']}: expected {want['covered_by']}, got {found[hit].covered_by}")
    out: dict[str, Any] = {
        "case": case,
        "expected": len(expected["requirements"]),
        "found": len(found),
        "matched": matched,
        "precision": round(matched / len(found), 2) if found else 0.0,
        "recall": round(matched / len(expected["requirements"]), 2),
        "coverage_errors": errors,
        "missed": unmatched,
        "extra": [r.text for i, r in enumerate(found) if i not in used],
        "source": report.source,
    }
    if report.note:
        out["note"] = report.note
    return out


def score_case(folder: Path) -> dict[str, Any]:
    """The rules engine on one case."""
    from bulletsmith import Assistant, read

    expected = _expected(folder)
    report = Assistant(engine="rules", job=str(folder / expected["posting"])).requirements(
        read(folder / expected["resume"])
    )
    return score(expected, report, folder.name)


def score_case_openai(folder: Path, recordings: Any, assistant: Any) -> dict[str, Any]:
    """The openai engine on one case, over `eval_recordings.Recordings` (replay, or record what is missing)."""
    from bulletsmith import read
    from bulletsmith.engines.openai.prompts import load_prompt

    expected = _expected(folder)
    case_id = f"job-{folder.name}"
    entry = recordings.index["cases"].get(case_id)
    if entry is None and not recordings.record:
        return {"case": folder.name, "status": "not recorded"}
    transport = recordings.transport
    first_key, first_miss = len(transport.keys), len(transport.misses)
    # Both calls of a case (the requirements, then coverage by meaning) are keyed with both prompt
    # files: an edit of either one makes the case's recording stale.
    prompts = {name: load_prompt(name).sha256 for name in ("job", "job_coverage")}
    assistant.job = JobPosting.load(str(folder / expected["posting"]))
    try:
        with transport.context(prompt="+".join(prompts.values())):
            report = assistant.requirements(read(folder / expected["resume"]))
    except Exception:
        if len(transport.misses) > first_miss:
            return {"case": folder.name, "status": f"stale: no recording for {transport.misses[-1].key}"}
        raise
    if len(transport.misses) > first_miss:
        return {"case": folder.name, "status": f"stale: no recording for {transport.misses[-1].key}"}
    if recordings.record:
        keys = list(dict.fromkeys(transport.keys[first_key:]))
        if entry is None or entry.get("keys") != keys or entry.get("prompts") != prompts:
            recordings.index["cases"][case_id] = {
                "keys": keys,
                "prompts": prompts,
                "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            recordings.save_index()
    return {**score(expected, report, folder.name), "status": "scored", "model": recordings.model}


def run(cases: list[Path], *, engine: str = "all", record: bool = False, recordings: Path = DEFAULT_RECORDINGS) -> dict:
    out: dict[str, Any] = {}
    if engine in ("all", "rules") and not record:
        out["rules"] = [score_case(c) for c in cases]
    if engine in ("all", "openai") or record:
        from bulletsmith.eval_recordings import Recordings

        rec = Recordings(recordings, record=record)
        assistant = rec.assistant()
        if assistant is None:
            out["openai"] = [{"case": c.name, "status": "not recorded"} for c in cases]
        else:
            out["openai"] = [score_case_openai(c, rec, assistant) for c in cases]
    return out


def main(argv: list[str] | None = None) -> int:
    import json

    parser = argparse.ArgumentParser(prog="python -m bulletsmith.job_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="+", type=Path, help="case folders (each with expected.yaml)")
    parser.add_argument("--engine", choices=("all", "rules", "openai"), default="all")
    parser.add_argument("--record", action="store_true", help="openai: record the missing calls (needs an endpoint)")
    parser.add_argument("--recordings", type=Path, default=DEFAULT_RECORDINGS)
    args = parser.parse_args(argv)
    from bulletsmith.errors import BulletsmithError

    try:
        print(json.dumps(run(args.cases, engine=args.engine, record=args.record, recordings=args.recordings), indent=1))
    except (BulletsmithError, OSError) as e:
        print(f"job_eval: error: {str(e).splitlines()[0] if str(e) else type(e).__name__}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

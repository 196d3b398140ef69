"""Score job cases (evals/jobs/*/expected.yaml): requirements found (precision, recall) and
coverage errors, for the rules engine.

    python -m bulletsmith.job_eval evals/jobs/sample evals/jobs/heldback

A found requirement matches an expected one when both name the same vocabulary concept, or
share at least half their content words. A coverage error is a matched requirement whose
covered_by differs from the expected locations (any difference counts once).
"""

# ruff: noqa: SLF001 - the claims guard's word stems, as job.py uses them
from __future__ import annotations

import sys
from pathlib import Path

from bulletsmith import claims
from bulletsmith.datafiles import parse_yaml
from bulletsmith.job import _requirement_key


def _same(a: str, b: str) -> bool:
    if _requirement_key(a) == _requirement_key(b):
        return True
    sa, sb = claims._content_stems(a), claims._content_stems(b)
    return bool(sa and sb) and len(sa & sb) >= 0.5 * max(len(sa), len(sb))


def score_case(folder: Path) -> dict:
    from bulletsmith import Assistant, read

    expected = parse_yaml((folder / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(expected, dict)
    report = Assistant(engine="rules", job=str(folder / expected["posting"])).requirements(
        read(folder / expected["resume"])
    )
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
    return {
        "case": folder.name,
        "expected": len(expected["requirements"]),
        "found": len(found),
        "matched": matched,
        "precision": round(matched / len(found), 2) if found else 0.0,
        "recall": round(matched / len(expected["requirements"]), 2),
        "coverage_errors": errors,
        "missed": unmatched,
        "extra": [r.text for i, r in enumerate(found) if i not in used],
    }


if __name__ == "__main__":
    import json

    for arg in sys.argv[1:]:
        print(json.dumps(score_case(Path(arg)), indent=1))

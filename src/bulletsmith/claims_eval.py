"""Score the claims guard on labelled rewrites (evals/claims/*.yaml): how many rewrites that
add a claim it catches, and how many faithful paraphrases it flags (false alarms).

    python -m bulletsmith.claims_eval evals/claims/dev.yaml evals/claims/heldback.yaml

Each item: bullet, answers (slot: text as typed; "not mine" supports nothing), rewrite, and
`invented` (the claims it adds; [] for a faithful paraphrase). A rewrite counts as caught
when the guard reports at least one claim; a faithful one as a false alarm when it reports any.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from bulletsmith.claims import unsupported_claims
from bulletsmith.guards import rewrite_sources
from bulletsmith.models import Answer, Slot


def load_items(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def item_sources(item: dict) -> list[str]:
    answers = [Answer.parse(Slot(k), v) for k, v in (item.get("answers") or {}).items()]
    return rewrite_sources(item["bullet"], answers)


def score(items: list[dict]) -> dict:
    invented = [i for i in items if i["invented"]]
    faithful = [i for i in items if not i["invented"]]
    found = {i["id"]: unsupported_claims(i["rewrite"], item_sources(i)) for i in items}
    missed = [i["id"] for i in invented if not found[i["id"]]]
    alarms = {i["id"]: found[i["id"]] for i in faithful if found[i["id"]]}
    return {
        "invented": len(invented),
        "caught": len(invented) - len(missed),
        "missed": missed,
        "faithful": len(faithful),
        "false_alarms": len(alarms),
        "alarms": alarms,
    }


def main(argv: list[str]) -> int:
    for name in argv or ["evals/claims/dev.yaml"]:
        s = score(load_items(Path(name)))
        print(
            f"{name}: caught {s['caught']}/{s['invented']} added claims; "
            f"false alarms {s['false_alarms']}/{s['faithful']} faithful paraphrases"
        )
        for i in s["missed"]:
            print(f"  missed: {i}")
        for i, phrases in s["alarms"].items():
            print(f"  false alarm: {i}: {phrases}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The number guard scored against hand labels of the recorded rewrite drafts (evals/labels/)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from bulletsmith import guards
from bulletsmith.eval_recordings import RECORDINGS_INDEX
from bulletsmith.evaluation import Case, CaseError
from bulletsmith.models import Answer

# --------------------------------------------------------------------------- the guard against hand labels
#
# "Fabricated numbers after the guard" counts with the guard's own `unsupported_quantities`: it is
# an integration check (the guard ran, and what it refused was not shown), and can only be non-zero
# when the guard was skipped. To measure the guard itself, evals/labels/rewrites.yaml holds every
# recorded rewrite draft that carries a number, with the quantities a person reading the bullet and
# the answers judged invented. The guard is scored against those labels: a weaker guard shows as
# invented numbers it missed.


class RecordedDraft(BaseModel):
    """A rewrite the model wrote, as recorded: a rewrite call's text, or the rewrite an analysis bundles."""

    case: str
    recording: str  # the recording's key
    call: str  # "rewrite" or "analyze"
    text: str


class DraftLabel(RecordedDraft):
    invented: list[str] = Field(default_factory=list)  # as written in the draft
    note: str | None = None


def recorded_drafts(directory: Path) -> list[RecordedDraft]:
    """Every rewrite text in the recordings of `directory`, in case order, each recording once."""
    import json

    index = json.loads((directory / RECORDINGS_INDEX).read_text(encoding="utf-8"))
    out: list[RecordedDraft] = []
    seen: set[tuple[str, str]] = set()
    for case_id, entry in sorted(index["cases"].items()):
        for key in entry.get("keys", []):
            body = json.loads((directory / f"{key}.json").read_text(encoding="utf-8"))["response"]
            body = body.get("body") if isinstance(body, dict) else None
            if not isinstance(body, dict):  # not kept, or a 200 whose body was not JSON
                continue
            for choice in body.get("choices") or []:
                for tool_call in (choice.get("message") or {}).get("tool_calls") or []:
                    function = tool_call.get("function") or {}
                    try:
                        args = json.loads(function.get("arguments") or "")
                    except ValueError:
                        continue
                    if not isinstance(args, dict):
                        continue
                    name = function.get("name")
                    text = (
                        args.get("text")
                        if name == "RewriteCall"
                        else args.get("rewrite")
                        if name == "AnalyzeCall"
                        else None
                    )
                    if isinstance(text, str) and text.strip() and (key, text) not in seen:
                        seen.add((key, text))
                        out.append(
                            RecordedDraft(
                                case=case_id,
                                recording=key,
                                call="rewrite" if name == "RewriteCall" else "analyze",
                                text=text,
                            )
                        )
    return out


def load_draft_labels(path: Path) -> list[DraftLabel]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, UnicodeDecodeError) as e:
        raise CaseError(f"{path}: can't read the labels ({e.__class__.__name__})") from None
    except yaml.YAMLError as e:
        raise CaseError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(raw, list):
        raise CaseError(f"{path}: expected a list of labelled drafts")
    labels = []
    for i, item in enumerate(raw):
        try:
            label = DraftLabel.model_validate(item)
        except ValidationError as e:
            raise CaseError(f"{path}: item {i}: {e.errors()[0]['msg']}") from None
        missing = [q for q in label.invented if q not in label.text]
        if missing:
            raise CaseError(f"{path}: item {i} ({label.case}): invented {missing[0]!r} is not in its text")
        labels.append(label)
    return labels


def _same_number(label: str, flagged: str) -> bool:
    """A labelled quantity and one the guard named are the same words of the draft ("$1.2M" and "1.2M")."""

    def norm(s: str) -> str:
        return re.sub(r"[\s,$~]", "", s.casefold())

    a, b = norm(label), norm(flagged)
    if a == b:
        return True
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return bool(short) and re.search(rf"(?<![\d.]){re.escape(short)}(?![\d.])", long_) is not None


def score_guard_on_labels(labels: Iterable[DraftLabel], cases: Iterable[Case], *, unsupported=None) -> dict:  # noqa: ANN001
    """The number guard against the hand labels: invented numbers it caught and missed, given ones it flagged.

    unsupported: the guard function, ``guards.unsupported_quantities`` unless given (tests pass a weaker one).
    """
    find = unsupported or guards.unsupported_quantities
    by_id = {c.id: c for c in cases}
    drafts = labelled = caught = flagged_given = 0
    missed: list[str] = []
    for label in labels:
        case = by_id.get(label.case)
        if case is None:  # a run over other cases (--cases): tests/test_eval_labels.py keeps the labels complete
            continue
        drafts += 1
        answers = [Answer.parse(slot, value) for slot, value in case.answers.items()]
        flagged = (
            []
            if guards.kept_as_written(label.text, case.bullet)
            else list(find(label.text, guards.rewrite_sources(case.bullet, answers)))
        )
        labelled += len(label.invented)
        for q in label.invented:
            if any(_same_number(q, f) for f in flagged):
                caught += 1
            else:
                missed.append(f"{label.case}: {q!r} in {label.text!r}")
        flagged_given += sum(1 for f in flagged if not any(_same_number(q, f) for q in label.invented))
    return {
        "labelled_drafts": drafts,
        "invented_numbers_labelled": labelled,
        "invented_numbers_caught_by_guard": caught,
        "invented_numbers_missed_by_guard": labelled - caught,
        "given_numbers_flagged_by_guard": flagged_given,
        "missed": missed,
    }

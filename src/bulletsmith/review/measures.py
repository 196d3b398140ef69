"""What one bullet's text states, read without any engine call: its metrics (data side or model
side), whether it states scale, a before → after change, and cross-functional words.

A *metric* is a quantity of the bullet that is not a year or a version, in a clause that names
what it measures. Its side comes from the rules engine's lexicons (``data/lexicon.yaml``): the
first metric word of its clause decides, as the rules engine decides a slot ("annotator agreement
0.68 → 0.84" is data, "reward model accuracy 64% → 69%" is model). A quantity whose clause names
neither, but which the analysis put in the data-outcome or model-impact slot (or which an answer to
that slot gives), takes that slot's side. Counts of people ("mentored 4 engineers") are not metrics.

*Scale* is what the guide asks the previous role to show: an example count or volume (a count of
1,000 or more of something other than people, or a data size such as 5 TB), a latency (a duration
in seconds or less, or a duration beside "latency"/"p95"…), or a throughput ("2M examples/week",
"10k requests per second", "QPS").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bulletsmith.datafiles import word_list
from bulletsmith.engines.rules.clauses import split_clauses
from bulletsmith.engines.rules.lexicon import Lexicon, TermMatcher, lexicon
from bulletsmith.models import Slot
from bulletsmith.quantities import Quantity, changes, extract_quantities, same_quantity

DATA = "data"
MODEL = "model"

_LATENCY_WORDS = re.compile(r"\b(?:latency|latencies|p50|p90|p95|p99|response time|real-time|turnaround)\b", re.I)
_RATE = re.compile(
    r"(?:/|\bper\s+|\ba\s+)(?:s|sec|second|min|minute|hour|hr|h|day|week|wk|month)\b|\bqps\b|\brps\b|\bthroughput\b"
    r"|\b(?:daily|hourly|weekly|nightly)\b",
    re.I,
)
_SHORT_DURATIONS = {"ns", "µs", "ms", "s"}
# "5-point ratings", "a 5-annotator task": a number inside a compound adjective describes, not measures.
_COMPOUND = re.compile(r"-[A-Za-z]")


@dataclass(frozen=True)
class Metric:
    """A quantity stated as a measure, with the side it measures and the clause it is in."""

    raw: str
    side: str  # "data" or "model"
    clause: str

    def __str__(self) -> str:
        return self.raw


@dataclass
class TextMeasures:
    data_metrics: list[Metric] = field(default_factory=list)
    model_metrics: list[Metric] = field(default_factory=list)
    scale: list[str] = field(default_factory=list)  # each with what it is: "3M lidar frames (example count)"
    change: list[str] = field(default_factory=list)  # "0.68 → 0.84", "by 37%"
    integration: list[str] = field(default_factory=list)  # specific integration words, as written
    vague: list[str] = field(default_factory=list)  # vague collaboration words, as written

    @property
    def measured(self) -> bool:
        return bool(self.data_metrics or self.model_metrics)


@functools.cache
def _matcher(name: str) -> TermMatcher:
    return TermMatcher.of(list(word_list(name, fold=True)))


def _claims(text: str) -> list[Quantity]:
    return [q for q in extract_quantities(text) if q.kind not in ("year", "version", "ordinal")]


def _side(clause: str, lex: Lexicon) -> str | None:
    """The side of the first metric word of a clause (as clauses._metric_kind reads it)."""
    first: tuple[int, str] | None = None
    for matcher, side in ((lex.model_terms, MODEL), (lex.data_terms, DATA)):
        found = matcher.finditer(clause)
        if found and (first is None or found[0].start() < first[0]):
            first = (found[0].start(), side)
    return first[1] if first else None


def _is_people_count(q: Quantity, clause: str, lex: Lexicon) -> bool:
    return bool(q.unit and lex.people_terms.search(q.unit)) or bool(
        lex.people_terms.search(clause) and not lex.data_terms.search(clause) and not lex.model_terms.search(clause)
    )


def measure_text(text: str, hints: Sequence[tuple[str, str]] = ()) -> TextMeasures:
    """The measures of ``text``. ``hints`` are (text, side) pairs that say which side a quantity is
    on when its own clause names no metric word: the analysis's data-outcome / model-impact
    evidence, or the person's answers to those slots."""
    lex = lexicon()
    out = TextMeasures()
    hinted = [(q, side) for hint, side in hints for q in _claims(hint)]
    # "from 0.68 to 0.84" is one metric, written as its change
    pairs = {(a.raw, b.raw) for a, b in changes(text)}
    for clause in split_clauses(text):
        claims = _claims(clause.text)
        ends = {b.start for a, b in zip(claims, claims[1:]) if (a.raw, b.raw) in pairs}
        starts = {a.start: f"{a.raw} → {b.raw}" for a, b in zip(claims, claims[1:]) if (a.raw, b.raw) in pairs}
        for q in claims:
            if q.start in ends or _is_people_count(q, clause.text, lex) or _COMPOUND.match(clause.text, q.end):
                continue
            side = _side(clause.text, lex)
            if side is None:
                side = next((s for h, s in hinted if same_quantity(q, h)), None)
            if side is not None:
                metric = Metric(starts.get(q.start, q.raw), side, clause.text)
                (out.data_metrics if metric.side == DATA else out.model_metrics).append(metric)
            if (what := _scale_kind(q, clause.text, lex)) is not None:
                out.scale.append(f"{_with_unit(q, clause.text)} ({what})")
    out.change = [f"{a.raw} → {b.raw}" for a, b in changes(text)]
    out.change += [
        f"by {m.group(1)}"
        for m in re.finditer(r"\bby\s+(~?[\d.,]+\s?(?:%|x|×|percent|points?|pp)?)(?![\w.])", text, re.I)
    ]
    out.integration = _unique(m.group(0) for m in _matcher("integration_terms.txt").finditer(text))
    out.vague = _unique(m.group(0) for m in _matcher("collaboration_terms.txt").finditer(text))
    return out


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return list(seen.values())


def _with_unit(q: Quantity, clause: str) -> str:
    """ "3M lidar frames": the quantity with the word or two after it, as written."""
    m = re.match(r"\s*(?:[A-Za-z][\w-]*)(?:\s+[a-z][\w-]*)?", clause[q.end :]) if q.kind == "number" else None
    tail = clause[q.end : q.end + m.end()] if m else ""
    return (q.raw + tail).strip()


def _scale_kind(q: Quantity, clause: str, lex: Lexicon) -> str | None:
    """Which kind of scale a quantity states (example count, volume, latency, throughput), or None."""
    if q.kind == "size":
        return "volume"
    rate = _RATE.search(clause[q.end : q.end + 40])
    if q.kind == "duration":
        if (q.unit or "") in _SHORT_DURATIONS or _LATENCY_WORDS.search(clause):
            return "latency"
        return None
    if q.kind == "number" and not _is_people_count(q, clause, lex):
        if rate and q.value >= 1:
            return "throughput"
        if q.value >= 1000:
            return "example count"
    return None


def slot_hints(evidence: dict[Slot, str | None], answers: dict[Slot, str] | None = None) -> list[tuple[str, str]]:
    """Side hints from a bullet's slot evidence and the answers to its slots."""
    hints: list[tuple[str, str]] = []
    for source in (evidence, answers or {}):
        for slot, text in source.items():
            if text and slot == Slot.DATA_OUTCOME:
                hints.append((text, DATA))
            elif text and slot == Slot.MODEL_IMPACT:
                hints.append((text, MODEL))
    return hints

"""The guide's rubric, as bulletsmith reads it: four dimensions scored 0–100 and their weighted sum.

The weights are the guide's (the data-scientist resume guide bulletsmith follows): data process improvement 40%, metric
rigor 30%, model contribution 20%, cross-functional impact 10%. How a bullet earns points is ours,
written down here and printed in every report, so a reader can check each figure against the
bullets it names. It is an estimate of how that rubric reads this resume, not any company's tool.

Each dimension is the mean of its per-bullet points over the analyzed bullets (a bullet whose
analysis failed counts in none, and the report says so), except cross-functional impact, which
counts bullets (a resume needs a couple of them, not one in every bullet):

- data_process: per bullet, 0.3 for an action on the data or system, 0.3 for a stated data
  outcome, 0.4 for a data-side metric (agreement, label error, coverage, latency, examples…).
- metric_rigor: per bullet, 0.4 for any metric, 0.3 for a change with its baseline
  ("0.68 → 0.84", "by 37%"), 0.3 for stated scale (example count, volume, latency, throughput).
  The guide downranks a resume with more model metrics than data metrics: then metric rigor is
  capped at 50.
- model_contribution: per bullet, 0.4 for a stated model impact, 0.3 for a model-side metric,
  0.3 when the same bullet also states the data outcome that caused it (the closed loop: the
  guide's rejected "improved F1 by 12%" had no data behind it).
- cross_functional: 50 points for each bullet that names a specific integration (an API, a
  schema, a tool used by others, adoption…) with a measured outcome, 25 without one, up to 100;
  vague collaboration ("worked with", "helped") without a measured outcome earns nothing, even
  beside a system's name, and is listed as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bulletsmith.models import Slot
from bulletsmith.review.measures import TextMeasures

WEIGHTS = {"data_process": 40, "metric_rigor": 30, "model_contribution": 20, "cross_functional": 10}
LABELS = {
    "data_process": "Data process improvement",
    "metric_rigor": "Metric rigor",
    "model_contribution": "Model contribution",
    "cross_functional": "Cross-functional impact",
}
HOW = {
    "data_process": "Mean over the analyzed bullets of: 0.3 for an action, 0.3 for a stated data outcome, "
    "0.4 for a data-side metric.",
    "metric_rigor": "Mean over the analyzed bullets of: 0.4 for any metric, 0.3 for a change with its baseline, "
    "0.3 for stated scale (examples, volume, latency, throughput). Capped at 50 when model metrics "
    "outnumber data metrics (the guide downranks that).",
    "model_contribution": "Mean over the analyzed bullets of: 0.4 for a stated model impact, 0.3 for a "
    "model-side metric, 0.3 when the same bullet states the data outcome behind it.",
    "cross_functional": "50 for each bullet naming a specific integration (API, schema, a tool others use) "
    "with a measured outcome, 25 without one, up to 100. Vague collaboration earns nothing.",
}
BALANCE_CAP = 50.0


@dataclass
class Facts:
    """What scoring needs to know about one bullet: its filled slots and its measures."""

    location: str
    present: set[Slot]
    measures: TextMeasures
    analyzed: bool = True


@dataclass
class Evidence:
    location: str
    points: float  # what this bullet adds to the dimension, on its 0–100 scale
    detail: str

    def to_dict(self) -> dict:
        return {"location": self.location, "points": round(self.points, 1), "detail": self.detail}


@dataclass
class DimensionScore:
    key: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)
    note: str = ""

    @property
    def weight(self) -> int:
        return WEIGHTS[self.key]


def _data_process(f: Facts) -> tuple[float, list[str]]:
    pts, why = 0.0, []
    if Slot.ACTION in f.present:
        pts += 0.3
        why.append("action")
    if Slot.DATA_OUTCOME in f.present:
        pts += 0.3
        why.append("data outcome")
    if f.measures.data_metrics:
        pts += 0.4
        why.append("data metric " + ", ".join(str(m) for m in f.measures.data_metrics[:3]))
    return pts, why


def _metric_rigor(f: Facts) -> tuple[float, list[str]]:
    pts, why = 0.0, []
    m = f.measures
    if m.measured:
        pts += 0.4
        why.append("metric " + ", ".join(str(x) for x in [*m.data_metrics, *m.model_metrics][:3]))
    if m.change:
        pts += 0.3
        why.append("change " + ", ".join(m.change[:2]))
    if m.scale:
        pts += 0.3
        why.append("scale " + ", ".join(m.scale[:2]))
    return pts, why


def _model_contribution(f: Facts) -> tuple[float, list[str]]:
    pts, why = 0.0, []
    if Slot.MODEL_IMPACT in f.present:
        pts += 0.4
        why.append("model impact")
    if f.measures.model_metrics:
        pts += 0.3
        why.append("model metric " + ", ".join(str(x) for x in f.measures.model_metrics[:3]))
    if Slot.MODEL_IMPACT in f.present and Slot.DATA_OUTCOME in f.present:
        pts += 0.3
        why.append("data outcome behind it")
    return pts, why


def _cross_functional(f: Facts) -> tuple[float, list[str]]:
    m = f.measures
    full = m.measured and bool(f.present & {Slot.DATA_OUTCOME, Slot.MODEL_IMPACT})
    # "Collaborated with engineers on feedback ingestion" names a system but no result: still vague.
    if m.integration and (full or not m.vague):
        return (0.5 if full else 0.25), [
            f"integration: {', '.join(m.integration[:3])}" + ("" if full else " (no measured outcome)")
        ]
    if m.vague:
        return 0.0, [f"vague collaboration: {', '.join(m.vague[:2])}"]
    return 0.0, []


_PER_BULLET = {
    "data_process": _data_process,
    "metric_rigor": _metric_rigor,
    "model_contribution": _model_contribution,
    "cross_functional": _cross_functional,
}


def score(facts: Sequence[Facts]) -> list[DimensionScore]:
    """The four dimensions for these bullets (see the module docstring for how each is computed)."""
    analyzed = [f for f in facts if f.analyzed]
    out = []
    for key, per_bullet in _PER_BULLET.items():
        evidence = []
        total = 0.0
        for f in analyzed:
            pts, why = per_bullet(f)
            total += pts
            if why:
                scale = 100.0 if key == "cross_functional" else 100.0 / len(analyzed)
                evidence.append(Evidence(f.location, pts * scale, "; ".join(why)))
        if key == "cross_functional":
            value = min(100.0, total * 100.0)
        else:
            value = 100.0 * total / len(analyzed) if analyzed else 0.0
        dim = DimensionScore(key, value, evidence)
        if key == "metric_rigor":
            data, model = metric_counts(analyzed)
            if model > data and value > BALANCE_CAP:
                dim.score = BALANCE_CAP
                dim.note = f"capped at {BALANCE_CAP:g}: {model} model metrics against {data} data metrics"
        out.append(dim)
    return out


def metric_counts(facts: Sequence[Facts]) -> tuple[int, int]:
    """(data metrics, model metrics) over the bullets."""
    return (sum(len(f.measures.data_metrics) for f in facts), sum(len(f.measures.model_metrics) for f in facts))


def total(dimensions: Sequence[DimensionScore]) -> float:
    """The weighted sum: each dimension's 0–100 score times its weight, over 100."""
    return sum(d.score * d.weight for d in dimensions) / 100.0

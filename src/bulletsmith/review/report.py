"""The Review: what `bulletsmith review` computes, as one pydantic model, with its three renderings:
``to_dict()`` (the ``--json`` shape, documented in the README), ``summary()`` (a few terminal lines) and
``html()`` (one self-contained page from ``templates/report.html.j2``; ``_repr_html_`` shows it in
Jupyter)."""

from __future__ import annotations

import functools
from typing import Any, Optional

from pydantic import BaseModel, Field

HONESTY = (
    "This score is an estimate of how the guide's rubric (data process improvement 40%, metric rigor 30%, "
    "model contribution 20%, cross-functional impact 10%) reads this resume. It is not any company's screening "
    "tool; the weights are the guide's, the way a bullet earns points is bulletsmith's, and every figure names "
    "the bullets behind it."
)


class EvidenceItem(BaseModel):
    location: str
    points: float
    detail: str


class Dimension(BaseModel):
    key: str
    label: str
    weight: int
    score: float
    evidence: list[EvidenceItem] = Field(default_factory=list)
    how: str = ""
    note: str = ""


class Score(BaseModel):
    total: float
    dimensions: list[Dimension]


class SlotView(BaseModel):
    present: bool
    evidence: Optional[str] = None


class QuestionView(BaseModel):
    slot: str
    text: str


class BulletReview(BaseModel):
    location: str
    bullet: str
    role: Optional[int] = Field(default=None, description="index into roles")
    slots: dict[str, SlotView] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list)
    closed_loop: bool = False
    data_metrics: list[str] = Field(default_factory=list)
    model_metrics: list[str] = Field(default_factory=list)
    scale: list[str] = Field(default_factory=list)
    style: list[str] = Field(default_factory=list)
    questions: list[QuestionView] = Field(default_factory=list)
    error: Optional[str] = None


class RoleReview(BaseModel):
    heading: str
    section: str
    rank: Optional[str] = Field(default=None, description='"most recent", "previous", or null')
    bullets: list[str]
    closed_loops: list[str] = Field(default_factory=list)
    scale: list[str] = Field(default_factory=list)
    expected: Optional[dict[str, int]] = None
    ok: Optional[bool] = None
    message: str = ""


class Check(BaseModel):
    key: str
    ok: bool
    message: str
    locations: list[str] = Field(default_factory=list)


class Fix(BaseModel):
    location: str
    why: str
    question: str
    slot: Optional[str] = None
    gain: float = 0.0


class DimensionChange(BaseModel):
    key: str
    label: str
    before: float
    after: float


class BeforeAfter(BaseModel):
    source: str  # what "after" was read from
    total_before: float
    total_after: float
    dimensions: list[DimensionChange]


class Review(BaseModel):
    """A whole resume against the guide's rubric. ``to_dict()`` is the ``review --json`` shape."""

    file: str
    format: str
    engine: str
    model: Optional[str] = None
    role: str
    score: Score
    roles: list[RoleReview]
    bullets: list[BulletReview]
    checks: list[Check]
    fixes: list[Fix]
    before_after: Optional[BeforeAfter] = None
    notes: list[str] = Field(default_factory=list)
    estimate_note: str = HONESTY

    @property
    def failed(self) -> list[BulletReview]:
        """The bullets whose analysis failed: they count in no dimension."""
        return [b for b in self.bullets if b.error]

    @property
    def total(self) -> float:
        return self.score.total

    def check(self, key: str) -> Check:
        return next(c for c in self.checks if c.key == key)

    def to_dict(self) -> dict[str, Any]:
        """The ``bulletsmith review --json`` shape (README, "Where does the whole resume stand?"): file, engine, score {total, dimensions
        [{key, weight, score, evidence}]}, roles, bullets [{location, bullet, slots, …}], checks
        [{key, ok, message}], fixes [{location, why, question}], plus what else the report shows."""
        return self.model_dump(mode="json")

    def summary(self, *, width: int = 100) -> str:
        """A short plain-text summary for a terminal."""
        lines = [f"{self.file}: {self.total:.0f}/100 on the guide's rubric (an estimate, not any company's tool)"]
        if self.bullets and len(self.failed) == len(self.bullets):
            # 0/100 would read as a verdict on the resume; it is the engine that gave nothing usable
            lines = [f"{self.file}: no score: none of the {len(self.bullets)} bullets could be analyzed"]
        for d in self.score.dimensions:
            change = ""
            if self.before_after:
                after = next(x.after for x in self.before_after.dimensions if x.key == d.key)
                change = f"  -> {after:.0f} after"
            lines.append(f"  {d.label:<26} {d.score:>3.0f}  x{d.weight}%{change}")
        if self.before_after:
            lines.append(f"  after ({self.before_after.source}): {self.before_after.total_after:.0f}/100")
        for c in self.checks:
            lines.append(f"  {'ok  ' if c.ok else 'FAIL'} {c.key}: {_clip(c.message, width - 10)}")
        if self.fixes:
            lines.append("Top fixes:")
            for f in self.fixes:
                lines.append(f"  {f.location}: {_clip(f.question, width - len(f.location) - 4)}")
        if self.failed:
            lines.append(
                f"{len(self.failed)} bullet(s) could not be analyzed and count in no dimension: "
                + ", ".join(b.location for b in self.failed)
            )
        return "\n".join(lines)

    def html(self, *, standalone: bool = True) -> str:
        """The report as HTML: a whole self-contained page, or (standalone=False) the body alone."""
        template = _environment().get_template("report.html.j2")
        return template.render(r=self, chart=_chart(self), standalone=standalone, slots=_SLOTS)

    def _repr_html_(self) -> str:
        return self.html(standalone=False)


_SLOTS = [
    ("problem", "Problem"),
    ("action", "Action"),
    ("data_outcome", "Data outcome"),
    ("model_impact", "Model impact"),
]


def _clip(text: str, width: int) -> str:
    width = max(20, width)
    return text if len(text) <= width else text[: width - 1] + "…"


@functools.cache
def _environment():  # noqa: ANN202 - a jinja2 Environment, imported only when a report is drawn
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("bulletsmith.review", "templates"),
        autoescape=True,  # every resume text is escaped: a bullet can hold <script>
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _chart(review: Review) -> dict[str, Any]:
    """Geometry of the SVG bar chart: one bar per dimension plus the total, 0–100."""
    rows = [("Total", review.total, None)] + [(d.label, d.score, d.weight) for d in review.score.dimensions]
    after: dict[str, float] = {}
    if review.before_after:
        after = {x.label: x.after for x in review.before_after.dimensions}
        after["Total"] = review.before_after.total_after
    bar_x, bar_w, row_h = 4, 340, 46
    bars = []
    for i, (label, value, weight) in enumerate(rows):
        y = 10 + i * row_h
        bars.append(
            {
                "label": label,
                "weight": weight,
                "value": value,
                "y": y,
                "width": round(bar_w * max(0.0, min(100.0, value)) / 100, 1),
                "after": round(bar_w * max(0.0, min(100.0, after[label])) / 100, 1) if label in after else None,
                "after_value": after.get(label),
            }
        )
    # Labels sit above their bars, so the chart stays readable when a phone scales it down.
    return {"bars": bars, "x": bar_x, "w": bar_w, "h": 24 + len(rows) * row_h, "ticks": [0, 25, 50, 75, 100]}

"""What a posting asks for and which bullets show it: the types `review --job`, `rewrite --job`
and `Assistant.requirements` hand out."""

from __future__ import annotations

from pydantic import BaseModel, Field

SKILLS_ONLY = "listed in Skills, shown in no bullet"
STRUCTURE = "the posting's sections and lists"


class Requirement(BaseModel):
    """One thing a posting asks for, in its words, and the bullets that already show it."""

    text: str = Field(description="the requirement in the posting's words: 'Airflow', 'data quality tests'")
    kind: str = Field(description="tool, method, skill, duty or domain")
    required: bool = Field(description="False when the posting calls it a plus (nice to have, preferred, bonus)")
    covered_by: list[str] = Field(default_factory=list, description="locations of the bullets that show it")
    note: str | None = Field(default=None, description="e.g. 'listed in Skills, shown in no bullet'")
    context: str = Field(default="", description="the posting's line that asks for it")
    by_meaning: dict[str, str] = Field(
        default_factory=dict,
        description="location -> the bullet's words that show it in other words (a model's reading, openai engine)",
    )

    def to_dict(self) -> dict:
        out: dict = {
            "text": self.text,
            "kind": self.kind,
            "required": self.required,
            "covered_by": list(self.covered_by),
        }
        if self.by_meaning:
            out["by_meaning"] = dict(self.by_meaning)
        if self.note:
            out["note"] = self.note
        return out


class JobQuestion(BaseModel):
    """A question about one uncovered requirement, for one bullet (location "resume": none fits)."""

    requirement: str
    location: str
    bullet: str
    text: str


class JobCoverage(BaseModel):
    """What a posting asks for and which bullets of one resume show it: what `review --job` prints."""

    title: str = ""
    requirements: list[Requirement] = Field(default_factory=list)
    questions: list[JobQuestion] = Field(default_factory=list)
    source: str = STRUCTURE  # who read the requirements: the posting's structure, or a model
    note: str | None = None  # e.g. the model's answer failed and the structure was read instead

    def to_dict(self) -> dict:
        out: dict = {
            "title": self.title,
            "requirements": [r.to_dict() for r in self.requirements],
            "source": self.source,
        }
        if self.note:
            out["note"] = self.note
        return out

    @property
    def uncovered(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.covered_by]

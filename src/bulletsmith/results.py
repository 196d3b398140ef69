"""Many results at once, as a notebook shows them: lists that render as one table.

    analyses = a.analyze_many(doc.bullets)   # Analyses: a list of Analysis
    analyses                                  # in Jupyter: one table, a row per bullet
    analyses.to_pandas()                      # one row per bullet, typed columns
    rewrites = a.rewrite_many(analyses, answers)

Both stay plain lists (indexing, len, iteration, ``==`` with a list, pickling), so code written
for ``list[Analysis]`` keeps working; a slice keeps the type. They also remember where each
bullet came from (``locations``, when the bullets were read from a file) so a row can say so.
Every text from the person or the model is escaped: a bullet holding ``<script>`` or a ``|``
shows as those characters and can't break the table.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, SupportsIndex, TypeVar, overload

from bulletsmith.frames import analysis_columns, analysis_dtypes, lines, to_frame
from bulletsmith.models import Analysis, Rewrite, Slot
from bulletsmith.text import md_escape

if TYPE_CHECKING:
    import pandas

__all__ = ["Analyses", "Rewrites"]

T = TypeVar("T")

# Jupyter's stylesheets right-align table cells and center headers; bullets read left to right.
_CELL = "text-align:left;vertical-align:top;padding:2px 8px;border-bottom:1px solid rgba(128,128,128,0.3)"
_MISSING = "color:#b3261e;font-weight:600"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


class _Results(list[T]):
    """A list that also knows each item's location in a file (None when it came as plain text)."""

    locations: list[str | None]

    def __init__(self, items: Iterable[T] = (), *, locations: Sequence[str | None] | None = None) -> None:
        super().__init__(items)
        if locations is None:
            self.locations = [None] * len(self)
        else:
            self.locations = list(locations)
            if len(self.locations) != len(self):
                raise ValueError(f"{len(self.locations)} locations for {len(self)} results")

    def _location(self, i: int) -> str | None:
        return self.locations[i] if i < len(self.locations) else None

    def _has_locations(self) -> bool:
        return any(self._location(i) for i in range(len(self)))

    def _sliced(self, index: slice) -> dict[str, Any]:
        return {"locations": [self._location(i) for i in range(len(self))][index]}

    @overload
    def __getitem__(self, index: SupportsIndex) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Any: ...
    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        if isinstance(index, slice):  # analyses[:5] is still a table in a notebook
            return type(self)(super().__getitem__(index), **self._sliced(index))
        return super().__getitem__(index)

    def __str__(self) -> str:
        return self._repr_markdown_()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's text display (a terminal, a console): the Markdown table, not every field."""
        printer.text(str(self))

    def _repr_markdown_(self) -> str:  # pragma: no cover - each subclass has its own
        raise NotImplementedError


class Analyses(_Results[Analysis]):
    """The analyses of many bullets, in input order: a ``list[Analysis]`` that renders as one table."""

    def to_pandas(self) -> pandas.DataFrame:
        """One row per bullet: location, bullet, per slot a boolean and its evidence, n_missing,
        questions (one a line), ok, failure. Needs pandas (``pip install 'bulletsmith[notebook]'``)."""
        columns = {"location": "string", "bullet": "string", **analysis_dtypes()}
        rows = [
            {"location": self._location(i), "bullet": an.bullet, **analysis_columns(an)} for i, an in enumerate(self)
        ]
        return to_frame(rows, columns)

    def _summary(self) -> str:
        n = len(self)
        parts = [f"{sum(an.slots[s].present for an in self)}/{n} {s.label}" for s in Slot]
        failed = sum(not an.ok for an in self)
        return f"{n} bullet{'s' if n != 1 else ''}; slots present: {', '.join(parts)}" + (
            f"; {failed} failed their checks" if failed else ""
        )

    def _repr_html_(self) -> str:
        loc = self._has_locations()
        head = ["#", *(["location"] if loc else []), "bullet", *(s.label for s in Slot), "questions", "checks"]
        body = []
        for i, an in enumerate(self):
            cells = [str(i), *([_esc(self._location(i) or "")] if loc else []), _esc(an.bullet)]
            for slot in Slot:
                fill = an.slots[slot]
                if fill.present:
                    cells.append(f'<span title="{_esc(fill.evidence or "")}">✓</span>')
                else:
                    q = an.question_for(slot)
                    tip = f' title="{_esc(q.text)}"' if q else ""
                    cells.append(f'<span style="{_MISSING}"{tip}>missing</span>')
            cells.append("<br>".join(f"<i>{_esc(q.slot.label)}</i>: {_esc(q.text)}" for q in an.questions))
            cells.append("ok" if an.ok else f'<span style="{_MISSING}">✗ {_esc(an.failure)}</span>')
            body.append("<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in cells) + "</tr>")
        return _table(head, body, self._summary(), wide=(1 + loc, len(head) - 2))  # bullet, questions

    def _repr_markdown_(self) -> str:
        loc = self._has_locations()
        head = ["#", *(["location"] if loc else []), "bullet", *(s.label for s in Slot), "questions", "checks"]
        rows = [_md_row(head), _md_row(["---"] * len(head))]
        for i, an in enumerate(self):
            cells = [str(i), *([md_escape(self._location(i) or "")] if loc else []), md_escape(an.bullet)]
            cells += ["✓" if an.slots[s].present else "**missing**" for s in Slot]
            cells.append("<br>".join(f"*{q.slot.label}*: {md_escape(q.text)}" for q in an.questions))
            cells.append("ok" if an.ok else f"✗ {md_escape(an.failure)}")
            rows.append(_md_row(cells))
        return "\n".join([md_escape(self._summary()), "", *rows])


class Rewrites(_Results[Rewrite]):
    """The rewrites of many bullets, in input order: a ``list[Rewrite]`` that renders as one table.

    ``analyses`` holds the analyses they were made from (by ``Assistant.rewrite_many``), so a row
    of ``to_pandas()`` has the slots and questions beside the answers and the rewrite."""

    analyses: list[Analysis] | None

    def __init__(
        self,
        items: Iterable[Rewrite] = (),
        *,
        locations: Sequence[str | None] | None = None,
        analyses: Sequence[Analysis] | None = None,
    ) -> None:
        super().__init__(items, locations=locations)
        self.analyses = list(analyses) if analyses is not None and len(analyses) == len(self) else None

    def _sliced(self, index: slice) -> dict[str, Any]:
        return {**super()._sliced(index), "analyses": self.analyses[index] if self.analyses else None}

    def to_pandas(self) -> pandas.DataFrame:
        """One row per bullet: location, bullet, the analysis's columns (when known: per slot a
        boolean and its evidence, n_missing, questions, ok, failure), answers (the usable ones, one
        a line), rewrite, changed, rewrite_ok, warnings (one a line). Needs pandas."""
        analyses = self.analyses if getattr(self, "analyses", None) else None
        columns = {"location": "string", "bullet": "string", **(analysis_dtypes() if analyses else {})}
        columns.update(
            {"answers": "string", "rewrite": "string", "changed": "bool", "rewrite_ok": "bool", "warnings": "string"}
        )
        rows = []
        for i, rw in enumerate(self):
            row: dict[str, object] = {"location": self._location(i), "bullet": rw.original}
            if analyses:
                row.update(analysis_columns(analyses[i]))
            row.update(
                answers=lines([f"{a.slot.label}: {a.text}" for a in rw.answers if a.usable]),
                rewrite=rw.text,
                changed=rw.changed,
                rewrite_ok=rw.ok,
                warnings=lines(rw.warnings),
            )
            rows.append(row)
        return to_frame(rows, columns)

    def _summary(self) -> str:
        n = len(self)
        changed = sum(rw.changed for rw in self)
        rejected = sum(not rw.ok for rw in self)
        return f"{n} bullet{'s' if n != 1 else ''}; {changed} rewritten" + (
            f"; {rejected} refused by the checks (kept as written)" if rejected else ""
        )

    def _repr_html_(self) -> str:
        loc = self._has_locations()
        head = ["#", *(["location"] if loc else []), "before", "after", "answers used", "checks"]
        body = []
        for i, rw in enumerate(self):
            after = _esc(rw.text) if rw.changed else '<span style="opacity:0.6">(unchanged)</span>'
            checks = "ok" if rw.ok else f'<span style="{_MISSING}">✗ refused</span>'
            if rw.warnings:
                checks += "<br>" + "<br>".join(_esc(w) for w in rw.warnings)
            cells = [
                str(i),
                *([_esc(self._location(i) or "")] if loc else []),
                _esc(rw.original),
                after,
                "<br>".join(f"<i>{_esc(a.slot.label)}</i>: {_esc(a.text)}" for a in rw.answers if a.usable),
                checks,
            ]
            body.append("<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in cells) + "</tr>")
        return _table(head, body, self._summary(), wide=(1 + loc, 2 + loc))

    def _repr_markdown_(self) -> str:
        loc = self._has_locations()
        head = ["#", *(["location"] if loc else []), "before", "after", "answers used", "checks"]
        rows = [_md_row(head), _md_row(["---"] * len(head))]
        for i, rw in enumerate(self):
            checks = "ok" if rw.ok else "✗ refused"
            if rw.warnings:
                checks += "<br>" + "<br>".join(md_escape(w) for w in rw.warnings)
            cells = [
                str(i),
                *([md_escape(self._location(i) or "")] if loc else []),
                md_escape(rw.original),
                md_escape(rw.text) if rw.changed else "(unchanged)",
                "<br>".join(f"*{a.slot.label}*: {md_escape(a.text)}" for a in rw.answers if a.usable),
                checks,
            ]
            rows.append(_md_row(cells))
        return "\n".join([md_escape(self._summary()), "", *rows])


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(head: Sequence[str], body: Sequence[str], summary: str, *, wide: Sequence[int]) -> str:
    # The bullet columns get room to wrap; the rest stay as narrow as their contents.
    ths = "".join(
        f'<th style="{_CELL}{";min-width:20em" if i in wide else ""}">{_esc(h)}</th>' for i, h in enumerate(head)
    )
    return (
        f'<div><p style="margin:0 0 4px 0">{_esc(summary)}</p>'
        f'<table style="border-collapse:collapse"><thead><tr>{ths}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )

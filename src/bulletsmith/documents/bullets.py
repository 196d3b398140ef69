"""A document's bullets as a notebook shows them: a list, a table, a DataFrame."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas

    from bulletsmith.documents.base import Bullet


class Bullets(list["Bullet"]):
    """``Document.bullets``: a plain ``list[Bullet]`` that also renders as a table in Jupyter and
    gives ``to_pandas()`` (columns location, bullet; needs ``pip install 'bulletsmith[notebook]'``)."""

    def to_pandas(self) -> pandas.DataFrame:
        from bulletsmith.frames import to_frame

        return to_frame(
            ({"location": b.location, "bullet": b.text} for b in self), {"location": "string", "bullet": "string"}
        )

    def _repr_html_(self) -> str:
        cell = "text-align:left;vertical-align:top;padding:2px 8px"
        rows = "".join(
            f'<tr><td style="{cell}">{html.escape(b.location)}</td><td style="{cell}">{html.escape(b.text)}</td></tr>'
            for b in self
        )
        return (
            f'<table style="border-collapse:collapse"><thead><tr><th style="{cell}">location</th>'
            f'<th style="{cell}">bullet</th></tr></thead><tbody>{rows}</tbody></table>'
        )

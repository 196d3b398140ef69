"""Results as pandas DataFrames: one helper that every result list uses (and a review can).

    from bulletsmith.frames import to_frame
    to_frame([{"bullet": "Built…", "action": True}], {"bullet": "string", "action": "bool"})

pandas is an optional extra (``pip install 'bulletsmith[notebook]'``): it is imported only when a
frame is asked for, and its absence is one line (`MissingExtra`) naming that extra.

The column dtypes are pandas' nullable ones, so a missing value is ``<NA>`` rather than a
mixed-type object column: "string" (evidence, questions, warnings; ``None`` -> ``<NA>``), "bool"
(whether a slot is present), "Int64" / "int64" (counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bulletsmith.errors import BulletsmithError

if TYPE_CHECKING:
    import pandas

    from bulletsmith.models import Analysis

__all__ = ["EXTRA", "MissingExtra", "analysis_columns", "analysis_dtypes", "lines", "require_pandas", "to_frame"]

EXTRA = "bulletsmith[notebook]"


class MissingExtra(BulletsmithError, ImportError):
    """An optional dependency is not installed; the message is one line naming the extra."""


def require_pandas() -> Any:
    """The pandas module, or MissingExtra (one line) when it is not installed."""
    try:
        import pandas
    except ImportError:  # also `sys.modules["pandas"] = None`, which is how a test hides it
        raise MissingExtra(f"to_pandas() needs pandas, which is not installed: pip install '{EXTRA}'") from None
    return pandas


def to_frame(rows: Iterable[Mapping[str, object]], columns: Mapping[str, str]) -> pandas.DataFrame:
    """A DataFrame with exactly `columns` (name -> pandas dtype), in that order, one row per mapping.

    A row without a column gets ``None`` there (``<NA>`` in a nullable column)."""
    pd = require_pandas()
    rows = list(rows)
    data = {name: pd.array([row.get(name) for row in rows], dtype=dtype) for name, dtype in columns.items()}
    return pd.DataFrame(data, columns=list(columns))


def lines(items: Sequence[object]) -> str | None:
    """Several texts in one cell, one a line; None (``<NA>``) when there are none."""
    return "\n".join(str(i) for i in items) or None


def analysis_dtypes() -> dict[str, str]:
    """The columns `analysis_columns` fills, with their dtypes."""
    from bulletsmith.models import Slot

    cols: dict[str, str] = {}
    for slot in Slot:
        cols[slot.value] = "bool"
    for slot in Slot:
        cols[f"{slot.value}_evidence"] = "string"
    cols.update({"n_missing": "int64", "questions": "string", "ok": "bool", "failure": "string"})
    return cols


def analysis_columns(analysis: Analysis) -> dict[str, object]:
    """One bullet's analysis as flat columns: per slot a boolean (``data_outcome``) and its evidence
    (``data_outcome_evidence``, None when missing); the number of missing slots, the questions
    (``"data outcome: How many…"``, one a line), ``ok`` and the first failure of its checks."""
    row: dict[str, object] = {}
    for slot, fill in analysis.slots.items():
        row[slot.value] = fill.present
        row[f"{slot.value}_evidence"] = fill.evidence if fill.present else None
    row["n_missing"] = len(analysis.missing)
    row["questions"] = lines([f"{q.slot.label}: {q.text}" for q in analysis.questions])
    row["ok"] = analysis.ok
    row["failure"] = analysis.failure
    return row

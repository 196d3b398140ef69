"""What the quantity tests read a text into: found(text) lists, one(text) the only quantity."""

from __future__ import annotations

from bulletsmith.quantities import Quantity, extract_quantities


def found(text: str) -> list[tuple[str, str, float]]:
    """(raw, kind, value) for each quantity, rounded so float noise never decides a test."""
    return [(q.raw, q.kind, round(q.value, 9)) for q in extract_quantities(text)]


def one(text: str) -> Quantity:
    qs = extract_quantities(text)
    assert len(qs) == 1, f"expected one quantity in {text!r}, got {qs}"
    return qs[0]

"""Text from a file, made safe to print: control characters shown, never sent to the terminal.

A bullet may hold `ESC ]0;…BEL` (sets the window title), `ESC [2J` (clears the screen), an
OSC 8 hyperlink, or a bidi override that makes a line read differently from what it holds.
Everything the CLI prints that comes from a file goes through `visible` (plain output),
`Text` (rich output) or `json_text` (--json); the files written keep the text as it was.
"""

from __future__ import annotations

import json
import re
from typing import Any

import typer
from rich.text import Text as _RichText

# C0 controls (tab and newline kept where a caller allows), DEL, C1 controls; then the bidi
# controls (embeddings, overrides, isolates, marks), the line and paragraph separators, and
# the BOM / zero-width no-break space, which terminals draw as nothing.
_C0_C1 = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_FORMAT = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff"
_UNSAFE = re.compile(f"[{_C0_C1}{_FORMAT}\t\n]")
_UNSAFE_KEEP_LINES = re.compile(f"[{_C0_C1}{_FORMAT}]")
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_FORMAT}]")  # json.dumps escapes C0 itself


def _shown(m: re.Match[str]) -> str:
    c = m.group()
    if c == "\t":
        return " "
    if c == "\n":
        return " "
    return f"\\x{ord(c):02x}" if ord(c) < 0xA0 else f"<U+{ord(c):04X}>"


def visible(text: str, *, lines: bool = False) -> str:
    """`text` with every control, bidi and invisible format character shown as `\\x1b` or
    `<U+202E>`; a tab or newline becomes a space unless `lines` keeps them (a block of lines)."""
    if lines:
        return _UNSAFE_KEEP_LINES.sub(_shown, text)
    return _UNSAFE.sub(_shown, text)


def echo(message: Any = "", **kwargs: Any) -> None:
    """typer.echo, with what it prints made visible (its lines kept)."""
    typer.echo(visible(str(message), lines=True), **kwargs)


def json_text(value: Any) -> str:
    """JSON for --json: the text intact (json.loads gives it back exactly), with C1 controls and
    bidi characters written as \\u escapes so that printing the JSON can't act on a terminal."""
    raw = json.dumps(value, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)


class Text(_RichText):
    """rich's Text, its text made visible (rich passes ESC and most other controls through)."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(visible(text, lines=True), *args, **kwargs)

    def append(self, text: Any, style: Any = None) -> _RichText:
        if isinstance(text, str):
            text = visible(text, lines=True)
        return super().append(text, style)

"""JSON Resume (jsonresume.org): the bullets are ``work[].highlights``, ``projects[].highlights`` and
``volunteer[].highlights``. "summary" fields are prose, not bullets.

Those paths must have the schema's types (a missing or ``null`` one is fine): a section is a list
of objects, ``highlights`` a list of strings. Anything else is a one-line error naming the path,
``work[0].highlights: expected a list of strings, found a string``, never "no bullets found".

Writing back replaces each changed string token in place, so key order, indentation and
Prettier's inline short arrays stay exactly as they were (``json.dump`` would reformat the file).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bulletsmith.documents.base import (
    Bullet,
    DocumentError,
    Span,
    SpanDocument,
    decode_text,
    error,
    no_markup,
    normalize_space,
)
from bulletsmith.documents.filters import is_achievement

SECTIONS = ("work", "projects", "volunteer")
_KNOWN_KEYS = {"basics", "work", "volunteer", "education", "awards", "certificates", "publications",
               "skills", "languages", "interests", "references", "projects", "meta"}  # fmt: skip


class JsonResumeDocument(SpanDocument):
    format = "jsonresume"


class _Locator:
    """A JSON scanner that records where each string value sits. It runs after ``json.loads`` accepted
    the text, so it can assume valid JSON."""

    _WS = re.compile(r"[ \t\n\r]*")
    _STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
    _SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity")

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: dict[tuple, tuple[int, int]] = {}

    def run(self) -> dict[tuple, tuple[int, int]]:
        pos = self._ws(0)
        self._value(pos, ())
        return self.spans

    def _match(self, pattern: re.Pattern[str], pos: int) -> re.Match[str]:
        m = pattern.match(self.text, pos)
        assert m is not None, "json.loads accepted the text, so the token is there"
        return m

    def _ws(self, pos: int) -> int:
        return self._match(self._WS, pos).end()

    def _value(self, pos: int, path: tuple) -> int:
        c = self.text[pos]
        if c == "{":
            pos = self._ws(pos + 1)
            if self.text[pos] == "}":
                return pos + 1
            while True:
                m = self._match(self._STRING, pos)
                key = json.loads(m.group())
                pos = self._ws(m.end())
                pos = self._ws(pos + 1)  # the colon
                pos = self._ws(self._value(pos, (*path, key)))
                if self.text[pos] == "}":
                    return pos + 1
                pos = self._ws(pos + 1)  # the comma
        if c == "[":
            pos = self._ws(pos + 1)
            if self.text[pos] == "]":
                return pos + 1
            index = 0
            while True:
                pos = self._ws(self._value(pos, (*path, index)))
                index += 1
                if self.text[pos] == "]":
                    return pos + 1
                pos = self._ws(pos + 1)
        if c == '"':
            m = self._match(self._STRING, pos)
            self.spans[path] = (m.start(), m.end())  # a repeated key: the last one wins, as in json.loads
            return m.end()
        return self._match(self._SCALAR, pos).end()


def _json_type(value: object) -> str:
    """How JSON names the type of a value: "a string", "a number", "an object", "null"…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads keeps the last of two equal keys: two `work` sections lost the first silently."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen.add(key)
    return dict(pairs)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(value: Any) -> str | None:
    """Where the first key or string holding a lone surrogate is (json.loads joins a valid pair
    into one character, so any left is alone), as `work[0].highlights[1]`; None when none is."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return where or "the top level"
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                name = f"{where}.{key}" if where else str(key)
                if _SURROGATE.search(key):
                    return f"the key {name.encode('utf-8', 'backslashreplace').decode()}"
                stack.append((child, name))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in reversed(list(enumerate(item))))
    return None


def _location(path: tuple) -> str:
    section, i, key, j = path
    return f"{section}[{i}].{key}[{j}]"


def parse_jsonresume(path: Path, data: bytes) -> JsonResumeDocument:
    text, bom = decode_text(path, data)
    if not text.strip():
        raise error(path, "is empty")
    try:
        resume: Any = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as e:
        raise error(path, f"is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    except RecursionError:
        raise error(path, "is not valid JSON (nested too deeply)") from None
    except _DuplicateKey as e:
        raise error(
            path, f"the key {e.key!r} appears twice in one object; JSON keeps only the last one, so merge the two"
        ) from None
    where = _lone_surrogate(resume)
    if where is not None:  # "\ud800" alone decodes to no character: it can't be printed or written
        raise error(
            path, f"{where}: holds a lone surrogate escape (\\ud800-\\udfff), which is no character; fix or remove it"
        )
    if not isinstance(resume, dict) or not (set(resume) & _KNOWN_KEYS):
        raise error(path, "is JSON but not a JSON Resume (expected keys such as basics, work, projects)")
    try:
        spans_by_path = _Locator(text).run()
    except RecursionError:
        raise error(path, "is nested too deeply to be a resume") from None
    ascii_only = text.isascii() and "\\u" in text  # the file escapes non-ASCII characters: keep doing so

    def fmt(new: str) -> str:
        return json.dumps(new, ensure_ascii=ascii_only)

    def wrong_type(where: str, expected: str, value: object) -> DocumentError:
        return error(path, f"{where}: expected {expected}, found {_json_type(value)}")

    bullets: list[Bullet] = []
    spans: list[Span] = []
    for section in SECTIONS:
        entries = resume.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise wrong_type(section, "a list of entries", entries)
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise wrong_type(f"{section}[{i}]", "an object", entry)
            highlights = entry.get("highlights")
            if highlights is None:
                continue
            if not isinstance(highlights, list):
                raise wrong_type(f"{section}[{i}].highlights", "a list of strings", highlights)
            for j, item in enumerate(highlights):
                if not isinstance(item, str):
                    raise wrong_type(f"{section}[{i}].highlights[{j}]", "a string", item)
                plain = normalize_space(item)
                key = (section, i, "highlights", j)
                if key in spans_by_path and is_achievement(plain):
                    start, end = spans_by_path[key]
                    bullets.append(Bullet(plain, _location(key)))
                    spans.append(Span(start, end, no_markup(fmt)))
    return JsonResumeDocument(path, bullets, text, bom, spans)

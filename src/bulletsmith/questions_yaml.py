"""The questions file's YAML, read as the person typed it and written so that it reads back the same.

People type answers into the file in an editor, without thinking of YAML. Four things YAML does
to such text are caught here rather than let through:

* ` #` starts a comment: `answer: ranked #1 of 12` would read as "ranked". The parser drops
  comments, but its marks say where each value ends: anything after a text value on its line
  other than spaces is a comment, and the file is refused with the line and the quoted answer
  to write instead (a YAML comment is never taken for part of an answer, nor silently dropped).
* `: ` inside an answer, or an answer that starts with a quote and goes on after it, is a
  syntax error: the message names the line and shows the answer quoted.
* Inside "…" a backslash is an escape (`"C:\\temp"` holds a tab): refused, with the answer shown
  in single quotes, which keep every character.
* `&anchor` / `*alias` are refused: a few KB of aliases expand to gigabytes (issue 24). An answer
  that starts with `*` or `&` is told to be quoted.

Plain scalars stay the text that was typed (`3.10`, `no`, `2021-03-01` are strings). The writer
puts every text in double quotes where that needs no escape (an empty answer is `""`), so that
typing inside the quotes (even `it's`, `#1`, `a: b`) reads back as typed.
"""

from __future__ import annotations

import json
import re
import unicodedata

import yaml

from bulletsmith.errors import InputError

# The fields whose values are text a person may type or edit (not `slot`, a fixed word).
TEXT_KEYS = frozenset({"resume", "location", "bullet", "rewritten", "question", "answer"})


class TypedTextError(InputError):
    """A questions file whose text can't be read as typed; the message is one line, without the path."""


def quoted(text: str) -> str:
    """`text` as a YAML scalar that reads back exactly: "…" when that needs no escape, else '…'."""
    if '"' not in text and "\\" not in text and "\n" not in text:
        return json.dumps(text, ensure_ascii=False)
    return "'" + text.replace("'", "''") + "'"


class _Refusal(yaml.MarkedYAMLError):
    pass


class TextLoader(yaml.SafeLoader):
    """SafeLoader, except that a plain scalar stays the text that was typed: `3`, `0.84`, `3.10`,
    `no`, `2021-03-01` are strings, not numbers, booleans or dates. Only an empty value (`~`, `null`,
    nothing) is None, read as an empty answer. Anchors and aliases are refused before any is
    expanded."""

    def compose_node(self, parent, index):  # noqa: ANN001, ANN201
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refusal(
                problem="YAML anchors and aliases (&name, *name) are not allowed here", problem_mark=event.start_mark
            )
        return super().compose_node(parent, index)


TextLoader.yaml_implicit_resolvers = {
    first: kept
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    if (kept := [(tag, rx) for tag, rx in resolvers if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")])
}


# libyaml, when PyYAML was built with it: twice as fast as the pure-Python parser.
_CBase = getattr(yaml, "CSafeLoader", None)
if _CBase is not None:

    class _CTextLoader(_CBase):  # type: ignore[misc,valid-type]
        """TextLoader's reading, parsed by libyaml (its composer can't be hooked: aliases are
        looked for in a first pass over the events, before anything is composed)."""

    _CTextLoader.yaml_implicit_resolvers = TextLoader.yaml_implicit_resolvers


def _refuse_anchors(text: str) -> None:
    events = _CTextLoader(text)
    try:
        while events.check_event():
            event = events.get_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _Refusal(
                    problem="YAML anchors and aliases (&name, *name) are not allowed here",
                    problem_mark=event.start_mark,
                )
    finally:
        events.dispose()


def load_typed(text: str) -> object:
    """The YAML text's data, every answer as typed; TypedTextError (one line) when that can't be."""
    loader = None
    try:
        if _CBase is not None:
            _refuse_anchors(text)
            loader = _CTextLoader(text)
        else:
            loader = TextLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        _check_typed(node, text)
        return loader.construct_document(node)
    except yaml.YAMLError as e:
        raise TypedTextError(_explain(e, text)) from None
    except RecursionError:  # a file nested thousands of levels deep
        raise TypedTextError("nested too deeply to be a questions file") from None
    finally:
        if loader is not None:
            loader.dispose()


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _check_typed(root: yaml.Node, text: str) -> None:
    """Refuse a text value followed on its line by a comment: the person typed it as part of the
    value (`answer: ranked #1 of 12`), and YAML would drop it."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(value)
                if not (
                    isinstance(key, yaml.ScalarNode) and key.value in TEXT_KEYS and isinstance(value, yaml.ScalarNode)
                ):
                    continue
                if value.style in ("|", ">"):  # a comment after a block indicator is outside the text
                    continue
                if value.style == '"' and key.value == "answer":  # the writer never writes an answer so
                    _check_no_escape(key.value, value, text)
                end = value.end_mark.index
                rest = text[end : _line_end(text, end)]
                if not rest.strip().startswith("#"):
                    continue
                start = value.start_mark.index if value.value or value.style else end
                typed = " ".join(text[start : _line_end(text, end)].split())
                raise _Refusal(
                    problem=f"the {key.value} would read as {json.dumps(value.value, ensure_ascii=False)}: "
                    f"YAML takes {json.dumps(rest.strip(), ensure_ascii=False)} as a comment and drops it. "
                    f"Put the {key.value} in quotes: {key.value}: {quoted(typed)}",
                    problem_mark=value.end_mark,
                )


_KEPT_ESCAPES = re.compile(r'\\[\\"]')


def _check_no_escape(key: str, value: yaml.ScalarNode, text: str) -> None:
    r"""Refuse a backslash inside "…" (other than \" and \\): YAML reads `"C:\temp"` as "C:", a tab
    and "emp", silently. Single quotes keep every character."""
    typed = text[value.start_mark.index + 1 : value.end_mark.index - 1]
    if "\\" not in _KEPT_ESCAPES.sub("", typed):
        return
    shown = "'" + " ".join(typed.split()).replace("'", "''") + "'"
    raise _Refusal(
        problem=f"the {key} holds a backslash inside double quotes, which YAML reads as an escape "
        f"(\\n is a line break) and changes. Use single quotes to keep it as typed: {key}: {shown}",
        problem_mark=value.start_mark,
    )


_KEY_LINE = re.compile(r"^\s*(?:-\s+)?(?P<key>[a-z_]+)\s*:\s?(?P<value>.*?)\s*$")


def _explain(e: yaml.YAMLError, text: str) -> str:
    """A parse error as one line: where, what, and the fix (the value quoted, when a text
    field's line is at fault)."""
    if isinstance(e, _Refusal):
        where = f"line {e.problem_mark.line + 1}: " if e.problem_mark else ""
        problem = e.problem
        if "anchors and aliases" in problem:
            problem += '; an answer that starts with * or & must be in quotes (answer: "*…")'
        return f"{where}{problem}; nothing was changed"
    marks = [m for m in (getattr(e, "problem_mark", None), getattr(e, "context_mark", None)) if m is not None]
    problem = getattr(e, "problem", None) or "parse error"
    lines = text.splitlines()
    for mark in marks:
        if mark.line >= len(lines):
            continue
        m = _KEY_LINE.match(lines[mark.line])
        if m and m.group("key") in TEXT_KEYS and m.group("value"):
            value = m.group("value")
            inner = value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"" else value
            key = m.group("key")
            return (
                f"line {mark.line + 1}: broken YAML ({problem}); if this is the {key} as you meant it, "
                f"put it in quotes: {key}: {quoted(inner.replace(chr(9), ' '))}; nothing was changed"
            )
    where = f"line {marks[0].line + 1}: " if marks else ""
    return (
        f"{where}broken YAML ({problem}); an answer holding ': ' or ' #', or starting with a quote, "
        '* or &, must be in quotes: answer: "…"; nothing was changed'
    )


class TextDumper(yaml.SafeDumper):
    """SafeDumper that writes each text value in double quotes when that needs no escape: the
    person types inside them, where #, colons and it's are safe (in '…' an apostrophe ends the
    text). A text holding a " or a backslash keeps YAML's own choice (plain or '…')."""


class _Text(str):
    """A text value (not a key), for TextDumper's quoting."""


# Characters that "…" would write as an escape (PyYAML writes these as \N, \L, \P, \uFEFF, \U…).
_ESCAPED_IN_DOUBLE = re.compile('["\\\\\x85\u2028\u2029\ufeff\U00010000-\U0010ffff]')


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if not value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", "", style='"')
    analysis = dumper.analyze_scalar(value)
    if analysis.allow_single_quoted and not analysis.multiline and not _ESCAPED_IN_DOUBLE.search(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')
    return yaml.SafeDumper.represent_str(dumper, str(value))


TextDumper.add_representer(_Text, _represent_text)


def _texts(data: object) -> object:
    if isinstance(data, dict):  # `slot:` is a fixed word, written plain
        return {k: v if k == "slot" else _texts(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_texts(v) for v in data]
    return _Text(data) if isinstance(data, str) else data


def writable_answer(answer: str) -> str:
    """The answer as written to the file: as typed, unless YAML could only write it with escapes
    (a tab, a control character, a line break beside a space), which the reader refuses in an
    answer (they look like a Windows path typed in quotes). Then line breaks, tabs and control
    characters become one space, never text."""
    if not answer or not _default_dump(answer).startswith('"'):
        return answer
    spaced = re.sub(r"\s+", " ", answer).strip()
    return "".join(ch for ch in spaced if ch.isprintable() or not unicodedata.category(ch).startswith("C"))


def _default_dump(value: str) -> str:
    return yaml.dump(value, Dumper=yaml.SafeDumper, allow_unicode=True, width=_ONE_LINE)


# Each value on one line: "…" folded at a width ends its lines in a backslash (an escape).
_ONE_LINE = 1_000_000


def dump_typed(data: object) -> str:
    return yaml.dump(
        _texts(data), Dumper=TextDumper, sort_keys=False, allow_unicode=True, width=_ONE_LINE, default_flow_style=False
    )

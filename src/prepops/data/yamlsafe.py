"""Safe YAML reading: size limit, strict UTF-8, no object construction, no alias bombs.

Dates are kept as text (the schema checks them): PyYAML would otherwise crash on an
impossible date such as 2026-02-30 before any rule could name the file and field.
The parser's node tree also gives the line each field is written on, so a problem can say
`file:line: field` (`read_yaml_lines`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from prepops.data.problems import Problem

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DuplicateKey(yaml.constructor.ConstructorError):
    pass


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader that leaves timestamps as strings and rejects duplicate keys."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise _DuplicateKey(None, None, f"duplicate key {key!r}", key_node.start_mark)
            if isinstance(key, str | int | float | bool):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}

# A hand-written file never needs more than this many nodes once aliases are expanded.
MAX_EXPANDED_NODES = 100_000


def expanded_size(obj: Any, _memo: dict[int, int] | None = None) -> int:
    """Node count with every alias expanded, computed without expanding (memoized by id)."""
    memo = {} if _memo is None else _memo
    key = id(obj)
    if key in memo:
        return memo[key]
    if isinstance(obj, dict):
        size = 1 + sum(expanded_size(k, memo) + expanded_size(v, memo) for k, v in obj.items())
    elif isinstance(obj, list):
        size = 1 + sum(expanded_size(v, memo) for v in obj)
    else:
        size = 1
    if isinstance(obj, dict | list):
        memo[key] = size
    return size


def _mark(exc: yaml.MarkedYAMLError):
    return exc.problem_mark or exc.context_mark


def _position(exc: yaml.MarkedYAMLError) -> str:
    mark = _mark(exc)
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _line(exc: yaml.MarkedYAMLError) -> int | None:
    mark = _mark(exc)
    return mark.line + 1 if mark else None


def load_text(text: str) -> Any:
    """Parse YAML text as workspace files are read: dates as text, no tags, each key once."""
    return yaml.load(text, Loader=_Loader)


# How deep field lines are recorded: questions[i].follow_ups[j].kind is five levels down.
_LINE_DEPTH = 6


def field_lines(node: yaml.Node | None) -> dict[str, int]:
    """1-based line of each field path in a node tree (`rubric.depth`, `questions[0].text`).

    Each node is visited once (an alias is not expanded again) and only to `_LINE_DEPTH`.
    """
    lines: dict[str, int] = {}
    seen: set[int] = set()
    todo: list[tuple[yaml.Node, str, int]] = [(node, "", 0)] if node is not None else []
    while todo:
        current, prefix, depth = todo.pop()
        if id(current) in seen or depth > _LINE_DEPTH:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            named = [(f"{prefix}{k.value}", k, v) for k, v in current.value]
        elif isinstance(current, yaml.SequenceNode):
            named = [(f"{prefix[:-1]}[{i}]", v, v) for i, v in enumerate(current.value)]
        else:
            continue
        for path, at, value in named:
            lines.setdefault(path, at.start_mark.line + 1)
            todo.append((value, path + ".", depth + 1))
    return lines


def _parse(text: str) -> tuple[Any, dict[str, int]]:
    """The document and its field lines, from one parse (the node tree is built anyway)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        doc = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return doc, field_lines(node)


def _text(path: Path, rel: str, max_bytes: int) -> tuple[str | None, list[Problem]]:
    """The file's text within the size limit and valid UTF-8, else the problem."""
    size = path.stat().st_size
    if size > max_bytes:
        rule = f"file is larger than the {max_bytes}-byte limit"
        return None, [Problem(rel, "(file)", rule, str(size))]
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        rule = f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        return None, [Problem(rel, "(file)", rule)]


def read_yaml(path: Path, rel: str, max_bytes: int) -> tuple[Any, list[Problem]]:
    """Return (document, problems). The document is None when a problem prevents reading."""
    doc, problems, _ = read_yaml_lines(path, rel, max_bytes)
    return doc, problems


def _unreadable(exc: Exception, rel: str) -> Problem:
    """The one problem of a file the parser refused."""
    if isinstance(exc, _DuplicateKey):
        return Problem(
            rel, "(file)", f"{exc.problem}{_position(exc)}: each key once", None, _line(exc)
        )
    if isinstance(exc, yaml.constructor.ConstructorError):
        found = re.search(r"'([^']+)'", exc.problem or "")
        tag = found.group(1).replace("tag:yaml.org,2002:", "!!") if found else "unknown"
        rule = f"unsupported YAML tag{_position(exc)}: only plain YAML is read, nothing is run"
        return Problem(rel, "(file)", rule, tag[:60], _line(exc))
    if isinstance(exc, yaml.MarkedYAMLError):
        rule = f"malformed YAML{_position(exc)}: {exc.problem or 'malformed YAML'}"
        return Problem(rel, "(file)", rule, None, _line(exc))
    if isinstance(exc, RecursionError):
        return Problem(rel, "(file)", "YAML nesting is too deep")
    return Problem(rel, "(file)", f"malformed YAML: {type(exc).__name__}")


def read_yaml_lines(
    path: Path, rel: str, max_bytes: int
) -> tuple[Any, list[Problem], dict[str, int]]:
    """Return (document, problems, line of each field path); the document is None when a
    problem prevents reading."""
    text, problems = _text(path, rel, max_bytes)
    if text is None:
        return None, problems, {}
    try:
        doc, lines = _parse(text)
    except (yaml.YAMLError, RecursionError) as exc:
        return None, [_unreadable(exc, rel)], {}
    problem = _shape(doc, rel)
    return (None, [problem], {}) if problem else (doc, [], lines)


def _shape(doc: Any, rel: str) -> Problem | None:
    """The problem of a parsed document that is not one reasonable mapping, else None."""
    if doc is None:
        return Problem(rel, "(file)", "file is empty: expected one YAML mapping")
    try:
        nodes = expanded_size(doc)
    except RecursionError:
        return Problem(rel, "(file)", "YAML nesting is too deep (recursive alias?)")
    if nodes > MAX_EXPANDED_NODES:
        rule = f"YAML aliases expand to more than {MAX_EXPANDED_NODES} nodes (alias bomb?)"
        return Problem(rel, "(file)", rule)
    if not isinstance(doc, dict):
        kind = "a list" if isinstance(doc, list) else type(doc).__name__
        return Problem(rel, "(file)", f"file must be one YAML mapping, not {kind}")
    return None

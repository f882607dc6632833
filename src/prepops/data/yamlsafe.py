"""Safe YAML reading: size limit, strict UTF-8, no object construction, no alias bombs.

Dates are kept as text (the schema checks them): PyYAML would otherwise crash on an
impossible date such as 2026-02-30 before any rule could name the file and field.
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


def _position(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def read_yaml(path: Path, rel: str, max_bytes: int) -> tuple[Any, list[Problem]]:
    """Return (document, problems). The document is None when a problem prevents reading."""
    size = path.stat().st_size
    if size > max_bytes:
        return None, [
            Problem(rel, "(file)", f"file is larger than the {max_bytes}-byte limit", str(size))
        ]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        rule = f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        return None, [Problem(rel, "(file)", rule)]
    try:
        doc = yaml.load(text, Loader=_Loader)
    except _DuplicateKey as exc:
        return None, [Problem(rel, "(file)", f"{exc.problem}{_position(exc)}: each key once")]
    except yaml.constructor.ConstructorError as exc:
        found = re.search(r"'([^']+)'", exc.problem or "")
        tag = found.group(1).replace("tag:yaml.org,2002:", "!!") if found else "unknown"
        rule = f"unsupported YAML tag{_position(exc)}: only plain YAML is read, nothing is run"
        return None, [Problem(rel, "(file)", rule, tag[:60])]
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or "malformed YAML"
        return None, [Problem(rel, "(file)", f"malformed YAML{_position(exc)}: {problem}")]
    except yaml.YAMLError as exc:
        return None, [Problem(rel, "(file)", f"malformed YAML: {type(exc).__name__}")]
    except RecursionError:
        return None, [Problem(rel, "(file)", "YAML nesting is too deep")]
    if doc is None:
        return None, [Problem(rel, "(file)", "file is empty: expected one YAML mapping")]
    try:
        nodes = expanded_size(doc)
    except RecursionError:
        return None, [Problem(rel, "(file)", "YAML nesting is too deep (recursive alias?)")]
    if nodes > MAX_EXPANDED_NODES:
        rule = f"YAML aliases expand to more than {MAX_EXPANDED_NODES} nodes (alias bomb?)"
        return None, [Problem(rel, "(file)", rule)]
    if not isinstance(doc, dict):
        kind = "a list" if isinstance(doc, list) else type(doc).__name__
        return None, [Problem(rel, "(file)", f"file must be one YAML mapping, not {kind}")]
    return doc, []

"""Where a field is written in a workspace file, found independently of prepops (PyYAML's
composer), so a test can expect the `<file>:<line>: <field>: <rule>` line exactly."""

from __future__ import annotations

import re
from pathlib import Path

import yaml


def field_line(path: Path, field: str) -> int | None:
    """The line of `field` (`questions[0].evidence[1]`), else of its nearest written parent."""
    node, line = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader), None
    for part in re.findall(r"\[\d+\]|[^.\[\]]+", field):
        if isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if k.value == part]
            if not found:
                break
            key, node = found[0]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and part.startswith("["):
            node = node.value[int(part[1:-1])]
            line = node.start_mark.line + 1
        else:
            break
    return line


def at_line(ws: Path, expected: str) -> str:
    """`expected` (`<file>: <field>: <rule>`) with the line its field is written on; a text
    that does not start with a workspace file is returned as it is."""
    parts = expected.split(": ", 2)
    if len(parts) < 3 or not (ws / parts[0]).is_file():
        return expected
    rel, field, rest = parts
    line = field_line(ws / rel, field)
    return expected if line is None else f"{rel}:{line}: {field}: {rest}"

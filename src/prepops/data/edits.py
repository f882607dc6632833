"""Change top-level fields of a hand-written YAML file in place, keeping every other byte.

`prepops outcome` and `prepops company` edit files a person wrote: their comments, order,
quoting and line wrapping stay as written. A single-line value is replaced where it stands
(the parser's marks give its exact span) and a new field is appended; only a layout that
cannot be edited that way (a flow-style file, a value over several lines) is re-dumped, by
ruamel.yaml's round-trip mode when it is installed (comments kept), and the caller is told.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from prepops.data.yamlsafe import load_text
from prepops.runtime.storage import write_text

Changes = dict[str, Any]


def _scalar(value: Any) -> str:
    """One value as YAML flow text (dates unquoted, text quoted only when it must be)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _plain(value: Any) -> Any:
    """What the file's loader reads the value back as (dates stay text in yamlsafe)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _in_place(text: str, changes: Changes) -> str | None:
    """`text` with the changes made line by line, or None when the layout does not allow it."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return None
    values = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    spans, added = [], []
    for key, value in changes.items():
        found = values.get(key)
        if found is None:
            added.append(key)
            continue
        if not isinstance(found, yaml.ScalarNode) or found.style not in (None, "'", '"'):
            return None  # a map, a list or a block scalar: not one value on one line
        if found.start_mark.line != found.end_mark.line:
            return None
        start, end = found.start_mark.index, found.end_mark.index
        spans.append((start, end, (" " if start == end else "") + _scalar(value)))
    for start, end, new in sorted(spans, reverse=True):  # from the end: indices stay valid
        text = text[:start] + new + text[end:]
    newline = "\r\n" if "\r\n" in text else "\n"
    if added:
        lines = "".join(f"{key}: {_scalar(changes[key])}{newline}" for key in added)
        text = (text if text.endswith("\n") or not text else text + newline) + lines
    return text


def _rewritten(text: str, changes: Changes) -> tuple[str, str]:
    """The whole file re-dumped with the changes, and what was lost doing so."""
    try:
        from ruamel.yaml import YAML  # installed with DVC; round-trip mode keeps comments
    except ImportError:  # pragma: no cover - DVC depends on it
        doc = yaml.load(text, Loader=yaml.SafeLoader) | changes
        note = "rewritten without its comments (ruamel.yaml is not installed)"
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), note
    import io

    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096
    doc = rt.load(text)
    for key, value in changes.items():
        doc[key] = value
    out = io.StringIO()
    rt.dump(doc, out)
    return out.getvalue(), "rewritten by ruamel.yaml (comments kept, line wrapping may change)"


def edit(text: str, changes: Changes) -> tuple[str, str | None]:
    """The new text of a file with `changes` to its top-level fields, and a note when the file
    had to be re-dumped rather than edited line by line."""
    new = _in_place(text, changes)
    before = load_text(text)
    expected = before | {k: _plain(v) for k, v in changes.items()}
    if new is not None and load_text(new) == expected:
        return new, None
    new, note = _rewritten(text, changes)
    if load_text(new) != expected:  # never write a file that reads back differently
        raise ValueError("the edited file would not read back as intended; edit it by hand")
    return new, note


def update(path: Path, changes: Changes) -> str | None:
    """Apply `changes` to a workspace file atomically; the note `edit` returned."""
    text = path.read_bytes().decode("utf-8-sig")
    new, note = edit(text, changes)
    write_text(path, new)
    return note


def create(path: Path, text: str) -> Path:
    """Write a new file atomically, never replacing one (FileExistsError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.link(tmp, path)  # atomic, and fails if `path` exists
    finally:
        os.unlink(tmp)
    return path

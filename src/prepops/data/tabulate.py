"""YAML documents -> flat rows for the pandera tables, with structural problems.

The schemas are the single source of field names: a key is known when the schema has a
column for it (nested maps as `map.key`). Shape problems (a list where a map belongs,
a map where a single value belongs, unknown keys) are reported here, since a table
cannot hold them; value rules are left to pandera.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from prepops.data.contract import SENSITIVE_FIELDS, normalize_tag
from prepops.data.problems import Problem, show
from prepops.data.schemas import KEYS, SCHEMAS

# Lists of maps that become their own table: (parent table, key) -> child table.
CHILDREN = {("rounds", "questions"): "questions", ("questions", "follow_ups"): "follow_ups"}


def _kinds(table: str) -> dict[str, str]:
    schema = SCHEMAS[table].to_schema()
    return {
        name: ("list" if str(col.dtype) == "object" else str(col.dtype))
        for name, col in schema.columns.items()
        if name not in KEYS
    }


KINDS = {table: _kinds(table) for table in SCHEMAS}
MAPS = {table: {c.split(".")[0] for c in kinds if "." in c} for table, kinds in KINDS.items()}
# the keys a nested map may hold, and the field names offered when a key is unknown
SUBKEYS = {
    table: {m: [c.split(".", 1)[1] for c in KINDS[table] if c.startswith(m + ".")] for m in maps}
    for table, maps in MAPS.items()
}
# text fields a comma can cut short (not enums, ids or dates): named in the comma-trap hint
_FREE_TEXT = {
    table: {
        name
        for name, col in SCHEMAS[table].to_schema().columns.items()
        if str(col.dtype).startswith("str") and {c.name for c in col.checks} <= {"non_empty"}
    }
    - KEYS
    for table in SCHEMAS
}
KNOWN = {
    table: sorted({c.split(".")[0] for c in kinds} | {k for t, k in CHILDREN if t == table})
    for table, kinds in KINDS.items()
}


@dataclass
class Rows:
    """Rows per table plus the problems found while flattening."""

    tables: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in SCHEMAS}
    )
    problems: list[Problem] = field(default_factory=list)


def _unknown(
    rel: str, path: str, key: str, known: list[str], before: tuple[str, str] | None = None
) -> Problem:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    if " " in key.strip() or key.endswith("?"):
        hint += _comma_hint(key, before)
    return Problem(rel, path + (key if key.strip() else repr(key)), f"unknown field{hint}")


def _text_before(row: dict[str, Any], table: str) -> tuple[str, str] | None:
    """The field written just before the current one, when it is free text (else None)."""
    name, value = next(reversed(row.items()))
    return (name, value) if name in _FREE_TEXT[table] and isinstance(value, str) else None


def _comma_hint(key: str, before: tuple[str, str] | None) -> str:
    """The flow-mapping comma trap: `{text: A, b?}` reads `b?` as a key; name the fix."""
    field, text = ("text", f"..., {key}") if before is None else (before[0], f"{before[1]}, {key}")
    example = f"{field}: {json.dumps(text, ensure_ascii=False)}"
    return f" (a comma inside {{...}} splits the text: quote it, e.g. {example})"


def _scalar(value: Any, kind: str) -> Any:
    # bool is an int in Python: keep it from silently coercing to 1.0 in numeric columns.
    if isinstance(value, bool) and kind != "boolean":
        return "true" if value else "false"
    if isinstance(value, int | float) and kind.startswith("string"):
        return str(value)
    if isinstance(value, float) and kind == "Int64" and not value.is_integer():
        return repr(value)  # fails integer coercion instead of being truncated
    return value


def flatten(
    doc: dict[str, Any], table: str, rel: str, out: Rows, path: str = "", **keys: Any
) -> None:
    """Append one row for `doc` to `out.tables[table]` (and rows of child tables)."""
    row: dict[str, Any] = {"file": rel, **keys}
    children: list[tuple[str, list[Any]]] = []
    for key, value in doc.items():
        if (table, key) in CHILDREN and isinstance(value, list):
            children.append((key, value))  # flattened after the parent, which they point to
        else:
            _field(row, out.problems, table, key, value, rel, path)
    out.tables[table].append(row)
    for key, items in children:
        _flatten_children(doc, table, key, items, rel, out, path, keys)


# The field helpers write into the row and the problem list, not return new ones: they run
# once per field of every file (returning new dicts per field made flatten ~30 % slower).


def _field(
    row: dict[str, Any],
    problems: list[Problem],
    table: str,
    key: Any,
    value: Any,
    rel: str,
    path: str,
) -> None:
    """One field of a document: the columns it fills, or the problems that keep it out."""
    if not isinstance(key, str) or not key.strip():
        problems.append(Problem(rel, path + repr(key), "field names must be non-empty text"))
    elif key in SENSITIVE_FIELDS and table == "rounds":  # validated, never tabulated
        if value is not None and not isinstance(value, str):
            problems.append(Problem(rel, path + key, "must be text", show(value, key)))
    elif (table, key) in CHILDREN:  # a list of children never gets here
        if value is not None:
            problems.append(Problem(rel, path + key, "must be a list", show(value)))
    elif key in MAPS[table]:
        _map_cells(row, problems, table, key, value, rel, path)
    elif (kind := KINDS[table].get(key)) is None:
        problems.append(_unknown(rel, path, key, KNOWN[table], _text_before(row, table)))
    elif kind == "list":
        _list_cell(row, problems, key, value, rel, path + key)
    elif isinstance(value, dict | list):
        problems.append(Problem(rel, path + key, "must be a single value", show(value)))
    else:  # the common case, kept in line: a single value
        row[key] = _scalar(value, kind)


def _map_cells(
    row: dict[str, Any],
    problems: list[Problem],
    table: str,
    key: str,
    value: Any,
    rel: str,
    path: str,
) -> None:
    """A nested map (`rubric`, `signals`, ...): one `map.key` column per single value."""
    if value is None:
        return
    if not isinstance(value, dict):
        problems.append(Problem(rel, path + key, "must be a map of fields", show(value)))
        return
    kinds = KINDS[table]
    for sub, subvalue in value.items():
        column = f"{key}.{sub}"
        if column not in kinds:
            problems.append(_unknown(rel, path + key + ".", str(sub), SUBKEYS[table][key]))
        elif isinstance(subvalue, dict | list):
            problems.append(Problem(rel, path + column, "must be a single value", show(subvalue)))
        else:
            row[column] = _scalar(subvalue, kinds[column])


def _list_cell(
    row: dict[str, Any], problems: list[Problem], key: str, value: Any, rel: str, where: str
) -> None:
    """A list column (feedback tags normalized as the contract spells them)."""
    if value is not None and not isinstance(value, list):
        problems.append(Problem(rel, where, "must be a list", show(value)))
    elif key == "feedback" and value:
        row[key] = [normalize_tag(v) if isinstance(v, str) else v for v in value]
    else:
        row[key] = value


def _flatten_children(
    parent: dict[str, Any],
    table: str,
    key: str,
    items: list[Any],
    rel: str,
    out: Rows,
    path: str,
    keys: dict[str, Any],
) -> None:
    """Rows for a list of child maps (a round's questions, a question's follow-ups)."""
    child = CHILDREN[(table, key)]
    for i, item in enumerate(items):
        child_path = f"{path}{key}[{i}]."
        if not isinstance(item, dict):
            out.problems.append(
                Problem(rel, child_path[:-1], "must be a map of fields", show(item))
            )
            continue
        flatten(item, child, rel, out, child_path, **_child_keys(child, parent, keys, i))


def _child_keys(child: str, parent: dict[str, Any], keys: dict[str, Any], i: int) -> dict:
    """The keys that tie a child row to its round (and question)."""
    if child == "questions":
        return {"round_id": str(parent.get("id", "")), "q_index": i}
    return {"round_id": keys.get("round_id"), "q_index": keys.get("q_index"), "f_index": i}

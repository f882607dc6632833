"""YAML documents -> flat rows for the pandera tables, with structural problems.

The schemas are the single source of field names: a key is known when the schema has a
column for it (nested maps as `map.key`). Shape problems (a list where a map belongs,
a map where a single value belongs, unknown keys) are reported here, since a table
cannot hold them; value rules are left to pandera.
"""

from __future__ import annotations

import difflib
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


@dataclass
class Rows:
    """Rows per table plus the problems found while flattening."""

    tables: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in SCHEMAS}
    )
    problems: list[Problem] = field(default_factory=list)


def _unknown(rel: str, path: str, key: str, known: list[str]) -> Problem:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return Problem(rel, path + (key if key.strip() else repr(key)), f"unknown field{hint}")


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
    kinds = KINDS[table]
    row: dict[str, Any] = {"file": rel, **keys}
    children: list[tuple[str, list[Any]]] = []
    for key, value in doc.items():
        if not isinstance(key, str) or not key.strip():
            out.problems.append(
                Problem(rel, path + repr(key), "field names must be non-empty text")
            )
            continue
        where = path + key
        if key in SENSITIVE_FIELDS and table == "rounds":
            if value is not None and not isinstance(value, str):
                out.problems.append(Problem(rel, where, "must be text", show(value, key)))
            continue  # sensitive: validated, never tabulated
        if (table, key) in CHILDREN:
            if value is None:
                continue
            if not isinstance(value, list):
                out.problems.append(Problem(rel, where, "must be a list", show(value)))
                continue
            children.append((key, value))
        elif key in MAPS[table]:
            if value is None:
                continue
            if not isinstance(value, dict):
                out.problems.append(Problem(rel, where, "must be a map of fields", show(value)))
                continue
            subkeys = [c.split(".", 1)[1] for c in kinds if c.startswith(key + ".")]
            for sub, subvalue in value.items():
                column = f"{key}.{sub}"
                if column not in kinds:
                    out.problems.append(_unknown(rel, where + ".", str(sub), subkeys))
                elif isinstance(subvalue, dict | list):
                    out.problems.append(
                        Problem(
                            rel,
                            column if not path else path + column,
                            "must be a single value",
                            show(subvalue),
                        )
                    )
                else:
                    row[column] = _scalar(subvalue, kinds[column])
        elif key in kinds:
            kind = kinds[key]
            if kind == "list":
                if value is not None and not isinstance(value, list):
                    out.problems.append(Problem(rel, where, "must be a list", show(value)))
                    continue
                if key == "feedback" and value:
                    value = [normalize_tag(v) if isinstance(v, str) else v for v in value]
            elif isinstance(value, dict | list):
                out.problems.append(Problem(rel, where, "must be a single value", show(value)))
                continue
            row[key] = _scalar(value, kind) if kind != "list" else value
        else:
            known = sorted(
                {c.split(".")[0] for c in kinds} | {c for _, c in CHILDREN if _ == table}
            )
            out.problems.append(_unknown(rel, path, key, known))
    out.tables[table].append(row)
    for key, items in children:
        child = CHILDREN[(table, key)]
        for i, item in enumerate(items):
            child_path = f"{path}{key}[{i}]."
            if not isinstance(item, dict):
                out.problems.append(
                    Problem(rel, child_path[:-1], "must be a map of fields", show(item))
                )
                continue
            if child == "questions":
                flatten(
                    item, child, rel, out, child_path, round_id=str(doc.get("id", "")), q_index=i
                )
            else:
                flatten(
                    item,
                    child,
                    rel,
                    out,
                    child_path,
                    round_id=keys.get("round_id"),
                    q_index=keys.get("q_index"),
                    f_index=i,
                )

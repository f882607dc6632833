"""pandera failure cases -> `Problem`s in the contract's words.

pandera names each failed check (`isin`, `greater_than_or_equal_to`, our registered
`matches`, ...); this module turns the name and the check's statistics into a rule a
person can act on, and suggests the closest enum value for typos.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from prepops.data.contract import SLUG, TAG
from prepops.data.problems import Problem, did_you_mean, show

_DTYPES = {
    "Int64": "must be an integer",
    "float64": "must be a number",
    "boolean": "must be true or false",
}
_PATTERNS = {
    SLUG.pattern: "must be a slug: 3-80 lowercase letters, digits or dashes, no leading dash",
    TAG.pattern: "must be lowercase kebab-case, e.g. too-long",
}
_EACH = {
    SLUG.pattern: "each item must be an evidence id (a slug)",
    TAG.pattern: "each tag must be lowercase kebab-case, e.g. too-long",
}


def _closest(value: Any, allowed: tuple[str, ...]) -> str:
    # enum values are short: a looser cutoff than for names still finds `incidnet`
    return did_you_mean(value, allowed, cutoff=0.5)


def _first_bad(value: Any, test) -> Any:
    if isinstance(value, list):
        return next((x for x in value if not test(x)), value)
    return value


def rule_for(name: str, stats: dict[str, Any], value: Any, table: str) -> tuple[str, Any]:
    """(rule text, the value to show) for one failed check."""
    if name == "not_nullable":
        return "required field is missing", None
    if name in {"coerce_dtype", "dtype"}:
        dtype = stats.get("dtype", "")
        return _DTYPES.get(dtype, "must be text" if "str" in dtype else f"must be {dtype}"), value
    if name == "field_uniqueness":
        return f"must be unique across {table}", value
    if name == "isin":
        allowed = tuple(stats["allowed_values"])
        return f"must be one of: {', '.join(allowed)}{_closest(value, allowed)}", value
    if name == "each_in":
        allowed = tuple(stats["allowed"])
        bad = _first_bad(value, lambda x: x in allowed)
        return f"each item must be one of: {', '.join(allowed)}{_closest(bad, allowed)}", bad
    if name in {"greater_than_or_equal_to", "less_than_or_equal_to", "greater_than"}:
        op = {"greater_than_or_equal_to": ">=", "less_than_or_equal_to": "<=", "greater_than": ">"}
        bound = next(iter(stats.values()))
        return f"must be {op[name]} {bound:g}", value
    if name == "str_length":
        return f"must be at most {stats.get('max_value')} characters", value
    if name == "matches":
        return _PATTERNS.get(stats["pattern"], f"must match {stats['pattern']}"), value
    if name == "each_matches":
        bad = _first_bad(value, lambda x: isinstance(x, str) and re.fullmatch(stats["pattern"], x))
        return _EACH.get(stats["pattern"], "each item must be non-empty text"), bad
    if name == "iso_date":
        return "must be a real date written YYYY-MM-DD", value
    if name == "not_future":
        return "must not be in the future", value
    if name == "not_after_year":
        return f"must be <= {dt.date.today().year}", value
    if name == "non_empty":
        kind = stats["kind"]
        text = {"list": "must be a non-empty list", "texts": "each item must be non-empty text"}
        return text.get(kind, "must not be empty"), value
    if name == "word_limit":
        words = len(str(value).split())
        return (
            f"must be at most {stats['max_words']} words (about one minute spoken)",
            f"{words} words",
        )
    return name, value


def _stats(schema, column: str, check_name: str) -> dict[str, Any]:
    col = schema.columns.get(column)
    for check in getattr(col, "checks", []) or []:
        if check.name == check_name:
            return dict(check.statistics or {})
    if check_name in {"coerce_dtype", "dtype"} and col is not None:
        return {"dtype": str(col.dtype)}
    return {}


def field_path(row: pd.Series, column: str) -> str:
    """The cell's field as written in its file, e.g. questions[2].follow_ups[0].kind."""
    if "f_index" in row.index:
        return f"questions[{row['q_index']}].follow_ups[{row['f_index']}].{column}"
    if "q_index" in row.index:
        return f"questions[{row['q_index']}].{column}"
    return column


# pandera's failures about the table as a whole (no row): the check name -> the rule.
_TABLE_RULES = {
    "column_in_dataframe": "column missing",
    "column_in_schema": "column not in the contract",
}


def table_rule(name: str, failure: Any, column: str, schema) -> tuple[str, str] | None:
    """(field, rule) for a table-level failure, or None when `name` is not one."""
    if name in _TABLE_RULES:  # pandera puts the column's name in the failure case
        return str(failure), _TABLE_RULES[name]
    if name == "dtype" and column in schema.columns:  # the failure case is the dtype found
        return column, f"dtype {failure}, expected {schema.columns[column].dtype}"
    return None


def _table_problem(case: Any, name: str, schema, source: str, cells: set) -> list[Problem]:
    """The problem of a failure without a row, unless its column's cells already tell it."""
    found = table_rule(name, case.failure_case, case.column, schema)
    if found is not None:
        return [Problem(source, *found)]
    if case.column in cells:
        # a check that raised on a column whose cells could not be coerced (comparing text
        # with a number): the cells are reported, the check's error would repeat them
        return []
    return [Problem(source, str(case.column), f"check {case.check} failed: {case.failure_case}")]


def _cell_problem(case: Any, name: str, frame: pd.DataFrame, schema, table: str, source: str):
    """The problem of one failed cell, named by its row's file."""
    column = case.column
    row = frame.loc[case.index]
    value = row[column]  # the original cell, not pandera's stringified copy
    rule, got = rule_for(name, _stats(schema, column, name), value, table)
    shown = None if got is None else got if name == "word_limit" else show(got, column)
    file = str(row["file"]) if "file" in row.index else source
    return Problem(file, field_path(row, column), rule, shown)


def problems_from(
    failures: pd.DataFrame, frame: pd.DataFrame, schema, table: str, source: str | None = None
) -> list[Problem]:
    """Translate pandera's lazy failure cases into problems: one per cell, one per table."""
    # A cell's problem names its row's file; a table-level failure (a column missing, not in
    # the contract, of the wrong dtype) has no row, so it names `source`: the stored file
    # the caller checked, else "table <name>" (the workspace loader builds its frames from
    # the contract's own columns, so none arises there).
    source = source or f"table {table}"
    has_row = failures["index"].notna()
    cells = set(failures.loc[has_row, "column"])
    found: list[Problem] = []
    for case, row_level in zip(failures.itertuples(index=False), has_row, strict=True):
        name = str(case.check).split("(", 1)[0]
        if not row_level:
            found += _table_problem(case, name, schema, source, cells)
        elif case.column in frame.columns:
            found.append(_cell_problem(case, name, frame, schema, table, source))
    return found

"""Load a workspace into tidy, validated pandas tables, collecting every problem at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.errors

from prepops.data import crossrefs
from prepops.data.contract import LAYOUT
from prepops.data.problems import Problem, placed
from prepops.data.rules import problems_from
from prepops.data.schemas import SCHEMAS
from prepops.data.tabulate import Rows, flatten
from prepops.data.yamlsafe import read_yaml_lines
from prepops.runtime.progress import track


@dataclass
class Workspace:
    """A loaded workspace: its tables, every problem, the files read and those quarantined."""

    root: Path
    tables: dict[str, pd.DataFrame]
    problems: list[Problem]
    files: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def inside(root: Path, path: Path) -> bool:
    """True when `path`, symlinks followed, stays within the workspace `root`."""
    return path.resolve().is_relative_to(root.resolve())


def discover(root: Path) -> dict[str, list[Path]]:
    """Workspace files per kind, sorted so every run sees the same order."""
    return {
        kind: sorted(p for p in root.glob(pattern) if p.is_file())
        for kind, pattern in LAYOUT.items()
    }


def _frame(rows: list[dict], table: str) -> pd.DataFrame:
    # object columns keep YAML's own values (7 stays 7, not 7.0) for the error messages
    columns = list(SCHEMAS[table].to_schema().columns)
    return pd.DataFrame(
        {c: pd.Series([row.get(c) for row in rows], dtype=object) for c in columns},
        index=pd.RangeIndex(len(rows)),
    )


def _validate(frame: pd.DataFrame, table: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    schema = SCHEMAS[table].to_schema()
    try:
        return schema.validate(frame, lazy=True), []
    except pandera.errors.SchemaErrors as exc:
        return None, problems_from(exc.failure_cases, frame, schema, table)


def _tables(rows: Rows, drop: set[str]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for table in SCHEMAS:
        frame = _frame([r for r in rows.tables[table] if r["file"] not in drop], table)
        valid, found = _validate(frame, table)
        problems += found
        tables[table] = valid if valid is not None else frame
    return tables, problems


def _typed(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Dates become datetime64 once they are known to be valid ISO dates."""
    out = dict(tables)
    for table, column in (("rounds", "date"), ("rehearsals", "date"), ("companies", "next_round")):
        frame = out[table].copy()
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
        out[table] = frame
    return out


def check_document(doc: dict, table: str, rel: str) -> list[Problem]:
    """Per-field problems of one document (for tools that write a single file)."""
    rows = Rows()
    flatten(doc, table, rel, rows)
    problems = list(rows.problems)
    for name, found in rows.tables.items():
        if found:
            problems += _validate(_frame(found, name), name)[1]
    return sorted(set(problems))


def load(root: Path, max_file_bytes: int = 1_000_000, quarantine: bool = False) -> Workspace:
    """Read every workspace file; return tables and all problems (never raises on bad input).

    With `quarantine`, files with problems are left out of the tables and listed instead.
    """
    root = Path(root)
    if not root.is_dir():
        return Workspace(root, {}, [Problem(str(root), "(workspace)", "is not a directory")])
    rows = Rows()
    files: list[str] = []
    lines: dict[str, dict[str, int]] = {}
    found_files = [(kind, path) for kind, paths in discover(root).items() for path in paths]
    for kind, path in track(found_files, "reading workspace files", len(found_files)):
        rel = path.relative_to(root).as_posix()
        files.append(rel)
        if not inside(root, path):  # a symlink out: its text is not the workspace's
            rows.problems.append(
                Problem(rel, "(file)", "is a symlink to a file outside the workspace")
            )
            continue
        doc, found, lines[rel] = read_yaml_lines(path, rel, max_file_bytes)
        rows.problems += found
        if doc is not None:
            flatten(doc, kind, rel, rows)  # layout kinds are table names
    ws = _checked(root, rows, files, quarantine)
    ws.problems = placed(ws.problems, lines)  # `file:line: field` where the YAML says
    return ws


def from_documents(docs: list[tuple[str, str, dict]], root: Path = Path("<memory>")) -> Workspace:
    """A workspace from (table, relative path, mapping) triples already in memory (synthetic
    workspaces in tests and benchmarks): the same checks as `load`, without the files."""
    rows = Rows()
    for kind, rel, doc in docs:
        flatten(doc, kind, rel, rows)
    return _checked(root, rows, [rel for _, rel, _ in docs], False)


def _checked(root: Path, rows: Rows, files: list[str], quarantine: bool) -> Workspace:
    every, found = _tables(rows, set())  # every file checked, so all problems show at once
    problems = rows.problems + found
    tables = _tables(rows, {p.file for p in problems})[0] if problems else every
    named = {
        t: {str(r.get(k)) for r in rows.tables[t]}
        for t, k in (("companies", "company"), ("evidence", "id"))
    }
    problems += crossrefs.references(every, named["companies"], named["evidence"])
    problems += crossrefs.cards(tables, files)
    problems += crossrefs.facts(tables)
    problems = sorted(set(problems))
    quarantined = sorted({p.file for p in problems} & set(files))
    if quarantine:
        keep = {t: f[~f["file"].isin(quarantined)] for t, f in tables.items()}
        return Workspace(root, _typed(keep), problems, files, quarantined)
    return Workspace(root, _typed(tables), problems, files, [])

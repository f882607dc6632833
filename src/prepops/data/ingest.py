"""Ingest: a loaded workspace -> the tables of the feature store, stamped and described."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from prepops.data.workspace import Workspace
from prepops.runtime.paths import Paths
from prepops.runtime.storage import write_json, write_parquet

TABLES = (
    "rounds",
    "questions",
    "follow_ups",
    "rehearsals",
    "evidence",
    "companies",
    "experts",
    "backbone",
)


def stamp_rehearsals(frame: pd.DataFrame, version: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Fill a missing template_version with the current one, warning per rehearsal."""
    missing = frame["template_version"].isna()
    warnings = [
        f"{file}: template_version: missing; stamped with the current templates ({version})"
        for file in frame.loc[missing, "file"]
    ]
    out = frame.copy()
    out["template_version_stamped"] = missing.astype(bool)
    out.loc[missing, "template_version"] = version
    return out, warnings


def manifest(ws: Workspace, versions: dict, warnings: list[str], workspace_param: str) -> dict:
    """The manifest: file and row counts, quarantined files, warnings and version ids."""
    return {
        "workspace": workspace_param,
        "files": len(ws.files),
        "rows": {name: len(ws.tables[name]) for name in TABLES},
        "quarantined": ws.quarantined,
        "problems": [str(p) for p in ws.problems] if ws.quarantined else [],
        "warnings": warnings,
        **versions,
    }


def write_tables(tables: dict[str, pd.DataFrame], paths: Paths) -> list[Path]:
    """Write every table to the feature store as parquet; returns the paths."""
    return [write_parquet(paths.table(name), tables[name]) for name in TABLES]


def read_tables(
    paths: Paths, names: tuple[str, ...] = TABLES
) -> tuple[dict[str, pd.DataFrame], dict]:
    """The stored tables (all, or `names`) and the manifest, as later stages read them."""
    return load_tables(paths, names), json.loads(paths.manifest.read_text(encoding="utf-8"))


def load_tables(paths: Paths, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Read the named tables from the feature store."""
    return {name: pd.read_parquet(paths.table(name)) for name in names}


VERSION_KEYS = ("template_version", "template_md5", "evidence_version", "evidence_md5")


def write_manifest(data: dict, paths: Paths) -> Path:
    """Write manifest.json, and versions.json with the version ids alone (a narrower DVC dep)."""
    write_json(paths.versions, {k: data.get(k) for k in VERSION_KEYS})
    return write_json(paths.manifest, data)


def read_versions(paths: Paths) -> dict:
    """The templates' and evidence's version ids (versions.json)."""
    return json.loads(paths.versions.read_text(encoding="utf-8"))

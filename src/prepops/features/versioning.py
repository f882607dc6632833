"""Version ids of the templates and the evidence, computed exactly as DVC hashes a folder.

DVC records a folder dependency as the md5 of a JSON manifest of its files (sorted
relpath + md5 of each file) followed by ".dir". Computing the same value here means an
MLflow run's `template_version` tag and dvc.lock name the same templates.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

SHORT = 10  # characters of the md5 shown to people, like a short git hash


def file_md5(path: Path) -> str:
    """The md5 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dir_md5(folder: Path) -> str | None:
    """DVC's value for a folder ("<md5>.dir"), or None when it does not exist."""
    if not folder.is_dir():
        return None
    entries = [
        {"md5": file_md5(p), "relpath": p.relative_to(folder).as_posix()}
        for p in folder.rglob("*")
        if p.is_file()
    ]
    entries.sort(key=lambda e: e["relpath"])
    manifest = json.dumps(entries, sort_keys=True).encode("utf-8")
    return hashlib.md5(manifest, usedforsecurity=False).hexdigest() + ".dir"


def short(full: str | None) -> str | None:
    """The first SHORT characters of an md5, the form shown to people."""
    return full[:SHORT] if full else None


def versions(workspace: Path) -> dict[str, str | None]:
    """Short version ids and full md5s of the workspace's templates/ and evidence/."""
    templates = dir_md5(workspace / "templates")
    evidence = dir_md5(workspace / "evidence")
    return {
        "template_version": short(templates),
        "template_md5": templates,
        "evidence_version": short(evidence),
        "evidence_md5": evidence,
    }

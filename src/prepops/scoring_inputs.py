"""What transcript scoring needs from a workspace, read straight from YAML (no pandas).

Kept light so `prepops score` starts fast; unreadable files simply contribute nothing
(`prepops validate` is where they are reported).
"""

from __future__ import annotations

from pathlib import Path

from prepops.yamlsafe import read_yaml

_LIMIT = 1_000_000


def expert_segments(workspace: Path, mode: str | None) -> list[str]:
    if not mode:
        return []
    path = workspace / "templates" / "experts" / f"{mode}.yaml"
    if not path.is_file():
        return []
    doc, _ = read_yaml(path, path.name, _LIMIT)
    segments = (doc or {}).get("segments")
    return [s for s in segments if isinstance(s, str)] if isinstance(segments, list) else []


def evidence_ids(workspace: Path) -> list[str]:
    ids = []
    for path in sorted((workspace / "evidence").glob("*.yaml")):
        doc, _ = read_yaml(path, path.name, _LIMIT)
        if doc and isinstance(doc.get("id"), str):
            ids.append(doc["id"])
    return ids

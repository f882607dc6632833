"""Light reads of a workspace straight from YAML (no pandas), for quick commands:
transcript scoring, `prepops rehearse` and `prepops log`. Unreadable files simply
contribute nothing (`prepops validate` is where they are reported).
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


def names(workspace: Path, folder: str, key: str) -> list[str]:
    """The text value of `key` in each YAML file of a workspace folder, in file order."""
    found = []
    for path in sorted((workspace / folder).glob("*.yaml")):
        doc, _ = read_yaml(path, path.name, _LIMIT)
        if doc and isinstance(doc.get(key), str):
            found.append(doc[key])
    return found


def evidence_ids(workspace: Path) -> list[str]:
    return names(workspace, "evidence", "id")

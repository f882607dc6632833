"""Light reads of a workspace straight from YAML (no pandas), for quick commands:
transcript scoring, `prepops rehearse` and `prepops log`. Unreadable files simply
contribute nothing (`prepops validate` is where they are reported).
"""

from __future__ import annotations

from pathlib import Path

from prepops.data.yamlsafe import read_yaml

_LIMIT = 1_000_000


def expert_segments(workspace: Path, mode: str | None) -> list[str]:
    """The `segments` of the expert card for `mode` ([] without a mode or a readable card)."""
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
    return [doc[key] for doc in _docs(workspace, folder) if isinstance(doc.get(key), str)]


def evidence_ids(workspace: Path) -> list[str]:
    """The ids of the workspace's evidence packets, in file order."""
    return names(workspace, "evidence", "id")


def _docs(workspace: Path, folder: str) -> list[dict]:
    """The readable mappings of a folder's YAML files, skipping any that leave the workspace."""
    found = []
    for path in sorted((workspace / folder).glob("*.yaml")):
        if not path.resolve().is_relative_to(workspace.resolve()):
            continue  # a symlink out of the workspace: never read (`prepops validate` says so)
        doc, problems = read_yaml(path, path.name, _LIMIT)
        if isinstance(doc, dict) and not problems:
            found.append(doc)
    return found


def company_cards(workspace: Path) -> dict[str, dict]:
    """Each readable company card by its company name."""
    return {
        d["company"]: d for d in _docs(workspace, "companies") if isinstance(d.get("company"), str)
    }


def expert_cues(workspace: Path) -> dict[str, list[str]]:
    """The user's own routing cues per mode, from the expert cards."""
    cues: dict[str, list[str]] = {}
    for doc in _docs(workspace / "templates", "experts"):
        if isinstance(doc.get("mode"), str) and isinstance(doc.get("cues"), list):
            cues[doc["mode"]] = [c for c in doc["cues"] if isinstance(c, str)]
    return cues


def evidence(workspace: Path) -> tuple[list[dict], int]:
    """Evidence packets with the fields retrieval needs, and how many files were skipped."""
    docs = list((workspace / "evidence").glob("*.yaml"))
    usable = [
        d
        for d in _docs(workspace, "evidence")
        if all(isinstance(d.get(k), str) for k in ("id", "title", "story", "failure_mode"))
        and isinstance(d.get("metric"), dict)
    ]
    return usable, len(docs) - len(usable)

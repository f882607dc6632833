"""Does a DVC-tracked workspace's pointer (`private.dvc`) record the files on disk?

A commit stores the pointer, not the files: `prepops check-commit` validates the files on
disk, so the pointer must name exactly them, or the commit would record a version nobody
checked. `dvc status` is the authority (the same comparison `dvc commit` and `dvc push` make);
it runs as a child process with an argument list, never through a shell.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# What each status DVC reports means, and what to run about it.
_RECORD = "run `dvc commit -f {pointer}`, then `git add {pointer}`"
_MEANING = {
    "modified": ("the files on disk differ from the version the pointer records", _RECORD),
    "new": ("the pointer records no version of these files yet", _RECORD),
    "deleted": (
        "the files the pointer records are missing on disk",
        "run `dvc checkout {pointer}` (or `dvc pull {pointer}`)",
    ),
    "not in cache": (
        "the version the pointer records is not in DVC's cache, so it cannot be compared "
        "with the files on disk",
        "run `dvc pull {pointer}`, or record the files on disk: " + _RECORD[4:],
    ),
}


def pointer_for(workspace: Path, project: Path) -> Path | None:
    """The `.dvc` file tracking `workspace` (or a folder holding it, up to `project`), if any."""
    folder, top = workspace.resolve(), project.resolve()
    while folder != top and folder.is_relative_to(top):
        candidate = folder.with_name(folder.name + ".dvc")
        if candidate.is_file():
            return candidate
        folder = folder.parent
    return None


def _dvc_status(pointer: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.setdefault("DVC_NO_ANALYTICS", "1")  # prepops sends nothing off the machine by default
    return subprocess.run(
        [sys.executable, "-m", "dvc", "status", "--json", "--", str(pointer)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _entries(report: dict) -> list[tuple[str, str]]:
    """(path, status) pairs from `dvc status --json` for one pointer; a bare string is the
    pointer's own state (e.g. "changed checksum" after a hand edit)."""
    pairs = []
    for entries in report.values():
        for entry in entries:
            if isinstance(entry, str):
                pairs.append(("", entry))
                continue
            for changed in entry.values():
                pairs += [(str(path), str(state)) for path, state in changed.items()]
    return pairs


def pointer_problems(pointer: Path, project: Path) -> list[str]:
    """One line per way the pointer and the files on disk disagree ([] when they agree)."""
    name = pointer.relative_to(project.resolve()).as_posix()
    result = _dvc_status(pointer, project)
    if result.returncode != 0:
        lines = [ln for ln in (result.stderr or result.stdout).splitlines() if ln.strip()]
        reason = lines[-1].strip() if lines else f"exit {result.returncode}"
        return [f"{name}: dvc status failed: {reason}"]
    try:
        report = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        return [f"{name}: dvc status gave no JSON report ({result.stdout.strip()[:80]!r})"]
    problems = []
    for path, state in _entries(report):
        meaning, fix = _MEANING.get(state, (state, _RECORD))
        problems.append(
            f"{name}: {path or 'pointer'}: {meaning} ({state}); {fix.format(pointer=name)}"
        )
    return problems

"""Candidates' MLflow passwords, kept by the coach in a 0600 file beside cohort.yaml."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from prepops.runtime.storage import atomic_write


def path_for(roster: Path) -> Path:
    """cohort.yaml -> cohort.passwords.yaml (keep it out of git)."""
    return roster.with_name(f"{roster.stem}.passwords.yaml")


def read(path: Path) -> dict[str, str]:
    """The passwords recorded so far (none when the file does not exist yet)."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def write(path: Path, passwords: dict[str, str]) -> None:
    """Write the passwords atomically, readable by this user only."""

    def dump(tmp: Path) -> None:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yaml.safe_dump(dict(sorted(passwords.items())), out)

    atomic_write(path, dump)

"""`prepops init`: a new workspace from the packaged examples, optionally tracked by DVC."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path


class ScaffoldError(ValueError):
    """`prepops init` refused to create the workspace (the folder already exists)."""


def _files() -> list[tuple[str, bytes]]:
    base = resources.files("prepops") / "resources" / "init"
    found: list[tuple[str, bytes]] = []

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            else:
                found.append((prefix + child.name, child.read_bytes()))

    walk(base, "")
    return found


def create(directory: Path) -> list[Path]:
    """Write the example workspace; never touches an existing folder."""
    if directory.exists():
        raise ScaffoldError(f"{directory}: already exists; init never overwrites a workspace")
    written: list[Path] = []
    staging = directory.with_name(f".{directory.name}.init-tmp")
    shutil.rmtree(staging, ignore_errors=True)
    for rel, data in _files():
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(directory / rel)
    staging.rename(directory)  # the workspace appears whole or not at all
    return written


def dvc_add(directory: Path) -> tuple[bool, str]:
    """`dvc add` the folder so personal data goes to a DVC remote, not to git."""
    result = subprocess.run(
        [sys.executable, "-m", "dvc", "add", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return True, f"tracked by DVC: {directory}.dvc (commit it; `dvc push` sends the data)"
    reason = (result.stderr or result.stdout).strip().splitlines()
    return (
        False,
        f"dvc add failed ({reason[-1] if reason else 'no output'}); run with --no-dvc to skip",
    )

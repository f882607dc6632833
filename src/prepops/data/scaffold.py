"""`prepops init`: a new workspace from the packaged examples, optionally tracked by DVC."""

from __future__ import annotations

import os
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


def check_name(directory: Path) -> None:
    """Refuse names that are not a plain new folder (one line, never a traceback)."""
    name = directory.name
    if not name or name in {".", ".."} or ".." in directory.parts or name.startswith("-"):
        raise ScaffoldError(f"{directory}: not a plain folder name")
    if len(name.encode()) > 200:
        raise ScaffoldError(f"{directory}: name longer than 200 bytes")
    if directory.exists() or directory.is_symlink():
        raise ScaffoldError(f"{directory}: already exists; init never overwrites a workspace")
    if not directory.parent.is_dir():
        raise ScaffoldError(f"{directory}: its parent folder does not exist")


def create(directory: Path) -> list[Path]:
    """Write the example workspace; never touches an existing folder."""
    import tempfile

    check_name(directory)
    written: list[Path] = []
    # a fresh private folder beside the target: nothing planted there in advance is followed
    staging = Path(tempfile.mkdtemp(prefix=".prepops-init-", dir=directory.parent))
    for rel, data in _files():
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(directory / rel)
    try:
        staging.rename(directory)  # the workspace appears whole or not at all
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ScaffoldError(f"{directory}: cannot create ({exc.strerror})") from None
    os.chmod(directory, 0o777 & ~_umask())  # mkdtemp made it 0700
    return written


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def dvc_add(directory: Path) -> tuple[bool, str]:
    """`dvc add` the folder so personal data goes to a DVC remote, not to git."""
    from prepops.runtime.privacy import QUIET

    result = subprocess.run(
        [sys.executable, "-m", "dvc", "add", "--", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        env=QUIET | dict(os.environ),  # the user's repository: no DVC usage report either
    )
    if result.returncode == 0:
        return True, f"tracked by DVC: {directory}.dvc (commit it; `dvc push` sends the data)"
    reason = (result.stderr or result.stdout).strip().splitlines()
    return (
        False,
        f"dvc add failed ({reason[-1] if reason else 'no output'}); run with --no-dvc to skip",
    )

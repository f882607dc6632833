"""A fresh git copy of this checkout for end-to-end runs (tests and benchmarks). Importing it
has no side effects, unlike tests/pipelines/conftest.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


BIN = Path(sys.executable).parent
GIT_ID = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}


def git_copy(dst: Path) -> dict[str, str]:
    """This checkout's files (tracked and new, not ignored) in `dst` as a fresh git repository
    with no DVC lock, so `dvc repro` there runs cold. Returns the environment to run it in:
    this copy's code, Prefect state in the copy, the project's own MLflow store."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for rel in listed:
        if (ROOT / rel).is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dst / rel)
    for stale in ("dvc.lock", "reports/metrics.json"):
        (dst / stale).unlink(missing_ok=True)
    env = {
        **os.environ,
        **GIT_ID,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(dst / "src"),  # run this copy's code, not the installed checkout's
        "PREFECT_HOME": str(dst / ".prefect"),
    }
    env.pop("PREFECT_API_URL", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    for cmd in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "commit", "-qm", "copy"],
    ):
        subprocess.run(cmd, cwd=dst, env=env, check=True, capture_output=True)
    return env

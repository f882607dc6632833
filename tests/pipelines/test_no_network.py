"""Nothing leaves the machine: every socket a run opens (pipeline, runner, CLI, and the
MLflow, Prefect, Great Expectations and DVC clients inside them) goes to loopback or a Unix
socket. Python's audit hooks see each connect and name lookup in every process started."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.repo_copy import git_copy

pytestmark = pytest.mark.e2e

# Loaded by every Python process of the run (PYTHONPATH): logs connects and lookups.
SITECUSTOMIZE = """
import json, os, sys

def _hook(event, args, _log=os.environ.get("PREPOPS_NET_LOG")):
    if not _log or event not in ("socket.connect", "socket.getaddrinfo"):
        return
    target = args[1] if event == "socket.connect" else args[0]
    if isinstance(target, bytes):
        target = target.decode("utf-8", "replace")
    line = json.dumps({"event": event, "target": repr(target), "argv": sys.argv[:3]})
    fd = os.open(_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, (line + "\\n").encode())
    os.close(fd)

sys.addaudithook(_hook)
"""

LOCAL = ("'127.0.0.1'", "'::1'", "'localhost'", "None")


def _local(target: str) -> bool:
    """A Unix socket path, or a loopback host (alone or as the first item of an address)."""
    if target.startswith("'/") or target.startswith("'\\x00"):
        return True
    return target in LOCAL or target.startswith(tuple(f"({h}," for h in LOCAL))


def test_a_run_and_the_cli_talk_to_loopback_only(tmp_path: Path) -> None:
    dst, hooks = tmp_path / "repo", tmp_path / "hooks"
    dst.mkdir()
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "net.log"
    env = git_copy(dst)
    env |= {"PYTHONPATH": f"{hooks}:{env['PYTHONPATH']}", "PREPOPS_NET_LOG": str(log)}
    prepops = str(Path(sys.executable).with_name("prepops"))
    commands = [
        ["dvc", "repro"],
        [prepops, "validate"],
        [prepops, "route", "Our checkout got 3x slower after the deploy. What now?"],
        [prepops, "retrieve", "How would you evaluate a new ranking model?"],
        [prepops, "versions"],
        [prepops, "where"],
        [prepops, "runner", "status"],
    ]
    try:
        for cmd in commands:
            result = subprocess.run(cmd, cwd=dst, env=env, capture_output=True, text=True)
            assert result.returncode == 0, (cmd, result.stdout[-2000:], result.stderr[-2000:])
    finally:
        subprocess.run([prepops, "runner", "stop"], cwd=dst, env=env, capture_output=True)
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    assert any(s["event"] == "socket.connect" for s in seen)  # the hook did see the run
    remote = [s for s in seen if not _local(s["target"])]
    assert remote == []

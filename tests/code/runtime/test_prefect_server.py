"""The shared local Prefect server: started once, reused, stopped when idle."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from prepops.runtime import prefect_server as orchestration

pytestmark = pytest.mark.flow


def test_shared_server_is_reused_then_stops_when_idle(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PREPOPS_PREFECT_IDLE_MIN", "0.1")  # 6 s
    home = tmp_path / ".prefect"
    url = orchestration.ensure_server(home)
    try:
        state = orchestration.server_state(home)
        assert state is not None and state["api_url"] == url
        assert orchestration.ensure_server(home) == url  # reused, not a second server
        deadline = time.monotonic() + 90
        while orchestration.server_state(home) and time.monotonic() < deadline:
            time.sleep(1)
        assert orchestration.server_state(home) is None
        while orchestration.healthy(url) and time.monotonic() < deadline:
            time.sleep(1)
        assert not orchestration.healthy(url)  # the server itself is gone, not just the file
    finally:
        orchestration.stop_server(home)


def test_a_server_started_by_other_code_is_replaced(tmp_path: Path, monkeypatch) -> None:
    """After an upgrade or an edit of the watchdog/runner code, the old server (which keeps
    its old code in memory) is stopped and a new one started, not reused."""
    import json
    import subprocess

    monkeypatch.setenv("PREPOPS_RUNNER", "off")
    home = tmp_path / ".prefect"
    home.mkdir()
    old = subprocess.Popen(["sleep", "60"], start_new_session=True)
    state = {"api_url": "http://127.0.0.1:9/api", "pid": old.pid, "runner": True, "code": "old"}
    (home / orchestration.STATE).write_text(json.dumps(state))
    try:
        url = orchestration.start_server(home)
        assert old.wait(timeout=10) != 0  # stopped
        new = json.loads((home / orchestration.STATE).read_text())
        assert new["pid"] != old.pid and new["code"] == orchestration._code_stamp()
        assert url == new["api_url"] != state["api_url"]
        assert orchestration.start_server(home) == url  # same code: reused
    finally:
        orchestration.stop_server(home)
        old.kill()

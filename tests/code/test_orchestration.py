"""The shared local Prefect server: started once, reused, stopped when idle."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from prepops import orchestration

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
        while orchestration._healthy(url) and time.monotonic() < deadline:
            time.sleep(1)
        assert not orchestration._healthy(url)  # the server itself is gone, not just the file
    finally:
        orchestration.stop_server(home)

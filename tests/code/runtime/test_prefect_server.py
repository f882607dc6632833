"""The shared local Prefect server: started once, reused, stopped when idle."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from prepops.runtime import prefect_server as orchestration

pytestmark = pytest.mark.flow


def _look_alike(home: Path):
    """A process whose command line is a prepops server watchdog's serving `home`, returned
    once that command line is readable."""
    import subprocess
    import sys

    from prepops.runtime import lockdown

    argv = [sys.executable, "-c", "import time; time.sleep(60)"]
    proc = subprocess.Popen(
        [*argv, "prepops.runtime.prefect_server", "serve", str(home)], start_new_session=True
    )
    lockdown.await_exec(proc, home)
    return proc


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
        # the watchdog (exited: a zombie until reaped) and its process group are gone, not just the
        # file; not checked through the port, which another test's new server may reuse
        from prepops.runtime import lockdown

        while lockdown.is_our_server(state["pid"], home) and time.monotonic() < deadline:
            time.sleep(1)
        assert not lockdown.is_our_server(state["pid"], home)
    finally:
        orchestration.stop_server(home)


def test_a_server_started_by_other_code_is_replaced(tmp_path: Path, monkeypatch) -> None:
    """After an upgrade or an edit of the watchdog/runner code, the old server (which keeps
    its old code in memory) is stopped and a new one started, not reused."""
    import json

    monkeypatch.setenv("PREPOPS_RUNNER", "off")
    home = tmp_path / ".prefect"
    home.mkdir()
    old = _look_alike(home)  # an old prepops server watchdog, by its command line
    from prepops.runtime import lockdown

    state = {"api_url": "http://127.0.0.1:9/api", "pid": old.pid, "runner": True, "code": "old"}
    (home / orchestration.STATE).write_text(json.dumps(state))
    try:
        url = orchestration.start_server(home)
        assert old.wait(timeout=10) != 0  # stopped
        new = json.loads((home / orchestration.STATE).read_text())
        assert new["pid"] != old.pid and new["code"] == orchestration._code_stamp()
        assert url == new["api_url"] != state["api_url"]
        pid = json.loads((home / orchestration.STATE).read_text())["pid"]
        seen = lockdown.why_gone(pid), new["code"] == orchestration._code_stamp()
        assert orchestration.start_server(home) == url, seen  # same code: reused
    finally:
        orchestration.stop_server(home)
        old.kill()


def test_a_stale_record_never_signals_an_unrelated_process(tmp_path: Path) -> None:
    """The recorded pid may belong to anyone after a reboot or a crash: not ours, not killed."""
    import json
    import subprocess

    home = tmp_path / ".prefect"
    home.mkdir()
    bystander = subprocess.Popen(["sleep", "60"], start_new_session=True)
    state = {"api_url": "http://127.0.0.1:9/api", "pid": bystander.pid, "code": "x"}
    (home / orchestration.STATE).write_text(json.dumps(state))
    try:
        assert orchestration.stop_server(home) is False
        assert bystander.poll() is None  # still running
        assert not (home / orchestration.STATE).exists()  # the stale record is gone
    finally:
        bystander.kill()


def test_the_local_server_is_locked_to_this_user_and_origin(tmp_path: Path, monkeypatch) -> None:
    """No password, no API; other origins get no CORS grant; a rebinding Host is no key;
    the state folder and its secrets are this user's only."""
    import base64
    import stat
    import urllib.error
    import urllib.request

    from prepops.runtime import lockdown

    monkeypatch.setenv("PREPOPS_RUNNER", "off")
    home = tmp_path / ".prefect"
    url = orchestration.ensure_server(home)
    try:

        def call(headers: dict, method: str = "GET", path: str = "/admin/version"):
            data = b"{}" if method == "POST" else None
            req = urllib.request.Request(f"{url}{path}", data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    return resp.status, dict(resp.headers)
            except urllib.error.HTTPError as exc:
                return exc.code, dict(exc.headers)

        assert call({})[0] == 401
        assert call({"Host": "rebind.evil.example"})[0] == 401  # DNS rebinding: still no key
        token = base64.b64encode(lockdown.auth_string(home).encode()).decode()
        auth = {"Authorization": f"Basic {token}"}
        assert call(auth)[0] == 200
        # a state-changing call needs a CSRF token too, even with the password
        posted = auth | {"Content-Type": "application/json"}
        assert call(posted, "POST", "/flow_runs/filter")[0] == 403
        preflight = {
            "Origin": "http://evil.example",
            "Access-Control-Request-Method": "POST",
        }
        _, headers = call(preflight, "OPTIONS", "/flow_runs/filter")
        allowed = {k.lower(): v for k, v in headers.items()}.get("access-control-allow-origin")
        assert allowed not in ("*", "http://evil.example")
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        for name in (lockdown.AUTH_FILE, "server.log"):
            assert stat.S_IMODE((home / name).stat().st_mode) == 0o600
    finally:
        orchestration.stop_server(home)


def test_a_recycled_pid_serving_another_folder_is_not_stopped(tmp_path: Path) -> None:
    """A record's pid, recycled by another project's server watchdog: not ours, not killed."""
    import json

    from prepops.runtime import lockdown

    home, other = tmp_path / "a" / ".prefect", tmp_path / "b" / ".prefect"
    home.mkdir(parents=True)
    neighbour = _look_alike(other)
    try:
        assert lockdown.is_our_server(neighbour.pid, other)
        assert not lockdown.is_our_server(neighbour.pid, home)
        state = {"api_url": "http://127.0.0.1:9/api", "pid": neighbour.pid, "code": "x"}
        (home / orchestration.STATE).write_text(json.dumps(state))
        assert orchestration.stop_server(home) is False
        assert neighbour.poll() is None  # the other project's server still runs
    finally:
        neighbour.kill()


def test_a_new_watchdog_is_recognised_as_soon_as_its_start_returns(tmp_path: Path, monkeypatch):
    """Popen returns while the child is still mid-exec (its /proc command line empty): a
    watchdog recorded then looked dead to the next call, which started another (CI's
    intermittent "pid N is now ''"). `await_exec` waits that out; start_server uses it.
    Eight busy loops on two cores widen the window as a loaded CI machine does."""
    import subprocess

    from prepops.runtime import lockdown

    monkeypatch.setenv("PREPOPS_RUNNER", "off")
    home = tmp_path / ".prefect"
    home.mkdir()
    load = [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(8)]
    try:
        for attempt in range(30):  # bare, 4 % of starts fell in the window idle, 76 % busy
            proc = _look_alike(home)  # Popen, then await_exec
            try:
                assert lockdown.is_our_server(proc.pid, home), (
                    attempt,
                    lockdown.why_gone(proc.pid),
                )
            finally:
                proc.kill()
                proc.wait()
        for attempt in range(10):  # and through start_server itself
            where = tmp_path / f".prefect{attempt}"
            orchestration.start_server(where)
            try:
                pid = orchestration._recorded(where)["pid"]
                assert lockdown.is_our_server(pid, where), (attempt, lockdown.why_gone(pid))
            finally:
                orchestration.stop_server(where)
    finally:
        for proc in load:
            proc.kill()
            proc.wait()

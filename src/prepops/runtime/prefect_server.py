"""Where pipeline flows report to: PREFECT_API_URL if set, else one shared local server.

Prefect 3 starts a temporary server in every process running a flow without an API URL
(12-18 s per `dvc repro` stage here). Instead the first stage starts one local `prefect
server` (state under PREFECT_HOME, default .prefect/) that later stages and its UI reuse; a
watchdog keeps a warm stage runner beside it (prepops.runtime.runner) and stops both after
`PREPOPS_PREFECT_IDLE_MIN` idle minutes (default 60). PREPOPS_PREFECT_SERVER=temporary
gives Prefect's own per-process server instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from prepops.runtime import lockdown, privacy
from prepops.runtime.runner.protocol import SOCKET, switched_off
from prepops.runtime.storage import write_text

STATE = "prepops-server.json"
_UNUSED_SERVICES = (
    "CANCELLATION_CLEANUP",
    "FOREMAN",
    "PAUSE_EXPIRATIONS",
    "REPOSSESSOR",
    "TRIGGERS",
    "CLEANUP_RECONCILER",
    "LATE_RUNS",
    "SCHEDULER",
)


def healthy(url: str, timeout: float = 1.0) -> bool:
    """True if the Prefect API at `url` answers /health within `timeout` seconds."""
    import urllib.request  # here: every stage's launcher imports this module (22 ms)

    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as resp:
            return resp.status == 200
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prefect_home(default: Path) -> Path:
    """PREFECT_HOME, else `default`, as an absolute path."""
    return Path(os.environ.get("PREFECT_HOME") or default).expanduser().resolve()


def _recorded(home: Path) -> dict | None:
    try:
        return json.loads((home / STATE).read_text())
    except (OSError, ValueError):
        return None


def server_state(home: Path) -> dict | None:
    """The shared server's record, if it is up and answering."""
    data = _recorded(home)
    return data if data and healthy(data.get("api_url", "")) else None


def _code_stamp() -> str:
    """Identifies the watchdog's and the runner's code, which a running server keeps using."""
    here = Path(__file__)
    files = [here, *sorted((here.parent / "runner").glob("*.py"))]
    return ":".join(f"{st.st_mtime_ns}-{st.st_size}" for st in map(Path.stat, files))


def idle_minutes() -> float:
    """Minutes without a stage after which the server and the runner stop."""
    return float(os.environ.get("PREPOPS_PREFECT_IDLE_MIN", "60"))


def _server_env(home: Path, port: int) -> dict[str, str]:
    """The environment the shared server runs with: quiet, on `port`, locked down."""
    return {
        **privacy.QUIET,  # nothing sent anywhere, the UI's Amplitude included (privacy)
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
        # Services for deployments, workers and automations, which prepops does not use:
        # off, so the SQLite database serves the stages' flow runs alone.
        **{f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false" for name in _UNUSED_SERVICES},
        "PREFECT_API_URL": "",
        # The UI asks /ui-settings where its API is; unset, it names the default port
        # (4200), not this one, and shows "Can't connect to Server API".
        "PREFECT_SERVER_UI_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
        # Locked to this user and this origin: a password (basic auth) kept in a 0600
        # file, CORS limited to the server's own origin, CSRF tokens on. Health checks
        # stay open (they carry nothing).
        "PREFECT_SERVER_API_AUTH_STRING": lockdown.auth_string(home),
        "PREFECT_SERVER_CORS_ALLOWED_ORIGINS": f"http://127.0.0.1:{port}",
        "PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "true",
    }


def start_server(home: Path) -> str:
    """API URL of the shared server, spawning it if none is up or starting. Returns at once."""
    lockdown.private_dir(home)  # the database and logs name companies: this user's only
    with (home / f"{STATE}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        known = _recorded(home)
        if known and known.get("code") != _code_stamp():
            stop_server(home)  # started by other code (an upgrade, an edit): replace it
        elif known and (lockdown.is_our_server(known["pid"], home) or healthy(known["api_url"])):
            os.utime(home / STATE)  # keeps the idle watchdog from stopping it
            return known["api_url"]
        port = _free_port()
        env = _server_env(home, port)
        log = lockdown.private_file(home / "server.log")
        proc = subprocess.Popen(
            [sys.executable, "-m", "prepops.runtime.prefect_server", "serve", str(home), str(port)],
            env=env,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(log)  # the server holds its own copy
        lockdown.await_exec(proc, home)  # recorded only once it can be recognised as ours
        state = {
            "api_url": f"http://127.0.0.1:{port}/api",
            "ui_url": f"http://127.0.0.1:{port}",
            "pid": proc.pid,
            "runner": not switched_off(),  # no runner: nobody waits for one
            "code": _code_stamp(),
        }
        write_text(home / STATE, json.dumps(state))  # atomic: readers never see half a file
        return state["api_url"]


def ensure_server(home: Path, startup_timeout: float = 90.0) -> str:
    """API URL of the shared local server, waiting until it answers."""
    url = start_server(home)
    deadline = time.monotonic() + startup_timeout
    while not healthy(url):
        pid = (_recorded(home) or {}).get("pid", 0)
        late = time.monotonic() > deadline
        if late or not lockdown.is_our_server(pid, home):
            why = f"no answer in {startup_timeout} s" if late else lockdown.why_gone(pid)
            stop_server(home)
            raise RuntimeError(f"Prefect server did not start ({why}); see {home / 'server.log'}")
        time.sleep(0.2)
    os.utime(home / STATE)
    return url


def stop_server(home: Path) -> bool:
    """Stop the shared server recorded under `home`; True if one was running."""
    try:
        state = json.loads((home / STATE).read_text())
    except (OSError, ValueError):
        return False
    stopped = False
    if lockdown.is_our_server(state.get("pid", 0), home):  # a stale pid may be anyone's now
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(state["pid"], signal.SIGTERM)
            stopped = True
    (home / STATE).unlink(missing_ok=True)
    (home / SOCKET).unlink(missing_ok=True)
    return stopped


def flow_settings(
    url: str | None, local: bool = False, auth: str | None = None
) -> contextlib.AbstractContextManager:
    """The Prefect settings stage flows run with: `url` as the API, no heartbeats (DVC sees
    the exit code, and each flow waited up to 1 s for the heartbeat thread: 0.87 s of a 1.1 s
    plan flow; an explicit setting still wins), and for the `local` shared server, started
    from this Prefect, no version handshake. Only what differs is changed (0.1 s a context)."""
    from prefect.settings import (
        PREFECT_API_AUTH_STRING,
        PREFECT_API_URL,
        PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    updates: dict = {}
    if url and PREFECT_API_URL.value() != url:
        updates[PREFECT_API_URL] = url
    if auth:  # the local server's password
        updates[PREFECT_API_AUTH_STRING] = auth
    if local and PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED.value():
        updates[PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED] = False
    beats = "PREFECT_FLOWS_HEARTBEAT_FREQUENCY" not in os.environ
    if beats and PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value() is not None:
        updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
    return temporary_settings(updates=updates) if updates else contextlib.nullcontext()


@contextlib.contextmanager
def prefect_api(default_home: Path) -> Iterator[str | None]:
    """Point flows run inside this block at the right Prefect API."""
    from prefect.settings import PREFECT_API_URL

    home = prefect_home(default_home)
    url = PREFECT_API_URL.value() or None
    local = url is not None and url == (_recorded(home) or {}).get("api_url")
    if local:
        url = ensure_server(home)  # set by the warm runner; the server may still be starting
    elif not url and os.environ.get("PREPOPS_PREFECT_SERVER") != "temporary":
        url, local = ensure_server(home), True
    with flow_settings(url, local, lockdown.auth_string(home) if local else None):
        yield url


def _without_runner(home: Path) -> None:
    """Record that no runner is coming, so stages stop waiting for one."""
    state = _recorded(home)
    if state:
        write_text(home / STATE, json.dumps(state | {"runner": False}))


def _serve(home: Path, port: int) -> None:
    """Run `prefect server start` and the warm stage runner; stop both once idle."""
    idle = idle_minutes() * 60
    argv = ["server", "start", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen([sys.executable, "-m", "prefect", *argv])
    api = f"http://127.0.0.1:{port}/api"

    def start_runner() -> subprocess.Popen:
        # Imports in parallel with the server's own start-up; its children wait in
        # prefect_api() until the server answers.
        return subprocess.Popen(
            [sys.executable, "-m", "prepops.runtime.runner.server", str(home), api]
        )

    runner = None if switched_off() else start_runner()

    def stop(*_: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.killpg(0, signal.SIGTERM)  # the server, the runner and their children (same session)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(0, signal.SIGKILL)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    ready = False
    while server.poll() is None:
        time.sleep(2)
        if not home.is_dir():
            stop()  # the project (and its .prefect/) was deleted
        if runner is not None and runner.poll() is not None:
            # It exits with 0 when the code it loaded has changed: start a fresh one. A crash
            # is not retried (stages then run in their own processes); server.log says why.
            if runner.returncode == 0:
                runner = start_runner()
            else:
                runner = None
                _without_runner(home)
        if not ready and healthy(api):
            ready = True
            with contextlib.suppress(OSError):
                os.utime(home / STATE)  # the idle clock starts when the server is up
        try:
            last = (home / STATE).stat().st_mtime
        except OSError:
            continue  # being replaced
        if ready and time.time() - last > idle:  # idle time counts once it is up
            (home / STATE).unlink(missing_ok=True)
            stop()


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "serve":
    _serve(Path(sys.argv[2]), int(sys.argv[3]))

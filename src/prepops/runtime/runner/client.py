"""The stage launcher's side of the runner: hand a stage over, or say to run it here."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

from prepops.runtime import lockdown, sanitize
from prepops.runtime.runner.protocol import (
    SOCKET,
    code_dirs,
    fingerprint,
    receive,
    send,
    switched_off,
)


def _profile_api_url() -> str | None:
    """PREFECT_API_URL from the active Prefect profile, read without importing Prefect."""
    import tomllib

    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    try:
        profiles = tomllib.loads((home / "profiles.toml").read_text())
    except (OSError, ValueError):
        return None
    name = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "")
    return profiles.get("profiles", {}).get(name, {}).get("PREFECT_API_URL") or None


def enabled() -> bool:
    """The shared server and its runner are used unless switched off or Prefect points
    elsewhere (then flows report to that API, and each stage runs in its own process)."""
    return not (
        switched_off()
        or os.environ.get("PREFECT_API_URL")
        or os.environ.get("PREPOPS_PREFECT_SERVER") == "temporary"
        or _profile_api_url()
    )


def starting(home: Path) -> bool:
    """True while the server that should start a runner is alive (the runner may be importing)."""
    from prepops.runtime.lockdown import alive
    from prepops.runtime.prefect_server import STATE

    try:
        state = json.loads((home / STATE).read_text())
        return state.get("runner", True) and alive(state["pid"])
    except (OSError, ValueError, KeyError):
        return False


def untrusted(home: Path) -> str | None:
    """Why the runner's folder, socket or state file cannot be trusted, or None."""
    from prepops.runtime.prefect_server import STATE

    for path in (home, home / SOCKET, home / STATE):
        if why := lockdown.owned_and_private(path):
            return why
    return None


def connect(home: Path, deadline: float) -> socket.socket | None:
    """Connect to the runner, waiting while it is still importing (a runner about to be
    ready beats importing everything in this process too); only to one run by this user."""
    while True:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(str(home / SOCKET))
            if lockdown.peer_uid(conn) != os.getuid():
                conn.close()
                print(f"prepops: {home / SOCKET} is another user's; not used", file=sys.stderr)
                return None
            return conn
        except (FileNotFoundError, ConnectionRefusedError):
            conn.close()
            if time.monotonic() > deadline or not starting(home):
                return None
            time.sleep(0.1)


# What a stage may need from the caller's environment: its own settings, the stack's
# (Prefect, MLflow, DVC, git, cloud storage for artifacts) and the basics of a process.
_ENV_PREFIXES = (
    "PREPOPS_",
    "PREFECT_",
    "MLFLOW_",
    "DVC_",
    "GIT_",
    "AWS_",
    "GOOGLE_",
    "AZURE_",
    "GX_",
    "LC_",
    "PYTHON",
    "UV_",
)
_ENV_NAMES = {
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "TZ",
    "TMPDIR",
    "VIRTUAL_ENV",
    "DO_NOT_TRACK",
    "NO_COLOR",
    "TERM",
    "COLUMNS",
    "EDITOR",
    "SSL_CERT_FILE",
}


def stage_env(env: dict[str, str] | os._Environ) -> dict[str, str]:
    """The part of the caller's environment the stage runs with (nothing else is sent)."""
    return {k: v for k, v in env.items() if k in _ENV_NAMES or k.startswith(_ENV_PREFIXES)}


class _Relay:
    """The stage's output to this terminal, whole lines at a time through the sanitiser (an
    escape sequence split over two chunks is still seen whole)."""

    def __init__(self) -> None:
        self.pending = b""

    def write(self, payload: bytes, final: bool = False) -> None:
        """Print the complete lines of `payload` (all of it when `final`), sanitised."""
        data = self.pending + payload
        cut = len(data) if final or len(data) > 65536 else data.rfind(b"\n") + 1
        self.pending = data[cut:]
        if cut:
            sys.stdout.buffer.write(sanitize.for_relay(data[:cut]))
            sys.stdout.buffer.flush()


def _relay_answer(conn: socket.socket) -> int | None:
    """Print the stage's output as it comes; its exit code, or None to run it here."""
    relay = _Relay()
    try:
        while True:
            kind, payload = receive(conn)
            if kind == b"O":
                relay.write(payload)
            elif kind == b"X":
                return int(payload)
            elif kind == b"E":
                print(
                    "prepops: this stage runs without the runner (slower): your PREFECT_*"
                    " settings differ from those it started with; `prepops runner stop`"
                    " restarts it",
                    file=sys.stderr,
                )
                return None
            else:  # b"S": stale code, or refused
                return None
    finally:
        relay.write(b"", final=True)  # a last line without its newline, or cut off


LOST = 75  # exit code when the runner went away mid-stage (EX_TEMPFAIL: rerun `dvc repro`)


def delegate(home: Path, module: str) -> int | None:
    """Run `module`'s main() in the runner; its exit code, or None to run it here.

    None only while the stage cannot have started there (no runner, or it refused). Once the
    request is sent the runner may be running the stage, so a lost connection is a failure,
    never a second run here: two copies of a stage would write the same outputs and runs.
    """
    if not enabled():
        return None
    if why := untrusted(home):
        print(f"prepops: the runner is not used: {why}", file=sys.stderr)
        return None
    request = {
        "module": module,
        "cwd": os.getcwd(),
        "env": stage_env(os.environ),
        "fingerprint": fingerprint(code_dirs()),
    }
    deadline = time.monotonic() + float(os.environ.get("PREPOPS_RUNNER_WAIT_S", "30"))
    conn = connect(home, deadline)
    if conn is None:
        return None
    with conn:
        try:
            conn.settimeout(5)
            send(conn, b"R", json.dumps(request).encode())
            conn.settimeout(None)
        except OSError:
            return None  # the request never reached it: nothing runs there
        try:
            return _relay_answer(conn)
        except (OSError, ConnectionError, ValueError) as exc:
            print(
                f"prepops: lost the runner during {module} ({exc}); the stage may have run "
                "there in part and is not run twice: run `dvc repro` again",
                file=sys.stderr,
            )
            return LOST


def status(home: Path) -> dict:
    """What runs under `home`: the Prefect server, the runner and their idle clock."""
    from prepops.runtime.lockdown import alive
    from prepops.runtime.prefect_server import STATE, healthy, idle_minutes

    try:
        state = json.loads((home / STATE).read_text())
    except (OSError, ValueError):
        return {"server": None, "runner": None, "switch": "off" if switched_off() else "on"}
    answering = False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(home / SOCKET))
            answering = True
        except OSError:
            pass
    idle_left = idle_minutes() - (time.time() - (home / STATE).stat().st_mtime) / 60
    return {
        "server": {
            "pid": state.get("pid"),
            "alive": alive(state.get("pid", 0)),
            "healthy": healthy(state.get("api_url", "")),
            "ui_url": state.get("ui_url"),
        },
        "runner": {"expected": state.get("runner", True), "answering": answering},
        "stops_in_min": max(round(idle_left, 1), 0.0),
        "switch": "off" if switched_off() else "on",
    }

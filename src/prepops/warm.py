"""A warm stage runner: pay the heavy imports once per `dvc repro`, not once per stage.

Measured on 2 cores, each stage process spent 4-7 s importing Prefect, pandas, pandera,
scipy and MLflow before doing under a second of work. The shared Prefect server's
watchdog therefore also starts this runner: one process that imports every stage module
once, then forks a child per stage request. `python -m pipelines.<stage>` asks it first
(see pipelines/__init__.py) and falls back to running in-process when it is absent,
busy with other code, or disabled (PREPOPS_WARM=0).

The runner serves only requests whose code fingerprint (the stat of every source file it
loaded) matches its own, so an edited stage never runs stale code; on a mismatch it exits
and the watchdog starts a fresh one.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from pathlib import Path

SOCKET = "prepops-runner.sock"
_HEADER = struct.Struct("!cI")


def code_dirs() -> list[Path]:
    """Where this interpreter finds the prepops and pipelines packages (nothing imported)."""
    import importlib.util

    dirs = []
    for name in ("prepops", "pipelines"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            dirs.append(Path(next(iter(spec.submodule_search_locations))).resolve())
    return dirs


def fingerprint(dirs: list[Path]) -> str:
    entries = []
    for folder in dirs:
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".py", ".yaml"} and "__pycache__" not in path.parts:
                st = path.stat()
                entries.append(f"{path}:{st.st_mtime_ns}:{st.st_size}")
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]


def _send(conn: socket.socket, kind: bytes, payload: bytes) -> None:
    conn.sendall(_HEADER.pack(kind, len(payload)) + payload)


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("runner closed the connection")
        data += chunk
    return data


# --- client side: used by `python -m pipelines.<stage>` before any heavy import ---------


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
    """The shared server and its runner are used unless Prefect is pointed elsewhere."""
    return not (
        os.environ.get("PREPOPS_WARM") == "0"
        or os.environ.get("PREFECT_API_URL")
        or os.environ.get("PREPOPS_PREFECT_SERVER") == "temporary"
        or _profile_api_url()
    )


def _starting(home: Path) -> bool:
    from prepops.orchestration import STATE, _alive

    try:
        state = json.loads((home / STATE).read_text())
        return state.get("runner", True) and _alive(state["pid"])
    except (OSError, ValueError, KeyError):
        return False


def _connect(home: Path, deadline: float) -> socket.socket | None:
    """Connect to the runner, waiting while it is still importing (a runner about to be
    ready beats importing everything in this process too)."""
    while True:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(str(home / SOCKET))
            return conn
        except (FileNotFoundError, ConnectionRefusedError):
            conn.close()
            if time.monotonic() > deadline or not _starting(home):
                return None
            time.sleep(0.1)


def delegate(home: Path, module: str) -> int | None:
    """Run `module`'s main() in the warm runner; its exit code, or None to run here."""
    if not enabled():
        return None
    request = {
        "module": module,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "fingerprint": fingerprint(code_dirs()),
    }
    deadline = time.monotonic() + float(os.environ.get("PREPOPS_WARM_WAIT_S", "30"))
    conn = _connect(home, deadline)
    if conn is None:
        return None
    try:
        with conn:
            conn.settimeout(5)
            _send(conn, b"R", json.dumps(request).encode())
            conn.settimeout(None)
            while True:
                kind, size = _HEADER.unpack(_recv_exact(conn, _HEADER.size))
                payload = _recv_exact(conn, size) if size else b""
                if kind == b"O":
                    sys.stdout.buffer.write(payload)
                    sys.stdout.buffer.flush()
                elif kind == b"X":
                    return int(payload)
                else:  # b"S": stale code, or refused
                    return None
    except (OSError, ConnectionError, ValueError):
        return None


# --- server side: `python -m prepops.warm HOME` started by the orchestration watchdog ----


def _run_child(request: dict, write_fd: int) -> None:
    """In the forked child: become the stage process, then exit without returning."""
    code = 1
    try:
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = [request["module"]]
        try:
            importlib.import_module(request["module"]).main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        import atexit

        atexit._run_exitfuncs()  # Prefect drains its log and event workers here
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _serve_one(conn: socket.socket, own: str) -> bool:
    """Handle one request; False when the runner should exit (stale code)."""
    kind, size = _HEADER.unpack(_recv_exact(conn, _HEADER.size))
    request = json.loads(_recv_exact(conn, size))
    if kind != b"R" or request.get("fingerprint") != own:
        _send(conn, b"S", b"")
        return False
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        conn.close()
        _run_child(request, write_fd)
    os.close(write_fd)

    def relay() -> None:
        with os.fdopen(read_fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                try:
                    _send(conn, b"O", chunk)
                except OSError:
                    os.kill(pid, signal.SIGTERM)  # nobody is listening any more
                    return

    def hang_up() -> None:  # the caller never writes again: b"" means it is gone (Ctrl-C, kill)
        with contextlib.suppress(OSError):
            if conn.recv(1) == b"":
                os.kill(pid, signal.SIGTERM)

    pump = threading.Thread(target=relay)
    pump.start()
    threading.Thread(target=hang_up, daemon=True).start()
    _, status = os.waitpid(pid, 0)
    pump.join()
    _send(conn, b"X", str(os.waitstatus_to_exitcode(status)).encode())
    return True


def serve(home: Path) -> None:
    own = fingerprint(code_dirs())
    package = Path(importlib.import_module("pipelines").__file__).parent
    for path in sorted(package.glob("[!_]*.py")):
        importlib.import_module(f"pipelines.{path.stem}")
    importlib.import_module("mlflow.tracking")  # the tracking stages import it lazily
    importlib.import_module("mlflow.entities")
    importlib.import_module("prepops.router_model")  # mlflow.pyfunc, for train_router
    os.environ["GX_ANALYTICS_ENABLED"] = "False"  # before Great Expectations is imported
    importlib.import_module("great_expectations")
    importlib.import_module("great_expectations.expectations")
    path = home / SOCKET
    path.unlink(missing_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so the socket file goes too
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        os.chmod(path, 0o600)  # requests carry the caller's environment
        server.listen(4)
        try:
            while True:
                conn, _ = server.accept()
                with conn:
                    try:
                        keep = _serve_one(conn, own)
                    except (OSError, ConnectionError, ValueError):
                        keep = True
                if not keep:
                    return
        finally:
            path.unlink(missing_ok=True)


if __name__ == "__main__" and len(sys.argv) == 2:
    serve(Path(sys.argv[1]))

"""A warm stage runner: pay the heavy imports once per `dvc repro`, not once per stage.

Measured on 2 cores, each stage process spent 4-7 s importing Prefect, pandas, pandera,
scipy and MLflow before doing under a second of work. The shared Prefect server's
watchdog therefore also starts this runner: one process that imports the stages'
libraries once, group by group in stage order (WARMUP), answering as soon as the first
group is in, and forks a child per stage request. `python -m pipelines.<stage>` asks it first
(see pipelines/__init__.py) and falls back to running in-process when it is absent,
busy with other code, or disabled (PREPOPS_WARM=0).

The runner serves only requests whose code fingerprint (the stat of every source file it
loaded) matches its own, so an edited stage never runs stale code; on a mismatch it exits
and the watchdog starts a fresh one.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib
import json
import os
import select
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


def prefect_env(env: dict[str, str]) -> dict[str, str]:
    """The PREFECT_* variables that shape a flow run. Prefect reads them once, at import, so
    the runner only serves callers whose values equal its own (the server's own, the home and
    the API URL are set by prepops and excluded)."""
    return {
        key: value
        for key, value in env.items()
        if key.startswith("PREFECT_")
        and not key.startswith("PREFECT_SERVER_")
        and key not in ("PREFECT_HOME", "PREFECT_API_URL")
    }


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
    from prepops.runtime.prefect_server import STATE, _alive

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
                elif kind == b"E":
                    print(
                        "prepops: this stage runs without the warm runner (slower): your PREFECT_*"
                        " settings differ from those it started with; `prepops stop` restarts it",
                        file=sys.stderr,
                    )
                    return None
                else:  # b"S": stale code, or refused
                    return None
    except (OSError, ConnectionError, ValueError):
        return None


# --- server side: `python -m prepops.runtime.runner HOME API_URL`, started by the watchdog -------


def _run_child(request: dict, write_fd: int, status_fd: int) -> None:
    """In the forked child: become the stage process, then exit without returning."""
    code = 1
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the runner's handler (socket cleanup)
    try:
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = [request["module"]]
        profile = os.environ.get("PREPOPS_PROFILE_DIR")  # where a stage's time goes (cProfile)
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        try:
            importlib.import_module(request["module"]).main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if profile:
            profiler.disable()
            profiler.dump_stats(Path(profile) / f"{request['module']}.prof")
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # The stage is done (outputs written, output relayed): the caller, and DVC, may go
        # on while Prefect drains its log and event workers to the server (50 ms a stage).
        os.write(status_fd, str(code).encode())
        os.close(status_fd)  # the relay reads the code now, not when this process exits
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        os.close(write_fd)
        import atexit

        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
        os._exit(code)


# What each stage would otherwise import on first use, in the order `dvc repro` runs them.
# The runner answers as soon as the first group is loaded and imports the next group while
# the stage runs in its child (2 cores: one for the stage, one for the imports), so a cold
# repro does not wait for every library before its first stage.
WARMUP: tuple[tuple[str, ...], ...] = (
    (
        "pipelines.ingest",
        "prefect.flow_engine",
        "prefect.task_engine",
        "prefect.utilities.visualization",  # imports graphviz, on every flow call
        "anyio._backends._asyncio",
        "anyio.streams.memory",
        "anyio.streams.stapled",
        "anyio.streams.tls",
        "rich._emoji_codes",
        "pyarrow.parquet",
        "pandas.core.arrays.arrow.extension_types",
        "pandas.core.methods.to_dict",
        "pandas.io.formats.csvs",
        "pandas.io.formats.string",
        "pandera.accessors.pandas_accessor",
        "pandera.backends.pandas.container",
    ),
    (
        "pipelines.validate",
        "great_expectations",
        "great_expectations.expectations",
        "great_expectations.render.renderer.site_builder",
        "jinja2.ext",
        "pyarrow.dataset",
    ),
    (
        "pipelines.rehearse",
        "mlflow.tracking",
        "mlflow.entities",
        "mlflow.store.tracking.sqlalchemy_store",
        "mlflow.store.tracking.sqlalchemy_workspace_store",
        "alembic.command",
        "alembic.config",
    ),
    (
        "pipelines.train_router",
        "prepops.model.pyfunc",
        # MLflow maps modules to packages on its first model log by reading every installed
        # package's file list (0.5 s); the map is cached for the process and its children
        "mlflow.utils.requirements_utils:_init_modules_to_packages_map",
    ),
    ("pipelines.evaluate", "pipelines.monitor", "pipelines.plan"),
    ("pipelines.report", "matplotlib.backends.backend_svg", "PIL.Image:preinit"),
)


def _warm(group: tuple[str, ...]) -> None:
    start = time.perf_counter()
    for name in group:
        module, _, call = name.partition(":")
        with contextlib.suppress(Exception):  # the stage's own import reports it properly
            imported = importlib.import_module(module)
            if call:
                getattr(imported, call)()
    # to server.log, for `make bench` investigations of where a cold repro waits
    print(
        f"runner: imported {group[0]} (+{len(group) - 1}) in {time.perf_counter() - start:.2f} s",
        file=sys.stderr,
        flush=True,
    )


class _Runner:
    """Accepts stage requests, forks one child per request, and keeps importing between
    requests; everything that imports or forks runs on the main thread."""

    def __init__(self, own: str) -> None:
        self.own = own
        self.own_env = prefect_env(os.environ)
        self.pending = list(WARMUP)
        package = Path(importlib.import_module("pipelines").__file__).parent
        listed = {name for group in WARMUP for name in group}
        others = [f"pipelines.{path.stem}" for path in sorted(package.glob("[!_]*.py"))]
        rest = tuple(name for name in others if name not in listed)
        self.pending += [rest] if rest else []
        self.relays: list[threading.Thread] = []
        self.stale = False

    def warm_next(self) -> None:
        _warm(self.pending.pop(0))

    def warm_for(self, module: str) -> None:
        """Load the request's own group before forking (its child would import it anyway,
        and then every later child would too)."""
        for group in list(self.pending):
            if module in group:
                self.pending.remove(group)
                _warm(group)

    def accept(self, conn: socket.socket) -> None:
        try:
            kind, size = _HEADER.unpack(_recv_exact(conn, _HEADER.size))
            request = json.loads(_recv_exact(conn, size))
            if kind != b"R" or request.get("fingerprint") != self.own:
                _send(conn, b"S", b"")
                self.stale = True  # exit once running children are done; a fresh one starts
                conn.close()
                return
            if prefect_env(request["env"]) != self.own_env:
                _send(conn, b"E", b"")  # Prefect read its settings here at import: run there
                conn.close()
                return
            self.warm_for(request["module"])
            pid, read_fd, status_fd = _fork_child(request, conn)
        except (OSError, ConnectionError, ValueError):
            conn.close()
            return
        relay = threading.Thread(target=_relay, args=(conn, pid, read_fd, status_fd))
        relay.start()
        self.relays = [t for t in self.relays if t.is_alive()] + [relay]

    def finish(self) -> None:
        for relay in self.relays:
            relay.join()


def _fork_child(request: dict, conn: socket.socket) -> tuple[int, int, int]:
    read_fd, write_fd = os.pipe()
    status_read, status_write = os.pipe()
    # Everything imported so far is permanent: without this, each full collection in the
    # child walks the libraries' millions of objects (measured: 0.4 s of a 2 s stage)
    # and touches their pages, copying memory the fork would otherwise share.
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        os.close(status_read)
        conn.close()
        _run_child(request, write_fd, status_write)
    os.close(write_fd)
    os.close(status_write)
    return pid, read_fd, status_read


def _relay(conn: socket.socket, pid: int, read_fd: int, status_fd: int) -> None:
    """Stream the child's output to the caller, then its exit code; kill the child if the
    caller is gone before that."""
    answered = threading.Event()

    def hang_up() -> None:  # the caller never writes again: b"" means it is gone (Ctrl-C, kill)
        with contextlib.suppress(OSError):
            if conn.recv(1) == b"" and not answered.is_set():
                os.kill(pid, signal.SIGTERM)

    threading.Thread(target=hang_up, daemon=True).start()
    with conn:
        with os.fdopen(read_fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                try:
                    _send(conn, b"O", chunk)
                except OSError:
                    os.kill(pid, signal.SIGTERM)  # nobody is listening any more
                    break
        try:
            told = os.read(status_fd, 64)  # empty if the child died before it could say
        finally:
            os.close(status_fd)
        if not told:
            _, exit_status = os.waitpid(pid, 0)
            told = str(os.waitstatus_to_exitcode(exit_status)).encode()
        answered.set()
        with contextlib.suppress(OSError):
            _send(conn, b"X", told)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)  # reap it once Prefect has drained


def serve(home: Path, api: str) -> None:
    from prepops.runtime.prefect_server import flow_settings

    own = fingerprint(code_dirs())
    os.environ["GX_ANALYTICS_ENABLED"] = "False"  # before Great Expectations is imported
    runner = _Runner(own)
    runner.warm_next()  # the first stage's group, then answer
    # entered once for every child; held, or garbage collection would exit it
    settings = flow_settings(api, local=True)
    settings.__enter__()
    path = home / SOCKET
    path.unlink(missing_ok=True)

    def stop(*_: object) -> None:  # no SystemExit raised mid-import or mid-collection
        path.unlink(missing_ok=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        os.chmod(path, 0o600)  # requests carry the caller's environment
        server.listen(4)
        try:
            while not runner.stale:
                # Import while nobody asks. Measured: holding back until the Prefect server
                # answers (to leave it a core) made a cold repro slower, 15.4 s vs 14.6 s.
                waiting = 0 if runner.pending else None
                if select.select([server], [], [], waiting)[0]:
                    runner.accept(server.accept()[0])
                elif runner.pending:
                    runner.warm_next()
        finally:
            path.unlink(missing_ok=True)
            runner.finish()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(
            "usage: python -m prepops.runtime.runner PREFECT_HOME API_URL"
        )  # non-zero: not restarted
    serve(Path(sys.argv[1]), sys.argv[2])

"""The runner daemon: imports the stages' libraries once and forks a child per stage.

Measured on 2 cores, each stage process spent 4-7 s importing Prefect, pandas, pandera,
scipy and MLflow before doing under a second of work. The shared Prefect server's watchdog
(runtime.prefect_server) starts this process beside it; it imports group by group in stage
order (runner.warmup), answers as soon as the first group is in, and serves only requests
whose code fingerprint matches its own, so an edited stage never runs stale code: on a
mismatch it exits and the watchdog starts a fresh one.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import re
import select
import signal
import socket
import sys
import threading
from pathlib import Path

from prepops.runtime import lockdown
from prepops.runtime.runner import warmup
from prepops.runtime.runner.protocol import (
    SOCKET,
    code_dirs,
    fingerprint,
    prefect_env,
    receive,
    send,
)


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
            Path(profile).mkdir(parents=True, exist_ok=True)  # a new folder is fine too
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


STAGE_MODULE = re.compile(r"pipelines\.[a-z][a-z_]*")
REQUEST_TIMEOUT_S = 5.0


class _Runner:
    """Accepts stage requests, forks one child per request, and keeps importing between
    requests; everything that imports or forks runs on the main thread."""

    def __init__(self, own: str, allowed: re.Pattern[str] = STAGE_MODULE) -> None:
        self.own = own
        self.allowed = allowed  # which modules a request may name
        self.own_env = prefect_env(os.environ)
        self.pending = list(warmup.GROUPS)
        package = Path(importlib.import_module("pipelines").__file__).parent
        listed = {name for group in warmup.GROUPS for name in group}
        others = [f"pipelines.{path.stem}" for path in sorted(package.glob("[!_]*.py"))]
        rest = tuple(name for name in others if name not in listed)
        self.pending += [rest] if rest else []
        self.relays: list[threading.Thread] = []
        self.stale = False

    def warm_next(self) -> None:
        warmup.load(self.pending.pop(0))

    def warm_for(self, module: str) -> None:
        """Load the request's own group before forking (its child would import it anyway,
        and then every later child would too)."""
        for group in list(self.pending):
            if module in group:
                self.pending.remove(group)
                warmup.load(group)

    def accept(self, conn: socket.socket) -> None:
        """Serve one connection: refuse strangers and stale code, else fork the stage."""
        try:
            if lockdown.peer_uid(conn) != os.getuid():  # another local user: not served
                conn.close()
                return
            conn.settimeout(REQUEST_TIMEOUT_S)  # an idle connection must not stall the runner
            kind, payload = receive(conn)
            conn.settimeout(None)
            request = json.loads(payload)
            if not self.allowed.fullmatch(str(request.get("module", ""))):
                send(conn, b"S", b"")  # only pipelines.<stage>; the caller runs it itself
                conn.close()
                return
            if kind != b"R" or request.get("fingerprint") != self.own:
                send(conn, b"S", b"")
                self.stale = True  # exit once running children are done; a fresh one starts
                conn.close()
                return
            if prefect_env(request["env"]) != self.own_env:
                send(conn, b"E", b"")  # Prefect read its settings here at import: run there
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
                    send(conn, b"O", chunk)
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
            send(conn, b"X", told)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)  # reap it once Prefect has drained


def serve(home: Path, api: str) -> None:
    """Warm the stages' imports, then fork a child per request on the socket until code changes."""
    from prepops.runtime.prefect_server import flow_settings

    own = fingerprint(code_dirs())
    os.environ["GX_ANALYTICS_ENABLED"] = "False"  # before Great Expectations is imported
    runner = _Runner(own)
    runner.warm_next()  # the first stage's group, then answer
    # entered once for every child; held, or garbage collection would exit it
    settings = flow_settings(api, local=True, auth=lockdown.auth_string(home))
    settings.__enter__()
    path = home / SOCKET
    path.unlink(missing_ok=True)

    def stop(*_: object) -> None:  # no SystemExit raised mid-import or mid-collection
        path.unlink(missing_ok=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        old_umask = os.umask(0o077)  # 0600 from the start: requests carry the caller's env
        try:
            server.bind(str(path))
        finally:
            os.umask(old_umask)
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
            "usage: python -m prepops.runtime.runner.server PREFECT_HOME API_URL"
        )  # non-zero: not restarted
    serve(Path(sys.argv[1]), sys.argv[2])

"""A coach's servers, started for real as the README's "Cohort" section says: PostgreSQL
(initdb in a temp folder), `mlflow server` with its basic-auth app and `prefect server start`
with its password, both on that PostgreSQL, and `prefect worker` processes on a work pool.
Shared by tests/pipelines/test_cohort.py and benchmarks/cohort.py."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

PG_BIN = next(
    (p for p in sorted(Path("/usr/lib/postgresql").glob("*/bin")) if (p / "initdb").exists()),
    None,
)
BIN = Path(sys.executable).parent
COACH = "coach"
COACH_PASSWORD = "coach-password-for-tests"  # MLflow's admin; 12+ characters
PREFECT_AUTH = "coach:prefect-password-for-tests"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres(dbs: tuple[str, ...]) -> Iterator[str]:
    """A private PostgreSQL on loopback with `dbs` created; yields user@host:port."""
    assert PG_BIN is not None, "PostgreSQL not found (Debian's postgresql package)"
    base = Path(tempfile.mkdtemp(prefix="prepops-pg-"))  # the server may run as another user
    data, port = base / "data", free_port()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:  # initdb refuses to run as root
        shutil.chown(base, "postgres")
    initdb = [str(PG_BIN / "initdb"), "-D", str(data), "-U", "prepops", "--auth=trust"]
    subprocess.run([*as_user, *initdb, "-E", "UTF8"], check=True, capture_output=True)
    options = f"-p {port} -k {base} -h 127.0.0.1 -c max_connections=300"
    pg_ctl = [*as_user, str(PG_BIN / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [*pg_ctl, "-w", "-l", str(base / "log"), "-o", options, "start"],
        check=True,
        capture_output=True,
    )
    try:
        for db in dbs:
            subprocess.run(
                [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "prepops", db],
                check=True,
                capture_output=True,
            )
        yield f"prepops@127.0.0.1:{port}"
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    """Wait until `url` answers 200, failing with the log when the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args[:3]} exited {proc.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as resp:
            if resp.status == 200:
                return
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer in {timeout} s:\n{log.read_text()[-3000:]}")


def _auth_ini(path: Path, pg: str) -> Path:
    path.write_text(
        "[mlflow]\n"
        "default_permission = NO_PERMISSIONS\n"
        f"database_uri = postgresql+psycopg://{pg}/mlflow_auth\n"
        f"admin_username = {COACH}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
        "grant_default_workspace_access = false\n"
    )
    return path


def stop(proc: subprocess.Popen) -> None:
    """Stop a process started in its own session, and its children."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def servers(pg: str, base: Path) -> Iterator[dict]:
    """`mlflow server` (basic-auth app) and `prefect server start` (password), on `pg`,
    loopback only, every secret in the environment. Yields their URLs and a coach env."""
    mlflow_port, prefect_port = free_port(), free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(base / "prefect-home"),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://{pg}/prefect",
        "PREFECT_SERVER_API_AUTH_STRING": PREFECT_AUTH,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "MLFLOW_BACKEND_STORE_URI": f"postgresql+psycopg://{pg}/mlflow",
        "MLFLOW_AUTH_CONFIG_PATH": str(_auth_ini(base / "auth.ini", pg)),
        "MLFLOW_AUTH_ADMIN_PASSWORD": COACH_PASSWORD,
        "MLFLOW_FLASK_SERVER_SECRET_KEY": "cohort-test-secret",
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }
    for name in ("PREFECT_API_URL", "MLFLOW_TRACKING_URI"):
        env.pop(name, None)
    commands = {
        "mlflow": [
            str(BIN / "mlflow"),
            "server",
            "--app-name",
            "basic-auth",
            "--artifacts-destination",
            str(base / "mlartifacts"),
            "--workers",
            "1",
            "--host",
            "127.0.0.1",
            "--port",
            str(mlflow_port),
        ],
        "prefect": [
            str(BIN / "prefect"),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(prefect_port),
        ],
    }
    procs: dict[str, subprocess.Popen] = {}
    try:
        for name, cmd in commands.items():
            log = (base / f"{name}.log").open("wb")
            procs[name] = subprocess.Popen(
                cmd, env=env, stdout=log, stderr=log, start_new_session=True
            )
        mlflow_url = f"http://127.0.0.1:{mlflow_port}"
        prefect_api = f"http://127.0.0.1:{prefect_port}/api"
        wait_healthy(f"{mlflow_url}/health", procs["mlflow"], base / "mlflow.log")
        wait_healthy(f"{prefect_api}/health", procs["prefect"], base / "prefect.log")
        coach = {
            k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MLFLOW_"))
        } | {
            "PREFECT_HOME": str(base / "coach-home"),
            "PREFECT_API_URL": prefect_api,
            "PREFECT_API_AUTH_STRING": PREFECT_AUTH,
            "MLFLOW_TRACKING_URI": mlflow_url,
            "MLFLOW_TRACKING_USERNAME": COACH,
            "MLFLOW_TRACKING_PASSWORD": COACH_PASSWORD,
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
        }
        yield {"mlflow": mlflow_url, "prefect": prefect_api, "coach_env": coach, "procs": procs}
    finally:
        for proc in procs.values():
            stop(proc)


def start_worker(coach_env: dict, pool: str, name: str, log: Path) -> subprocess.Popen:
    """`prefect worker start` on `pool`, one run at a time, in its own session (so a test
    can kill it with its runs, as a machine going away would)."""
    env = {k: v for k, v in coach_env.items() if not k.startswith("MLFLOW_TRACKING_")}
    cmd = [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--name", name]
    return subprocess.Popen(
        [*cmd, "--limit", "1", "--type", "process"],
        env=env | {"PATH": f"{BIN}{os.pathsep}{env['PATH']}"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

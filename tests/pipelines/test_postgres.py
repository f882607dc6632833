"""The shared setup (a coach with many candidates): MLflow and Prefect on a real PostgreSQL
that this test starts (Debian's postgresql package; .ci/run installs it). Same commands as
the README's "Scale-out" section."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

PG_BIN = next(
    (p for p in (Path("/usr/lib/postgresql").glob("*/bin")) if (p / "initdb").exists()), None
)
pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    if PG_BIN is None:
        if os.environ.get("PREPOPS_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL not found: install Debian's postgresql (.ci/run does)")
        pytest.skip("needs PostgreSQL (Debian's postgresql package)")
    # not under pytest's tmp root: that is private to this user, the server may run as another
    base = Path(tempfile.mkdtemp(prefix="prepops-pg-"))
    data, port = base / "data", _free_port()
    # initdb refuses to run as root: then run the server as the postgres system user
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(base, "postgres")
    subprocess.run(
        [
            *as_user,
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "prepops",
            "--auth=trust",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_user,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(base / "log"),
            "-o",
            f"-p {port} -k {base} -h 127.0.0.1",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        for db in ("mlflow", "prefect"):
            subprocess.run(
                [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "prepops", db],
                check=True,
                capture_output=True,
            )
        yield f"prepops@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*as_user, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_mlflow_on_postgres_logs_batched_and_reruns_add_nothing(postgres, tmp_path) -> None:
    from mlflow.tracking import MlflowClient

    from prepops import tracking
    from tests.code.test_tracking import payloads as demo_payloads
    from tests.conftest import DEMO

    uri = f"postgresql+psycopg://{postgres}/mlflow"
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment(
        tracking.REHEARSALS, artifact_location=(tmp_path / "artifacts").as_uri()
    )
    payloads = demo_payloads(DEMO)
    first = tracking.log_rehearsals(client, exp, payloads, "abc")
    again = tracking.log_rehearsals(client, exp, payloads, "abc")
    assert first["logged"] == len(payloads) > 0
    assert again == {"logged": 0, "unchanged": len(payloads), "superseded": 0}
    runs = client.search_runs([exp], filter_string="tags.superseded = 'false'")
    assert len(runs) == len(payloads)


def test_prefect_server_database_on_postgres(postgres, tmp_path) -> None:
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://{postgres}/prefect",
    }
    prefect = Path(sys.executable).with_name("prefect")
    result = subprocess.run(
        [str(prefect), "server", "database", "upgrade", "-y"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tables = subprocess.run(
        [
            str(PG_BIN / "psql"),
            "-h",
            postgres.split("@")[1].split(":")[0],
            "-p",
            postgres.rsplit(":", 1)[1],
            "-U",
            "prepops",
            "-d",
            "prefect",
            "-tAc",
            "select count(*) from information_schema.tables where table_name = 'flow_run'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert tables.stdout.strip() == "1"

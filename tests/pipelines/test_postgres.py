"""The shared setup (a coach with many candidates): MLflow and Prefect on a real PostgreSQL
that this test starts (Debian's postgresql package; .ci/run installs it). Same commands as
the README's "Scale-out" section: `mlflow server` and `prefect server start` on PostgreSQL,
and a candidate's checkout running `dvc repro` against the two."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests import cohort_servers as cs

PG_BIN = cs.PG_BIN
pytestmark = pytest.mark.postgres
_free_port = cs.free_port
_wait_healthy = cs.wait_healthy
COACH_AUTH = "coach:not-a-real-password"


@pytest.fixture(scope="module")
def postgres():
    if PG_BIN is None:
        if os.environ.get("PREPOPS_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL not found: install Debian's postgresql (.ci/run does)")
        pytest.skip("needs PostgreSQL (Debian's postgresql package)")
    with cs.postgres(("mlflow", "prefect", "mlflow_shared", "prefect_shared")) as pg:
        yield pg


def test_mlflow_on_postgres_logs_batched_and_reruns_add_nothing(postgres, tmp_path) -> None:
    from mlflow.tracking import MlflowClient

    from prepops.training import tracking
    from tests.code.training.test_tracking import payloads as demo_payloads
    from tests.conftest import DEMO

    uri = f"postgresql+psycopg://{postgres}/mlflow"
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment(
        tracking.mlflow_name("rehearsals"), artifact_location=(tmp_path / "artifacts").as_uri()
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


@pytest.fixture(scope="module")
def shared_servers(postgres, tmp_path_factory):
    """`mlflow server` and `prefect server start`, both on PostgreSQL, as the README says."""
    base = tmp_path_factory.mktemp("servers")
    bin_ = Path(sys.executable).parent
    mlflow_port, prefect_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(base / "prefect-home"),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://{postgres}/prefect_shared",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        # the README's recipe: the Prefect API needs the coach's password, kept in the
        # environment (never on a command line, where `ps` shows it to every local user)
        "PREFECT_SERVER_API_AUTH_STRING": COACH_AUTH,
        "MLFLOW_BACKEND_STORE_URI": f"postgresql+psycopg://{postgres}/mlflow_shared",
    }
    env.pop("PREFECT_API_URL", None)
    commands = {
        "mlflow": [
            str(bin_ / "mlflow"),
            "server",
            "--artifacts-destination",
            str(base / "mlartifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(mlflow_port),
            "--workers",
            "1",
        ],
        "prefect": [
            str(bin_ / "prefect"),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(prefect_port),
        ],
    }
    procs = {}
    try:
        for name, cmd in commands.items():
            log = (base / f"{name}.log").open("wb")
            procs[name] = subprocess.Popen(
                cmd, env=env, stdout=log, stderr=log, start_new_session=True
            )
        _wait_healthy(
            f"http://127.0.0.1:{mlflow_port}/health", procs["mlflow"], base / "mlflow.log"
        )
        prefect_api = f"http://127.0.0.1:{prefect_port}/api"
        _wait_healthy(f"{prefect_api}/health", procs["prefect"], base / "prefect.log")
        yield {"mlflow": f"http://127.0.0.1:{mlflow_port}", "prefect": prefect_api, "base": base}
    finally:
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)


def _psql(postgres: str, db: str, sql: str) -> list[list[str]]:
    host, port = postgres.split("@")[1].split(":")
    out = subprocess.run(
        [
            str(PG_BIN / "psql"),
            "-h",
            host,
            "-p",
            port,
            "-U",
            "prepops",
            "-d",
            db,
            "-tAF|",
            "-c",
            sql,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.split("|") for line in out.splitlines() if line]


def test_candidate_checkout_runs_the_lifecycle_on_the_shared_servers(
    postgres, shared_servers, tmp_path
) -> None:
    """A candidate's `dvc repro` with MLFLOW_TRACKING_URI and PREFECT_API_URL set: every
    stage's flow run lands in the Prefect database on PostgreSQL, rehearsals and the router
    in MLflow's, artifacts in the server's store; nothing local is started or written."""
    from mlflow.tracking import MlflowClient

    from tests.repo_copy import git_copy

    env = git_copy(tmp_path) | {
        "MLFLOW_TRACKING_URI": shared_servers["mlflow"],
        "PREFECT_API_URL": shared_servers["prefect"],
        "PREFECT_API_AUTH_STRING": COACH_AUTH,
        "PREPOPS_CANDIDATE": "alice",
    }
    result = subprocess.run(["dvc", "repro"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    with pytest.raises(urllib.error.HTTPError) as refused:  # no password, no API
        urllib.request.urlopen(f"{shared_servers['prefect']}/admin/version", timeout=10)
    assert refused.value.code == 401
    listed = subprocess.run(
        ["ps", "-eo", "args"], capture_output=True, text=True, check=True
    ).stdout
    assert COACH_AUTH.split(":")[1] not in listed  # never on a command line

    runs = _psql(
        postgres,
        "prefect_shared",
        "select f.name, r.state_type from flow_run r join flow f on f.id = r.flow_id",
    )
    stages = yaml.safe_load((tmp_path / "dvc.yaml").read_text())["stages"]
    flows = [name for name in stages if name != "as_of"]  # as_of writes a date, no flow
    assert sorted(name for name, _ in runs) == sorted(flows)
    assert {state for _, state in runs} == {"COMPLETED"}

    client = MlflowClient(tracking_uri=shared_servers["mlflow"])
    names = {e.name for e in client.search_experiments()}
    assert {"prepops-alice-rehearsals", "prepops-alice-evaluation", "prepops-alice-router"} <= names
    assert "prepops-rehearsals" not in names  # the candidate's own names only
    rehearsals = client.get_experiment_by_name("prepops-alice-rehearsals")
    logged = client.search_runs([rehearsals.experiment_id])
    assert len(logged) == len(list((tmp_path / "data" / "rehearsals").glob("*.yaml"))) > 0
    champion = client.get_model_version_by_alias("prepops-alice-router", "champion")
    assert champion.version == "1"
    assert list((shared_servers["base"] / "mlartifacts").rglob("router.json"))  # proxied upload
    assert not (tmp_path / "mlflow.db").exists()  # nothing tracked locally
    assert not (tmp_path / "mlartifacts").exists()
    assert not (tmp_path / ".prefect" / "prepops-server.json").exists()  # no local server

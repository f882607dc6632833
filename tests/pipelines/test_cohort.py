"""A coach's cohort end to end, on real servers (tests/cohort_servers.py): PostgreSQL, MLflow
with its basic-auth app, Prefect with its password, two `prefect worker` processes. Two
candidates registered with `prepops cohort register`, their weeks queued with `submit`, run
by the workers; each candidate sees only their own runs; nothing private reaches a server;
a run whose worker is killed mid-run is queued again by Prefect and completes."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests import cohort_servers as cs

pytestmark = pytest.mark.postgres

PRIVATE = ("Zyxwv Qoplar", "PRIVATE-NOTE-7f3a")  # an interviewer's name and a note


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    if cs.PG_BIN is None:
        if os.environ.get("PREPOPS_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL not found: install Debian's postgresql (.ci/run does)")
        pytest.skip("needs PostgreSQL (Debian's postgresql package)")
    from tests.repo_copy import git_copy

    base = tmp_path_factory.mktemp("cohort")
    with (
        cs.postgres(("mlflow", "mlflow_auth", "prefect")) as pg,
        cs.servers(pg, base) as srv,
    ):
        candidates = []
        for name in ("alice", "bobby"):
            checkout = base / name
            checkout.mkdir()
            git_copy(checkout)
            candidates.append({"name": name, "checkout": str(checkout)})
        rounds = base / "alice" / "data" / "rounds" / "helix-design-2026-10-28.yaml"
        text = rounds.read_text()
        rounds.write_text(f"{text}interviewer: {PRIVATE[0]}\nnotes: {PRIVATE[1]}\n")
        roster = base / "cohort.yaml"
        roster.write_text(
            yaml.safe_dump({"mlflow": srv["mlflow"], "pool": "cohort", "candidates": candidates})
        )
        env = srv["coach_env"] | {"PATH": f"{cs.BIN}{os.pathsep}{os.environ['PATH']}"}
        workers = [cs.start_worker(env, "cohort", f"w{i}", base / f"worker{i}.log") for i in (1, 2)]
        try:
            yield {"base": base, "roster": roster, "env": env, "pg": pg, "workers": workers} | srv
        finally:
            for worker in workers:
                cs.stop(worker)


def prepops(cohort, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["prepops", "cohort", *args, str(cohort["roster"])],
        env=cohort["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )


def wait_states(cohort, done: set[str], timeout: float = 900) -> list[dict]:
    """Poll `prepops cohort status --json` until every candidate's state is in `done`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = json.loads(prepops(cohort, "status", "--json").stdout)
        if all(r["state"] in done for r in rows):
            return rows
        time.sleep(3)
    logs = "\n".join((cohort["base"] / f"worker{i}.log").read_text()[-2000:] for i in (1, 2))
    raise AssertionError(f"not done in {timeout} s: {rows}\n{logs}")


@pytest.fixture(scope="module")
def week(cohort):
    """Register both candidates, queue their week, wait for the workers to finish it."""
    registered = prepops(cohort, "register")
    assert registered.returncode == 0, registered.stderr
    submitted = prepops(cohort, "submit")
    assert submitted.returncode == 0, submitted.stderr
    again = prepops(cohort, "submit")  # queued already: a second submit adds no run
    assert again.returncode == 0 and "already" in again.stdout, again.stdout
    return wait_states(cohort, {"Completed", "Failed", "Crashed"})


def client_as(cohort, user: str, password: str):
    from mlflow.tracking import MlflowClient

    os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"] = (
        user,
        password,
    )
    return MlflowClient(cohort["mlflow"])


@pytest.fixture
def as_user(cohort):
    """MLflow clients logged in as someone (credentials from the environment, restored)."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")}
    yield lambda user, password: client_as(cohort, user, password)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_both_candidates_weeks_complete_on_the_workers(cohort, week, as_user) -> None:
    assert [r["state"] for r in week] == ["Completed", "Completed"], week
    passwords = cohort["roster"].with_name("cohort.passwords.yaml")
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
    known = yaml.safe_load(passwords.read_text())
    for name in ("alice", "bobby"):
        client = as_user(name, known[name])
        exp = client.get_experiment_by_name(f"prepops-{name}-rehearsals")
        live = client.search_runs([exp.experiment_id], "tags.superseded = 'false'")
        files = list((cohort["base"] / name / "data" / "rehearsals").glob("*.yaml"))
        assert len(live) == len(files) > 0
        assert client.get_model_version_by_alias(f"prepops-{name}-router", "champion")


def test_a_candidate_sees_only_their_own_runs(cohort, week, as_user) -> None:
    from mlflow.exceptions import MlflowException

    known = yaml.safe_load(cohort["roster"].with_name("cohort.passwords.yaml").read_text())
    bobby = as_user("bobby", known["bobby"])
    theirs = bobby.get_experiment_by_name("prepops-bobby-rehearsals")
    run_id = bobby.search_runs([theirs.experiment_id], max_results=1)[0].info.run_id
    alice = as_user("alice", known["alice"])
    for attempt in (
        lambda: alice.get_experiment(theirs.experiment_id),
        lambda: alice.get_run(run_id),
        lambda: alice.get_registered_model("prepops-bobby-router"),
        lambda: alice.create_run(theirs.experiment_id),  # writing into it
        lambda: alice.create_experiment("prepops-bobby-evaluation"),  # taking their name
    ):
        with pytest.raises(MlflowException) as refused:
            attempt()
        assert refused.value.error_code in ("PERMISSION_DENIED", "RESOURCE_ALREADY_EXISTS")
    assert alice.search_runs([theirs.experiment_id]) == []
    names = {e.name for e in alice.search_experiments()}
    assert names and all(n.startswith("prepops-alice-") for n in names)
    for user, password in (("alice", "wrong-password-123"), ("", "")):
        with pytest.raises(MlflowException):
            as_user(user, password).search_experiments()


def test_nothing_private_reaches_the_shared_servers(cohort, week) -> None:
    for db in ("mlflow", "prefect"):
        dump = subprocess.run(
            [
                str(cs.PG_BIN / "pg_dump"),
                "-h",
                "127.0.0.1",
                "-p",
                cohort["pg"].rsplit(":", 1)[1],
                "-U",
                "prepops",
                db,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "prepops-alice" in dump or db == "prefect"  # the dump holds the cohort's data
        for secret in PRIVATE:
            assert secret not in dump, f"{secret!r} found in the {db} database"
    artifacts = cohort["base"] / "mlartifacts"
    for path in artifacts.rglob("*"):
        if path.is_file():
            assert not any(s.encode() in path.read_bytes() for s in PRIVATE), path


def _processes_of(run_id: str) -> list[int]:
    """Pids whose environment says they belong to flow run `run_id` (the run and dvc)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if f"PREFECT__FLOW_RUN_ID={run_id}".encode() in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def test_a_run_whose_worker_dies_is_queued_again_and_completes(cohort, week, monkeypatch) -> None:
    """Both workers and the run's processes killed mid-run (a machine gone); Prefect's
    automation sees no heartbeat and queues the run again; a new worker completes it."""
    # a whole week's work to do again (the first run's MLflow runs are found, not doubled)
    (cohort["base"] / "alice" / "dvc.lock").unlink()
    assert prepops(cohort, "submit", "--again", "--only", "alice").returncode == 0
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        row = json.loads(prepops(cohort, "status", "--json").stdout)[0]
        if row["state"] == "Running":
            break
        time.sleep(1)
    assert row["state"] == "Running", row
    deadline = time.monotonic() + 300
    while len(_processes_of(row["id"])) < 3 and time.monotonic() < deadline:
        time.sleep(1)  # the run, its dvc repro and a stage: well into the week
    time.sleep(3)  # the run's first heartbeat (sent at its start) has reached the server
    for worker in cohort["workers"]:
        os.killpg(worker.pid, signal.SIGKILL)
    for pid in _processes_of(row["id"]):
        os.kill(pid, signal.SIGKILL)
    base = cohort["base"]
    cohort["workers"][:] = [
        cs.start_worker(cohort["env"], "cohort", f"w{i}", base / f"worker{i}.log") for i in (3,)
    ]
    rows = wait_states(cohort, {"Completed", "Failed"}, timeout=600)
    assert rows[0]["state"] == "Completed", rows
    assert rows[0]["run"] == row["run"]  # the same run, run again
    assert rows[0]["attempts"] >= 2
    known = yaml.safe_load(cohort["roster"].with_name("cohort.passwords.yaml").read_text())
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "alice")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", known["alice"])
    client = MlflowClient(cohort["mlflow"])
    exp = client.get_experiment_by_name("prepops-alice-rehearsals")
    live = client.search_runs([exp.experiment_id], "tags.superseded = 'false'")
    ids = [r.data.tags["rehearsal_id"] for r in live]
    files = list((cohort["base"] / "alice" / "data" / "rehearsals").glob("*.yaml"))
    assert len(ids) == len(set(ids)) == len(files)  # none lost, none doubled
    assert not [r for r in live if r.info.status == "RUNNING"]

"""End to end: real `dvc repro` in a temporary git copy of this repository.

One cold `dvc repro` of a fresh copy per module; each test then starts from exactly what it
left (tracked files from git, untracked ones removed, dvc.lock, reports, DVC cache and MLflow
store restored), so the tests run in any order, or alone: no-op repro, one edited round, one
changed param, another workspace created by `prepops init`, an invalid workspace, and more.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from prepops.data.ingest import TABLES
from prepops.features.versioning import dir_md5
from tests.code.data.lines import at_line
from tests.conftest import CANARY
from tests.repo_copy import ROOT, git_copy, lock_outs, restore, snapshot

pytestmark = pytest.mark.e2e  # tests share one copy: --dist loadscope keeps them on one worker
BIN = Path(sys.executable).parent


def sh(args: list[str], cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@dataclass
class Cold:
    dst: Path
    env: dict
    result: subprocess.CompletedProcess  # of the cold `dvc repro`
    status: str  # `git status --porcelain` right after it
    diff: str  # `git diff` of what it changed in tracked files
    saved: Path  # the run state it left


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """A fresh git copy that keeps the committed dvc.lock and reports/metrics.json, as a fresh
    clone does; its cold `dvc repro` (nothing built, no cache, no MLflow store), what
    `git status` says then, and a snapshot of what it wrote."""
    dst = tmp_path_factory.mktemp("repo")
    env = git_copy(dst, keep_lock=True) | {"PREPOPS_PREFECT_IDLE_MIN": "15"}
    result = sh(["dvc", "repro"], dst, env, check=False)
    status = sh(["git", "status", "--porcelain"], dst, env).stdout
    diff = sh(["git", "diff"], dst, env).stdout
    saved = snapshot(dst, tmp_path_factory.mktemp("after-cold"))
    yield Cold(dst, env, result, status, diff, saved)
    sh([str(BIN / "prepops"), "stop"], dst, env, check=False)


def reset(dst: Path, env: dict, saved: Path) -> None:
    """The copy as its cold repro left it: tracked files (params.yaml, data/, src/, .gitignore)
    from git, untracked ones (a new workspace, a new round, mine.dvc) removed, the run state
    (dvc.lock, reports, DVC cache, MLflow store) from the snapshot."""
    assert ROOT not in (dst, *dst.parents)  # git checkout and clean: only ever in a copy
    sh(["git", "checkout", "-q", "--", "."], dst, env)
    sh(["git", "clean", "-fdq"], dst, env)  # ignored files stay: .prefect, the run state
    restore(dst, saved)


@pytest.fixture
def repo(cold):
    """The module's copy, reset to the state its cold repro left."""
    assert cold.result.returncode == 0, cold.result.stdout + cold.result.stderr
    reset(cold.dst, cold.env, cold.saved)
    return cold.dst, cold.env


def repro(repo) -> subprocess.CompletedProcess:
    dst, env = repo
    return sh(["dvc", "repro"], dst, env, check=False)


def set_params(dst: Path, **changes) -> None:
    params = yaml.safe_load((dst / "params.yaml").read_text())
    for dotted, value in changes.items():
        node = params
        *parents, leaf = dotted.split("__")
        for key in parents:
            node = node[key]
        node[leaf] = value
    (dst / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def test_cold_repro_writes_every_output(cold, repo) -> None:
    dst, _ = repo
    result = cold.result
    assert result.returncode == 0, result.stdout + result.stderr
    for name in TABLES:
        assert (dst / "reports" / "tables" / f"{name}.parquet").is_file()
    metrics = json.loads((dst / "reports" / "metrics.json").read_text())
    assert metrics["data"]["rounds"] == len(list((dst / "data" / "rounds").glob("*.yaml")))
    assert json.loads((dst / "reports" / "validation.json").read_text())["problems"] == []
    # the stages went through the runner, which `prepops runner status` shows answering
    status = sh([str(BIN / "prepops"), "runner", "status", "--json"], dst, repo[1])
    assert json.loads(status.stdout)["runner"] == {"expected": True, "answering": True}


def mlflow_runs(dst: Path) -> int:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{dst / 'mlflow.db'}")
    exp = client.get_experiment_by_name("prepops-rehearsals")
    return len(client.search_runs([exp.experiment_id], max_results=10_000))


def test_lifecycle_reports_and_one_mlflow_run_per_rehearsal(repo) -> None:
    dst, _ = repo
    for name in ("scorecard", "calibration", "diagnosis", "rehearsals"):
        assert json.loads((dst / "reports" / f"{name}.json").read_text())
    for plot in ("rehearsals.csv", "calibration.csv", "drift.csv", "allocation.csv"):
        assert (dst / "reports" / "plots" / plot).read_text().count("\n") > 1
    findings = json.loads((dst / "reports" / "findings.json").read_text())["findings"]
    assert {"overconfidence", "insufficient_data"} <= {f["kind"] for f in findings}
    patches = json.loads((dst / "reports" / "plan.json").read_text())["patches"]
    actionable = {f["id"] for f in findings if f["severity"] in ("high", "medium")}
    assert {f for p in patches for f in p["findings"]} == actionable
    assert "Retraining plan" in (dst / "reports" / "plan.md").read_text()
    hours = json.loads((dst / "reports" / "allocation.json").read_text())["loops"]
    assert sum(lp["hours"] for lp in hours) == 10
    html = (dst / "reports" / "index.html").read_text()
    assert '<section id="findings">' in html and "data:image/svg+xml;base64," in html
    training = json.loads((dst / "reports" / "router" / "training.json").read_text())
    assert training["gate"]["champion_after"] is not None
    metrics = json.loads((dst / "reports" / "metrics.json").read_text())
    assert metrics["calibration"]["n"] > 0
    assert mlflow_runs(dst) == len(list((dst / "data" / "rehearsals").glob("*.yaml")))


def test_template_version_is_the_hash_dvc_records(repo) -> None:
    dst, _ = repo
    lock = yaml.safe_load((dst / "dvc.lock").read_text())
    deps = {d["path"]: d["md5"] for d in lock["stages"]["ingest"]["deps"]}
    manifest = json.loads((dst / "reports" / "tables" / "manifest.json").read_text())
    assert deps["data/templates"] == dir_md5(dst / "data" / "templates") == manifest["template_md5"]
    assert deps["data"] == dir_md5(dst / "data")


def test_second_repro_runs_nothing(repo) -> None:
    before = mlflow_runs(repo[0])
    result = repro(repo)
    assert result.returncode == 0
    assert mlflow_runs(repo[0]) == before
    # only the as_of stage runs (always: it reads the date); it wrote the same day, so
    # nothing downstream reruns
    assert re.findall(r"Running stage '(\w+)'", result.stdout) == ["as_of"]
    assert "Stage 'validate' didn't change, skipping" in result.stdout


outs = lock_outs  # output hashes from dvc.lock, Data Docs aside (they carry GE's run time)


def test_killed_repro_recovers_with_the_same_outputs(repo) -> None:
    dst, env = repo
    reference = outs(dst)
    proc = subprocess.Popen(
        ["dvc", "repro", "--force"],
        cwd=dst,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    seen = ""
    for line in proc.stdout:  # kill it while a stage is running
        seen += line
        if "Running stage 'validate'" in line:
            time.sleep(0.5)
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert "Running stage 'validate'" in seen
    result = sh(["dvc", "repro"], dst, env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert outs(dst) == reference
    assert not list((dst / "reports").rglob(".*.tmp"))  # no half-written file left behind


def test_one_edited_round_reruns_ingest(repo) -> None:
    dst, env = repo
    path = dst / "data" / "rounds" / "northwind-hm-2026-11-19.yaml"
    path.write_text(path.read_text().replace("confidence: 0.6", "confidence: 0.65"))
    status = sh(["dvc", "status"], dst, env).stdout
    assert "ingest:" in status and "validate:" not in status.split("ingest:")[0]
    result = repro(repo)
    assert result.returncode == 0, result.stderr
    assert "Running stage 'ingest'" in result.stdout


def test_a_new_round_reruns_what_reads_rounds_only(repo) -> None:
    dst, _ = repo
    rounds = dst / "data" / "rounds"
    text = (rounds / "lumen-final-2026-11-18.yaml").read_text()
    new = rounds / "lumen-extra-2026-11-19.yaml"
    new.write_text(text.replace("id: lumen-final-2026-11-18", "id: lumen-extra-2026-11-19"))
    try:
        result = repro(repo)
        assert result.returncode == 0, result.stdout + result.stderr
        for stage in ("ingest", "validate", "train_router", "evaluate", "monitor", "report"):
            assert f"Running stage '{stage}'" in result.stdout, stage
        assert "Stage 'rehearse' didn't change, skipping" in result.stdout
    finally:
        new.unlink()


def test_edited_code_never_runs_stale_in_the_runner(repo) -> None:
    dst, _ = repo
    quality = dst / "src" / "prepops" / "data" / "quality.py"
    quality.write_text(
        quality.read_text().replace(
            'warnings = list(manifest.get("warnings", []))',
            'warnings = [*manifest.get("warnings", []), "edited-code-ran"]',
        )
    )
    result = repro(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Running stage 'validate'" in result.stdout
    assert "edited-code-ran" in (dst / "reports" / "validation.json").read_text()


def test_changed_param_reruns_only_its_stage(repo) -> None:
    dst, _ = repo
    set_params(dst, validate__pending_after_days=30)
    result = repro(repo)
    assert result.returncode == 0, result.stderr
    assert "Running stage 'ingest'" not in result.stdout
    assert "Running stage 'validate'" in result.stdout


def test_sensitive_fields_leave_no_trace_anywhere(repo) -> None:
    """A canary in `interviewer` and `notes`: after a full run, no file outside the workspace
    holds it: reports, DVC cache, MLflow store and artifacts, Prefect's database and logs."""
    dst, _ = repo
    for path in sorted((dst / "data" / "rounds").glob("*.yaml"))[:5]:
        doc = yaml.safe_load(path.read_text())
        doc.update(interviewer=f"{CANARY} Jane Doe", notes=f"{CANARY}: felt rushed")
        doc["confidence"] = min(1.0, doc["confidence"] + 0.01)  # a change the pipeline sees
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    start = time.time()
    result = repro(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert CANARY not in result.stdout + result.stderr
    time.sleep(6)  # Prefect writes flow logs to its database in the background
    state = {"reports", ".prefect", ".dvc", "mlflow.db", "mlartifacts"}  # what runs write

    def written(p: Path) -> bool:
        top = p.relative_to(dst).parts[0]
        return top != "data" and (top in state or p.stat().st_mtime >= start)

    searched = [p for p in dst.rglob("*") if p.is_file() and not p.is_socket() and written(p)]
    names = {p.relative_to(dst).parts[0] for p in searched}
    assert {"reports", ".prefect", "mlflow.db"} <= names
    assert any(p.name == "prefect.db" for p in searched)
    leaks = [str(p) for p in searched if CANARY.encode() in p.read_bytes()]
    assert leaks == []


def test_another_workspace_from_init(repo) -> None:
    dst, env = repo
    sh([str(BIN / "prepops"), "init", "mine"], dst, env)
    assert (dst / "mine.dvc").is_file()
    assert "/mine" in (dst / ".gitignore").read_text()
    set_params(dst, workspace="mine")
    result = repro(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((dst / "reports" / "metrics.json").read_text())["data"]["rounds"] == 0
    findings = json.loads((dst / "reports" / "findings.json").read_text())["findings"]
    assert {f["severity"] for f in findings} <= {"info"}  # nothing to say yet, and says so
    assert json.loads((dst / "reports" / "plan.json").read_text())["patches"] == []
    assert (dst / "reports" / "index.html").is_file()


def test_invalid_workspace_fails_with_one_line_per_problem(repo) -> None:
    dst, _ = repo
    shutil.copytree(dst / "data", dst / "broken", ignore=shutil.ignore_patterns("processed"))
    bad = dst / "broken" / "rounds" / "helix-incident-2026-10-28.yaml"
    doc = yaml.safe_load(bad.read_text())
    doc.update(stage="incidnet", confidence=9)
    bad.write_text(yaml.safe_dump(doc, sort_keys=False))
    set_params(dst, workspace="broken")
    result = repro(repo)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    rel = "rounds/helix-incident-2026-10-28.yaml"
    assert at_line(dst / "broken", f"{rel}: stage: must be one of") in out
    assert at_line(dst / "broken", f"{rel}: confidence: must be <= 1 (got 9)") in out
    assert "Traceback" not in out


def live_runs(dst: Path) -> dict[str, dict]:
    """The metrics of each rehearsal's live (not superseded) MLflow run."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{dst / 'mlflow.db'}")
    exp = client.get_experiment_by_name("prepops-rehearsals")
    runs = client.search_runs([exp.experiment_id], "tags.superseded = 'false'", max_results=10_000)
    assert all(run.info.status == "FINISHED" for run in runs)
    ids = [run.data.tags["rehearsal_id"] for run in runs]
    assert len(ids) == len(set(ids)), "one live run per rehearsal"
    return {run.data.tags["rehearsal_id"]: run.data.metrics for run in runs}


def champion_fingerprint(dst: Path) -> str:
    """The fingerprint of the version holding the registry's champion alias."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{dst / 'mlflow.db'}")
    return client.get_model_version_by_alias("prepops-router", "champion").tags["fingerprint"]


def test_run_cache_never_leaves_mlflow_behind_the_reports(repo) -> None:
    """Flip a scoring param and back: DVC must not restore the rehearse and train_router
    outputs from its run-cache without running them, or MLflow and the registry would keep
    the other param's numbers."""
    from prepops.model.registry import fingerprint

    dst, _ = repo
    set_params(dst, workspace="data")  # the demo, as the reset left it
    assert repro(repo).returncode == 0
    original = yaml.safe_load((dst / "params.yaml").read_text())
    set_params(dst, score__phrases__fillers=["the", "a"], router__C=0.05)
    assert repro(repo).returncode == 0
    changed = live_runs(dst)
    (dst / "params.yaml").write_text(yaml.safe_dump(original, sort_keys=False))
    result = repro(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Running stage 'rehearse'" in result.stdout  # run, not restored
    records = json.loads((dst / "reports" / "rehearsals.json").read_text())["rehearsals"]
    live = live_runs(dst)
    assert set(live) == {r["id"] for r in records}
    for record in records:
        assert live[record["id"]]["fillers"] == float(record["scores"]["fillers"])
    assert live != changed  # the flip was visible in MLflow, and is undone
    champion = json.loads((dst / "reports" / "router" / "champion.json").read_text())
    assert champion_fingerprint(dst) == fingerprint(champion)


def test_the_day_reruns_exactly_what_depends_on_it(repo) -> None:
    """A later as_of (or, with as_of null, a later today) reruns validate and plan and what
    reads them, never ingest, rehearse or train_router."""
    dst, _ = repo
    set_params(dst, workspace="data")  # the demo, as the reset left it
    assert repro(repo).returncode == 0
    original = yaml.safe_load((dst / "params.yaml").read_text())
    set_params(dst, as_of="2026-12-20")
    try:
        result = repro(repo)
        assert result.returncode == 0, result.stdout + result.stderr
        ran = set(re.findall(r"Running stage '(\w+)'", result.stdout))
        assert {"as_of", "validate", "plan"} <= ran
        assert not ran & {"ingest", "rehearse", "train_router"}
        plan = json.loads((dst / "reports" / "plan.json").read_text())
        assert plan["as_of"] == "2026-12-20"
    finally:
        (dst / "params.yaml").write_text(yaml.safe_dump(original, sort_keys=False))


def test_a_fresh_clone_run_leaves_git_status_clean(cold) -> None:
    """A fresh clone's `dvc repro` rewrites the committed dvc.lock and reports/metrics.json
    byte for byte and writes nothing git does not ignore. Fails while the committed dvc.lock
    is stale (code or data changed since it was made): `make relock`, then commit the two."""
    assert cold.result.returncode == 0, cold.result.stdout + cold.result.stderr
    assert cold.status == "", f"git status --porcelain:\n{cold.status}\n{cold.diff[:3000]}"

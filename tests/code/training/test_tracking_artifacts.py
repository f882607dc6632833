"""Scorecards uploaded through MLflow's artifact repository (bulk_store.write_artifact)
are what MLflow's own artifact API lists and reads back; and the logging benchmark reports
its rate, CPU, call-by-call floor and target verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prepops.training import tracking
from prepops.training.bulk_store import write_artifact
from tests.code.training.test_tracking import payloads
from tests.conftest import ROOT


def test_every_scorecard_reads_back_through_mlflow(demo_ws: Path, store: Path) -> None:
    """Each live run lists exactly its scorecard.json, MLflow's load_dict gives back the
    payload's scorecard, and no scratch or temp file is left in any artifact folder."""
    import mlflow.artifacts

    client = tracking.client(store)
    exp = tracking.experiment_id(client, tracking.mlflow_name("rehearsals"), store)
    items = payloads(demo_ws)
    tracking.log_rehearsals(client, exp, items, "abc123", every=True)
    by_id = {p["id"]: p for p in items}
    runs = client.search_runs([exp], max_results=1000)
    assert sorted(r.data.tags["rehearsal_id"] for r in runs) == sorted(by_id)
    for run in runs:
        assert [a.path for a in client.list_artifacts(run.info.run_id)] == ["scorecard.json"]
        card = mlflow.artifacts.load_dict(f"{run.info.artifact_uri}/scorecard.json")
        expected = json.loads(json.dumps(by_id[run.data.tags["rehearsal_id"]]["scorecard"]))
        assert card == expected
    files = sorted(p.name for p in (store / "mlartifacts").rglob("*") if p.is_file())
    assert files == ["scorecard.json"] * len(runs)


@pytest.mark.parametrize("form", ["file-uri", "plain-path"])
def test_write_artifact_is_what_mlflows_repository_reads(tmp_path: Path, form: str) -> None:
    """A run's artifact URI as MLflow hands it out (file:) or as a bare path: MLflow's local
    artifact repository lists and downloads what write_artifact put there."""
    from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

    folder = tmp_path / "exp" / "run" / "artifacts"  # not made yet: a new run's folder
    uri = folder.as_uri() if form == "file-uri" else str(folder)
    write_artifact(uri, "scorecard.json", '{"coverage": 0.5}')
    repo = LocalArtifactRepository(uri)
    assert [a.path for a in repo.list_artifacts()] == ["scorecard.json"]
    (tmp_path / "down").mkdir()
    got = repo.download_artifacts("scorecard.json", dst_path=str(tmp_path / "down"))
    assert json.loads(Path(got).read_text()) == {"coverage": 0.5}


def test_the_logging_benchmark_reports_rate_cpu_floor_and_verdict(tmp_path: Path) -> None:
    """On a handful of rehearsals (no timing asserted): the rerun adds no run, the rates
    follow from the times, every step of a run has its cost, and a verdict is given."""
    out = tmp_path / "bench_mlflow.json"
    n = 6
    bench = ["benchmarks/mlflow_logging.py", "--n", str(n), "--no-per-value"]
    subprocess.run(
        [sys.executable, *bench, "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "MLFLOW_TRACKING_URI": "", "PREPOPS_PROGRESS": "off"},
    )
    report = json.loads(out.read_text())
    assert report["n"] == n and report["rerun_new_runs"] == 0
    assert report["batched_per_s"] == pytest.approx(n / report["batched_s"], rel=0.05)
    assert report["batched_cpu_s"] > 0
    assert set(report["floor_ms"]) == {"create_run", "scorecard", "log_batch", "set_terminated"}
    assert all(step["cpu_ms"] >= 0 and step["wall_ms"] > 0 for step in report["floor_ms"].values())
    met = report["batched_per_s"] >= report["target_per_s"]
    assert report["verdict"].startswith("met" if met else "missed")

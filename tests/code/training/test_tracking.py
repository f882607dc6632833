"""MLflow tracking against a real SQLite store in tmp_path: runs, params, tags, idempotence,
superseded runs, and no sensitive text anywhere in the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prepops.data.workspace import load
from prepops.features.versioning import versions
from prepops.training import scoring as rehearse
from prepops.training import tracking
from prepops.training.markers import default_phrases
from tests.conftest import CANARY, edit


@pytest.fixture
def store(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    root = tmp_path / "project"
    root.mkdir()
    return root


def payloads(ws: Path) -> list[dict]:
    """What the rehearse stage logs for a workspace: one payload per rehearsal."""
    tables = load(ws).tables
    records = rehearse.score_rehearsals(
        tables["rehearsals"].assign(template_version_stamped=False),
        tables["experts"],
        tables["evidence"],
        default_phrases(),
    )
    return [tracking.rehearsal_payload(r, versions(ws), rehearse.SCORE_METRICS) for r in records]


def _log(ws: Path, root: Path) -> tuple[dict, object, str]:
    client = tracking.client(root)
    exp = tracking.experiment_id(client, tracking.mlflow_name("rehearsals"), root)
    return tracking.log_rehearsals(client, exp, payloads(ws), "abc123"), client, exp


def test_one_run_per_rehearsal_with_params_tags_metrics(demo_ws: Path, store: Path) -> None:
    counts, client, exp = _log(demo_ws, store)
    n = len(list((demo_ws / "rehearsals").glob("*.yaml")))
    assert counts == {"logged": n, "unchanged": 0, "superseded": 0}
    runs = client.search_runs([exp], max_results=1000)
    assert len(runs) == n
    run = next(r for r in runs if r.info.run_name == "2026-11-03-debugging-07")
    assert run.data.params["mode"] == "debugging"
    assert run.data.params["company"] == "Helix Robotics"
    assert run.data.params["template_version"] == "b965b44471"
    assert run.data.tags["git_commit"] == "abc123"
    assert run.data.tags["dvc_template_md5"] == versions(demo_ws)["template_md5"]
    assert run.data.tags["dvc_evidence_md5"].endswith(".dir")
    assert run.data.metrics["self_score"] == 4.0
    assert 0 < run.data.metrics["coverage"] <= 1
    artifacts = [a.path for a in client.list_artifacts(run.info.run_id)]
    assert artifacts == ["scorecard.json"]
    local = client.download_artifacts(run.info.run_id, "scorecard.json")
    assert json.loads(Path(local).read_text())["coverage"] == run.data.metrics["coverage"]
    assert str(store.resolve()) in tracking.tracking_uri(store)


def test_rerun_logs_nothing_and_a_change_supersedes(demo_ws: Path, store: Path) -> None:
    first, client, exp = _log(demo_ws, store)
    again, _, _ = _log(demo_ws, store)
    assert again == {"logged": 0, "unchanged": first["logged"], "superseded": 0}
    edit(
        demo_ws,
        "rehearsals/2026-11-03-debugging-07.yaml",
        lambda d: d.update(transcript=d["transcript"] + " That's my answer."),
    )
    changed, _, _ = _log(demo_ws, store)
    assert changed == {"logged": 1, "unchanged": first["logged"] - 1, "superseded": 1}
    runs = client.search_runs(
        [exp], filter_string="attributes.run_name = '2026-11-03-debugging-07'"
    )
    assert sorted(r.data.tags["superseded"] for r in runs) == ["false", "true"]
    old = next(r for r in runs if r.data.tags["superseded"] == "true")
    new = next(r for r in runs if r.data.tags["superseded"] == "false")
    assert old.data.tags["superseded_by"] == new.info.run_id


def test_no_sensitive_text_reaches_the_store(demo_ws: Path, store: Path) -> None:
    for rel in ("rounds/helix-incident-2026-10-28.yaml", "rounds/quanta-research-2026-10-16.yaml"):
        edit(demo_ws, rel, lambda d: d.update(interviewer=CANARY, notes=f"{CANARY} said no"))
    _log(demo_ws, store)
    from prepops.evaluation.headline import evaluate, flat, headline
    from prepops.runtime.settings import Evaluate

    tables = load(demo_ws).tables
    result = evaluate(
        tables, Evaluate(confidence_threshold=0.5, min_n=5, strong_rubric=4.0, seed=0)
    )
    client = tracking.client(store)
    exp = tracking.experiment_id(client, tracking.mlflow_name("evaluation"), store)
    report = store / "scorecard.json"
    report.write_text(str(result))
    tracking.log_evaluation(
        client, exp, flat(headline(result, {"rounds": 1}, {})), [report], {"git_commit": "x"}
    )
    written = [p for p in store.rglob("*") if p.is_file()]
    assert any(p.name == "mlflow.db" for p in written)
    for path in written:
        assert CANARY.encode() not in path.read_bytes(), path


def test_rehearsal_experiment_id_is_read_without_mlflow(demo_ws: Path, store: Path) -> None:
    _, _, exp = _log(demo_ws, store)
    assert tracking.rehearsal_experiment_id(tracking.tracking_uri(store)) == exp
    assert tracking.rehearsal_experiment_id(f"sqlite:///{store / 'missing.db'}") is None


def test_candidates_sharing_a_server_get_their_own_names(monkeypatch) -> None:
    """On a coach's shared tracking server each candidate's runs, model and release gate are
    kept apart by PREPOPS_CANDIDATE; without it the names stay prepops-<kind>."""
    from prepops.model import registry

    monkeypatch.delenv("PREPOPS_CANDIDATE", raising=False)
    assert tracking.mlflow_name("rehearsals") == "prepops-rehearsals"
    assert registry.model_name() == "prepops-router"
    monkeypatch.setenv("PREPOPS_CANDIDATE", "alice")
    alice = {tracking.mlflow_name(k) for k in ("rehearsals", "evaluation", "router")}
    monkeypatch.setenv("PREPOPS_CANDIDATE", "bob")
    bob = {tracking.mlflow_name(k) for k in ("rehearsals", "evaluation", "router")}
    assert registry.model_name() == "prepops-bob-router"
    assert not alice & bob and len(alice) == 3
    for bad in ("Alice", "a b", "x" * 41, "../etc", "-a"):
        monkeypatch.setenv("PREPOPS_CANDIDATE", bad)
        with pytest.raises(ValueError, match="PREPOPS_CANDIDATE"):
            tracking.mlflow_name("rehearsals")

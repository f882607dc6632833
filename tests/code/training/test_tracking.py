"""MLflow tracking against a real SQLite store in tmp_path: runs, params, tags, idempotence,
superseded runs, interrupted logs, deleted rehearsals, lineage tags, and no sensitive text
anywhere in the store."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from prepops.data.workspace import load
from prepops.features.versioning import versions
from prepops.training import scoring as rehearse
from prepops.training import tracking
from prepops.training.markers import default_phrases
from tests.conftest import CANARY, edit


def payloads(ws: Path, current: dict | None = None) -> list[dict]:
    """What the rehearse stage logs for a workspace: one payload per rehearsal (`current`:
    the version ids of today's templates and evidence, the workspace's by default)."""
    tables = load(ws).tables
    records = rehearse.score_rehearsals(
        tables["rehearsals"].assign(template_version_stamped=False),
        tables["experts"],
        tables["evidence"],
        default_phrases(),
    )
    now = versions(ws) if current is None else current
    return [tracking.rehearsal_payload(r, now, rehearse.SCORE_METRICS) for r in records]


def _log(ws: Path, root: Path, current: dict | None = None) -> tuple[dict, object, str]:
    client = tracking.client(root)
    exp = tracking.experiment_id(client, tracking.mlflow_name("rehearsals"), root)
    items = payloads(ws, current)
    return tracking.log_rehearsals(client, exp, items, "abc123", every=True), client, exp


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


REHEARSAL = "2026-11-03-debugging-07"  # rehearsed on the demo's current template b965b44471


def _runs(client, exp: str, rehearsal: str | None = None) -> list:
    where = f"attributes.run_name = '{rehearsal}'" if rehearsal else ""
    return client.search_runs([exp], filter_string=where, max_results=1000)


def assert_true_to(client, exp: str, items: list[dict]) -> None:
    """The invariant after any log: no run RUNNING, and exactly one live (superseded=false)
    run per current rehearsal, FINISHED, holding the payload's fingerprint, params, metrics."""
    runs = _runs(client, exp)
    assert [r.info.run_name for r in runs if r.info.status == "RUNNING"] == []
    live = [r for r in runs if r.data.tags.get("superseded") != "true"]
    assert sorted(r.data.tags["rehearsal_id"] for r in live) == sorted(p["id"] for p in items)
    by_id = {p["id"]: p for p in items}
    for run in live:
        p = by_id[run.data.tags["rehearsal_id"]]
        assert run.info.status == "FINISHED", run.info.run_name
        assert run.data.tags["fingerprint"] == p["fingerprint"]
        assert run.data.metrics == p["metrics"]
        assert run.data.params == p["params"]


@pytest.mark.parametrize("status", ["RUNNING", "FINISHED"])
def test_an_interrupted_log_is_retired_and_logged_again(
    demo_ws: Path, store: Path, status: str
) -> None:
    """A process killed mid-log is not counted done: here a run as the old code left it
    (created with its fingerprint, no metrics, still RUNNING), or one FINISHED without its
    fingerprint."""
    client = tracking.client(store)
    exp = tracking.experiment_id(client, tracking.mlflow_name("rehearsals"), store)
    items = payloads(demo_ws)
    p = next(p for p in items if p["id"] == REHEARSAL)
    tags = {**p["tags"], "fingerprint": p["fingerprint"], "superseded": "false"}
    start = tracking._ms(p["date"])
    if status == "FINISHED":
        del tags["fingerprint"]
    broken = client.create_run(exp, start_time=start, tags=tags, run_name=p["id"]).info.run_id
    if status == "FINISHED":
        client.set_terminated(broken, end_time=start)
    counts = tracking.log_rehearsals(client, exp, items, "abc123", every=True)
    assert counts == {"logged": len(items), "unchanged": 0, "superseded": 1}
    assert_true_to(client, exp, items)
    old = client.get_run(broken)
    assert old.data.tags["superseded"] == "true"
    assert old.info.status == ("KILLED" if status == "RUNNING" else "FINISHED")
    new = next(r for r in _runs(client, exp, REHEARSAL) if r.info.run_id != broken)
    assert old.data.tags["superseded_by"] == new.info.run_id
    assert [a.path for a in client.list_artifacts(new.info.run_id)] == ["scorecard.json"]


def test_a_failed_artifact_upload_leaves_no_run_counted_done(
    demo_ws: Path, store: Path, monkeypatch
) -> None:
    """The third scorecard write fails: that run is retired at once (not left RUNNING) and
    the next log completes every rehearsal not logged in full."""
    write = tracking.write_artifact
    calls = []

    def flaky(artifact_uri: str, name: str, text: str) -> None:  # the real write, 3rd fails
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        write(artifact_uri, name, text)

    monkeypatch.setattr(tracking, "write_artifact", flaky)
    with pytest.raises(OSError, match="disk full"):
        _log(demo_ws, store)
    monkeypatch.setattr(tracking, "write_artifact", write)
    counts, client, exp = _log(demo_ws, store)
    n = len(payloads(demo_ws))
    assert counts == {"logged": n - 2, "unchanged": 2, "superseded": 0}
    assert_true_to(client, exp, payloads(demo_ws))
    retired = [r for r in _runs(client, exp) if r.data.tags["superseded"] == "true"]
    assert [(r.info.status, r.data.tags["superseded_by"]) for r in retired] == [
        ("FAILED", "failed")
    ]


def test_a_deleted_rehearsal_has_its_run_superseded(demo_ws: Path, store: Path) -> None:
    first, client, exp = _log(demo_ws, store)
    # one rehearsal logged on its own (the `prepops rehearse` capture) retires no other run
    one = [p for p in payloads(demo_ws) if p["id"] == REHEARSAL]
    assert tracking.log_rehearsals(client, exp, one, "abc123") == {
        "logged": 0,
        "unchanged": 1,
        "superseded": 0,
    }
    (demo_ws / "rehearsals" / f"{REHEARSAL}.yaml").unlink()
    counts, _, _ = _log(demo_ws, store)
    assert counts == {"logged": 0, "unchanged": first["logged"] - 1, "superseded": 1}
    [run] = _runs(client, exp, REHEARSAL)
    assert (run.data.tags["superseded"], run.data.tags["superseded_by"]) == ("true", "deleted")
    assert_true_to(client, exp, payloads(demo_ws))


def test_new_template_or_evidence_versions_alone_relog_nothing(demo_ws: Path, store: Path) -> None:
    """Lineage is the rehearsal's: a new evidence or template version (same scores) logs no
    run; a changed rehearsal keeps the evidence version it was first logged with, a new one
    gets today's; the template md5 is named only for the rehearsal's own template version."""
    first = versions(demo_ws)
    later = {
        "template_version": "0123456789",
        "template_md5": "0123456789abcdef0123456789abcdef.dir",
        "evidence_version": "fedcba9876",
        "evidence_md5": "fedcba9876543210fedcba9876543210.dir",
    }
    logged, client, exp = _log(demo_ws, store, first)
    again, _, _ = _log(demo_ws, store, later)
    assert again == {"logged": 0, "unchanged": logged["logged"], "superseded": 0}
    edit(
        demo_ws,
        f"rehearsals/{REHEARSAL}.yaml",
        lambda d: d.update(transcript=d["transcript"] + " That's my answer."),
    )
    added = "2026-11-25-debugging-13"
    shutil.copy(
        demo_ws / "rehearsals" / f"{REHEARSAL}.yaml", demo_ws / "rehearsals" / f"{added}.yaml"
    )
    edit(demo_ws, f"rehearsals/{added}.yaml", lambda d: d.update(id=added, date="2026-11-25"))
    changed, _, _ = _log(demo_ws, store, later)
    assert changed == {"logged": 2, "unchanged": logged["logged"] - 1, "superseded": 1}
    assert_true_to(client, exp, payloads(demo_ws, later))
    for run in _runs(client, exp):
        tags = run.data.tags
        now = later if tags["rehearsal_id"] == added else first
        assert (tags["evidence_version"], tags["dvc_evidence_md5"]) == (
            now["evidence_version"],
            now["evidence_md5"],
        )
        own = tags["template_version"] == "b965b44471" and tags["rehearsal_id"] != added
        assert tags["dvc_template_md5"] == (first["template_md5"] if own else "unknown")


def test_runs_stay_true_through_a_change_and_a_deletion(demo_ws: Path, store: Path) -> None:
    counts, client, exp = _log(demo_ws, store)
    n = counts["logged"]
    assert_true_to(client, exp, payloads(demo_ws))
    edit(demo_ws, f"rehearsals/{REHEARSAL}.yaml", lambda d: d.update(self_score=2))
    counts, _, _ = _log(demo_ws, store)
    assert counts == {"logged": 1, "unchanged": n - 1, "superseded": 1}
    assert_true_to(client, exp, payloads(demo_ws))
    (demo_ws / "rehearsals" / "2026-10-10-debugging-01.yaml").unlink()
    counts, _, _ = _log(demo_ws, store)
    assert counts == {"logged": 0, "unchanged": n - 1, "superseded": 1}
    assert_true_to(client, exp, payloads(demo_ws))
    assert len(_runs(client, exp)) == n + 1


def test_an_evaluation_run_a_crash_left_open_is_closed(store: Path) -> None:
    """A killed evaluate stage leaves its run RUNNING; the next evaluation marks it KILLED."""
    client = tracking.client(store)
    exp = tracking.experiment_id(client, tracking.mlflow_name("evaluation"), store)
    left = client.create_run(exp).info.run_id  # what a kill after create_run leaves
    tracking.log_evaluation(client, exp, {"m": 1.0}, [], {"git_commit": "x"})
    assert client.get_run(left).info.status == "KILLED"
    assert client.get_run(left).data.tags["interrupted"] == "true"
    statuses = {r.info.status for r in client.search_runs([exp])}
    assert "RUNNING" not in statuses


def _journal(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as con:
        return con.execute("PRAGMA journal_mode").fetchone()[0]


def test_logging_writes_ahead_then_leaves_the_store_as_it_was(
    demo_ws: Path, store: Path, monkeypatch
) -> None:
    """The bulk log runs with SQLite's write-ahead log (a commit without the rollback
    journal's fsyncs) and puts the rollback journal back after: no -wal or -shm file is
    left beside mlflow.db."""
    write = tracking.write_artifact
    seen = []

    def observed(artifact_uri: str, name: str, text: str) -> None:  # the real write, noted
        seen.append(_journal(store / "mlflow.db"))
        write(artifact_uri, name, text)

    monkeypatch.setattr(tracking, "write_artifact", observed)
    counts, client, exp = _log(demo_ws, store)
    assert seen and set(seen) == {"wal"}
    assert _journal(store / "mlflow.db") == "delete"
    assert sorted(p.name for p in store.iterdir() if p.name.startswith("mlflow.db")) == [
        "mlflow.db"
    ]
    assert_true_to(client, exp, payloads(demo_ws))  # and MLflow reads it all back after
    assert counts["logged"] == len(seen)


def test_a_write_ahead_log_a_kill_left_is_folded_back(demo_ws: Path, store: Path) -> None:
    """A log killed midway leaves the store in WAL mode with committed writes only in
    mlflow.db-wal: MLflow reads them back, nothing is logged twice, and the next log returns
    the store to its rollback journal."""
    first, client, exp = _log(demo_ws, store)
    db = store / "mlflow.db"
    # a writer killed after a commit: WAL on, its change in the -wal file, no clean close
    killed = (
        "import os, sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1])\n"
        "con.execute('PRAGMA journal_mode=wal')\n"
        "con.execute(\"UPDATE tags SET value = 'from-the-wal' WHERE key = 'git_commit'\")\n"
        "con.commit()\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", killed, str(db)], check=True)
    assert (store / "mlflow.db-wal").stat().st_size > 0
    again, _, _ = _log(demo_ws, store)
    assert again == {"logged": 0, "unchanged": first["logged"], "superseded": 0}
    assert {r.data.tags["git_commit"] for r in _runs(client, exp)} == {"from-the-wal"}
    assert _journal(db) == "delete"
    assert not (store / "mlflow.db-wal").exists()

"""MLflow tracking: one run per rehearsal, one run per evaluation, batched and idempotent.

A rehearsal run counts as logged only once complete (FINISHED, set after everything else is
logged); an interrupted log is retired (superseded, not left RUNNING) and logged again.

The store defaults to a SQLite file in the project (absolute path) with artifacts beside
it; MLFLOW_TRACKING_URI overrides it. Only scores, versions and ids are logged: the
workspace's `interviewer` and `notes` never reach the tables this module reads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

from prepops.runtime.progress import progress
from prepops.training.bulk_store import write_ahead, write_artifact

_CANDIDATE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def candidate() -> str:
    """PREPOPS_CANDIDATE, checked ("" when unset); ValueError says what is allowed."""
    who = os.environ.get("PREPOPS_CANDIDATE", "")
    if who and not _CANDIDATE.fullmatch(who):
        raise ValueError(
            "PREPOPS_CANDIDATE: use 1-40 lowercase letters, digits, '-' or '_', starting with a"
            " letter or digit"
        )
    return who


def mlflow_name(kind: str) -> str:
    """The MLflow experiment or model name for `kind` (rehearsals, evaluation, router):
    prepops-<kind>, or prepops-<candidate>-<kind> with PREPOPS_CANDIDATE set, so candidates
    sharing one tracking server (a coach's) keep their runs, models and release gates apart."""
    who = candidate()
    return f"prepops-{who}-{kind}" if who else f"prepops-{kind}"


def tracking_uri(root: Path) -> str:
    """MLFLOW_TRACKING_URI, else the project's mlflow.db SQLite file (absolute path)."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{(root / 'mlflow.db').resolve()}"


def rehearsal_experiment_id(uri: str) -> str | None:
    """The rehearsal experiment's id, read from a SQLite store without importing MLflow."""
    import sqlite3

    path = uri.removeprefix("sqlite:///")
    if not uri.startswith("sqlite:///") or not Path(path).exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            row = db.execute(
                "SELECT experiment_id FROM experiments WHERE name = ?",
                (mlflow_name("rehearsals"),),
            ).fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def git_commit(root: Path) -> str:
    """The commit checked out at `root`, or 'unknown' without git."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def client(root: Path):
    """An MlflowClient on the project's tracking URI (imports MLflow, telemetry off)."""
    from prepops.runtime.privacy import no_telemetry

    no_telemetry()  # before MLflow's import starts its telemetry client
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri(root))


def experiment_id(mlflow_client, name: str, root: Path) -> str:
    """Id of experiment `name`, created if missing (artifacts under mlartifacts/<name>)."""
    found = mlflow_client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    if tracking_uri(root).startswith(("http://", "https://")):
        return mlflow_client.create_experiment(name)  # a tracking server stores artifacts itself
    artifacts = (root / "mlartifacts" / name).resolve().as_uri()
    return mlflow_client.create_experiment(name, artifact_location=artifacts)


def _ms(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp() * 1000)


def _text(value) -> str | None:
    """A string value, None for a missing one (pandas gives NaN, which is truthy)."""
    return value if isinstance(value, str) and value else None


def rehearsal_payload(record: dict, versions: dict, metric_keys: tuple[str, ...]) -> dict:
    """What one rehearsal run holds; the fingerprint covers only the rehearsal's own values."""
    scores = record["scores"]
    metrics = {k: float(scores[k]) for k in metric_keys if scores.get(k) is not None}
    metrics["has_stop"] = float(scores["has_stop"])
    metrics["markers"] = float(len(scores["markers"]))
    metrics["numeric_anchors"] = float(len(scores["numeric_anchors"]))
    if record["self_score"] is not None:
        metrics["self_score"] = float(record["self_score"])
    params = {
        "mode": record["mode"],
        "company": record["company"] or "none",
        "template_version": _text(record["template_version"]) or "unknown",
        "template_version_stamped": str(record["template_version_stamped"]).lower(),
    }
    # today's md5 names the rehearsal's templates only if it was rehearsed on today's version
    same_template = params["template_version"] == versions.get("template_version")
    tags = {
        "rehearsal_id": record["id"],
        "template_version": params["template_version"],
        "dvc_template_md5": (versions.get("template_md5") if same_template else None) or "unknown",
        # today's evidence: kept only by a rehearsal's first run (_lineage carries it over)
        "dvc_evidence_md5": versions.get("evidence_md5") or "unknown",
        "evidence_version": versions.get("evidence_version") or "unknown",
    }
    # not the tags: a new template or evidence version alone must not re-log old rehearsals
    body = json.dumps([params, metrics, record["date"]], sort_keys=True)
    return {
        "id": record["id"],
        "date": record["date"],
        "params": params,
        "metrics": metrics,
        "tags": tags,
        "fingerprint": hashlib.sha256(body.encode()).hexdigest()[:16],
        "scorecard": {**scores, "id": record["id"], "self_score": record["self_score"]},
    }


def _complete(run, fingerprint: str | None = None) -> bool:
    """Logged to the end (FINISHED is set last, on a run created with its fingerprint), and
    of exactly this payload when `fingerprint` is given."""
    got = run.data.tags.get("fingerprint")
    return run.info.status == "FINISHED" and bool(got) and fingerprint in (None, got)


def _current_runs(mlflow_client, exp_id: str) -> dict[str, list]:
    """The live (superseded=false) runs of each rehearsal id, complete ones first; an
    interrupted log leaves a live run that is RUNNING or lacks its fingerprint."""
    runs = mlflow_client.search_runs(
        [exp_id], filter_string="tags.superseded = 'false'", max_results=50_000
    )
    by_id: dict[str, list] = {}
    for run in runs:
        by_id.setdefault(run.data.tags.get("rehearsal_id"), []).append(run)
    for group in by_id.values():
        group.sort(key=lambda run: not _complete(run))  # stable: search order otherwise
    return by_id


def log_rehearsals(
    mlflow_client, exp_id: str, payloads: list[dict], commit: str, *, every: bool = False
) -> dict:
    """Log each new, changed or incompletely logged rehearsal; supersede the runs it replaces.

    With `every` (payloads are all the workspace's rehearsals) runs of any other rehearsal
    id are superseded too, by "deleted". Counts: logged (new runs), unchanged (rehearsals
    whose complete run matches), superseded (live runs retired by this call)."""
    current = _current_runs(mlflow_client, exp_id)
    counts = {"logged": 0, "unchanged": 0, "superseded": 0}
    with (
        write_ahead(mlflow_client, mlflow_client.tracking_uri),
        progress("MLflow: rehearsal runs", len(payloads)) as advance,
    ):
        for p in payloads:
            runs = current.pop(p["id"], [])
            keep = next((r for r in runs if _complete(r, p["fingerprint"])), None)
            if keep is None:
                prior = runs[0] if runs else None
                run_id = _log_rehearsal(mlflow_client, exp_id, p, commit, prior)
                counts["logged"] += 1
            else:
                run_id = keep.info.run_id
                counts["unchanged"] += 1
            stale = [r for r in runs if r is not keep]
            counts["superseded"] += _supersede(mlflow_client, stale, run_id)
            advance()
        if every:
            for runs in current.values():
                counts["superseded"] += _supersede(mlflow_client, runs, "deleted")
    return counts


def _supersede(mlflow_client, runs: list, by: str, status: str = "KILLED") -> int:
    """Tag `runs` superseded by `by` (a run id, "deleted" or "failed"), terminating any
    still RUNNING first (so a crash in between leaves it live, to be retired next time)."""
    from mlflow.entities import RunTag

    for run in runs:
        if run.info.status in ("RUNNING", "SCHEDULED"):
            mlflow_client.set_terminated(run.info.run_id, status=status)
        tags = [RunTag("superseded", "true"), RunTag("superseded_by", by)]
        mlflow_client.log_batch(run.info.run_id, tags=tags)
    return len(runs)


def _lineage(p: dict, prior) -> dict[str, str]:
    """The payload's tags, with the evidence version (and, for the same template version, the
    template md5) of the rehearsal's previous live run: the versions it was first logged with."""
    tags = dict(p["tags"])
    old = prior.data.tags if prior is not None else {}
    for key in ("dvc_evidence_md5", "evidence_version"):
        if old.get(key):
            tags[key] = old[key]
    if old.get("template_version") == tags["template_version"] and old.get(
        "dvc_template_md5", "unknown"
    ) not in ("", "unknown"):
        tags["dvc_template_md5"] = old["dvc_template_md5"]
    return tags


def _log_rehearsal(mlflow_client, exp_id: str, p: dict, commit: str, prior) -> str:
    """Create the run with every tag, write its scorecard, log params and metrics in one
    batch, then finish it; a failure on the way retires the run and re-raises."""
    from mlflow.entities import Metric, Param

    ts = _ms(p["date"])
    # every tag at creation (a tag batch is one commit more); FINISHED, set last, completes it
    tags = {**_lineage(p, prior), "superseded": "false", "git_commit": commit}
    tags |= {"mlflow.note.content": f"Rehearsal {p['id']} on {p['date']}"}
    tags["fingerprint"] = p["fingerprint"]
    run = mlflow_client.create_run(exp_id, start_time=ts, tags=tags, run_name=p["id"])
    run_id = run.info.run_id
    try:
        # not MlflowClient.log_dict: it looks the run up again and goes through a temp dir
        # and a copy (measured 4.9 ms a run; bulk_store.write_artifact 0.9 ms)
        card = json.dumps(p["scorecard"], indent=2, sort_keys=True)
        write_artifact(run.info.artifact_uri, "scorecard.json", card)
        mlflow_client.log_batch(
            run_id,
            metrics=[Metric(k, v, ts, 0) for k, v in sorted(p["metrics"].items())],
            params=[Param(k, v) for k, v in sorted(p["params"].items())],
        )
        mlflow_client.set_terminated(run_id, end_time=ts)
    except BaseException:
        with contextlib.suppress(Exception):
            _supersede(mlflow_client, [run], "failed", status="FAILED")
        raise
    return run_id


def close_interrupted(mlflow_client, exp_id: str) -> int:
    """Mark runs a killed process left RUNNING in `exp_id` as KILLED; how many.

    One stage writes an experiment at a time (DVC runs stages one by one), so a RUNNING run
    found when the stage starts is a crash's leftover, never a live writer's.
    """
    stale = mlflow_client.search_runs([exp_id], "attributes.status = 'RUNNING'")
    for run in stale:
        mlflow_client.set_tag(run.info.run_id, "interrupted", "true")
        mlflow_client.set_terminated(run.info.run_id, status="KILLED")
    return len(stale)


def log_evaluation(
    mlflow_client, exp_id: str, metrics: dict[str, float], artifacts: list[Path], tags: dict
) -> str:
    """One run per pipeline evaluation: headline metrics, reports as artifacts."""
    from mlflow.entities import Metric, RunTag

    close_interrupted(mlflow_client, exp_id)

    run = mlflow_client.create_run(exp_id, tags=tags, run_name=f"evaluate-{dt.date.today()}")
    run_id = run.info.run_id
    ts = run.info.start_time
    mlflow_client.log_batch(
        run_id,
        metrics=[Metric(k, float(v), ts, 0) for k, v in sorted(metrics.items())],
        tags=[RunTag(k, str(v)) for k, v in sorted(tags.items())],
    )
    for path in artifacts:
        mlflow_client.log_artifact(run_id, str(path))
    mlflow_client.set_terminated(run_id)
    return run_id

"""Stage `evaluate`: scorecard, calibration and diagnosis; headline metrics; one MLflow run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipelines._runner import run
from prepops.data import ingest
from prepops.evaluation import calibration, headline
from prepops.runtime.paths import Paths
from prepops.runtime.settings import Evaluate
from prepops.runtime.storage import write_csv, write_json
from prepops.training import tracking


@task(cache_policy=NO_CACHE)
def read_inputs(paths: Paths) -> tuple[dict[str, pd.DataFrame], dict, dict, dict, dict]:
    """The tables, and the validate, rehearse and train_router stages' reports."""
    tables, manifest = ingest.read_tables(paths)
    validation = json.loads(paths.validation.read_text(encoding="utf-8"))
    rehearsals = json.loads(paths.rehearsal_scores.read_text(encoding="utf-8"))
    training = json.loads((paths.router / "training.json").read_text(encoding="utf-8"))
    return tables, validation, rehearsals, manifest, training


@task(cache_policy=NO_CACHE)
def compute(tables: dict[str, pd.DataFrame], training: dict, settings: Evaluate) -> dict:
    """Scorecard, calibration, diagnosis (with the router's view) and the confusion rows."""
    result = headline.with_router(headline.evaluate(tables, settings), training)
    result["confusion_rows"] = calibration.confusion_rows(
        tables["rounds"], settings.confidence_threshold
    )
    return result


@task(cache_policy=NO_CACHE)
def write_reports(result: dict, metrics: dict, paths: Paths) -> list[Path]:
    """The JSON reports, the plot tables and metrics.json; the reports MLflow keeps."""
    written = [
        write_json(paths.scorecard, result["scorecard"]),
        write_json(paths.calibration, result["calibration"]),
        write_json(paths.diagnosis, result["diagnosis"]),
    ]
    write_csv(paths.plots / "calibration.csv", calibration.curve_rows(result["calibration"]))
    write_csv(paths.plots / "confusion.csv", result["confusion_rows"])
    write_json(paths.metrics, metrics)
    return written


@task(cache_policy=NO_CACHE)
def track(metrics: dict, artifacts: list[Path], manifest: dict, root: Path) -> str:
    """One MLflow run with the flat metrics, the reports and the data versions; its id."""
    client = tracking.client(root)
    exp = tracking.experiment_id(client, tracking.mlflow_name("evaluation"), root)
    tags = {
        "git_commit": tracking.git_commit(root),
        "template_version": manifest.get("template_version") or "unknown",
        "evidence_version": manifest.get("evidence_version") or "unknown",
        "dvc_template_md5": manifest.get("template_md5") or "unknown",
        "dvc_evidence_md5": manifest.get("evidence_md5") or "unknown",
    }
    return tracking.log_evaluation(client, exp, headline.flat(metrics), artifacts, tags)


@flow(name="evaluate")
def evaluate_flow(root: str, settings: Evaluate):
    """Read the tables and reports, evaluate, write the reports, log the run."""
    logger = get_run_logger()
    paths = Paths(Path(root))
    tables, validation, rehearsals, manifest, training = read_inputs(paths)
    result = compute(tables, training, settings)
    metrics = headline.headline(
        result,
        validation["data"],
        rehearsals["by_template_version"],
        manifest.get("template_version"),
    )
    artifacts = write_reports(result, metrics, paths)
    run_id = track(
        metrics, [*artifacts, paths.validation, paths.rehearsal_scores], manifest, paths.root
    )
    overall = result["calibration"]["overall"]
    logger.info(
        "calibration: n=%s status=%s brier=%s",
        overall["n"],
        overall["status"],
        overall.get("brier"),
    )
    logger.info("diagnosis: %s; MLflow run %s", result["diagnosis"]["primary_counts"], run_id)
    return metrics


def main() -> None:
    """`python -m pipelines.evaluate`: the flow with params.yaml's `evaluate` settings."""
    run(evaluate_flow, lambda s, p: {"root": str(p.root), "settings": s.evaluate})


if __name__ == "__main__":
    main()

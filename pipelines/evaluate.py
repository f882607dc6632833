"""Stage `evaluate`: scorecard, calibration and diagnosis; headline metrics; one MLflow run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipelines._runner import run
from prepops.data import ingest
from prepops.evaluation import calibration
from prepops.evaluation import headline as evaluate
from prepops.runtime.paths import Paths
from prepops.runtime.storage import write_csv, write_json
from prepops.training import tracking


@task(cache_policy=NO_CACHE)
def read_inputs(paths: Paths) -> tuple[dict[str, pd.DataFrame], dict, dict, dict, dict]:
    tables, manifest = ingest.read_tables(paths)
    validation = json.loads(paths.validation.read_text(encoding="utf-8"))
    rehearsals = json.loads(paths.rehearsal_scores.read_text(encoding="utf-8"))
    training = json.loads((paths.router / "training.json").read_text(encoding="utf-8"))
    return tables, validation, rehearsals, manifest, training


@task(cache_policy=NO_CACHE)
def compute(
    tables: dict[str, pd.DataFrame], threshold: float, min_n: int, strong: float, seed: int
) -> dict:
    return evaluate.evaluate(tables, threshold, min_n, strong, seed)


@task(cache_policy=NO_CACHE)
def write_reports(result: dict, metrics: dict, paths: Paths) -> list[Path]:
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
    client = tracking.client(root)
    exp = tracking.experiment_id(client, tracking.mlflow_name("evaluation"), root)
    tags = {
        "git_commit": tracking.git_commit(root),
        "template_version": manifest.get("template_version") or "unknown",
        "evidence_version": manifest.get("evidence_version") or "unknown",
        "dvc_template_md5": manifest.get("template_md5") or "unknown",
        "dvc_evidence_md5": manifest.get("evidence_md5") or "unknown",
    }
    return tracking.log_evaluation(client, exp, evaluate.flat(metrics), artifacts, tags)


@flow(name="evaluate")
def evaluate_flow(root: str, threshold: float, min_n: int, strong: float, seed: int):
    logger = get_run_logger()
    paths = Paths(Path(root))
    tables, validation, rehearsals, manifest, training = read_inputs(paths)
    result = evaluate.with_router(compute(tables, threshold, min_n, strong, seed), training)
    result["confusion_rows"] = calibration.confusion_rows(tables["rounds"], threshold)
    metrics = evaluate.headline(
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
    run(
        evaluate_flow,
        lambda s, p: {
            "root": str(p.root),
            "threshold": s.evaluate.confidence_threshold,
            "min_n": s.evaluate.min_n,
            "strong": s.evaluate.strong_rubric,
            "seed": s.evaluate.seed,
        },
    )


if __name__ == "__main__":
    main()

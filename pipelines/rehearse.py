"""Stage `rehearse`: score every rehearsal and track each as an MLflow run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipelines._runner import run
from prepops.data import ingest
from prepops.runtime.paths import Paths
from prepops.runtime.sanitize import for_terminal
from prepops.runtime.settings import Score
from prepops.runtime.storage import write_csv, write_json
from prepops.training import scoring as rehearse
from prepops.training import tracking
from prepops.training.markers import default_phrases, extend


@task(cache_policy=NO_CACHE)
def read_inputs(paths: Paths) -> tuple[dict[str, pd.DataFrame], dict]:
    """Read the rehearsal, expert and evidence tables and the version ids."""
    # only these tables and the version ids: a new round does not rerun this stage
    tables = ingest.load_tables(paths, ("rehearsals", "experts", "evidence"))
    return tables, ingest.read_versions(paths)


@task(cache_policy=NO_CACHE)
def score_all(tables: dict[str, pd.DataFrame], extra_phrases: dict) -> list[dict]:
    """Score every rehearsal with the packaged phrases plus params.yaml's."""
    phrases = extend(default_phrases(), extra_phrases)
    return rehearse.score_rehearsals(
        tables["rehearsals"], tables["experts"], tables["evidence"], phrases
    )


@task(cache_policy=NO_CACHE)
def write_outputs(records: list[dict], paths: Paths) -> dict:
    """Write reports/rehearsals.json and plots/rehearsals.csv; return the per-version summary."""
    by_version = rehearse.by_template_version(records)
    write_json(paths.rehearsal_scores, {"by_template_version": by_version, "rehearsals": records})
    write_csv(paths.plots / "rehearsals.csv", rehearse.plot_rows(records))
    return by_version


@task(cache_policy=NO_CACHE)
def track(records: list[dict], manifest: dict, root: Path) -> dict:
    """Log each new or changed rehearsal as an MLflow run, retire deleted ones; the counts."""
    client = tracking.client(root)
    exp = tracking.experiment_id(client, tracking.mlflow_name("rehearsals"), root)
    payloads = [tracking.rehearsal_payload(r, manifest, rehearse.SCORE_METRICS) for r in records]
    # every rehearsal is here: runs of rehearsals no longer in the workspace are superseded
    return tracking.log_rehearsals(client, exp, payloads, tracking.git_commit(root), every=True)


@flow(name="rehearse")
def rehearse_flow(root: str, settings: Score):
    """Score and track every rehearsal, logging a summary per template version."""
    logger = get_run_logger()
    paths = Paths(Path(root))
    tables, manifest = read_inputs(paths)
    records = score_all(tables, settings.phrases.model_dump())
    by_version = write_outputs(records, paths)
    counts = track(records, manifest, paths.root)
    for version, row in by_version.items():
        logger.info(
            "template %s: n=%s coverage=%s filler_rate=%s",
            for_terminal(version),
            row["n"],
            row["coverage"],
            row["filler_rate"],
        )
    logger.info("MLflow %s: %s", tracking.mlflow_name("rehearsals"), counts)
    return counts


def main() -> None:
    """Run the stage with params.yaml's `score` settings."""
    run(
        rehearse_flow,
        lambda s, p: {"root": str(p.root), "settings": s.score},
    )


if __name__ == "__main__":
    main()

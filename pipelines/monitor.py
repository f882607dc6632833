"""Stage `monitor`: findings (drift, calibration, consensus vs noise, interference,
forgetting, misrouting) with small-sample statistics -> reports/findings.json."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipelines._runner import run
from prepops.data import ingest
from prepops.monitoring.monitor import monitor
from prepops.monitoring.shift import drift_table
from prepops.runtime.paths import Paths
from prepops.runtime.settings import Monitor
from prepops.runtime.storage import write_csv, write_json

TABLES = ("rounds", "questions", "follow_ups", "companies")


@task(cache_policy=NO_CACHE)
def read_inputs(paths: Paths) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """The workspace tables the checks use and the scored rehearsals."""
    tables, _ = ingest.read_tables(paths, TABLES)
    records = json.loads(paths.rehearsal_scores.read_text(encoding="utf-8"))["rehearsals"]
    return tables, records


@task(cache_policy=NO_CACHE)
def detect(tables: dict, records: list[dict], settings: Monitor, strong_rubric: float) -> dict:
    """Run every check (the pure function)."""
    return monitor(tables, records, settings, strong_rubric)


@task(cache_policy=NO_CACHE)
def write_outputs(result: dict, paths: Paths) -> None:
    """findings.json and the drift heatmap as plots/drift.csv."""
    write_json(paths.findings, result)
    write_csv(paths.plots / "drift.csv", drift_table(result["drift"]))


@flow(name="monitor")
def monitor_flow(root: str, settings: Monitor, strong_rubric: float):
    """Read inputs, run the checks, write findings; log the counts and what is actionable."""
    logger = get_run_logger()
    paths = Paths(Path(root))
    tables, records = read_inputs(paths)
    result = detect(tables, records, settings, strong_rubric)
    write_outputs(result, paths)
    counts = pd.Series([f["severity"] for f in result["findings"]]).value_counts().to_dict()
    logger.info("monitor: %s tests; findings by severity %s", result["tests_run"], counts)
    for f in result["findings"]:
        if f["severity"] in ("high", "medium"):
            logger.info("%s %s: n=%s", f["severity"], f["id"], f["evidence"]["n"])
    return result


def main() -> None:
    """Entry point of `python -m pipelines.monitor` (the DVC stage)."""
    run(
        monitor_flow,
        lambda s, p: {
            "root": str(p.root),
            "settings": s.monitor,
            "strong_rubric": s.evaluate.strong_rubric,
        },
    )


if __name__ == "__main__":
    main()

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
from prepops.monitoring import monitor
from prepops.runtime.paths import Paths
from prepops.runtime.storage import write_csv, write_json

TABLES = ("rounds", "questions", "follow_ups", "companies")


@task(cache_policy=NO_CACHE)
def read_inputs(paths: Paths) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    tables, _ = ingest.read_tables(paths, TABLES)
    records = json.loads(paths.rehearsal_scores.read_text(encoding="utf-8"))["rehearsals"]
    return tables, records


@task(cache_policy=NO_CACHE)
def detect(tables: dict, records: list[dict], cfg: monitor.MonitorSettings) -> dict:
    return monitor.monitor(tables, records, cfg)


@task(cache_policy=NO_CACHE)
def write_outputs(result: dict, paths: Paths) -> None:
    write_json(paths.findings, result)
    rows = [
        {"company": company, "feature": feature, "js_distance": cell["js_distance"], "n": cell["n"]}
        for company, features in result["drift"].items()
        for feature, cell in features.items()
    ]
    write_csv(
        paths.plots / "drift.csv",
        pd.DataFrame(rows, columns=["company", "feature", "js_distance", "n"]),
    )


@flow(name="monitor")
def monitor_flow(root: str, settings: dict, strong_rubric: float):
    logger = get_run_logger()
    paths = Paths(Path(root))
    tables, records = read_inputs(paths)
    cfg = monitor.MonitorSettings(**settings, strong_rubric=strong_rubric)
    result = detect(tables, records, cfg)
    write_outputs(result, paths)
    counts = pd.Series([f["severity"] for f in result["findings"]]).value_counts().to_dict()
    logger.info("monitor: %s tests; findings by severity %s", result["tests_run"], counts)
    for f in result["findings"]:
        if f["severity"] in ("high", "medium"):
            logger.info("%s %s: n=%s", f["severity"], f["id"], f["evidence"]["n"])
    return result


def main() -> None:
    run(
        monitor_flow,
        lambda s, p: {
            "root": str(p.root),
            "settings": s.monitor.model_dump(),
            "strong_rubric": s.evaluate.strong_rubric,
        },
    )


if __name__ == "__main__":
    main()

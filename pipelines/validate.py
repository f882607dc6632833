"""Stage `validate`: recheck the stored tables and report data health (reports/validation.json)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from pipelines._runner import run
from prepops import quality
from prepops.paths import Paths
from prepops.storage import write_json


@task(cache_policy=NO_CACHE)
def read_tables(paths: Paths):
    return quality.read_tables(paths)


@task(cache_policy=NO_CACHE)
def recheck(tables):
    return quality.recheck(tables)


@task(cache_policy=NO_CACHE)
def summarize(tables, manifest, pending_after_days: int) -> dict:
    return quality.summarize(tables, manifest, dt.date.today(), pending_after_days)


@task(cache_policy=NO_CACHE)
def write_reports(summary: dict, problems, paths: Paths) -> None:
    data = quality.metrics(summary, problems)["data"]
    write_json(paths.validation, {**summary, "data": data, "problems": [str(p) for p in problems]})


@flow(name="validate")
def validate_flow(root: str, pending_after_days: int):
    logger = get_run_logger()
    paths = Paths(Path(root))
    tables, manifest = read_tables(paths)
    problems = recheck(tables)
    summary = summarize(tables, manifest, pending_after_days)
    write_reports(summary, problems, paths)
    for warning in summary["warnings"]:
        logger.warning(warning)
    for problem in problems:
        logger.error(str(problem))
    if problems:
        return Failed(message=f"{len(problems)} stored row(s) break the contract")
    logger.info("validated %s rows; %d warning(s)", summary["n"], len(summary["warnings"]))
    return summary


def main() -> None:
    run(
        validate_flow,
        lambda s, p: {"root": str(p.root), "pending_after_days": s.validate_.pending_after_days},
    )


if __name__ == "__main__":
    main()

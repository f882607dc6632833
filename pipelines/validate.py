"""Stage `validate`: recheck the stored tables and report data health (reports/validation.json)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from pipelines._runner import run
from prepops.data import expectations as gx_suites
from prepops.data import ingest, quality
from prepops.runtime import as_of as run_day
from prepops.runtime.paths import Paths
from prepops.runtime.sanitize import for_terminal
from prepops.runtime.settings import Validate
from prepops.runtime.storage import write_json


@task(cache_policy=NO_CACHE)
def read_tables(paths: Paths):
    """Read the stored tables and the manifest."""
    return ingest.read_tables(paths)


@task(cache_policy=NO_CACHE)
def recheck(tables):
    """Contract problems found in the stored tables."""
    return quality.recheck(tables)


@task(cache_policy=NO_CACHE)
def summarize(tables, manifest, as_of: dt.date, pending_after_days: int) -> dict:
    """Data health as of the run's day: counts, coverage and warnings."""
    return quality.summarize(tables, manifest, as_of, pending_after_days)


@task(cache_policy=NO_CACHE)
def expectations(tables, as_of: dt.date, settings: Validate, paths: Paths) -> list[dict]:
    """Run the Great Expectations suites and build Data Docs; one row per check."""
    frames = gx_suites.derived(tables, as_of, settings.pending_after_days)
    as_errors = settings.expectations_as_errors
    return gx_suites.run(frames, paths.data_docs, as_errors)


@task(cache_policy=NO_CACHE)
def write_reports(summary: dict, problems, checks: list[dict], paths: Paths) -> None:
    """Write reports/validation.json: summary, metrics, problems and expectations."""
    data = quality.metrics(summary, problems)["data"]
    data["expectations_failed"] = sum(not c["success"] for c in checks)
    write_json(
        paths.validation,
        {
            **summary,
            "data": data,
            "problems": [str(p) for p in problems],
            "expectations": checks,
            "data_docs": "data_docs/index.html",
        },
    )


def log_results(summary: dict, checks: list[dict], problems: list) -> None:
    """One log line per warning, failed expectation and contract problem."""
    logger = get_run_logger()
    for warning in summary["warnings"]:
        logger.warning(for_terminal(warning))
    for check in checks:
        if check["success"]:
            continue
        log = logger.error if check["severity"] == "error" else logger.warning
        log(
            "expectation %s on %s.%s failed (observed %s)",
            check["expectation"],
            check["suite"],
            check["column"],
            for_terminal(check["observed"]),
        )
    for problem in problems:
        logger.error(for_terminal(problem))


@flow(name="validate")
def validate_flow(root: str, settings: Validate, as_of: dt.date | None = None):
    """Recheck the stored tables, summarize data health, run the expectation suites."""
    paths = Paths(Path(root))
    tables, manifest = read_tables(paths)
    problems = recheck(tables)
    if problems:  # a table off the contract (a missing column, say) cannot be summarized
        for problem in problems:
            get_run_logger().error(str(problem))
        return Failed(message=f"{len(problems)} problem(s) in the stored tables")
    day = as_of or dt.date.today()  # the as_of stage's day (reports/as_of.json)
    summary = summarize(tables, manifest, day, settings.pending_after_days)
    checks = expectations(tables, day, settings, paths)
    write_reports(summary, problems, checks, paths)
    log_results(summary, checks, problems)
    errors = [c for c in checks if not c["success"] and c["severity"] == "error"]
    if errors:
        docs = paths.data_docs / "index.html"
        return Failed(message=f"{len(errors)} expectation(s) set as errors failed; see {docs}")
    get_run_logger().info(
        "validated %s rows; %d warning(s)", summary["n"], len(summary["warnings"])
    )
    return summary


def main() -> None:
    """Run the stage with params.yaml's `validate` settings."""
    run(
        validate_flow,
        lambda s, p: {"root": str(p.root), "settings": s.validate_, "as_of": run_day.read(p)},
    )


if __name__ == "__main__":
    main()

"""Stage `plan`: the smallest dated set of patches for the high and medium findings, and
next week's prep hours by Thompson sampling -> reports/plan.json, plan.md, allocation.json."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipelines._runner import run
from prepops.data import ingest
from prepops.retraining import bandit, plan
from prepops.runtime import as_of as run_day
from prepops.runtime.paths import Paths
from prepops.runtime.sanitize import for_terminal
from prepops.runtime.settings import Plan
from prepops.runtime.storage import write_csv, write_json, write_text


@task(cache_policy=NO_CACHE)
def read_inputs(paths: Paths) -> tuple[dict[str, pd.DataFrame], dict]:
    """The rounds and company cards, and the monitor stage's findings."""
    tables, _ = ingest.read_tables(paths, ("rounds", "companies"))
    return tables, json.loads(paths.findings.read_text(encoding="utf-8"))


@task(cache_policy=NO_CACHE)
def make_plan(findings: dict, tables: dict, settings: Plan) -> tuple[dict, dict]:
    """The dated patches and next week's hours per loop."""
    patches = plan.build(findings["findings"], tables["companies"], settings.as_of)
    allocation = bandit.allocate(
        tables["rounds"],
        tables["companies"],
        settings.hours,
        settings.seed,
        as_of=settings.as_of,  # how soon next_round is, counted from the run's day
        patches=patches["patches"],  # open patches weigh while outcomes are thin
    )
    return patches, allocation


@task(cache_policy=NO_CACHE)
def write_outputs(patches: dict, allocation: dict, paths: Paths) -> None:
    """plan.json, allocation.json, plan.md and the hours plot table."""
    write_json(paths.plan_json, patches)
    write_json(paths.allocation, allocation)
    write_text(paths.plan_md, plan.markdown(patches, allocation))
    write_csv(paths.plots / "allocation.csv", bandit.allocation_rows(allocation))


@flow(name="plan")
def plan_flow(root: str, settings: Plan):
    """Read the findings and tables, plan the patches and hours, write them."""
    logger = get_run_logger()
    paths = Paths(Path(root))
    tables, findings = read_inputs(paths)
    patches, allocation = make_plan(findings, tables, settings)
    write_outputs(patches, allocation, paths)
    logger.info("plan: %s patch(es) as of %s", len(patches["patches"]), patches["as_of"])
    for lp in allocation["loops"]:
        logger.info("hours: %s -> %s", for_terminal(lp["company"]), lp["hours"])
    return patches


def main() -> None:
    """`python -m pipelines.plan`: the flow with params.yaml's `plan` settings."""
    run(
        plan_flow,
        lambda s, p: {"root": str(p.root), "settings": s.plan_as_of(run_day.read(p))},
    )


if __name__ == "__main__":
    main()

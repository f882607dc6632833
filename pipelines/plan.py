"""Stage `plan`: the smallest dated set of patches for the high and medium findings, and
next week's prep hours by Thompson sampling -> reports/plan.json, plan.md, allocation.json."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipelines._runner import run
from prepops.data import ingest
from prepops.retraining import bandit, plan
from prepops.runtime.paths import Paths
from prepops.runtime.storage import write_csv, write_json, write_text


@task(cache_policy=NO_CACHE)
def read_inputs(paths: Paths) -> tuple[dict[str, pd.DataFrame], dict]:
    tables, _ = ingest.read_tables(paths, ("rounds", "companies"))
    return tables, json.loads(paths.findings.read_text(encoding="utf-8"))


@task(cache_policy=NO_CACHE)
def make_plan(findings: dict, tables: dict, as_of: dt.date, hours: float, seed: int):
    patches = plan.build(findings["findings"], tables["companies"], as_of)
    allocation = bandit.allocate(tables["rounds"], tables["companies"], hours, seed)
    return patches, allocation


@task(cache_policy=NO_CACHE)
def write_outputs(patches: dict, allocation: dict, paths: Paths) -> None:
    write_json(paths.plan_json, patches)
    write_json(paths.allocation, allocation)
    write_text(paths.plan_md, plan.markdown(patches, allocation))
    rows = pd.DataFrame(
        [
            {"company": lp["company"], "hours": lp["hours"], "share": lp["share"]}
            for lp in allocation["loops"]
        ],
        columns=["company", "hours", "share"],
    )
    write_csv(paths.plots / "allocation.csv", rows)


@flow(name="plan")
def plan_flow(root: str, hours: float, seed: int, as_of: str | None):
    logger = get_run_logger()
    paths = Paths(Path(root))
    tables, findings = read_inputs(paths)
    day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    patches, allocation = make_plan(findings, tables, day, hours, seed)
    write_outputs(patches, allocation, paths)
    logger.info("plan: %s patch(es) as of %s", len(patches["patches"]), patches["as_of"])
    for lp in allocation["loops"]:
        logger.info("hours: %s -> %s", lp["company"], lp["hours"])
    return patches


def main() -> None:
    run(
        plan_flow,
        lambda s, p: {
            "root": str(p.root),
            "hours": s.plan.hours,
            "seed": s.plan.seed,
            "as_of": s.plan.as_of.isoformat() if s.plan.as_of else None,
        },
    )


if __name__ == "__main__":
    main()

"""Stage `report`: reports/index.html, one self-contained page over every stage's output."""

from __future__ import annotations

import json
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipelines._runner import run
from prepops.data import ingest
from prepops.report import html as report
from prepops.runtime.paths import Paths
from prepops.runtime.storage import write_text


@task(cache_policy=NO_CACHE)
def read_inputs(paths: Paths) -> dict:
    """Read the JSON outputs of the earlier stages that the page shows."""

    def load(path: Path) -> dict:
        return json.loads(path.read_text(encoding="utf-8"))

    return {
        "manifest": load(paths.manifest),
        "validation": load(paths.validation),
        "metrics": load(paths.metrics),
        "calibration": load(paths.calibration),
        "scorecard": load(paths.scorecard),
        "rehearsals": load(paths.rehearsal_scores),
        "findings": load(paths.findings),
        "plan": load(paths.plan_json),
        "allocation": load(paths.allocation),
        "diagnosis": load(paths.diagnosis),
        # the round dates and the company cards: "this week" and the diagnosis rows
        "tables": ingest.load_tables(paths, ("rounds", "companies")),
    }


@task(cache_policy=NO_CACHE)
def render(inputs: dict) -> str:
    """Render the report page from the stage outputs."""
    return report.render(inputs)


@flow(name="report")
def report_flow(root: str):
    """Render and write reports/index.html; return its path."""
    paths = Paths(Path(root))
    html = render(read_inputs(paths))
    write_text(paths.report, html)
    get_run_logger().info("report: %s (%s bytes)", paths.report, len(html))
    return str(paths.report)


def main() -> None:
    """Run the stage (it reads no params.yaml settings)."""
    run(report_flow, lambda s, p: {"root": str(p.root)})


if __name__ == "__main__":
    main()

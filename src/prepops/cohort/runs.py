"""The week's runs of a cohort: submit one per candidate, read back their states."""

from __future__ import annotations

from prepops.cohort.deploy import FLOW

ACTIVE = ("SCHEDULED", "PENDING", "RUNNING", "CANCELLING", "PAUSED")


def _runs_of(client, candidate: str, limit: int = 20) -> list:
    """`candidate`'s weekly flow runs, newest first."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    deployment = client.read_deployment_by_name(f"{FLOW}/{candidate}")
    return client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
        sort=FlowRunSort.EXPECTED_START_TIME_DESC,
        limit=limit,
    )


def submit(client, candidates: list[str], again: bool = False) -> dict[str, str]:
    """Queue this week's run for each candidate; one already queued or running is kept
    (unless `again`), so a second `submit` never doubles a week. Returns name -> run name."""
    from prefect.deployments import run_deployment

    queued = {}
    for name in candidates:
        active = [r for r in _runs_of(client, name) if r.state_type.value in ACTIVE]
        if active and not again:
            queued[name] = f"{active[0].name} (already {active[0].state_name})"
            continue
        run = run_deployment(f"{FLOW}/{name}", timeout=0)
        queued[name] = run.name
    return queued


def states(client, candidates: list[str]) -> list[dict]:
    """Each candidate's latest run: its state, when it started, how long it took."""
    rows = []
    for name in candidates:
        runs = _runs_of(client, name, limit=1)
        run = runs[0] if runs else None
        rows.append(
            {
                "candidate": name,
                "run": run.name if run else None,
                "id": str(run.id) if run else None,
                "state": run.state_name if run else "never run",
                "started": run.start_time.isoformat(timespec="seconds")
                if run and run.start_time
                else None,
                "seconds": round(run.total_run_time.total_seconds(), 1) if run else None,
                "attempts": run.run_count if run else 0,
            }
        )
    return rows

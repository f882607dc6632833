"""The cohort on Prefect: a process work pool, one deployment per candidate, an automation
that puts a run whose machine vanished back in the queue, submissions and their states.

Prefect's own machinery throughout: workers (`prefect worker start --pool ...`, on any
machine with prepops installed and the checkouts) pick the runs up; nothing here schedules.
"""

from __future__ import annotations

import datetime as dt

from prepops.cohort.roster import Candidate, Roster
from prepops.cohort.weekly import secret_name

FLOW = "prepops-weekly"
ENTRYPOINT = "prepops.cohort.weekly:weekly_run"
TAG = "prepops-cohort"
RETRY_AUTOMATION = "prepops-cohort: requeue runs whose worker vanished"
HEARTBEAT_S = 30  # Prefect's floor; a run silent for LOST_AFTER_S is taken as lost
LOST_AFTER_S = 90


def ensure_pool(client, name: str) -> None:
    """Create the process work pool `name` unless it exists (a worker started first may have
    created it a moment ago: that is fine too)."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound, PrefectHTTPStatusError
    from prefect.workers.process import ProcessWorker

    try:
        client.read_work_pool(name)
        return
    except ObjectNotFound:
        pass
    template = ProcessWorker.get_default_base_job_template()
    try:
        client.create_work_pool(
            WorkPoolCreate(name=name, type="process", base_job_template=template)
        )
    except ObjectAlreadyExists:
        pass
    except PrefectHTTPStatusError as exc:
        if exc.response.status_code != 409:
            raise


def deploy(client, roster: Roster, who: Candidate):
    """Create or update `who`'s deployment of the weekly flow on the roster's pool."""
    from prefect.utilities.callables import parameter_schema

    from prepops.cohort.weekly import weekly_run

    flow_id = client.create_flow_from_name(FLOW)
    return client.create_deployment(
        flow_id,
        name=who.name,
        entrypoint=ENTRYPOINT,
        work_pool_name=roster.pool,
        parameters={"candidate": who.name, "checkout": who.checkout, "mlflow_uri": roster.mlflow},
        parameter_openapi_schema=parameter_schema(weekly_run).model_dump_for_openapi(),
        tags=[TAG],
        # heartbeats let the automation below tell a lost run from a long one
        job_variables={"env": {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_S)}},
        pull_steps=[],
    )


def store_password(who: str, password: str) -> None:
    """Keep `who`'s MLflow password in a Prefect Secret block the weekly flow reads."""
    from prefect.blocks.system import Secret

    Secret(value=password).save(secret_name(who), overwrite=True)


def ensure_requeue() -> None:
    """The automation: a cohort run that stops sending heartbeats (its worker or machine
    died) is set back to AwaitingRetry, so another worker runs it again from the start."""
    from prefect.automations import Automation
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture

    try:
        Automation.read(name=RETRY_AUTOMATION)
        return
    except ValueError:
        pass
    terminal = {f"prefect.flow-run.{s}" for s in ("Completed", "Failed", "Cancelled", "Crashed")}
    Automation(
        name=RETRY_AUTOMATION,
        trigger=EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={
                "prefect.resource.role": "tag",
                "prefect.resource.id": f"prefect.tag.{TAG}",
            },
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat"} | terminal,
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=dt.timedelta(seconds=LOST_AFTER_S),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.SCHEDULED,
                name="AwaitingRetry",
                message=f"no heartbeat for {LOST_AFTER_S} s: its worker is gone; queued again",
                force=True,
            )
        ],
    ).create()

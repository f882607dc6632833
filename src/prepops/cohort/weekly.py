"""The flow a cohort's workers run: one candidate's week, `dvc repro` in their checkout."""

from __future__ import annotations

import os
import subprocess
import time

from prefect import flow, get_run_logger

from prepops.runtime.sanitize import for_terminal

SECRET_PREFIX = "prepops-mlflow-"
# The requeue automation (deploy.py) restarts a run whose worker vanished; a week that kills
# its worker every time (out of memory, say) would otherwise be restarted for ever
MAX_STARTS = 3


def secret_name(candidate: str) -> str:
    """The Prefect Secret block holding `candidate`'s MLflow password (block names allow
    only lowercase letters, digits and dashes: the name is hex-encoded, so never ambiguous)."""
    return SECRET_PREFIX + candidate.encode().hex()


def candidate_env(base: dict[str, str], candidate: str, mlflow_uri: str, password: str) -> dict:
    """The environment `dvc repro` runs with: the candidate's name and MLflow login, the
    worker's Prefect settings; never the worker's own MLflow login."""
    env = {k: v for k, v in base.items() if not k.startswith("MLFLOW_TRACKING_")}
    # the stage flows need no heartbeat: DVC sees their exit codes (runtime.prefect_server)
    env.pop("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", None)
    return env | {
        "PREPOPS_CANDIDATE": candidate,
        "MLFLOW_TRACKING_URI": mlflow_uri,
        "MLFLOW_TRACKING_USERNAME": candidate,
        "MLFLOW_TRACKING_PASSWORD": password,
        "PREPOPS_RUNNER": "off",  # a worker runs many candidates: no warm runner per checkout
    }


def gave_up(starts: int, max_starts: int = MAX_STARTS) -> str | None:
    """Why a run started `starts` times stops instead of running again (None: it runs)."""
    if starts <= max_starts:
        return None
    return (
        f"started {starts} times: each earlier start lost its worker (heartbeats stopped); "
        f"not run again after {max_starts}. Check the workers' logs and memory, then "
        "`prepops cohort submit --again --only <name>`"
    )


@flow(name="prepops-weekly", log_prints=False)
def weekly_run(candidate: str, checkout: str, mlflow_uri: str) -> dict:
    """Run `candidate`'s weekly pipeline (`dvc repro`) in `checkout`; fail when it fails."""
    from prefect.blocks.system import Secret
    from prefect.runtime import flow_run

    logger = get_run_logger()
    stop = gave_up(flow_run.run_count)
    if stop:
        logger.error("%s: %s", candidate, stop)
        raise RuntimeError(f"{candidate}: {stop}")
    password = Secret.load(secret_name(candidate)).get()
    env = candidate_env(dict(os.environ), candidate, mlflow_uri, password)
    started = time.monotonic()
    done = subprocess.run(["dvc", "repro"], cwd=checkout, env=env, capture_output=True, text=True)
    seconds = round(time.monotonic() - started, 1)
    if done.returncode != 0:
        # the last lines only, sanitised: enough to see which stage failed and why
        tail = [for_terminal(line) for line in (done.stdout + done.stderr).splitlines()[-15:]]
        logger.error(
            "dvc repro exited %s after %s s:\n%s", done.returncode, seconds, "\n".join(tail)
        )
        raise RuntimeError(f"{candidate}: dvc repro exited {done.returncode}")
    logger.info("%s: dvc repro done in %s s", candidate, seconds)
    return {"candidate": candidate, "seconds": seconds}

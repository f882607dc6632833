"""Each candidate's door on the shared MLflow server (its basic-auth app): a user, and
MANAGE on their own experiments and registered model only.

The coach creates the candidate's three experiments and the model before the candidate's
first run, so nobody else can take those names first (any logged-in user may create an
experiment), and the server's `default_permission = NO_PERMISSIONS` hides everything else.
"""

from __future__ import annotations

import os
import secrets

KINDS = ("rehearsals", "evaluation", "router")


def names(candidate: str) -> dict[str, str]:
    """The MLflow names the candidate's pipeline uses (as training.tracking.mlflow_name)."""
    return {kind: f"prepops-{candidate}-{kind}" for kind in KINDS}


def new_password() -> str:
    """A fresh password for a candidate (MLflow asks for 12 characters or more)."""
    return secrets.token_urlsafe(18)


def register(uri: str, candidate: str, password: str) -> dict[str, str]:
    """Create (or keep) `candidate`'s user, experiments and model, and grant them MANAGE
    there; runs with the coach's admin login from the environment. Returns the ids."""
    from mlflow.exceptions import MlflowException
    from mlflow.server.auth.client import AuthServiceClient
    from mlflow.tracking import MlflowClient

    if not os.environ.get("MLFLOW_TRACKING_USERNAME"):
        raise RuntimeError("set MLFLOW_TRACKING_USERNAME/PASSWORD to the MLflow admin login")
    auth, client = AuthServiceClient(uri), MlflowClient(uri)
    try:
        auth.create_user(candidate, password)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    ids = {}
    for kind, name in names(candidate).items():
        found = client.get_experiment_by_name(name)
        ids[kind] = found.experiment_id if found else client.create_experiment(name)
        auth.grant_user_permission(candidate, "experiment", ids[kind], "MANAGE")
    model = names(candidate)["router"]
    try:
        client.create_registered_model(model)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    auth.grant_user_permission(candidate, "registered_model", model, "MANAGE")
    return ids

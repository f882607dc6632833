"""The router's release process in the MLflow Model Registry: log, register, gate, export.

Each fitted router is logged as a pyfunc model and registered as a version of
`prepops-router`. The release gate gives the new version the `champion` alias only if its
accuracy on the gate set is not below the current champion's on the same questions;
otherwise it stays a candidate and the decision says why. A candidate identical to a
registered version (same fingerprint) is not logged again, so a re-run adds no runs.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from prepops.training import tracking

CODE = Path(__file__).parents[1] / "resources" / "router_pyfunc.py"
ALIAS = "champion"


def model_name() -> str:
    """The registered model, and the experiment of its training runs: prepops-router (or
    prepops-<candidate>-router on a shared server, see tracking.mlflow_name)."""
    return tracking.mlflow_name("router")


def fingerprint(model_doc: dict) -> str:
    """A hash of the router's numbers (not its meta): identical routers share a version."""
    import hashlib

    blob = json.dumps({k: v for k, v in model_doc.items() if k != "meta"}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _versions(client) -> list:
    from mlflow.exceptions import MlflowException

    try:
        return list(client.search_model_versions(f"name='{model_name()}'"))
    except MlflowException:
        return []


class RegistryError(RuntimeError):
    """The registry could not be read: the release gate must stop, never guess."""


def champion(client):
    """The champion's ModelVersion, or None when no version holds the alias yet.

    Only "no such model" and "no such alias" mean no champion. Any other error (a server
    down, a broken store) raises RegistryError: read as "no champion" it would promote the
    candidate as a first version.
    """
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode

    name = model_name()
    try:
        model = client.get_registered_model(name)
        version = (model.aliases or {}).get(ALIAS)
        return None if version is None else client.get_model_version(name, str(version))
    except MlflowException as exc:
        if exc.error_code == ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
            return None
        raise RegistryError(f"model registry: cannot read {name}@{ALIAS}: {exc.message}") from None


def download_router(version, uri: str) -> dict:
    """The router JSON stored with a registered version."""
    import os

    import mlflow.artifacts

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

    with tempfile.TemporaryDirectory() as tmp:
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{model_name()}/{version.version}",
            dst_path=tmp,
            tracking_uri=uri,
        )
        found = next(Path(local).rglob("router.json"))
        return json.loads(found.read_text(encoding="utf-8"))


def register(
    client,
    root: Path,
    model_doc: dict,
    params: dict[str, Any],
    metrics: dict[str, float],
    tags: dict[str, str],
):
    """Log the router as a model in a new run and register it; reuse an identical version."""
    import mlflow

    fp = fingerprint(model_doc)
    exp_id = tracking.experiment_id(client, model_name(), root)
    tracking.close_interrupted(client, exp_id)  # a model log a crash cut short
    for version in _versions(client):
        if version.tags.get("fingerprint") == fp:
            return version, False
    mlflow.set_tracking_uri(tracking.tracking_uri(root))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "router.json"
        path.write_text(json.dumps(model_doc, sort_keys=True), encoding="utf-8")
        with mlflow.start_run(experiment_id=exp_id, run_name=f"router-{fp[:8]}") as run:
            mlflow.log_params(params)
            mlflow.log_metrics(metrics)
            mlflow.set_tags({**tags, "fingerprint": fp})
            info = mlflow.pyfunc.log_model(
                name="router",
                python_model=str(CODE),  # models-from-code: nothing pickled
                artifacts={"router": str(path)},
                pip_requirements=[f"mlflow=={mlflow.__version__}", "pyyaml"],
            )
    _ensure_model(client)
    version = client.create_model_version(
        model_name(),
        source=info.model_uri,
        run_id=run.info.run_id,
        tags={"fingerprint": fp, **tags},
        model_id=info.model_id,
    )
    return version, True


def _ensure_model(client) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(model_name())
    except MlflowException:
        client.create_registered_model(
            model_name(), description="prepops router: which expert mode a question wants"
        )


def promote(client, version, decision: dict, previous=None) -> None:
    """Tag the version with the gate's decision; move the alias when it was promoted."""
    for key in ("gate_accuracy", "gate_n", "reason"):
        client.set_model_version_tag(model_name(), version.version, key, str(decision[key]))
    if decision["promoted"]:
        client.set_registered_model_alias(model_name(), ALIAS, version.version)
        if previous is not None and previous.version != version.version:
            client.set_model_version_tag(model_name(), previous.version, "status", "retired")
    client.set_model_version_tag(
        model_name(), version.version, "status", "champion" if decision["promoted"] else "candidate"
    )

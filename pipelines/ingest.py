"""Stage `ingest`: workspace YAML -> validated parquet tables + manifest (reports/tables/)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from pipelines._runner import run
from prepops.data import ingest, workspace
from prepops.features import versioning
from prepops.runtime.paths import Paths
from prepops.runtime.sanitize import for_terminal


@task(cache_policy=NO_CACHE)
def load_workspace(root: Path, max_file_bytes: int, quarantine: bool) -> workspace.Workspace:
    """Load and check the workspace, leaving bad files out when quarantining."""
    return workspace.load(root, max_file_bytes=max_file_bytes, quarantine=quarantine)


@task(cache_policy=NO_CACHE)
def version_ids(root: Path) -> dict:
    """Version ids of the workspace's templates and evidence, as DVC hashes them."""
    return versioning.versions(root)


@task(cache_policy=NO_CACHE)
def write_outputs(
    ws: workspace.Workspace, versions: dict, workspace_param: str, paths: Paths
) -> dict:
    """Stamp rehearsals with the template version; write the tables and the manifest."""
    rehearsals, warnings = ingest.stamp_rehearsals(
        ws.tables["rehearsals"], versions["template_version"]
    )
    tables = {**ws.tables, "rehearsals": rehearsals}
    ingest.write_tables(tables, paths)
    data = ingest.manifest(ws, versions, warnings, workspace_param)
    ingest.write_manifest(data, paths)
    return data


@flow(name="ingest", log_prints=False)
def ingest_flow(workspace_dir: str, max_file_bytes: int, on_error: str, root: str):
    """Load and check the workspace; stop listing every problem, or quarantine bad files."""
    logger = get_run_logger()
    paths = Paths(Path(root))
    ws_path = paths.workspace(workspace_dir)
    ws = load_workspace(ws_path, max_file_bytes, on_error == "quarantine")
    for problem in ws.problems:
        logger.error(for_terminal(problem))
    if ws.problems and on_error == "fail":
        return Failed(message=f"{len(ws.problems)} problem(s) in workspace {workspace_dir}")
    versions = version_ids(ws_path)
    data = write_outputs(ws, versions, workspace_dir, paths)
    for warning in data["warnings"]:
        logger.warning(for_terminal(warning))
    logger.info(
        "ingested %s; templates %s, evidence %s",
        data["rows"],
        data["template_version"],
        data["evidence_version"],
    )
    return data


def main() -> None:
    """Run the stage with params.yaml's `workspace`, `limits` and `validate.on_error`."""
    run(
        ingest_flow,
        lambda s, p: {
            "workspace_dir": s.workspace,
            "max_file_bytes": s.limits.max_file_bytes,
            "on_error": s.validate_.on_error,
            "root": str(p.root),
        },
    )


if __name__ == "__main__":
    main()

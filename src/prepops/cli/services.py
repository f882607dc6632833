"""Service commands: the MLflow UI, where things are, stopping Prefect, the version."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from prepops.cli import common


def ui_command(root: Path, uri: str, port: int) -> tuple[list[str], dict[str, str]]:
    """argv and environment for `mlflow ui`: the store URI in the environment, not argv."""
    # The URI may hold a password: on the command line, any local user's `ps` shows it.
    from prepops.runtime.privacy import no_telemetry

    no_telemetry()
    argv = [
        sys.executable,
        "-m",
        "mlflow",
        "ui",
        "--default-artifact-root",
        (root / "mlartifacts").resolve().as_uri(),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return argv, {**os.environ, "MLFLOW_BACKEND_STORE_URI": uri}  # mlflow ui's envvar


def ui(
    port: Annotated[int, typer.Option(help="Port for the MLflow UI.")] = 5000,
) -> None:
    """Start the MLflow UI on the project's store (compare template versions there)."""
    from prepops.runtime.privacy import mask_uri
    from prepops.training.tracking import rehearsal_experiment_id, tracking_uri

    root = common.project().root
    uri = tracking_uri(root)
    shown = mask_uri(uri)
    typer.echo(f"MLflow UI on http://127.0.0.1:{port} (store {shown}); Ctrl-C stops it")
    if exp := rehearsal_experiment_id(uri):
        # MLflow 3 opens experiments in its GenAI view; this goes straight to the runs table
        typer.echo(f"rehearsal runs: http://127.0.0.1:{port}/#/experiments/{exp}/runs")
    argv, env = ui_command(root, uri, port)
    os.execve(sys.executable, argv, env)


def where() -> None:
    """Print where the reports are and where the Prefect and MLflow UIs are."""
    from prepops.runtime.prefect_server import prefect_home, server_state
    from prepops.runtime.privacy import mask_uri

    paths = common.project()
    reports = sorted(
        p for p in paths.reports.glob("*") if p.is_file() and not p.name.startswith(".")
    )
    typer.echo("reports:")
    for path in reports:
        typer.echo(f"  {path}")
    if not reports:
        typer.echo("  none yet: run `make run` (or `dvc repro`)")
    if paths.report.exists():
        typer.echo(f"Report: {paths.report.as_uri()}")
    if (docs := paths.data_docs / "index.html").exists():
        typer.echo(f"Data Docs: {docs}")
    if url := os.environ.get("PREFECT_API_URL"):
        typer.echo(f"Prefect UI: {mask_uri(url.removesuffix('/api'))} (PREFECT_API_URL)")
    elif state := server_state(prefect_home(paths.prefect_home)):
        login = prefect_home(paths.prefect_home) / "prepops-auth"
        typer.echo(f"Prefect UI: {state['ui_url']} (local server; `make stop` stops it)")
        typer.echo(f"  it asks for a password: the line in {login} (yours only, 0600)")
    else:
        typer.echo("Prefect UI: not running; the next `dvc repro` starts it")
    from prepops.training.tracking import tracking_uri

    uri = tracking_uri(paths.root)
    if uri.startswith("sqlite:///") and not (paths.root / "mlflow.db").exists():
        typer.echo("MLflow UI: no runs logged yet (the rehearse stage creates mlflow.db)")
    else:
        typer.echo(f"MLflow UI: `prepops ui` (store {mask_uri(uri)})")


def stop() -> None:
    """Stop the local Prefect server that pipeline stages share."""
    from prepops.runtime.prefect_server import prefect_home, stop_server

    stopped = stop_server(prefect_home(common.project().prefect_home))
    typer.echo("stopped the local Prefect server" if stopped else "no local Prefect server running")


def version() -> None:
    """Print the prepops version."""
    from prepops import __version__

    typer.echo(__version__)

"""The `prepops` command line. Heavy libraries are imported inside commands, not here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="prepops: interview preparation run like an ML lifecycle.",
)

WorkspaceArg = Annotated[
    Path | None,
    typer.Argument(help="Workspace folder (default: `workspace` in params.yaml, else data/)."),
]


def _settings():
    from prepops.paths import Paths
    from prepops.settings import SettingsError, load_settings

    paths = Paths()
    try:
        return paths, load_settings(paths.params)
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def _workspace(value: Path | None) -> tuple[Path, int]:
    paths, settings = _settings()
    root = value if value is not None else paths.workspace(settings.workspace)
    if not root.is_dir():
        typer.echo(f"{root}: not a workspace folder (see `prepops init --help`)", err=True)
        raise typer.Exit(2)
    return root, settings.limits.max_file_bytes


@app.command()
def validate(
    workspace: WorkspaceArg = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print problems as a JSON list.")] = False,
) -> None:
    """Check a workspace against the data contract: exit 0 valid, 1 invalid, 2 usage error."""
    root, max_bytes = _workspace(workspace)
    from prepops.workspace import load

    ws = load(root, max_file_bytes=max_bytes)
    if as_json:
        rows = [{"file": p.file, "field": p.field, "rule": p.rule} for p in ws.problems]
        typer.echo(json.dumps(rows, indent=2))
    else:
        for problem in ws.problems:
            typer.echo(str(problem))
        summary = f"{root}: {len(ws.files)} file(s), {len(ws.problems)} problem(s)"
        typer.echo(summary if ws.problems else f"{summary}: valid", err=True)
    raise typer.Exit(1 if ws.problems else 0)


@app.command()
def versions(workspace: WorkspaceArg = None) -> None:
    """Print the template and evidence version ids (the hashes DVC records)."""
    root, _ = _workspace(workspace)
    from prepops.versioning import versions as compute

    typer.echo(json.dumps(compute(root), indent=2))


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="New workspace folder (must not exist).")],
    dvc: Annotated[bool, typer.Option(help="Track the folder with `dvc add`.")] = True,
) -> None:
    """Create an empty workspace with commented examples, tracked by DVC (not git)."""
    from prepops.scaffold import ScaffoldError, create, dvc_add

    try:
        written = create(directory)
    except ScaffoldError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created {directory} ({len(written)} files)")
    if dvc:
        ok, message = dvc_add(directory)
        typer.echo(message, err=not ok)
        if not ok:
            raise typer.Exit(1)
    typer.echo(f"next: set `workspace: {directory}` in params.yaml, then `dvc repro`")


@app.command()
def where() -> None:
    """Print where the reports are and where the Prefect and MLflow UIs are."""
    import os

    from prepops.orchestration import prefect_home, server_state
    from prepops.paths import Paths

    paths = Paths()
    reports = sorted(
        p for p in paths.reports.glob("*") if p.is_file() and not p.name.startswith(".")
    )
    typer.echo("reports:")
    for path in reports:
        typer.echo(f"  {path}")
    if not reports:
        typer.echo("  none yet: run `make run` (or `dvc repro`)")
    if url := os.environ.get("PREFECT_API_URL"):
        typer.echo(f"Prefect UI: {url.removesuffix('/api')} (PREFECT_API_URL)")
    elif state := server_state(prefect_home(paths.prefect_home)):
        typer.echo(f"Prefect UI: {state['ui_url']} (local server; `make stop` stops it)")
    else:
        typer.echo("Prefect UI: not running; the next `dvc repro` starts it")
    store = paths.root / "mlflow.db"
    if store.exists():
        typer.echo(f"MLflow UI: mlflow ui --backend-store-uri sqlite:///{store}")
    else:
        typer.echo("MLflow UI: no runs logged yet (no store at mlflow.db)")


@app.command()
def stop() -> None:
    """Stop the local Prefect server that pipeline stages share."""
    from prepops.orchestration import prefect_home, stop_server
    from prepops.paths import Paths

    stopped = stop_server(prefect_home(Paths().prefect_home))
    typer.echo("stopped the local Prefect server" if stopped else "no local Prefect server running")


@app.command()
def version() -> None:
    """Print the prepops version."""
    from prepops import __version__

    typer.echo(__version__)


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="prepops")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

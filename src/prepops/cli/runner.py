"""`prepops runner status|stop`: see and stop the stage runner and the local Prefect server."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from prepops.cli import common

runner_app = typer.Typer(
    no_args_is_help=True,
    help="The stage runner: one daemon that imports the stages' libraries once "
    "(PREPOPS_RUNNER=off runs every stage in its own process instead).",
)


def _home():
    from prepops.runtime.prefect_server import prefect_home

    return prefect_home(common.project().prefect_home)


@runner_app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Show whether the runner and the local Prefect server run, and when they stop."""
    from prepops.runtime.runner.client import status as read_status

    home = _home()
    info = read_status(home) | {"home": str(home)}
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    typer.echo(f"switch: PREPOPS_RUNNER={info['switch']}  (state in {home})")
    server = info["server"]
    if server is None or not server["alive"]:
        typer.echo("server: not running; the next `dvc repro` starts it (and the runner)")
        return
    health = "answering" if server["healthy"] else "starting"
    typer.echo(f"server: pid {server['pid']}, {health}, UI {server['ui_url']}")
    runner = info["runner"]
    if runner["answering"]:
        typer.echo("runner: answering stage requests")
    else:
        typer.echo("runner: " + ("starting" if runner["expected"] else "off for this server"))
    typer.echo(f"both stop after {info['stops_in_min']} more idle minutes (`prepops runner stop`)")


@runner_app.command()
def stop() -> None:
    """Stop the runner and the local Prefect server now."""
    from prepops.runtime.prefect_server import stop_server

    stopped = stop_server(_home())
    typer.echo("stopped the runner and the local Prefect server" if stopped else "nothing running")

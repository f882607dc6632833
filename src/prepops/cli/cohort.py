"""`prepops cohort register|submit|status`: a coach's candidates on shared servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

cohort_app = typer.Typer(
    no_args_is_help=True,
    help="A coach's cohort: each candidate's weekly `dvc repro` as a Prefect deployment, "
    "run by `prefect worker` processes on any machine, tracked on one MLflow server where "
    "each candidate sees only their own runs. See README, 'Cohort'.",
)

RosterArg = Annotated[Path, typer.Argument(help="The cohort file (cohort.yaml).")]


def _roster(path: Path):
    from prepops.cohort.roster import RosterError, load_roster

    try:
        return load_roster(path)
    except RosterError as exc:
        for line in str(exc).splitlines():
            typer.echo(line, err=True)
        raise typer.Exit(2) from None


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


@cohort_app.command()
def register(roster_file: RosterArg) -> None:
    """Give each candidate an MLflow login, their own experiments and model, and a weekly run
    deployed on the pool; passwords go to a 0600 file beside the roster."""
    from prepops.cohort import access, deploy, passwords

    roster = _roster(roster_file)
    keep = passwords.path_for(roster_file)
    known = passwords.read(keep)
    with _client() as client:
        deploy.ensure_pool(client, roster.pool)
        deploy.ensure_requeue()
        for who in roster.candidates:
            fresh = who.name not in known
            known.setdefault(who.name, access.new_password())
            passwords.write(keep, known)  # before the server has it: never a lost password
            try:
                access.register(roster.mlflow, who.name, known[who.name])
            except Exception as exc:  # one line per candidate, then the next
                typer.echo(f"{who.name}: MLflow refused: {str(exc).splitlines()[0]}", err=True)
                raise typer.Exit(1) from None
            deploy.store_password(who.name, known[who.name])
            deploy.deploy(client, roster, who)
            typer.echo(f"{who.name}: {'registered' if fresh else 'up to date'}")
    typer.echo(f"passwords: {keep} (0600; hand each candidate their own line)")


@cohort_app.command()
def submit(
    roster_file: RosterArg,
    again: Annotated[
        bool, typer.Option("--again", help="Queue a new run even if one is queued or running.")
    ] = False,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Only this candidate (repeatable).")
    ] = None,
) -> None:
    """Queue this week's run for every candidate; workers on the pool pick them up."""
    from prepops.cohort.runs import submit as queue

    roster = _roster(roster_file)
    names = roster.names()
    if unknown := sorted(set(only or ()) - set(names)):
        typer.echo(f"{roster_file}: not in the roster: {', '.join(unknown)}", err=True)
        raise typer.Exit(2)
    with _client() as client:
        for name, run in queue(client, [n for n in names if not only or n in only], again).items():
            typer.echo(f"{name}: {run}")


@cohort_app.command()
def status(
    roster_file: RosterArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the states as JSON.")] = False,
) -> None:
    """Show each candidate's latest weekly run: state, start, duration, attempts."""
    from prepops.cohort.runs import states

    roster = _roster(roster_file)
    with _client() as client:
        rows = states(client, roster.names())
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("candidate", "state", "started", "seconds", "attempts")
    for row in rows:
        table.add_row(
            row["candidate"],
            row["state"],
            row["started"] or "-",
            "-" if row["seconds"] is None else str(row["seconds"]),
            str(row["attempts"]),
        )
    Console().print(table)

"""Data commands: validate, log, init, synth, versions (the workspace and its contract)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from prepops.cli import common
from prepops.cli.common import WorkspaceArg, WorkspaceOpt
from prepops.runtime.sanitize import for_terminal


def validate(
    workspace: WorkspaceArg = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print problems as a JSON list (line: null if none).")
    ] = False,
) -> None:
    """Check a workspace against the data contract: exit 0 valid, 1 invalid, 2 usage error."""
    root, source, max_bytes = common.located(workspace)
    from prepops.data.workspace import load

    ws = load(root, max_file_bytes=max_bytes)
    if as_json:
        rows = [
            {"file": p.file, "line": p.line, "field": p.field, "rule": p.rule} for p in ws.problems
        ]
        typer.echo(json.dumps(rows, indent=2))
    else:
        for problem in ws.problems:
            common.say(problem)
        summary = f"{root}: {len(ws.files)} file(s), {len(ws.problems)} problem(s)"
        summary = summary if ws.problems else f"{summary}: valid"
        common.say(f"{summary} (workspace {source})", err=True)
    raise typer.Exit(1 if ws.problems else 0)


def ask(text: str, **kwargs: Any) -> Any:
    """click.prompt with its text and a Choice's names shown sanitised (answers as written);
    Ctrl-C is typer's Abort ("Aborted!", exit 1), not a traceback."""
    import click

    choice = kwargs.get("type")
    shown = None
    if isinstance(choice, click.Choice):
        shown = {for_terminal(c): c for c in choice.choices}
        kwargs["type"] = click.Choice(list(shown), case_sensitive=choice.case_sensitive)
    try:
        answer = click.prompt(for_terminal(text), **kwargs)
    except click.exceptions.Abort:  # Ctrl-C or end of input: typer knows only its own Abort
        raise typer.Abort() from None
    return answer if shown is None else shown[answer]


def log(workspace: WorkspaceOpt = None) -> None:
    """Capture one interview round, field by field, and write it as a new rounds/ file."""
    from prepops.data import roundlog

    root, _ = common.workspace(workspace)
    doc = roundlog.capture(root, ask)
    if problems := roundlog.check(root, doc):
        common.fail_problems(problems)

    def shown(text: str) -> None:  # line by line: for_terminal makes one line of its text
        typer.echo("\n".join(for_terminal(line) for line in text.splitlines()))

    if not roundlog.confirm(doc, ask, shown):
        typer.echo(f"not written: rounds/{doc['id']}.yaml was not created (nothing saved)")
        return
    typer.echo(f"wrote {roundlog.write(root, doc)}")


def init(
    directory: Annotated[Path, typer.Argument(help="New workspace folder (must not exist).")],
    dvc: Annotated[bool, typer.Option(help="Track the folder with `dvc add`.")] = True,
) -> None:
    """Create an empty workspace with commented examples, tracked by DVC (not git)."""
    from prepops.data.scaffold import ScaffoldError, create, dvc_add

    try:
        written = create(directory)
    except ScaffoldError as exc:
        common.fail(str(exc), 2)
    typer.echo(f"created {directory} ({len(written)} files)")
    if dvc:
        ok, message = dvc_add(directory)
        typer.echo(message, err=not ok)
        if not ok:
            raise typer.Exit(1)
    typer.echo(
        f"next: set `workspace: {directory}` and `as_of: null` in params.yaml, then `dvc repro`"
    )


def synth(
    directory: Annotated[Path, typer.Argument(help="New folder for the workspace.")],
    rounds: Annotated[int, typer.Option(min=0, help="Interview rounds.")] = 32,
    companies: Annotated[int, typer.Option(min=1, help="Company loops.")] = 4,
    rehearsals: Annotated[int | None, typer.Option(min=0, help="Default: rounds / 2.")] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same workspace.")] = 0,
) -> None:
    """Write a synthetic, valid workspace of any size (for benchmarks and trying things)."""
    import datetime as dt

    from prepops.data import synth as generator

    days = min(max(70, rounds // 4), 3000)  # dates end yesterday: none lies in the future
    spec = generator.Spec(
        rounds=rounds,
        companies=companies,
        rehearsals=rounds // 2 if rehearsals is None else rehearsals,
        seed=seed,
        days=days,
        start=dt.date.today() - dt.timedelta(days=days + 1),
    )
    try:
        count = generator.write(directory, spec)
    except FileExistsError as exc:
        common.fail(str(exc), 2)
    typer.echo(f"wrote {count} files to {directory}")


def versions(workspace: WorkspaceArg = None) -> None:
    """Print the template and evidence version ids (the hashes DVC records)."""
    root, _ = common.workspace(workspace)
    from prepops.features.versioning import versions as compute

    typer.echo(json.dumps(compute(root), indent=2))

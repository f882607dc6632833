"""What every command group shares: settings and workspace lookup, option types, printing."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from prepops.runtime.sanitize import for_terminal

WorkspaceArg = Annotated[
    Path | None,
    typer.Argument(help="Workspace folder (default: `workspace` in params.yaml, else data/)."),
]
WorkspaceOpt = Annotated[Path | None, typer.Option(help="Default: params.yaml.")]
QuestionArg = Annotated[str, typer.Argument(help="The interview question, in quotes.")]
CompanyOpt = Annotated[
    str | None, typer.Option(help="Company card to use as the prior (its `company` name).")
]


def say(text: object, err: bool = False) -> None:
    """Print one line that may hold workspace text: no control or escape sequence passes."""
    typer.echo(for_terminal(text), err=err)


def fail(message: str, code: int) -> NoReturn:
    """Print a message on stderr and exit with `code` (1 invalid data, 2 usage error)."""
    say(message, err=True)
    raise typer.Exit(code)


def fail_problems(problems: Iterable[Any]) -> NoReturn:
    """Print one line per problem on stderr and exit 1."""
    for problem in problems:
        say(problem, err=True)
    raise typer.Exit(1)


def project():
    """The project's paths (PREPOPS_ROOT, else the nearest params.yaml upwards); none: exit 2."""
    from prepops.runtime.paths import Paths, ProjectNotFound

    try:
        return Paths()
    except ProjectNotFound as exc:
        fail(str(exc), 2)


def settings():
    """The project paths and params.yaml settings; no project or a bad params.yaml exits 2."""
    from prepops.runtime.settings import SettingsError, load_settings

    paths = project()
    try:
        return paths, load_settings(paths.params)
    except SettingsError as exc:
        fail(str(exc), 2)


def workspace(value: Path | None) -> tuple[Path, int]:
    """The workspace folder (given, else params.yaml's) and its file size limit; absent: exit 2."""
    root, _, limit = located(value)
    return root, limit


def located(value: Path | None) -> tuple[Path, str, int]:
    """The workspace, where it was named (shown on every check), and its file size limit."""
    paths, config = settings()
    if value is not None:
        root, source = value, "given on the command line"
    else:
        root = paths.workspace(config.workspace)
        source = f"`workspace: {config.workspace}` in {paths.params}"
    if not root.is_dir():
        fail(f"{root}: not a workspace folder ({source}; see `prepops init --help`)", 2)
    return root, source, config.limits.max_file_bytes


def read_transcript(source: str) -> str:
    """A transcript from a file, or stdin for `-`; an unreadable file exits 2."""
    try:
        return sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{source}: cannot read the transcript ({type(exc).__name__})", 2)


def print_scores(result: dict) -> None:
    """A scorecard, one right-aligned field a line."""
    for key, value in result.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        say(f"{key:>17}: {shown}")


def routed(root: Path, question: str, card: dict) -> dict:
    """The routing decision; the fallback note (no trained router) goes to stderr."""
    from prepops.model import routing

    result, note = routing.route(root, question, card)
    if note:
        say(note, err=True)
    return result

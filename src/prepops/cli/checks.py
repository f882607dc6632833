"""`prepops check-commit`: what a pre-commit hook runs before a workspace version is committed."""

from __future__ import annotations

from pathlib import Path

import typer

from prepops.cli import common
from prepops.cli.common import WorkspaceArg


def _shown(path: Path, project: Path) -> str:
    """The workspace as people name it: relative to the project when inside it."""
    full = path.resolve()
    inside = full.is_relative_to(project.resolve())
    return f"{full.relative_to(project.resolve()).as_posix() if inside else full}/"


def check_commit(workspace: WorkspaceArg = None) -> None:
    """Validate the workspace on disk and check that its .dvc pointer records exactly those
    files (`dvc status`): exit 0 ok, 1 refused (one line per problem), 2 usage error."""
    root, source, max_bytes = common.located(workspace)
    project = common.project().root
    from prepops.data.dvc_status import pointer_for, pointer_problems
    from prepops.data.workspace import load

    ws = load(root, max_file_bytes=max_bytes)
    for problem in ws.problems:
        common.say(problem)
    pointer = pointer_for(root, project)
    mismatches = pointer_problems(pointer, project) if pointer else []
    for line in mismatches:
        common.say(line)
    if pointer is None:
        tracked = "no .dvc pointer (committed with git, if at all)"
    else:
        name = pointer.relative_to(project.resolve()).as_posix()
        tracked = f"{name} {'does not match' if mismatches else 'matches'} the files on disk"
    count = len(ws.problems) + len(mismatches)
    verdict = f"{count} problem(s): refused" if count else "valid"
    common.say(
        f"checked {_shown(root, project)} ({source}): {len(ws.files)} file(s), "
        f"{len(ws.problems)} contract problem(s); {tracked}: {verdict}",
        err=True,
    )
    raise typer.Exit(1 if count else 0)

"""Training commands: score one answer, rehearse (capture, score and log a practice answer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from prepops.cli import common
from prepops.cli.common import WorkspaceOpt
from prepops.data.contract import MODES

EDITOR_HINT = "# Type or paste the answer as spoken, then save and close.\n"


def score(
    source: Annotated[str, typer.Argument(help="Transcript file, or - for stdin.")] = "-",
    duration_s: Annotated[
        float, typer.Option("--duration-s", help="Spoken length in seconds.", min=0.001)
    ] = ...,
    mode: Annotated[str | None, typer.Option(help="Expert mode: adds segment coverage.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score one answer: special tokens, fillers, pace, signal-to-noise (see README)."""
    from prepops.training.capture import scorecard

    if mode is not None and mode not in MODES:
        common.fail(f"--mode: must be one of {', '.join(MODES)} (got {mode!r})", 2)
    text = common.read_transcript(source)
    paths, settings = common.settings()
    root = paths.workspace(settings.workspace)
    result = scorecard(root, text, duration_s, mode, settings.score.phrases.model_dump())
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    common.print_scores(result)


def _check_candidate() -> None:
    """Refuse a bad PREPOPS_CANDIDATE before the answer is captured, not after."""
    from prepops.training.tracking import candidate

    try:
        candidate()
    except ValueError as exc:
        common.fail(str(exc), 2)


def _ask_mode(root: Path, question: str, company: str | None) -> str:
    """Prompt for the mode until it is a known one; Enter accepts the router's pick."""
    from prepops.model import routing

    try:
        card = routing.company_card(root, company)
    except routing.UnknownCompany:
        card = {}  # capture.build reports the unknown company with the other problems
    suggested = common.routed(root, question, card)["mode"]
    mode = None
    while mode not in MODES:
        mode = typer.prompt(f"Mode ({', '.join(MODES)})", default=suggested)
    return mode


def _time_answer() -> float:
    """Seconds between two presses of Enter."""
    import time

    typer.prompt("Press Enter to start answering", default="", show_default=False)
    start = time.monotonic()
    typer.prompt("Press Enter when you stop", default="", show_default=False)
    return max(time.monotonic() - start, 0.001)


def _transcript(source: str | None) -> str:
    """The transcript from a file or stdin, else typed into $EDITOR (# lines dropped)."""
    if source:
        return common.read_transcript(source)
    import click  # typer re-exports prompt but not edit

    text = click.edit(EDITOR_HINT) or ""
    return "\n".join(line for line in text.splitlines() if not line.startswith("#"))


def rehearse(
    question: Annotated[str | None, typer.Option(help="The question answered.")] = None,
    mode: Annotated[str | None, typer.Option(help="Expert mode practised.")] = None,
    company: Annotated[str | None, typer.Option(help="Company card this targets.")] = None,
    transcript: Annotated[
        str | None, typer.Option(help="Transcript file, - for stdin; omitted: opens $EDITOR.")
    ] = None,
    duration_s: Annotated[
        float | None, typer.Option("--duration-s", min=0.001, help="Omitted: time it with Enter.")
    ] = None,
    self_score: Annotated[int | None, typer.Option(min=1, max=5)] = None,
    workspace: WorkspaceOpt = None,
    track: Annotated[bool, typer.Option(help="Log the run to MLflow.")] = True,
) -> None:
    """Capture one practice answer: write a rehearsal file, print its scorecard, log the run."""
    from prepops.training import capture

    root, _ = common.workspace(workspace)
    if track:
        _check_candidate()
    question = question or typer.prompt("Question")
    if mode not in MODES:
        mode = _ask_mode(root, question, company)
    if duration_s is None:
        duration_s = _time_answer()
    text = _transcript(transcript)
    doc, problems = capture.build(root, question, mode, text, duration_s, company, self_score)
    if problems:
        common.fail_problems(problems)
    typer.echo(f"wrote {capture.write(root, doc)}")
    paths, settings = common.settings()
    phrases = settings.score.phrases.model_dump()
    scores = capture.scorecard(root, doc["transcript"], doc["duration_s"], mode, phrases)
    common.print_scores(scores)
    if track:
        name, counts = capture.track(paths.root, root, doc, scores)
        typer.echo(f"MLflow {name}: {counts}")

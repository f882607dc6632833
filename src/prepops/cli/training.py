"""Training commands: score one answer, rehearse (capture, score and log a practice answer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from prepops.cli import common
from prepops.cli.common import WorkspaceOpt
from prepops.data.contract import MODES


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


def _card(root: Path, company: str) -> dict:
    """The card of a company named on the command line; an unknown name exits 2 before
    anything is captured, with the closest card's name."""
    from prepops.data.lightread import company_cards
    from prepops.data.problems import did_you_mean
    from prepops.model import routing

    cards = company_cards(root)
    card = routing.find_card(cards, company)
    if card is None:
        hint = did_you_mean(company, cards) or f" (known: {', '.join(sorted(cards)) or 'none'})"
        common.fail(f"--company: no card for {company!r} in {root}/companies{hint}", 2)
    return card


def _ask_company(root: Path) -> dict:
    """Prompt for the company this answer targets (blank: none); re-asks an unknown name."""
    import click

    from prepops.cli.data import ask
    from prepops.data.lightread import company_cards
    from prepops.data.problems import did_you_mean
    from prepops.model import routing

    cards = company_cards(root)
    if not cards:
        return {}

    def parse(text: str) -> dict:
        if not text.strip():
            return {}
        card = routing.find_card(cards, text)
        if card is None:
            raise click.BadParameter(f"no card for {text.strip()!r}{did_you_mean(text, cards)}")
        return card

    label = f"Company ({', '.join(sorted(cards))}; blank: none)"
    return ask(label, default="", show_default=False, value_proc=parse)


def _ask_mode(root: Path, question: str, card: dict) -> str:
    """Prompt for the mode until it is a known one; Enter accepts the router's pick, which
    counts the company card's prior (its primary and secondary mode)."""
    suggested = common.routed(root, question, card)["mode"]
    if card:
        common.say(f"router: {suggested} for this question at {card['company']}")
    mode = None
    while mode not in MODES:
        mode = typer.prompt(f"Mode ({', '.join(MODES)})", default=suggested)
    return mode


def _ask_self_score() -> int | None:
    """Prompt for a self-score 1..5 once the answer is in (blank: none)."""
    import click

    def parse(text: str) -> int | None:
        if not text.strip():
            return None
        if text.strip() not in {"1", "2", "3", "4", "5"}:
            raise click.BadParameter("a whole number from 1 to 5, or blank")
        return int(text)

    from prepops.cli.data import ask  # click's prompt: re-asks on click's BadParameter

    return ask("Self-score 1..5 (blank: skip)", default="", show_default=False, value_proc=parse)


def _time_answer() -> float:
    """Seconds between two presses of Enter."""
    import time

    typer.prompt("Press Enter to start answering", default="", show_default=False)
    start = time.monotonic()
    typer.prompt("Press Enter when you stop", default="", show_default=False)
    return max(time.monotonic() - start, 0.001)


def _transcript(source: str | None, draft: Path) -> str:
    """The transcript from a file or stdin, else typed into $EDITOR in the draft's answer
    file (a real file, not a temporary one: what the editor saved survives its failure)."""
    import click

    from prepops.training.capture import EDITOR_HINT, answer_file, typed

    if source:
        return common.read_transcript(source)
    txt = answer_file(draft)
    if not txt.exists():
        txt.write_text(EDITOR_HINT, encoding="utf-8")
    try:
        click.edit(filename=str(txt))  # typer re-exports prompt but not edit
    except click.ClickException as exc:  # typer would print it as a crash, with a traceback
        common.fail(f"$EDITOR: {exc.format_message()}", 1)
    return typed(txt.read_text(encoding="utf-8", errors="replace"))


def _resumed(resume: Path | None) -> dict:
    """The fields of the draft to resume ({} for none); an unreadable draft exits 2."""
    from prepops.training.capture import load_draft

    if resume is None:
        return {}
    try:
        return load_draft(resume)
    except (OSError, ValueError) as exc:
        common.fail(f"--resume: {exc}", 2)


def _kept(draft: Path) -> None:
    """Say where the captured answer is when capture stops before the file is written."""
    common.say(
        f"your answer so far is kept in {draft}: finish it with `prepops rehearse --resume "
        f"{draft}`",
        err=True,
    )


def _captured(root: Path, draft: Path, fields: dict, transcript: str | None, asking: bool):
    """Time, type and self-score the answer, saving the draft after each step; the document."""
    from prepops.training import capture

    capture.save_draft(draft, fields)
    if fields.get("duration_s") is None:
        fields["duration_s"] = round(_time_answer(), 1)
        capture.save_draft(draft, fields)
    if transcript or fields.get("transcript") is None:
        fields["transcript"] = capture.tidy(_transcript(transcript, draft))
        capture.save_draft(draft, fields)
    if asking and fields.get("self_score") is None:
        fields["self_score"] = _ask_self_score()
        capture.save_draft(draft, fields)
    args = ("question", "mode", "transcript", "duration_s", "company", "self_score")
    doc, problems = capture.build(root, *(fields.get(k) for k in args))
    if problems:
        common.fail_problems(problems)
    return doc


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
    resume: Annotated[
        Path | None, typer.Option(help="A draft left by an interrupted rehearse (drafts/).")
    ] = None,
    workspace: WorkspaceOpt = None,
    track: Annotated[bool, typer.Option(help="Log the run to MLflow.")] = True,
) -> None:
    """Capture one practice answer: write a rehearsal file, print its scorecard, log the run.

    Asks for what the flags leave out: company, question, mode (the router's pick for that
    company), then times the answer, takes the transcript and asks for a self-score.
    """
    from prepops.training import capture

    root, _ = common.workspace(workspace)
    if track:
        _check_candidate()
    given = {"question": question, "company": company, "mode": mode, "duration_s": duration_s}
    given |= {"self_score": self_score}
    fields = _resumed(resume) | {k: v for k, v in given.items() if v is not None}
    asking = any(fields.get(k) is None for k in ("question", "mode", "duration_s"))
    card = _card(root, fields["company"]) if fields.get("company") else {}
    if asking and not fields.get("company"):
        card = _ask_company(root)
    fields["company"] = card.get("company")
    fields["question"] = fields.get("question") or typer.prompt("Question")
    draft = resume or capture.new_draft(root)
    capture.save_draft(draft, fields)  # from here on, whatever fails, nothing typed is lost
    try:
        if fields.get("mode") not in MODES:
            fields["mode"] = _ask_mode(root, fields["question"], card)
        doc = _captured(root, draft, fields, transcript, asking)
        written = capture.write(root, doc)
    except (Exception, KeyboardInterrupt):
        _kept(draft)
        raise
    capture.discard_draft(draft)
    typer.echo(f"wrote {written}")
    _scored(root, doc, track)


def _scored(root: Path, doc: dict, track: bool) -> None:
    """Print the written rehearsal's scorecard and log it to MLflow."""
    from prepops.training import capture

    paths, settings = common.settings()
    phrases = settings.score.phrases.model_dump()
    scores = capture.scorecard(root, doc["transcript"], doc["duration_s"], doc["mode"], phrases)
    common.print_scores(scores)
    if track:
        name, counts = capture.track(paths.root, root, doc, scores)
        typer.echo(f"MLflow {name}: {counts}")

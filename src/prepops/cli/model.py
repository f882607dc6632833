"""Model commands: route a question to an expert mode, retrieve the evidence to answer it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from prepops.cli import common
from prepops.cli.common import CompanyOpt, QuestionArg, WorkspaceOpt


def _card(root: Path, company: str | None) -> dict:
    """The --company card; an unknown name is a usage error (exit 2)."""
    from prepops.model import routing

    try:
        return routing.company_card(root, company)
    except routing.UnknownCompany as exc:
        common.fail(f"--company: {exc}", 2)


def route(
    question: QuestionArg,
    company: CompanyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Which expert mode a question wants: cue rules + learned classifier + company prior."""
    root, _ = common.workspace(workspace)
    result = common.routed(root, question, _card(root, company))
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    second = f" (secondary: {result['secondary']})" if result["secondary"] else ""
    typer.echo(f"{result['mode']}{second}  confidence {result['confidence']:.2f}")
    ranked = sorted(result["scores"].items(), key=lambda kv: -kv[1])
    typer.echo("  " + "  ".join(f"{m} {p:.2f}" for m, p in ranked))
    if result["cues"]:
        shown = ", ".join(f"{c['phrase']!r}->{c['mode']}" for c in result["cues"])
        common.say(f"  cues: {shown}")


def _no_evidence(root: Path, as_json: bool) -> None:
    """Say there is nothing to retrieve from (as empty JSON too) and exit 1."""
    from prepops.features import retriever

    message = retriever.describe_empty(str(root))
    if as_json:
        empty = {**retriever.EMPTY, "message": message}
        typer.echo(json.dumps(empty, indent=2))
    common.fail(message, 1)


def retrieve(
    question: QuestionArg,
    company: CompanyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the evidence as JSON.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """One evidence packet for a question (story, metric, failure mode) and why it was chosen."""
    from prepops.data.lightread import evidence
    from prepops.features import retriever
    from prepops.model.routing import card_stories

    root, _ = common.workspace(workspace)
    card = _card(root, company)
    packets, skipped = evidence(root)
    if skipped:
        typer.echo(
            f"skipped {skipped} unreadable evidence file(s); see `prepops validate`", err=True
        )
    if not packets:
        _no_evidence(root, as_json)
    routed = common.routed(root, question, card)
    picked = retriever.retrieve(
        question,
        packets,
        routed["mode"],
        card_stories(card),
        secondary=routed["secondary"],
        company=card.get("company"),
    )
    result = {"mode": routed["mode"], **picked}
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    common.say(f"mode: {routed['mode']}")
    common.say(f"packet [{result['evidence_id']}]: {result['title']}")
    common.say(f"  story: {result['story']['story']}")
    common.say(f"  metric: {result['metric']['text']}")
    common.say(f"  failure mode: {result['failure_mode']['text']}")
    common.say(f"why: {retriever.explain(result)}")

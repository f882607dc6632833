"""Routing a question from a workspace: the champion router (or cue rules) and company cards.

Light on purpose: `prepops route`, `retrieve` and `rehearse` call it in a cold process, so
nothing here may pull in pandas, sklearn or MLflow.
"""

from __future__ import annotations

from pathlib import Path

from prepops.data.lightread import company_cards, expert_cues
from prepops.model.router import Router, rules_only


class UnknownCompany(LookupError):
    """No company card has the requested name; the message lists the known ones."""


def find_card(cards: dict[str, dict], name: str) -> dict | None:
    """A company card by name, ignoring case and surrounding spaces."""
    return {k.casefold(): v for k, v in cards.items()}.get(name.strip().casefold())


def company_card(workspace: Path, name: str | None) -> dict:
    """The card of company `name` ({} for no name); UnknownCompany when there is none."""
    if name is None:
        return {}
    cards = company_cards(workspace)
    found = find_card(cards, name)
    if found is None:
        known = ", ".join(sorted(cards)) or "none"
        raise UnknownCompany(f"no card for {name!r} in {workspace}/companies (known: {known})")
    return found


def card_stories(card: dict) -> list[str]:
    """The evidence ids a company card names as its stories (retrieval boosts them)."""
    return [s for s in card.get("stories") or [] if isinstance(s, str)]


def router_for(workspace: Path) -> tuple[Router, str | None]:
    """The champion router exported by `dvc repro`, else cue rules and company prior, and why."""
    from prepops.runtime.paths import Paths

    path = Paths().champion
    if path.is_file():
        try:
            return Router.load(path), None
        except (ValueError, KeyError) as exc:
            note = f"{path}: unusable ({exc}); using cue rules only"
    else:
        note = "no trained router yet (run `dvc repro`): using cue rules and the company prior"
    return rules_only(expert_cues(workspace)), note


def route(workspace: Path, question: str, card: dict) -> tuple[dict, str | None]:
    """The routing decision for a question under a company card, and the fallback note."""
    model, note = router_for(workspace)
    return model.route(question, card.get("primary_mode"), card.get("secondary_mode")), note

"""Record commands: `prepops outcome` (a round's outcome, once known) and `prepops company`
(add or update a company card), each checked on entry and written in place (data/edits.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from prepops.cli import common
from prepops.cli.common import WorkspaceOpt
from prepops.data.contract import COMPANY_STATUSES, MODES, OUTCOMES


def _files(root: Path, folder: str, key: str) -> dict[str, Path]:
    """`key` value -> file, for every readable file of a workspace folder."""
    from prepops.data.yamlsafe import read_yaml

    found: dict[str, Path] = {}
    for path in sorted((root / folder).glob("*.yaml")):
        if not path.resolve().is_relative_to(root.resolve()):
            continue  # a symlink out of the workspace is never read or written
        doc, _ = read_yaml(path, path.name, 1_000_000)
        if isinstance(doc, dict) and isinstance(doc.get(key), str):
            found.setdefault(doc[key], path)
    return found


def _choice(option: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    """An enum value as written, or exit 2 naming the allowed ones and the closest."""
    from prepops.data.problems import did_you_mean

    if value is None or value in allowed:
        return value
    hint = did_you_mean(value, allowed, cutoff=0.5)
    common.fail(f"{option}: must be one of: {', '.join(allowed)}{hint} (got {value!r})", 2)


def _written(root: Path, path: Path, changes: dict[str, Any], table: str) -> None:
    """Apply the changes in place unless they add a contract problem to the file."""
    from prepops.data import edits
    from prepops.data.workspace import check_document
    from prepops.data.yamlsafe import load_text

    rel = path.relative_to(root).as_posix()
    text = path.read_bytes().decode("utf-8-sig")
    try:
        new, note = edits.edit(text, changes)
    except ValueError as exc:
        common.fail(f"{rel}: {exc}", 1)
    before = set(check_document(load_text(text), table, rel))
    added = [p for p in check_document(load_text(new), table, rel) if p not in before]
    if added:
        common.fail_problems(added)
    from prepops.runtime.storage import write_text

    write_text(path, new)
    if note:
        common.say(f"{rel}: {note}", err=True)


def outcome(
    round_id: Annotated[str, typer.Argument(metavar="ROUND", help="The round's id.")],
    result: Annotated[str, typer.Argument(metavar="RESULT", help=" | ".join(OUTCOMES))],
    change: Annotated[
        bool, typer.Option(help="Correct an outcome already recorded (not pending).")
    ] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Record the outcome of a pending round; its confidence, written before, is never touched."""
    from prepops.data.problems import did_you_mean

    root, _ = common.workspace(workspace)
    _choice("RESULT", result, OUTCOMES)
    rounds = _files(root, "rounds", "id")
    if round_id not in rounds:
        hint = did_you_mean(round_id, rounds) or f" (rounds: {len(rounds)})"
        common.fail(f"ROUND: no round {round_id!r} in {root}/rounds{hint}", 2)
    path = rounds[round_id]
    from prepops.data.yamlsafe import read_yaml

    doc, _ = read_yaml(path, path.name, 1_000_000)
    current = doc.get("outcome")
    if current == result:
        common.say(f"{path.relative_to(root)}: outcome is {result} already; nothing written")
        return
    if current != "pending" and not change:
        common.fail(f"{round_id}: outcome is {current!r}, not pending (--change corrects it)", 2)
    _written(root, path, {"outcome": result}, "rounds")
    kept = doc.get("confidence")
    common.say(f"{path.relative_to(root)}: outcome {current} -> {result} (confidence {kept} kept)")


def _date(value: str | None) -> Any:
    """--next-round as a date, `none` to clear it; anything else exits 2."""
    if value is None or value.strip().lower() in {"none", "null", ""}:
        return None if value is None else "none"
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        common.fail(f"--next-round: write the date as YYYY-MM-DD, or none (got {value!r})", 2)


def _changes(**given: Any) -> dict[str, Any]:
    """The fields given on the command line; next_round `none` (clear it) as null."""
    out = {k: v for k, v in given.items() if v is not None}
    if out.get("next_round") == "none":
        out["next_round"] = None
    return out


def _new_card(root: Path, name: str, changes: dict[str, Any]) -> Path:
    """Write a new card as companies/<slug>.yaml (never over another file)."""
    import yaml

    from prepops.data import edits
    from prepops.data.workspace import check_document

    missing = [f"--{k.replace('_', '-')}" for k in ("role", "primary_mode") if k not in changes]
    if missing:
        common.fail(f"{name!r} has no card yet: a new card needs {' and '.join(missing)}", 2)
    doc = {"company": name.strip(), **changes}
    doc.setdefault("status", "active")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "company"
    path, n = root / "companies" / f"{slug}.yaml", 2
    while path.exists():
        path, n = root / "companies" / f"{slug}-{n}.yaml", n + 1
    rel = path.relative_to(root).as_posix()
    if problems := check_document({k: _plain(v) for k, v in doc.items()}, "companies", rel):
        common.fail_problems(problems)
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=96)
    return edits.create(path, "# Company routing card (added by `prepops company`).\n" + text)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def company(
    name: Annotated[str, typer.Argument(help="The company, as rounds name it.")],
    status: Annotated[str | None, typer.Option(help=" | ".join(COMPANY_STATUSES))] = None,
    next_round: Annotated[
        str | None, typer.Option(help="Date of the next round, YYYY-MM-DD (none: clear).")
    ] = None,
    role: Annotated[str | None, typer.Option(help="Required for a new card.")] = None,
    level: Annotated[str | None, typer.Option()] = None,
    primary_mode: Annotated[str | None, typer.Option(help="Required for a new card.")] = None,
    secondary_mode: Annotated[str | None, typer.Option()] = None,
    new: Annotated[bool, typer.Option(help="Add a card even if the name is close to one.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Add a company card, or update one's status, next round, role or modes."""
    from prepops.data.problems import closest

    root, _ = common.workspace(workspace)
    changes = _changes(
        status=_choice("--status", status, COMPANY_STATUSES),
        next_round=_date(next_round),
        role=role,
        level=level,
        primary_mode=_choice("--primary-mode", primary_mode, MODES),
        secondary_mode=_choice("--secondary-mode", secondary_mode, MODES),
    )
    cards = _files(root, "companies", "company")
    known = {k.casefold(): k for k in cards}
    if name.strip().casefold() in known:
        card = known[name.strip().casefold()]
        path = cards[card]
        if not changes:
            common.fail(f"{card}: nothing to change (see `prepops company --help`)", 2)
        _written(root, path, changes, "companies")
        shown = ", ".join(f"{k} {_plain(v)}" for k, v in changes.items())
        common.say(f"{path.relative_to(root)}: {card}: {shown}")
        return
    meant = closest(name, cards)
    if meant and not new:
        common.fail(f"no card for {name!r}; did you mean '{meant}'? (--new adds one)", 2)
    common.say(f"wrote {_new_card(root, name, changes)}")

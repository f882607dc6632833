"""`prepops log`: capture one interview round interactively, checking each answer on entry.

Every prompt offers the contract's values and re-asks on a bad one; the finished round is
checked against the schema once more and written as a new file (never overwriting one).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import yaml

from prepops.data.contract import (
    FOLLOW_UP_KINDS,
    MARKERS,
    MODES,
    OUTCOMES,
    RUBRIC_DIMENSIONS,
    SIGNALS,
    SLUG,
    STAGES,
    TAG,
    normalize_tag,
)
from prepops.data.lightread import names
from prepops.data.problems import Problem, did_you_mean
from prepops.data.workspace import check_document
from prepops.runtime.storage import write_new

Ask = Callable[..., Any]


def _date(text: str) -> str:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter("write the date as YYYY-MM-DD") from None
    if day > dt.date.today():
        raise click.BadParameter("the date must not be in the future")
    return day.isoformat()


def _items(allowed: tuple[str, ...] | list[str] | None, pattern: re.Pattern[str] | None = None):
    def parse(text: str) -> list[str]:
        items = [x.strip() for x in text.split(",") if x.strip()]
        for item in items:
            if allowed is not None and item not in allowed:
                raise click.BadParameter(f"{item!r} is not one of: {', '.join(allowed)}")
            if pattern is not None and not pattern.fullmatch(item):
                raise click.BadParameter(f"{item!r} must match {pattern.pattern}")
        return items

    return parse


def _tags(text: str) -> list[str]:
    return _items(None, TAG)(",".join(normalize_tag(t) for t in text.split(",") if t.strip()))


def _pairs(keys: tuple[str, ...], low: int, high: int | None):
    def parse(text: str) -> dict[str, int]:
        out = {}
        for part in text.replace(",", " ").split():
            key, _, value = part.partition("=")
            if key not in keys:
                raise click.BadParameter(f"{key!r} is not one of: {', '.join(keys)}")
            try:
                number = int(value)
            except ValueError:
                raise click.BadParameter(f"{key}: write a whole number, as {key}=3") from None
            if number < low or (high is not None and number > high):
                raise click.BadParameter(
                    f"{key}: must be between {low} and {high}"
                    if high
                    else f"{key}: must be >= {low}"
                )
            out[key] = number
        return out

    return parse


def _optional(
    ask: Ask, doc: dict, key: str, label: str, parse: Callable[[str], Any] = str.strip
) -> None:
    """Ask for an optional field; a blank answer leaves it out of the round."""
    value = ask(
        label, default="", show_default=False, value_proc=lambda t: parse(t) if t.strip() else None
    )
    if value not in (None, "", [], {}):
        doc[key] = value


def _question(ask: Ask, evidence: list[str], index: int) -> dict | None:
    text = ask(f"Question {index + 1} (blank when done)", default="", show_default=False)
    if not text.strip():
        return None
    used = ask("  mode used", type=click.Choice(MODES))
    q: dict[str, Any] = {"text": text.strip(), "mode_used": used}
    # blank is "the same mode": written out, so the question counts as routed right
    q["mode_wanted"] = ask(
        "  mode it really wanted (blank: same)", type=click.Choice(MODES), default=used
    )
    _optional(
        ask,
        q,
        "first_answer_s",
        "  seconds to a coherent first answer (blank: skip)",
        click.FloatRange(0),
    )
    _follow_ups(ask, q)
    _optional(
        ask,
        q,
        "evidence",
        f"  evidence ids used ({', '.join(evidence) or 'none yet'})",
        _items(evidence),
    )
    _optional(ask, q, "markers", f"  markers used ({', '.join(MARKERS)})", _items(MARKERS))
    q["rescued"] = ask("  did the interviewer have to rescue the answer?", type=bool, default=False)
    return q


def _follow_ups(ask: Ask, q: dict[str, Any]) -> None:
    """Follow-up kinds, then what each one asked (a blank text leaves the kind alone)."""
    _optional(
        ask,
        q,
        "follow_ups",
        f"  follow-up kinds, comma-separated ({', '.join(FOLLOW_UP_KINDS)})",
        lambda t: [{"kind": k} for k in _items(FOLLOW_UP_KINDS)(t)],
    )
    for i, follow_up in enumerate(q.get("follow_ups", [])):
        label = f"    follow-up {i + 1} ({follow_up['kind']}): what was asked (blank: skip)"
        _optional(ask, follow_up, "text", label)


def capture(workspace: Path, ask: Ask) -> dict:
    """Ask for every field of a round; returns the document (not yet written)."""
    companies = names(workspace, "companies", "company")
    evidence = names(workspace, "evidence", "id")
    taken = set(names(workspace, "rounds", "id"))
    doc = _when_and_where(ask, companies)
    round_id = ask("Round id", default=_default_id(doc), value_proc=_new_id(workspace, taken))
    doc = {"id": round_id, **doc}  # the id leads the file
    _how_it_went(ask, doc)
    _readings(ask, doc)
    questions = _questions(ask, evidence)
    if questions:
        doc["questions"] = questions
    _optional(ask, doc, "notes", "Notes (stay in this file only; blank: skip)")
    return doc


def _when_and_where(ask: Ask, companies: list[str]) -> dict[str, Any]:
    """Company (offered from the cards when there are any), date and stage."""
    doc: dict[str, Any] = {}
    doc["company"] = ask("Company", type=click.Choice(companies)) if companies else ask("Company")
    doc["date"] = ask("Date (YYYY-MM-DD)", default=dt.date.today().isoformat(), value_proc=_date)
    doc["stage"] = ask("Stage", type=click.Choice(STAGES))
    return doc


def _default_id(doc: dict[str, Any]) -> str:
    """company-stage-date as a slug."""
    text = f"{doc['company']}-{doc['stage']}-{doc['date']}".lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80]


def _new_id(workspace: Path, taken: set[str]) -> Callable[[str], str]:
    """A parser that accepts a well-formed round id no round has yet."""

    def parse(text: str) -> str:
        if not SLUG.fullmatch(text):
            raise click.BadParameter(f"must match {SLUG.pattern}")
        if text in taken or (workspace / "rounds" / f"{text}.yaml").exists():
            raise click.BadParameter("a round with this id exists already")
        return text

    return parse


def _how_it_went(ask: Ask, doc: dict[str, Any]) -> None:
    """Duration, confidence (asked before the outcome), outcome, interviewer, AI tools."""
    _optional(ask, doc, "duration_min", "Duration in minutes (blank: skip)", click.IntRange(5, 600))
    doc["confidence"] = ask(
        "Your confidence of advancing, 0..1, BEFORE the outcome", type=click.FloatRange(0, 1)
    )
    doc["outcome"] = ask("Outcome", type=click.Choice(OUTCOMES), default="pending")
    _optional(ask, doc, "interviewer", "Interviewer name (stays in this file only; blank: skip)")
    _optional(
        ask, doc, "interviewer_id", "Interviewer pseudonym for inter-rater statistics (blank: skip)"
    )
    doc["ai_assist"] = ask("Were AI tools allowed?", type=bool, default=False)


def _readings(ask: Ask, doc: dict[str, Any]) -> None:
    """Rubric scores, signal counts and feedback tags, each optional."""
    _optional(
        ask,
        doc,
        "rubric",
        f"Rubric as dimension=score 1..5 ({', '.join(RUBRIC_DIMENSIONS)})",
        _pairs(RUBRIC_DIMENSIONS, 1, 5),
    )
    _optional(
        ask,
        doc,
        "signals",
        f"Signals as name=count ({', '.join(SIGNALS)})",
        _pairs(SIGNALS, 0, None),
    )
    _optional(ask, doc, "feedback", "Feedback tags, comma-separated (e.g. too-long)", _tags)


def _questions(ask: Ask, evidence: list[str]) -> list[dict]:
    """Questions until a blank one."""
    questions: list[dict] = []
    while (q := _question(ask, evidence, len(questions))) is not None:
        questions.append(q)
    return questions


def check(workspace: Path, doc: dict) -> list[Problem]:
    """The round's problems against the schema, and a company without a card."""
    rel = f"rounds/{doc['id']}.yaml"
    problems = check_document(doc, "rounds", rel)
    companies = names(workspace, "companies", "company")
    if doc["company"] not in companies:
        rule = "must match the `company` of a card in companies/"
        problems.append(Problem(rel, "company", rule + did_you_mean(doc["company"], companies)))
    return problems


def render(doc: dict) -> str:
    """The round as YAML, exactly as `write` puts it in the file."""
    return "# Logged with `prepops log`.\n" + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=96
    )


def confirm(doc: dict, ask: Ask, echo: Callable[[str], Any]) -> bool:
    """Show the round as it will be written and ask whether to write it."""
    echo(f"\nrounds/{doc['id']}.yaml will read:\n")
    echo(render(doc))
    return bool(ask(f"Write rounds/{doc['id']}.yaml?", type=bool, default=True))


def write(workspace: Path, doc: dict) -> Path:
    """Write the round as rounds/<id>.yaml; never overwrites an existing file."""
    return write_new(workspace / "rounds" / f"{doc['id']}.yaml", render(doc))

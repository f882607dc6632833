"""The report's "this week": the three things to do, and each active company's next round
with what to prepare for it (its card, the plan's patches and watch items for it, and the
misses its rounds showed). Pure: stage outputs and the rounds and company tables in, plain
dicts out; the template escapes every string."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

THINGS = 3
MISSES_PER_COMPANY = 3


def listed(value: object) -> list[str]:
    """A card's list field as a list of strings (missing, NaN or None: empty)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if v is not None]


def _text(value: object) -> str | None:
    """A card's optional text field: None when missing or NaN."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def as_day(value: object) -> dt.date | None:
    """A date, timestamp or ISO string as a date; None when missing or NaN."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _company_of_round(rounds: pd.DataFrame) -> dict[str, str]:
    return dict(zip(rounds["id"], rounds["company"], strict=True)) if len(rounds) else {}


def misses(diagnosis: dict, rounds: pd.DataFrame) -> dict[str, list[dict]]:
    """Per company, its diagnosed questions, newest round first: what went wrong and where."""
    company = _company_of_round(rounds)
    dates = dict(zip(rounds["id"], rounds["date"], strict=True)) if len(rounds) else {}
    out: dict[str, list[dict]] = {}
    for q in diagnosis.get("questions", []):
        c = company.get(q["round_id"])
        if c is None:
            continue
        evidence = q["evidence"].get(q["primary"], [])
        out.setdefault(c, []).append(
            {
                "round_id": q["round_id"],
                "date": as_day(dates.get(q["round_id"])),
                "text": q["text"],
                "layer": q["primary"],
                "what": evidence[0] if evidence else q["primary"],
            }
        )
    for rows in out.values():  # a wrong mode first: it says what this company asks for
        rows.sort(key=lambda r: (r["date"] or dt.date.min, r["round_id"]), reverse=True)
        rows.sort(key=lambda r: r["layer"] != "routing")
    return out


def pending_rounds(rounds: pd.DataFrame) -> dict[str, list[str]]:
    """Per company, the ids of its rounds still waiting for an outcome, oldest first."""
    if not len(rounds):
        return {}
    waiting = rounds[rounds["outcome"] == "pending"].sort_values(["date", "id"])
    return {c: list(g["id"]) for c, g in waiting.groupby("company")}


def _hours(allocation: dict) -> dict[str, dict]:
    return {lp["company"]: lp for lp in allocation.get("loops") or []}


def _card(row: dict, as_of: dt.date) -> dict:
    """The fields of one company card the page shows."""
    next_round = as_day(row.get("next_round"))
    return {
        "company": str(row["company"]),
        "role": _text(row.get("role")),
        "level": _text(row.get("level")),
        "primary_mode": _text(row.get("primary_mode")),
        "secondary_mode": _text(row.get("secondary_mode")),
        "rewards": listed(row.get("rewards")),
        "focus": listed(row.get("focus")),
        "stories": listed(row.get("stories")),
        "next_round": next_round.isoformat() if next_round else None,
        "days_left": (next_round - as_of).days if next_round else None,
    }


def next_rounds(inputs: dict, as_of: dt.date) -> list[dict]:
    """Each active company's next round (soonest first) and what to prepare for it."""
    companies = inputs["tables"]["companies"]
    plan, hours = inputs["plan"], _hours(inputs["allocation"])
    missed = misses(inputs["diagnosis"], inputs["tables"]["rounds"])
    pending = pending_rounds(inputs["tables"]["rounds"])
    active = [r for r in companies.to_dict("records") if r.get("status") == "active"]
    cards = []
    for row in active:
        card = _card(row, as_of)
        name = card["company"]
        loop = hours.get(name, {})
        card |= {
            "hours": loop.get("hours"),
            "record": f"{loop['advanced']}/{loop['n']} advanced" if loop else None,
            "patches": [p for p in plan.get("patches", []) if p.get("company") == name],
            "watch": _watched(w for w in plan.get("watch", []) if w.get("company") == name),
            "misses": missed.get(name, [])[:MISSES_PER_COMPANY],
            "misses_total": len(missed.get(name, [])),
            "pending": pending.get(name, []),
        }
        cards.append(card)
    cards.sort(key=lambda c: (c["next_round"] is None, c["next_round"] or "", c["company"]))
    return cards


def _prep(card: dict) -> dict:
    """Getting ready for one company's next round, from its card."""
    mode = f" in {card['primary_mode']} mode" if card["primary_mode"] else ""
    aim = f" aimed at {', '.join(card['rewards'])}" if card["rewards"] else ""
    stories = f"; bring {', '.join(card['stories'])}" if card["stories"] else ""
    return {
        "what": f"Prepare for {card['company']}'s next round",
        "how": f"Rehearse two answers{mode}{aim}{stories}",
        "when": f"before {card['next_round']}",
        "source": "company card",
    }


def _watched(watch: Iterable[dict]) -> list[dict]:
    """Watch items merged by what to observe (one note for several findings or companies),
    with the fewest more cases any of them needs."""
    merged: dict[str, dict] = {}
    for w in watch:
        item = merged.setdefault(w["observe"], {"where": [], "more": []})
        item["where"].append(w.get("company") or "every company")
        if w.get("more_needed"):
            item["more"].append(int(w["more_needed"]))
    return [
        {
            "what": observe,
            "how": "at " + ", ".join(dict.fromkeys(item["where"])),
            "when": "at the next rounds",
            "source": "watch finding",
            "more_needed": min(item["more"]) if item["more"] else None,
        }
        for observe, item in merged.items()
    ]


def three_things(plan: dict, cards: list[dict]) -> list[dict]:
    """This week's three things: the plan's patches (high first, then by due date), then
    getting ready for the soonest scheduled rounds, then what the plan says to observe."""
    ranked = sorted(plan.get("patches", []), key=lambda p: (p["priority"] != "high", p["due"]))
    things = [
        {
            "what": p["action"],
            "how": p["drill"],
            "when": f"by {p['due']}",
            "source": f"patch {p['id']}",
        }
        for p in ranked
    ]
    things += [_prep(c) for c in cards if c["next_round"] and (c["days_left"] or 0) >= 0]
    things += _watched(plan.get("watch", []))
    return things[:THINGS]


def this_week(inputs: dict) -> dict:
    """The page's lead section: the plan's day, the three things, the next rounds."""
    as_of = dt.date.fromisoformat(inputs["plan"]["as_of"])
    cards = next_rounds(inputs, as_of)
    return {
        "as_of": as_of.isoformat(),
        "things": three_things(inputs["plan"], cards),
        "companies": cards,
    }

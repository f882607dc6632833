"""The report's "this week" and its one-line summaries, on hand-made stage outputs."""

from __future__ import annotations

import pandas as pd

from prepops.report import digest, html, week


def _patch(pid: str, priority: str, due: str, company: str | None = None) -> dict:
    return {
        "id": pid,
        "priority": priority,
        "due": due,
        "action": f"action {pid}",
        "drill": f"drill {pid}",
        "company": company,
    }


def _card(company: str, next_round: str | None, days_left: int | None) -> dict:
    return {
        "company": company,
        "primary_mode": "product",
        "rewards": ["impact"],
        "stories": [],
        "next_round": next_round,
        "days_left": days_left,
    }


def test_three_things_patches_first_then_rounds_then_watch() -> None:
    plan = {
        "patches": [_patch("P2", "medium", "2026-12-01"), _patch("P1", "high", "2026-12-05")],
        "watch": [{"observe": "log modes", "company": "A", "more_needed": 4}],
    }
    cards = [_card("A", "2026-12-03", 3), _card("B", None, None)]
    things = week.three_things(plan, cards)
    assert [t["source"] for t in things] == ["patch P1", "patch P2", "company card"]
    assert things[2]["how"] == "Rehearse two answers in product mode aimed at impact"
    plan["patches"] = []
    things = week.three_things(plan, cards)
    assert [t["what"] for t in things] == ["Prepare for A's next round", "log modes"]


def test_watch_items_with_the_same_note_merge() -> None:
    watch = [
        {"observe": "log modes", "company": "A", "more_needed": 9},
        {"observe": "log modes", "company": "A", "more_needed": 4},
        {"observe": "log modes", "company": None},
    ]
    (merged,) = week._watched(watch)
    assert merged["how"] == "at A, every company" and merged["more_needed"] == 4


def test_a_card_with_missing_fields_has_no_none() -> None:
    row = {"company": "C", "status": "active", "rewards": None, "focus": float("nan")}
    card = week._card(row, pd.Timestamp("2026-11-25").date())
    assert card["rewards"] == [] and card["focus"] == [] and card["next_round"] is None
    assert week.listed(["a", None, "b"]) == ["a", "b"]


def test_waiting_line_says_what_unlocks_each_check() -> None:
    def short(subject: str, n: int, company: str | None) -> dict:
        return {
            "kind": "insufficient_data",
            "subject": subject,
            "company": company,
            "evidence": {"n": n},
        }

    line = digest.waiting_line(
        [
            short("calibration: A", 3, "A"),
            short("calibration: B", 0, "B"),
            short("misrouting", 4, None),
            short("something new", 1, None),
            {"kind": "local_noise", "subject": "x", "company": "A", "evidence": {"n": 1}},
        ],
        5,
    )
    assert line == (
        "4 check(s) wait for data (each needs n >= 5): calibration: more round(s) with a "
        "known outcome (2 at A, 5 at B); misrouting: 1 more question(s) with the wanted mode "
        "logged; something new: 4 more case(s) of the kind it counts."
    )
    assert digest.waiting_line([], 5) is None


def test_every_missing_value_is_shown_as_a_dash() -> None:
    template = html.environment().from_string("{{ a }}|{{ b.c }}|{{ d }}")
    assert template.render(a=None, b={"c": None}, d="x\x1b[31my\u202e") == "-|-|xy"

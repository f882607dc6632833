"""A candidate's first real week, as a workspace: three invented companies (two active),
six rounds and three rehearsals, written as a new user would log them. The templates and
evidence packets are the demo's (a user starts from `prepops init`'s, filled in)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.conftest import DEMO

COMPANIES = [
    {
        "company": "Corvid Logistics",
        "role": "Staff Engineer, Routing Platform",
        "status": "active",
        "primary_mode": "architecture",
        "secondary_mode": "product",
        "rewards": ["tradeoffs", "impact"],
        "focus": ["system_design", "product"],
        "stories": ["checkout-latency"],
        "next_round": "2026-12-01",
    },
    {
        "company": "Brightline Media",
        "role": "Senior ML Engineer",
        "status": "active",
        "primary_mode": "debugging",
        "focus": ["technical_screen", "incident"],
        "next_round": "2026-12-08",
    },
    {
        "company": "Tessel Bio",
        "role": "Engineering Manager",
        "status": "closed",
        "primary_mode": "leadership",
    },
]


def _question(text: str, used: str, wanted: str, **extra) -> dict:
    return {"text": text, "mode_used": used, "mode_wanted": wanted, **extra}


ROUNDS = [
    (
        "corvid-screen",
        "Corvid Logistics",
        "2026-11-03",
        "recruiter_screen",
        0.7,
        "advanced",
        [
            _question("Why routing, and why now?", "leadership", "leadership", first_answer_s=6),
        ],
    ),
    (
        "corvid-design",
        "Corvid Logistics",
        "2026-11-12",
        "system_design",
        0.8,
        "advanced",
        [
            _question(
                "Design dispatch for same-day delivery across three cities.",
                "architecture",
                "product",
                first_answer_s=14,
                rescued=True,
                follow_ups=[{"kind": "corrective", "text": "Who is the customer here?"}],
            ),
            _question(
                "How would you roll it out?",
                "architecture",
                "architecture",
                first_answer_s=9,
                follow_ups=[{"kind": "exploratory", "text": "And back?"}],
            ),
        ],
    ),
    (
        "corvid-product",
        "Corvid Logistics",
        "2026-11-21",
        "product",
        0.6,
        "pending",
        [
            _question(
                "Drivers ignore half the suggested routes. What do you build?",
                "architecture",
                "product",
                first_answer_s=20,
                follow_ups=[{"kind": "clarifying", "text": "Before the system, who is it for?"}],
            ),
        ],
    ),
    (
        "brightline-tech",
        "Brightline Media",
        "2026-11-05",
        "technical_screen",
        0.9,
        "rejected",
        [
            _question(
                "Recommendations got worse after a retrain. What do you check?",
                "architecture",
                "debugging",
                first_answer_s=25,
                rescued=True,
            ),
        ],
    ),
    (
        "brightline-incident",
        "Brightline Media",
        "2026-11-19",
        "incident",
        0.5,
        "advanced",
        [
            _question(
                "Video starts fail in one region only. Go.",
                "debugging",
                "debugging",
                first_answer_s=11,
                markers=["restatement", "constraint", "stop"],
            ),
        ],
    ),
    (
        "tessel-hm",
        "Tessel Bio",
        "2026-11-07",
        "leadership",
        0.6,
        "rejected",
        [
            _question(
                "Tell me about a hire that did not work out.",
                "leadership",
                "leadership",
                first_answer_s=7,
            ),
        ],
    ),
]

REHEARSALS = [
    (
        "2026-11-10",
        "Corvid Logistics",
        "architecture",
        "v-first",
        "So, um, I would start with the services and, like, a queue between them.",
    ),
    (
        "2026-11-16",
        "Brightline Media",
        "debugging",
        None,
        "Let me restate: quality fell after a retrain. The constraint is the live traffic. "
        "Timeline, hypotheses, tests: I compare feature distributions first. That's where I stop.",
    ),
    (
        "2026-11-22",
        "Corvid Logistics",
        "product",
        None,
        "Let me restate: drivers skip routes. Who is the user: the driver. I'd assume trust is "
        "the gap, test one city, and measure acceptance. That's where I'd stop.",
    ),
]


def _dump(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def write(ws: Path) -> Path:
    """Write the small workspace into the new folder `ws`; return it."""
    for part in ("templates", "evidence"):
        shutil.copytree(DEMO / part, ws / part)
    for card in COMPANIES:
        _dump(ws / "companies" / f"{card['company'].split()[0].lower()}.yaml", card)
    for rid, company, date, stage, confidence, outcome, questions in ROUNDS:
        _dump(
            ws / "rounds" / f"{rid}.yaml",
            {
                "id": rid,
                "company": company,
                "date": date,
                "stage": stage,
                "confidence": confidence,
                "outcome": outcome,
                "questions": questions,
            },
        )
    for i, (date, company, mode, version, text) in enumerate(REHEARSALS, 1):
        entry = {
            "id": f"{date}-{mode}-{i:02d}",
            "date": date,
            "question": f"{mode} practice",
            "mode": mode,
            "company": company,
            "duration_s": 60,
            "self_score": 2 + i,
            "transcript": text,
        }
        if version:
            entry["template_version"] = version
        _dump(ws / "rehearsals" / f"{entry['id']}.yaml", entry)
    return ws

"""`prepops log`: enums offered, bad answers re-asked, a valid file written, none overwritten."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from prepops.cli.app import app
from prepops.data.workspace import load
from tests.conftest import CANARY

ANSWERS = [
    "Lumen Health",  # company (offered from the cards)
    "2026-13-01",  # bad date: re-asked
    "2026-11-20",
    "final_round",  # bad stage: re-asked
    "final",
    "",  # id: the default lumen-health-final-2026-11-20
    "45",
    "1.4",  # bad confidence: re-asked
    "0.55",
    "pending",
    CANARY,  # interviewer (sensitive, stays in the file)
    "lu-f2",
    "n",
    "clarity=4 leadership=9",  # bad rubric: re-asked
    "clarity=4 leadership=5",
    "clarifications=1",
    "Too Long, unclear tradeoffs",
    "Where do you want the team in a year?",
    "leadership",
    "",
    "8",
    "exploratory, hostile",  # bad kind: re-asked
    "exploratory",
    "oncall-burnout",
    "restatement, stop",
    "n",
    "",  # no more questions
    "went fine",  # notes
]


def test_log_asks_validates_and_writes_a_valid_round(demo_ws: Path) -> None:
    result = CliRunner().invoke(
        app, ["log", "--workspace", str(demo_ws)], input="\n".join(ANSWERS) + "\n"
    )
    assert result.exit_code == 0, result.output
    path = demo_ws / "rounds" / "lumen-health-final-2026-11-20.yaml"
    doc = yaml.safe_load(path.read_text())
    assert doc["stage"] == "final" and doc["confidence"] == 0.55
    assert doc["rubric"] == {"clarity": 4, "leadership": 5}
    assert doc["feedback"] == ["too-long", "unclear-tradeoffs"]
    assert doc["questions"][0]["follow_ups"] == [{"kind": "exploratory"}]
    assert doc["interviewer"] == CANARY and doc["interviewer_id"] == "lu-f2"
    assert "mode_wanted" not in doc["questions"][0] and doc["duration_min"] == 45
    assert load(demo_ws).problems == []
    assert "recruiter_screen" in result.output  # the stage enum was offered
    for bad in (
        "YYYY-MM-DD",
        "1.4",
        "leadership: must be between 1 and 5",
        "'hostile' is not one of",
    ):
        assert bad in result.output
    again = CliRunner().invoke(
        app, ["log", "--workspace", str(demo_ws)], input="\n".join(ANSWERS[:6]) + "\n"
    )
    assert "a round with this id exists already" in again.output
    assert yaml.safe_load(path.read_text()) == doc  # never overwritten

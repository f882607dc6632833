"""`prepops log`: enums offered, bad answers re-asked, shown and confirmed, none overwritten."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from prepops.cli.app import app
from prepops.data import roundlog
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
    "",  # the follow-up's text: skipped
    "oncall-burnout",
    "restatement, stop",
    "n",
    "",  # no more questions
    "went fine",  # notes
    "y",  # write it, as shown
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
    assert doc["questions"][0]["mode_wanted"] == "leadership" and doc["duration_min"] == 45
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


def _log(ws: Path, answers: list[str]):
    return CliRunner().invoke(app, ["log", "--workspace", str(ws)], input="\n".join(answers) + "\n")


def test_a_blank_mode_wanted_is_written_as_the_mode_used(demo_ws: Path) -> None:
    """Left out, the question dropped out of the misrouting counts."""
    result = _log(demo_ws, ANSWERS)
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load((demo_ws / "rounds" / "lumen-health-final-2026-11-20.yaml").read_text())
    assert doc["questions"][0]["mode_used"] == doc["questions"][0]["mode_wanted"] == "leadership"
    offered = "wanted (blank: same) (debugging, architecture, leadership, product, research)"
    assert f"{offered} [leadership]" in result.output  # the default shown is the mode used


def test_follow_up_texts_are_asked_and_written(demo_ws: Path) -> None:
    at = ANSWERS.index("exploratory")
    answers = [
        *ANSWERS[: at - 1],
        "clarifying, adversarial",
        "Before the system, who is this for?",  # a comma: written quoted, read back whole
        "",  # the adversarial one's text: skipped
        *ANSWERS[at + 2 :],
    ]
    result = _log(demo_ws, answers)
    assert result.exit_code == 0, result.output
    assert "follow-up 1 (clarifying): what was asked" in result.output
    doc = yaml.safe_load((demo_ws / "rounds" / "lumen-health-final-2026-11-20.yaml").read_text())
    assert doc["questions"][0]["follow_ups"] == [
        {"kind": "clarifying", "text": "Before the system, who is this for?"},
        {"kind": "adversarial"},
    ]
    assert load(demo_ws).problems == []


def test_the_round_is_shown_as_it_will_be_written_before_writing(demo_ws: Path) -> None:
    result = _log(demo_ws, ANSWERS)
    assert result.exit_code == 0, result.output
    path = demo_ws / "rounds" / "lumen-health-final-2026-11-20.yaml"
    shown, _, after = result.output.partition("Write rounds/lumen-health-final-2026-11-20.yaml?")
    assert after, result.output  # the confirmation was asked
    assert path.read_text().replace(CANARY, "") in shown.replace(CANARY, "")  # what was written
    assert "will read:" in shown and "mode_wanted: leadership" in shown


def test_answering_no_writes_nothing_and_says_so(demo_ws: Path) -> None:
    before = sorted((demo_ws / "rounds").iterdir())
    result = _log(demo_ws, [*ANSWERS[:-1], "n"])
    assert result.exit_code == 0, result.output
    assert sorted((demo_ws / "rounds").iterdir()) == before
    assert "not written" in result.output and "nothing saved" in result.output
    assert "wrote " not in result.output


def test_confirm_drives_its_question_through_ask() -> None:
    doc = {"id": "acme-final-2026-11-20", "company": "Acme", "notes": "a, b"}
    asked: list[str] = []
    echoed: list[str] = []

    def ask(text, **kwargs):
        asked.append(text)
        return False

    assert roundlog.confirm(doc, ask, echoed.append) is False
    assert asked == ["Write rounds/acme-final-2026-11-20.yaml?"]
    assert roundlog.render(doc) in echoed and yaml.safe_load(roundlog.render(doc)) == doc

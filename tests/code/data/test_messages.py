"""Messages that fix themselves: "did you mean" for ids and names, the flow-mapping comma trap."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from prepops.data.problems import closest, did_you_mean
from tests.code.data.lines import at_line
from tests.conftest import edit, problem_lines

R = "rounds/helix-incident-2026-10-28.yaml"
H = "rehearsals/2026-11-03-debugging-07.yaml"
C = "companies/helix.yaml"
X = "templates/experts/debugging.yaml"
FIRST_FOLLOW_UP = (
    "  - kind: corrective\n    text: 'Before redesigning: how do you find what changed?'\n"
)


def _add_evidence(ws: Path, new_id: str) -> None:
    """A copy of an evidence packet under another id."""
    doc = yaml.safe_load((ws / "evidence/checkout-latency.yaml").read_text())
    doc["id"] = new_id
    (ws / f"evidence/{new_id}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))


def _rename_card(ws: Path, old: str, new: str) -> None:
    """Rename a company card and every round and rehearsal naming it."""
    for path in [*ws.glob("companies/*.yaml"), *ws.glob("rounds/*.yaml"), *ws.glob("rehearsals/*")]:
        text = path.read_text()
        if f"company: {old}\n" in text:
            path.write_text(text.replace(f"company: {old}\n", f"company: {new}\n"))


def flow_line(path: Path, text: str) -> int:
    """The 1-based line of the file holding `text`."""
    return path.read_text().splitlines().index(text.rstrip("\n")) + 1


def _set_question_evidence(value: list[str]):
    return lambda d: d["questions"][0].__setitem__("evidence", value)


def test_an_evidence_id_close_to_one_that_exists_is_suggested(demo_ws: Path) -> None:
    _add_evidence(demo_ws, "eta-model-rebuild")
    edit(demo_ws, R, _set_question_evidence(["eta-rebuild"]))
    assert at_line(
        demo_ws,
        f"{R}: questions[0].evidence[0]: evidence id does not exist in evidence/; "
        "did you mean 'eta-model-rebuild'? (got 'eta-rebuild')",
    ) in problem_lines(demo_ws)


@pytest.mark.parametrize(
    ("rel", "got", "meant"),
    [(C, "checkout-latncy", "checkout-latency"), (X, "data-loss", "data-loss-incident")],
)
def test_card_stories_suggest_the_evidence_id(demo_ws: Path, rel, got, meant) -> None:
    edit(demo_ws, rel, lambda d: d.__setitem__("stories", [got]))
    expected = (
        f"{rel}: stories[0]: evidence id does not exist in evidence/; did you mean '{meant}'?"
    )
    assert at_line(demo_ws, f"{expected} (got '{got}')") in problem_lines(demo_ws)


def test_a_company_written_short_or_in_lower_case_is_suggested(demo_ws: Path) -> None:
    _rename_card(demo_ws, "Helix Robotics", "Corvid Logistics")
    edit(demo_ws, R, lambda d: d.__setitem__("company", "corvid"))
    edit(demo_ws, H, lambda d: d.__setitem__("company", "lumen health"))
    lines = problem_lines(demo_ws)
    rule = "company: must match the `company` of a card in companies/"
    assert (
        at_line(demo_ws, f"{R}: {rule}; did you mean 'Corvid Logistics'? (got 'corvid')") in lines
    )
    assert (
        at_line(demo_ws, f"{H}: {rule}; did you mean 'Lumen Health'? (got 'lumen health')") in lines
    )


def test_a_company_like_none_suggests_nothing(demo_ws: Path) -> None:
    edit(demo_ws, R, lambda d: d.__setitem__("company", "Zebra Dynamics"))
    (line,) = [x for x in problem_lines(demo_ws) if x.startswith(f"{R}:") and " company:" in x]
    assert "did you mean" not in line


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML's own parser rejects `?}`")
def test_the_flow_mapping_comma_trap_says_to_quote(demo_ws: Path) -> None:
    path = demo_ws / R
    flow = "  - {kind: clarifying, text: Before the system, who is this for?}\n"
    path.write_text(path.read_text().replace(FIRST_FOLLOW_UP, flow))
    line = flow_line(path, flow)
    assert (
        f"{R}:{line}: questions[0].follow_ups[0].who is this for?: unknown field (a comma inside "
        '{...} splits the text: quote it, e.g. text: "Before the system, who is this for?")'
    ) in problem_lines(demo_ws)


def test_a_key_with_spaces_gets_the_comma_hint_too(demo_ws: Path) -> None:
    path = demo_ws / R
    flow = "  - {kind: clarifying, text: First the users, then the system}\n"
    path.write_text(path.read_text().replace(FIRST_FOLLOW_UP, flow))
    (line,) = [x for x in problem_lines(demo_ws) if "then the system" in x]
    assert line.endswith('quote it, e.g. text: "First the users, then the system")'), line


def test_an_ordinary_unknown_field_gets_no_comma_hint(demo_ws: Path) -> None:
    edit(demo_ws, R, lambda d: d.__setitem__("outcomes", "advanced"))
    expected = at_line(demo_ws, f"{R}: outcomes: unknown field; did you mean 'outcome'?")
    assert expected in problem_lines(demo_ws)
    assert not [x for x in problem_lines(demo_ws) if "comma" in x]


@pytest.mark.parametrize(
    ("value", "choices", "meant"),
    [
        ("eta-rebuild", ["eta-model-rebuild", "checkout-latency"], "eta-model-rebuild"),
        ("corvid", ["Corvid Logistics", "Helix Robotics"], "Corvid Logistics"),
        ("HELIX ROBOTICS", ["Corvid Logistics", "Helix Robotics"], "Helix Robotics"),
        ("zebra", ["Corvid Logistics", "Helix Robotics"], None),
        ("", ["Corvid Logistics"], None),
        (3, ["Corvid Logistics"], None),
    ],
)
def test_closest(value, choices, meant) -> None:
    assert closest(value, choices) == meant
    assert did_you_mean(value, choices) == (f"; did you mean '{meant}'?" if meant else "")


def test_a_missing_field_points_at_its_question_and_a_missing_top_field_at_none(
    demo_ws: Path,
) -> None:
    edit(demo_ws, R, lambda d: (d["questions"][1].pop("mode_used"), d.pop("stage")))
    lines = problem_lines(demo_ws)
    question = at_line(demo_ws, f"{R}: questions[1]: x").split(": ")[0]
    assert question != R  # the question is written somewhere: its line is known
    assert f"{question}: questions[1].mode_used: required field is missing" in lines
    assert f"{R}: stage: required field is missing" in lines


def test_validate_json_gives_the_line(demo_ws: Path, monkeypatch) -> None:
    import json

    from typer.testing import CliRunner

    from prepops.cli.app import app

    edit(demo_ws, C, lambda d: d.__setitem__("status", "actve"))
    monkeypatch.delenv("PREPOPS_ROOT", raising=False)
    monkeypatch.chdir(demo_ws.parent)
    (demo_ws.parent / "params.yaml").write_text(f"workspace: {demo_ws.name}\n")
    result = CliRunner().invoke(app, ["validate", "--json"])
    (row,) = json.loads(result.stdout)
    expected = at_line(demo_ws, f"{C}: status: x").split(": ")[0].split(":")[1]
    assert row["line"] == int(expected)
    assert row["field"] == "status" and "did you mean 'active'?" in row["rule"]

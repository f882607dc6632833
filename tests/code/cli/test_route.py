"""`prepops route` and `prepops retrieve`: output, fallbacks, and a light cold process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prepops.cli.app import app
from tests.code.cli.conftest import make_project
from tests.conftest import DEMO

runner = CliRunner()
Q = "Our checkout page got 3x slower after Tuesday's deploy. What now?"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root with the demo workspace and an exported champion router."""
    shutil.copytree(DEMO, tmp_path / "data")
    return make_project(tmp_path, monkeypatch)


def test_route_json(project: Path) -> None:
    result = runner.invoke(app, ["route", Q, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"mode", "secondary", "confidence", "scores", "cues"}
    assert out["mode"] == "debugging"
    assert "no trained router" not in result.stderr


def test_route_company_prior_and_unknown_company(project: Path) -> None:
    q = "What would you do about our search?"
    lumen = json.loads(
        runner.invoke(app, ["route", q, "--json", "--company", "lumen health"]).stdout
    )
    quanta = json.loads(
        runner.invoke(app, ["route", q, "--json", "--company", "Quanta Labs"]).stdout
    )
    assert lumen["scores"]["leadership"] > quanta["scores"]["leadership"]
    bad = runner.invoke(app, ["route", q, "--company", "Nowhere Inc"])
    assert bad.exit_code == 2 and "no card for 'Nowhere Inc'" in bad.stderr
    assert "Helix Robotics" in bad.stderr


def test_route_without_a_trained_router_uses_rules(project: Path) -> None:
    (project / "reports" / "router" / "champion.json").unlink()
    result = runner.invoke(app, ["route", Q])
    assert result.exit_code == 0
    assert result.stdout.startswith("debugging")
    assert "no trained router yet" in result.stderr


def test_retrieve_json(project: Path) -> None:
    result = runner.invoke(app, ["retrieve", Q, "--json", "--company", "Helix Robotics"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["story"]["evidence_id"] == "checkout-latency"
    assert {"evidence_id", "title", "story"} <= set(out["story"])
    assert {"evidence_id", "name", "value", "unit"} <= set(out["metric"])
    assert {"evidence_id", "text"} <= set(out["failure_mode"])


def test_retrieve_without_evidence_says_so(project: Path) -> None:
    shutil.rmtree(project / "data" / "evidence")
    (project / "data" / "evidence").mkdir()
    result = runner.invoke(app, ["retrieve", Q, "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["story"] is None
    assert "no usable evidence packets" in result.stderr


def test_route_and_retrieve_stay_light_in_a_cold_process(project: Path) -> None:
    heavy = ("pandas", "pandera", "prefect", "mlflow", "great_expectations", "sklearn", "scipy")
    for command in (["route", Q], ["retrieve", Q]):
        code = (
            "import sys; from typer.testing import CliRunner; from prepops.cli.app import app; "
            f"r = CliRunner().invoke(app, {command!r}); assert r.exit_code == 0, r.output; "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip().splitlines()[-1] == "[]", command


def test_routing_finds_cards_by_name_and_lists_the_known_ones(project: Path) -> None:
    from prepops.model import routing

    ws = project / "data"
    assert routing.company_card(ws, None) == {}
    assert routing.company_card(ws, "  helix ROBOTICS ")["company"] == "Helix Robotics"
    with pytest.raises(routing.UnknownCompany, match=r"known: .*Helix Robotics"):
        routing.company_card(ws, "Nowhere Inc")
    assert routing.card_stories({"stories": ["a", 3, "b"]}) == ["a", "b"]
    assert routing.card_stories({}) == []


def test_routing_falls_back_to_cue_rules_with_a_note(project: Path) -> None:
    from prepops.model import routing

    assert routing.route(project / "data", Q, {})[1] is None
    (project / "reports" / "router" / "champion.json").write_text("{}")
    decision, note = routing.route(project / "data", Q, {})
    assert decision["mode"] == "debugging" and "unusable" in note

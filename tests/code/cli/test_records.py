"""`prepops outcome` and `prepops company`: checked on entry, written in place, nothing else
in the file touched (comments, order, the confidence written before the outcome)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from prepops.cli.app import app
from prepops.data import edits
from prepops.data.workspace import load
from prepops.data.yamlsafe import load_text
from tests.code.cli.conftest import make_project
from tests.conftest import DEMO

PENDING = "rounds/lumen-final-2026-11-18.yaml"
runner = CliRunner()


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(DEMO, tmp_path / "data", ignore=shutil.ignore_patterns("processed"))
    return make_project(tmp_path, monkeypatch) / "data"


def _changed(before: str, after: str) -> list[tuple[str, str]]:
    """The (old, new) line pairs that differ; the files must have the same line count."""
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def test_outcome_changes_one_line_and_keeps_the_confidence(ws: Path) -> None:
    path = ws / PENDING
    path.write_text("# written the evening of the round\n" + path.read_text())
    before = path.read_text()
    result = runner.invoke(app, ["outcome", "lumen-final-2026-11-18", "advanced"])
    assert result.exit_code == 0, result.output
    assert _changed(before, path.read_text()) == [("outcome: pending", "outcome: advanced")]
    confidence = yaml.safe_load(before)["confidence"]
    assert f"confidence {confidence} kept" in result.stdout
    assert load(ws).problems == []
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_outcome_refuses_a_known_outcome_unless_asked_to_change_it(ws: Path) -> None:
    path = ws / PENDING
    assert runner.invoke(app, ["outcome", "lumen-final-2026-11-18", "rejected"]).exit_code == 0
    again = runner.invoke(app, ["outcome", "lumen-final-2026-11-18", "advanced"])
    assert again.exit_code == 2 and "--change" in again.stderr
    assert yaml.safe_load(path.read_text())["outcome"] == "rejected"
    fixed = runner.invoke(app, ["outcome", "lumen-final-2026-11-18", "advanced", "--change"])
    assert fixed.exit_code == 0
    assert yaml.safe_load(path.read_text())["outcome"] == "advanced"


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["lumen-final-2026-11-18", "advnced"], "did you mean 'advanced'?"),
        (["lumen-final-2026-11-81", "advanced"], "did you mean 'lumen-final-2026-11-18'?"),
    ],
)
def test_outcome_typos_exit_2_with_the_closest_value(ws: Path, args, hint) -> None:
    before = (ws / PENDING).read_text()
    result = runner.invoke(app, ["outcome", *args])
    assert result.exit_code == 2
    assert hint in result.stderr
    assert (ws / PENDING).read_text() == before


def test_company_update_edits_its_lines_and_appends_a_new_field(ws: Path) -> None:
    path = ws / "companies/quanta.yaml"
    before = path.read_text()
    args = ["company", "quanta labs", "--status", "active", "--next-round", "2026-12-09"]
    result = runner.invoke(app, [*args, "--level", "Staff"])
    assert result.exit_code == 0, result.output
    after = path.read_text()
    assert after.startswith(before.replace("status: closed", "status: active"))
    assert after[len(before) :] == "next_round: 2026-12-09\nlevel: Staff\n"
    assert load(ws).problems == []
    cleared = runner.invoke(app, ["company", "Quanta Labs", "--next-round", "none"])
    assert cleared.exit_code == 0
    assert yaml.safe_load(path.read_text())["next_round"] is None
    assert load(ws).problems == []


def test_company_adds_a_card_that_routes(ws: Path) -> None:
    args = ["company", "Corvid Logistics", "--role", "Staff Engineer, Routing"]
    missing = runner.invoke(app, args)
    assert missing.exit_code == 2 and "--primary-mode" in missing.stderr
    result = runner.invoke(app, [*args, "--primary-mode", "architecture"])
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load((ws / "companies/corvid-logistics.yaml").read_text())
    assert doc == {
        "company": "Corvid Logistics",
        "role": "Staff Engineer, Routing",
        "primary_mode": "architecture",
        "status": "active",
    }
    assert load(ws).problems == []
    route = runner.invoke(app, ["route", "Tell me about it.", "--company", "corvid logistics"])
    assert route.exit_code == 0, route.output


def test_company_typos_exit_2_before_writing(ws: Path) -> None:
    before = sorted(p.read_text() for p in (ws / "companies").iterdir())
    bad = [
        (["Quanta Labs", "--status", "actve"], "did you mean 'active'?"),
        (["Quanta Labs", "--primary-mode", "debuging"], "did you mean 'debugging'?"),
        (["Quanta Labs", "--next-round", "9 December"], "YYYY-MM-DD"),
        (["quanta", "--status", "paused"], "did you mean 'Quanta Labs'? (--new adds one)"),
        (["Quanta Labs"], "nothing to change"),
    ]
    for args, hint in bad:
        result = runner.invoke(app, ["company", *args])
        assert result.exit_code == 2, args
        assert hint in result.stderr, (args, result.stderr)
    assert sorted(p.read_text() for p in (ws / "companies").iterdir()) == before


def test_a_flow_style_card_is_rewritten_and_says_so(ws: Path) -> None:
    path = ws / "companies/quanta.yaml"
    path.write_text(
        "# kept\n{company: Quanta Labs, role: Research Engineer, status: closed,"
        " primary_mode: research}\n"
    )
    result = runner.invoke(app, ["company", "Quanta Labs", "--status", "paused"])
    assert result.exit_code == 0, result.output
    assert "rewritten" in result.stderr
    assert "# kept" in path.read_text()
    assert yaml.safe_load(path.read_text())["status"] == "paused"


@pytest.mark.parametrize(
    ("text", "changes", "expected"),
    [
        ("a: 1  # why\r\nb: x\r\n", {"b": "y"}, "a: 1  # why\r\nb: y\r\n"),
        ("a: 'quoted'\nnext_round:\n", {"next_round": "2026-12-01"}, None),
        ("a: 1", {"c": True}, "a: 1\nc: true\n"),
        ("a: 1\nb: x\n", {"b": "needs: quotes"}, "a: 1\nb: 'needs: quotes'\n"),
    ],
)
def test_edit_in_place(text: str, changes: dict, expected: str | None) -> None:
    new, note = edits.edit(text, changes)
    assert note is None
    assert load_text(new) == load_text(text) | changes
    if expected is not None:
        assert new == expected
    else:
        assert new.startswith("a: 'quoted'\nnext_round: ")


@pytest.mark.parametrize(
    "text", ["a: {x: 1}\nb: 2\n", "a: |\n  two\n  lines\nb: 2\n", "a: long\n  folded\nb: 2\n"]
)
def test_values_not_on_one_line_are_rewritten_not_broken(text: str) -> None:
    new, note = edits.edit(text, {"a": "one"})
    assert note is not None and "rewritten" in note
    assert load_text(new) == {"a": "one", "b": 2}


def test_create_never_replaces_a_file(tmp_path: Path) -> None:
    path = edits.create(tmp_path / "c.yaml", "a: 1\n")
    with pytest.raises(FileExistsError):
        edits.create(path, "a: 2\n")
    assert path.read_text() == "a: 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]

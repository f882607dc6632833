"""Workspace boundaries: no file outside the workspace is read through a symlink, and
`prepops init` creates exactly one new folder whatever the name or what lies beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prepops.data import lightread
from prepops.data.scaffold import ScaffoldError, create, dvc_add
from prepops.data.workspace import load
from tests.conftest import DEMO


def test_a_symlink_out_of_the_workspace_is_refused_not_read(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(DEMO, ws)
    secret = tmp_path / "outside.yaml"
    secret.write_text("company: Secret Corp\nstage: onsite\nsalary_note: do-not-print\n")
    (ws / "companies" / "leak.yaml").symlink_to(secret)
    loaded = load(ws)
    lines = [str(p) for p in loaded.problems]
    assert lines == ["companies/leak.yaml: (file): is a symlink to a file outside the workspace"]
    assert "do-not-print" not in repr(loaded.tables) + "".join(lines)
    assert "Secret Corp" not in lightread.company_cards(ws)


def test_a_symlink_inside_the_workspace_still_reads(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(DEMO, ws)
    card = next((ws / "companies").glob("*.yaml"))
    (ws / "spare").mkdir()
    moved = ws / "spare" / card.name
    card.rename(moved)
    card.symlink_to(moved)
    assert load(ws).problems == []


def test_init_never_follows_a_planted_staging_symlink(tmp_path: Path) -> None:
    """The old staging folder name was predictable; a planted symlink there was followed."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / ".ws.init-tmp").symlink_to(elsewhere)
    create(tmp_path / "ws")
    assert list(elsewhere.iterdir()) == []
    assert (tmp_path / "ws" / "rounds").is_dir()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".prepops-init-")] == []


@pytest.mark.parametrize(
    ("name", "rule"),
    [("--help", "not a plain folder name"), ("x" * 300, "longer than 200 bytes")],
)
def test_init_answers_a_bad_name_with_one_line(tmp_path: Path, name: str, rule: str) -> None:
    with pytest.raises(ScaffoldError, match=rule):
        create(tmp_path / name)
    with pytest.raises(ScaffoldError, match="not a plain folder name"):
        create(tmp_path / "x" / ".." / "y")
    with pytest.raises(ScaffoldError, match="parent folder does not exist"):
        create(tmp_path / "missing" / "ws")


def test_dvc_add_takes_the_name_as_a_path(tmp_path: Path, monkeypatch) -> None:
    """`dvc add -- NAME`: a name starting with '-' is never read as an option."""
    import subprocess

    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run(
        [str(Path(__import__("sys").executable).with_name("dvc")), "init", "-q"], check=True
    )
    (tmp_path / "-odd").mkdir()
    (tmp_path / "-odd" / "a.yaml").write_text("x: 1\n")
    ok, message = dvc_add(Path("-odd"))
    assert ok, message
    assert (tmp_path / "-odd.dvc").is_file()

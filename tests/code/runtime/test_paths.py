"""Which project a command works on: one rule, and never the prepops checkout by default."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prepops.runtime.paths import ProjectNotFound, find_root
from tests.conftest import DEMO

PREPOPS = str(Path(sys.executable).with_name("prepops"))


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "PREPOPS_ROOT"}


def test_the_nearest_params_yaml_is_the_project(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PREPOPS_ROOT", raising=False)
    (tmp_path / "params.yaml").write_text("workspace: ws\n")  # no dvc.yaml: still a project
    (tmp_path / "ws" / "rounds").mkdir(parents=True)
    assert find_root(tmp_path / "ws" / "rounds") == tmp_path
    monkeypatch.setenv("PREPOPS_ROOT", str(tmp_path / "ws"))
    assert find_root(tmp_path) == tmp_path / "ws"


def test_no_project_is_an_error_not_the_checkout(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PREPOPS_ROOT", raising=False)
    with pytest.raises(ProjectNotFound, match=r"no params\.yaml"):
        find_root(tmp_path)
    result = subprocess.run(
        [PREPOPS, "validate"], cwd=tmp_path, env=_env(), capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no params.yaml" in result.stderr


def test_validate_checks_the_user_s_workspace_and_says_which(tmp_path: Path) -> None:
    """A user repository with params.yaml alone (as a pre-commit hook sees it)."""
    shutil.copytree(DEMO, tmp_path / "private")
    bad = next((tmp_path / "private" / "rounds").glob("*.yaml"))
    bad.write_text(bad.read_text().replace("confidence: ", "confidence: 7 #", 1))
    (tmp_path / "params.yaml").write_text("workspace: private\n")
    result = subprocess.run(
        [PREPOPS, "validate"], cwd=tmp_path, env=_env(), capture_output=True, text=True
    )
    assert result.returncode == 1, result.stderr
    line = next(
        i for i, text in enumerate(bad.read_text().splitlines(), 1) if text.startswith("confidence")
    )
    assert f"rounds/{bad.name}:{line}: confidence:" in result.stdout
    assert f"`workspace: private` in {tmp_path / 'params.yaml'}" in result.stderr

"""A project the CLI tests run in: a workspace, params.yaml and an exported champion router."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.code.model.test_router import demo_router


def make_project(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Turn `root` (holding a workspace in data/) into the project the CLI works on."""
    (root / "params.yaml").write_text("workspace: data\n")
    (root / "dvc.yaml").write_text("stages: {}\n")
    champion = root / "reports" / "router" / "champion.json"
    champion.parent.mkdir(parents=True)
    champion.write_text(json.dumps(demo_router().to_dict()))
    monkeypatch.setenv("PREPOPS_ROOT", str(root))
    return root

"""Shared fixtures: a private copy of the demo workspace per test, and YAML edit helpers."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data"
CANARY = "CANARY-7f3a9-do-not-leak"


@pytest.fixture
def demo_ws(tmp_path: Path) -> Path:
    """A copy of the demo workspace that a test may break."""
    target = tmp_path / "ws"
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("processed"))
    return target


def edit(ws: Path, rel: str, change: Callable[[dict], object]) -> Path:
    """Load a workspace YAML file, let `change` mutate the mapping, write it back."""
    path = ws / rel
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def problem_lines(ws: Path, **kwargs) -> list[str]:
    from prepops.data.workspace import load

    return [str(p) for p in load(ws, **kwargs).problems]

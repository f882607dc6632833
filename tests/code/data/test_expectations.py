"""Great Expectations suites run for real on the demo's tables and on broken variants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prepops.data import expectations
from prepops.data.workspace import load
from tests.conftest import edit

TODAY = dt.date(2026, 11, 25)


def checks(ws: Path, tmp: Path, as_errors=()) -> dict[tuple[str, str], dict]:
    frames = expectations.derived(load(ws).tables, TODAY, 21)
    rows = expectations.run(frames, tmp / "docs", list(as_errors))
    return {(r["suite"], r["column"]): r for r in rows}


def test_demo_passes_and_data_docs_are_built(demo_ws: Path, tmp_path: Path) -> None:
    found = checks(demo_ws, tmp_path)
    assert all(r["success"] for r in found.values())
    assert {s for s, _ in found} == {"rounds", "questions", "rehearsals", "mode_evidence"}
    index = (tmp_path / "docs" / "index.html").read_text()
    assert "mode_evidence" in index


def test_distribution_problems_are_caught(demo_ws: Path, tmp_path: Path) -> None:
    for path in (demo_ws / "rounds").glob("*.yaml"):
        edit(demo_ws, path.relative_to(demo_ws).as_posix(), lambda d: d.update(confidence=0.5))
    edit(demo_ws, "rounds/helix-tech-2026-10-14.yaml", lambda d: d.update(outcome="pending"))
    for rel in ("evidence/ranking-experiment.yaml", "evidence/feature-store-migration.yaml"):
        edit(demo_ws, rel, lambda d: d.update(modes=["product"]))
    found = checks(demo_ws, tmp_path, as_errors=["expect_column_values_to_be_in_set"])
    assert not found[("rounds", "confidence")]["success"]  # the same confidence everywhere
    assert found[("rounds", "confidence")]["severity"] == "warning"
    stale = found[("rounds", "stale_pending")]
    assert not stale["success"] and stale["severity"] == "error"  # pending for 6 weeks
    assert not found[("mode_evidence", "evidence_packets")]["success"]  # research has none

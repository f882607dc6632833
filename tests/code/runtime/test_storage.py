"""Atomic writes, never-overwrite, and CSV exports safe against spreadsheet formulas."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from prepops.runtime.storage import atomic_write, csv_safe, write_csv, write_new, write_text


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_defused(cell: str) -> None:
    assert csv_safe(cell) == "'" + cell


def test_numbers_and_plain_text_stay(tmp_path: Path) -> None:
    frame = pd.DataFrame({"group": ['=HYPERLINK("http://x")', "Acme"], "value": [-0.5, 2.0]})
    text = write_csv(tmp_path / "x.csv", frame).read_text()
    assert "'=HYPERLINK" in text
    assert "-0.5" in text and "'-0.5" not in text
    assert "\nAcme," in text


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")

    def boom(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_write_new_never_overwrites(tmp_path: Path) -> None:
    write_new(tmp_path / "a.yaml", "one")
    with pytest.raises(FileExistsError):
        write_new(tmp_path / "a.yaml", "two")
    assert (tmp_path / "a.yaml").read_text() == "one"


def test_a_killed_writers_temp_file_is_swept_and_a_live_ones_kept(tmp_path: Path) -> None:
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)  # that process has exited: its temp file is a leftover
    target = tmp_path / "calibration.json"
    (tmp_path / f".calibration.json.{dead_pid}.abc123.tmp").write_text("half")
    live = tmp_path / f".calibration.json.{os.getppid()}.def456.tmp"  # a writer still running
    live.write_text("in progress")
    other = tmp_path / f".scorecard.json.{dead_pid}.ghi789.tmp"  # another target's: not ours
    other.write_text("half")
    write_text(target, "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["calibration.json", live.name, other.name]
    )

"""Typed params.yaml: the run's day reaches the plan unless `plan.as_of` is set."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from prepops.runtime.settings import Settings, SettingsError, load_settings


def test_plan_takes_the_week_date_unless_it_has_its_own() -> None:
    day = dt.date(2026, 11, 27)
    assert Settings().plan_as_of(day).as_of == day
    own = Settings.model_validate({"plan": {"as_of": "2026-11-20"}})
    assert own.plan_as_of(day).as_of == dt.date(2026, 11, 20)


def test_a_bad_date_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("as_of: 2026-13-01\n")  # YAML's own date parser raises ValueError
    with pytest.raises(SettingsError, match=r"^params.yaml: \(file\): .*month must be in 1..12"):
        load_settings(params)
    params.write_text("as_of: next tuesday\n")
    with pytest.raises(SettingsError, match=r"^params.yaml: as_of: "):
        load_settings(params)

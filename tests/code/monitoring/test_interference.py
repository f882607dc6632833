"""Interference: the day is the unit (rounds of one day share it), stage is taken out, and
one stacked day is never a finding, only an info note that says what it saw."""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepops.monitoring import stats
from prepops.monitoring.findings import insufficient
from prepops.monitoring.interference import interference
from prepops.runtime.settings import Monitor

CFG = Monitor()
STAGES = ["coding", "system_design", "technical_screen", "incident"]


def heavy_rounds(rng, days: int, stacked: int, per_stack: int, day_sd: float, extra=0.0):
    """Heavy rounds: `stacked` days with `per_stack` rounds, the others one each; every
    round of a day shares that day's effect (sd day_sd); stacked rounds lose `extra` more."""
    rows, losses = [], []
    for d in range(days):
        effect = rng.normal(0, day_sd)
        for k in range(per_stack if d < stacked else 1):
            stage = STAGES[int(rng.integers(len(STAGES)))]
            rows.append({"id": f"r{d}-{k}", "company": "A", "stage": stage,
                         "duration_min": 60, "date": pd.Timestamp("2026-01-01") +
                         pd.Timedelta(days=d)})  # fmt: skip
            losses.append(3 + effect + rng.normal(0, 1) + (extra if d < stacked else 0.0))
    frame = pd.DataFrame(rows)
    return frame, pd.Series(losses, index=frame.index)


def test_a_day_effect_does_not_raise_false_alarms() -> None:
    rng = np.random.default_rng(0)
    by_day, by_round, runs = 0, 0, 300
    for _ in range(runs):
        rounds, loss = heavy_rounds(rng, days=30, stacked=6, per_stack=3, day_sd=1.5)
        (c,), _ = interference(rounds, loss, CFG)
        by_day += c.p_value < 0.05
        stacked = rounds.groupby("date")["id"].transform("size") >= 2
        old = stats.greater_mean_pvalue(loss[stacked].to_numpy(), loss[~stacked].to_numpy(), 0)
        by_round += old < 0.05  # the rounds-as-units test it replaced
    assert by_day / runs <= 0.07, f"day-level false alarms {by_day} of {runs}"
    assert by_round > by_day


def test_a_real_stacking_effect_is_found() -> None:
    rng = np.random.default_rng(1)
    found = 0
    for _ in range(50):
        rounds, loss = heavy_rounds(rng, days=30, stacked=6, per_stack=2, day_sd=0.5, extra=3.0)
        (c,), _ = interference(rounds, loss, CFG)
        found += c.p_value < 0.05 and c.large
    assert found >= 40


def test_one_stacked_day_is_not_tested_but_said_plainly() -> None:
    rng = np.random.default_rng(2)
    rounds, loss = heavy_rounds(rng, days=12, stacked=1, per_stack=2, day_sd=0.0, extra=5.0)
    candidates, short = interference(rounds, loss, CFG)
    assert candidates == []
    (note,) = insufficient(short, CFG.min_n)
    assert note["severity"] == "info" and note["evidence"]["n"] == 1
    assert "2026-01-01 (2 heavy rounds" in note["summary"]
    assert "One day cannot tell stacking from a bad day" in note["summary"]
    assert sorted(note["evidence"]["round_ids"]) == ["r0-0", "r0-1"]


def test_stage_is_taken_out_of_the_comparison() -> None:
    # stacked days hold only incident rounds, which lose more wherever they fall
    rows, losses = [], []
    for d in range(24):
        stage = "incident" if d % 3 == 0 else "coding"
        for k in range(2 if d < 6 and stage == "incident" else 1):
            rows.append({"id": f"r{d}-{k}", "company": "A", "stage": stage, "duration_min": 60,
                         "date": pd.Timestamp("2026-01-01") + pd.Timedelta(days=d)})  # fmt: skip
            losses.append(6.0 if stage == "incident" else 2.0)
    rounds = pd.DataFrame(rows)
    (c,), _ = interference(rounds, pd.Series(losses, index=rounds.index), CFG)
    assert c.statistic["raw_difference"] > 2.5 and c.statistic["difference"] < 0.5
    assert not c.large and c.p_value > 0.05

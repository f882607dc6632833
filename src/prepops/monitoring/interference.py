"""Interference: do heavy rounds stacked on one day lose more signals than heavy rounds
alone?

The day is the unit: rounds on one day share it (sleep, commute, a bad morning), so the
test compares days, not rounds: each stacked day's mean against each lone heavy round,
with the stacked label permuted over days. Stage confounds the comparison (an incident
round loses more signals wherever it falls), so each round's loss is taken relative to its
stage's mean over the heavy rounds. One stacked day cannot tell stacking from a bad day:
with fewer than MIN_STACKED_DAYS it is not tested, and an info finding says what it saw.
"""

from __future__ import annotations

import pandas as pd

from prepops.monitoring import stats
from prepops.monitoring.findings import Candidate, Short, ids
from prepops.runtime.settings import Monitor

# two more lost signals per heavy round: about one more per question asked in it
LARGE_LOSS = 2.0
MIN_STACKED_DAYS = 2  # one stacked day is one data point, however many rounds it holds
HEAVY_STAGES = {"technical_screen", "coding", "system_design", "incident", "research", "final"}


def _redraw(worse, other, seed: int):
    return lambda resamples: stats.greater_mean_pvalue(worse, other, seed + 1, resamples)


def _days(heavy: pd.DataFrame) -> pd.DataFrame:
    """Per day with heavy rounds: how many, their mean loss and their mean loss relative to
    the stage (the unit of the test)."""
    relative = heavy["loss"] - heavy.groupby("stage")["loss"].transform("mean")
    frame = heavy.assign(relative=relative)
    return frame.groupby("date").agg(
        rounds=("id", "size"), loss=("loss", "mean"), relative=("relative", "mean")
    )


def _untested(stacked: pd.DataFrame, alone: pd.DataFrame, days: pd.DataFrame) -> Short:
    """The plain words for a day (or none) of stacked heavy rounds that cannot be tested."""
    subject = "interference: heavy rounds on the same day"
    stacked_days = days[days["rounds"] >= 2]
    if stacked_days.empty:
        return (subject, 0, [], None)
    seen = ", ".join(
        f"{d:%Y-%m-%d} ({int(r.rounds)} heavy rounds, {r.loss:.1f} lost signals each)"
        for d, r in stacked_days.iterrows()
    )
    base = f"{alone['loss'].mean():.1f} each for the {len(alone)} alone" if len(alone) else ""
    text = (
        f"{subject}: {len(stacked_days)} stacked day(s): {seen}"
        + (f"; {base}" if base else "")
        + f". One day cannot tell stacking from a bad day: not tested until "
        f"{MIN_STACKED_DAYS} days have two or more heavy rounds"
    )
    return (subject, len(stacked_days), ids(stacked), None, text)


def interference(
    rounds: pd.DataFrame, loss: pd.Series, cfg: Monitor
) -> tuple[list[Candidate], list[Short]]:
    """Lost signals per heavy round, stacked days vs lone heavy rounds (permutation over
    days, stage-relative loss)."""
    heavy = rounds[rounds["stage"].isin(HEAVY_STAGES) | (rounds["duration_min"] >= 60)]
    heavy = heavy.assign(loss=loss.loc[heavy.index]).dropna(subset=["loss"])
    days = _days(heavy)
    per_day = heavy.groupby("date")["id"].transform("size")
    stacked, alone = heavy[per_day >= 2], heavy[per_day == 1]
    stacked_days, alone_days = days[days["rounds"] >= 2], days[days["rounds"] == 1]
    if len(stacked_days) < MIN_STACKED_DAYS or len(alone_days) < 2 or len(heavy) < cfg.min_n:
        return [], [_untested(stacked, alone, days)]
    worse = stacked_days["relative"].to_numpy(float)
    other = alone_days["relative"].to_numpy(float)
    res = stats.mean_difference_test(worse, other, cfg.seed)
    raw = float(stacked["loss"].mean() - alone["loss"].mean())
    labels = sorted(d.strftime("%Y-%m-%d") for d in stacked_days.index)
    return [
        Candidate(
            "interference",
            "heavy rounds on one day",
            f"heavy rounds on {len(labels)} stacked days ({', '.join(labels[:4])}) lost "
            f"{raw:+.2f} more signals each (clarifications, rescues, shifts, corrections) "
            f"than heavy rounds alone; {res['difference']:+.2f} per day against rounds of the "
            "same stage (dates have no time of day, so all rounds of a stacked day count)",
            len(days),
            {
                "difference": res["difference"],
                "raw_difference": round(raw, 4),
                "stacked_days": len(stacked_days),
                "stacked": len(stacked),
                "alone": len(alone),
                "test": "permutation over days (one-sided), loss relative to the stage",
            },
            res["p_value"],
            ids(stacked),
            large=res["difference"] >= LARGE_LOSS,
            interval=res["interval"],
            extra={"companies": sorted(set(stacked["company"]))},
            expected=f"stacked days to lose as many signals as the {len(alone)} heavy rounds "
            f"alone ({alone['loss'].mean():.2f} each), the {len(stacked)} stacked lost "
            f"{stacked['loss'].mean():.2f}",
            unit="days with heavy rounds",
            redraw=None if len(days) > stats.EXACT_MAX_ROUNDS else _redraw(worse, other, cfg.seed),
        )
    ], []

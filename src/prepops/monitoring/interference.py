"""Interference: do heavy rounds stacked on one day lose more signals than heavy rounds
alone?"""

from __future__ import annotations

import pandas as pd

from prepops.monitoring import stats
from prepops.monitoring.findings import Candidate, Short, ids
from prepops.runtime.settings import Monitor

# two more lost signals per heavy round: about one more per question asked in it
LARGE_LOSS = 2.0
HEAVY_STAGES = {"technical_screen", "coding", "system_design", "incident", "research", "final"}


def _redraw(worse, other, seed: int):
    return lambda resamples: stats.greater_mean_pvalue(worse, other, seed + 1, resamples)


def interference(
    rounds: pd.DataFrame, loss: pd.Series, cfg: Monitor
) -> tuple[list[Candidate], list[Short]]:
    """Lost signals per heavy round, sharing a day vs alone (one-sided permutation test)."""
    heavy = rounds[rounds["stage"].isin(HEAVY_STAGES) | (rounds["duration_min"] >= 60)]
    heavy = heavy.assign(loss=loss.loc[heavy.index]).dropna(subset=["loss"])
    per_day = heavy.groupby("date")["id"].transform("size")
    stacked, alone = heavy[per_day >= 2], heavy[per_day == 1]
    if len(stacked) < 2 or len(alone) < 2 or len(heavy) < cfg.min_n:
        return [], [
            ("interference: heavy rounds on the same day", len(stacked), ids(stacked), None)
        ]
    worse, other = stacked["loss"].to_numpy(float), alone["loss"].to_numpy(float)
    res = stats.mean_difference_test(worse, other, cfg.seed)
    days = sorted({d.strftime("%Y-%m-%d") for d in stacked["date"]})
    return [
        Candidate(
            "interference",
            "heavy rounds on one day",
            f"heavy rounds sharing a day ({', '.join(days[:4])}) lost "
            f"{res['difference']:+.2f} more signals each (clarifications, rescues, shifts, "
            "corrections) than heavy rounds alone "
            "(dates have no time of day, so all rounds of a stacked day are compared)",
            len(heavy),
            {
                "difference": res["difference"],
                "stacked": len(stacked),
                "alone": len(alone),
                "test": "permutation (one-sided)",
            },
            res["p_value"],
            ids(stacked),
            large=res["difference"] >= LARGE_LOSS,
            interval=res["interval"],
            extra={"companies": sorted(set(stacked["company"]))},
            expected=f"stacked heavy rounds to lose as many signals as the {len(alone)} alone "
            f"({other.mean():.2f} each), the {len(stacked)} stacked lost {worse.mean():.2f}",
            unit="heavy rounds",
            redraw=None if len(heavy) > stats.EXACT_MAX_ROUNDS else _redraw(worse, other, cfg.seed),
        )
    ], []

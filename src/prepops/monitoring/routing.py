"""Routing checks: questions answered in the wrong mode, and rounds you read as strong that
were rejected anyway (your bar sits below the company's)."""

from __future__ import annotations

import pandas as pd

from prepops.evaluation.calibration import NEGATIVE, POSITIVE
from prepops.evaluation.scorecard import performance
from prepops.monitoring import stats
from prepops.monitoring.findings import Candidate, Short, ids
from prepops.runtime.settings import Monitor

LARGE_MISROUTE = 0.30  # one question in three in the wrong mode: 3x the default tolerance
LARGE_REJECT = 0.60  # most rounds you read as strong rejected: your bar is not theirs


def misrouting(
    tables: dict[str, pd.DataFrame], cfg: Monitor
) -> tuple[list[Candidate], list[Short]]:
    """Share of questions answered in a mode other than the one wanted (binomial test)."""
    q = tables["questions"].dropna(subset=["mode_wanted"])
    if len(q) < cfg.min_n:
        return [], [("misrouting", len(q), sorted(set(q["round_id"])), None)]
    wrong = q[q["mode_used"] != q["mode_wanted"]]
    res = stats.binomial_greater(len(wrong), len(q), cfg.misroute_ok)
    pairs = wrong.groupby(["mode_used", "mode_wanted"]).size().sort_values(ascending=False)
    top = ", ".join(f"{u}->{w} x{c}" for (u, w), c in pairs.head(3).items())
    return [
        Candidate(
            "misrouting",
            "overall",
            f"{len(wrong)} of {len(q)} questions answered in the wrong mode ({res['rate']:.0%}); "
            f"most: {top or 'none'}",
            len(q),
            {
                "rate": res["rate"],
                "acceptable": cfg.misroute_ok,
                "test": "binomial",
                "pairs": {f"{u}->{w}": int(c) for (u, w), c in pairs.items()},
            },
            res["p_value"],
            sorted(set(wrong["round_id"])),
            large=res["rate"] >= LARGE_MISROUTE,
            interval=res["interval"],
            extra={"wanted_modes": sorted(set(wrong["mode_wanted"]))},
            expected=f"at most {cfg.misroute_ok:.0%} ({cfg.misroute_ok * len(q):.1f} of "
            f"{len(q)}) in the wrong mode, {len(wrong)} were",
            unit="questions",
        )
    ], []


def _mismatch(
    subject: str, company: str | None, g: pd.DataFrame, cfg: Monitor, strong_rubric: float
) -> Candidate:
    rejected = g[g["outcome"].isin(NEGATIVE)]
    res = stats.binomial_greater(len(rejected), len(g), cfg.strong_reject_ok)
    return Candidate(
        "threshold_mismatch",
        subject,
        f"{subject}: {len(rejected)} of {len(g)} rounds you read as strong (rubric >= "
        f"{strong_rubric}) were rejected",
        len(g),
        {
            "rejected_rate": res["rate"],
            "acceptable": cfg.strong_reject_ok,
            "test": "binomial",
        },
        res["p_value"],
        ids(rejected),
        large=res["rate"] >= LARGE_REJECT,
        company=company,
        interval=res["interval"],
        expected=f"at most {cfg.strong_reject_ok:.0%} ({cfg.strong_reject_ok * len(g):.1f} of "
        f"{len(g)}) rejected, {len(rejected)} were",
        unit="rounds read as strong",
    )


def threshold_mismatch(
    rounds: pd.DataFrame, cfg: Monitor, strong_rubric: float
) -> tuple[list[Candidate], list[Short]]:
    """Rejections among rounds with rubric mean >= strong_rubric, overall and per company."""
    frame = rounds.assign(perf=performance(rounds))
    strong = frame[(frame["perf"] >= strong_rubric) & frame["outcome"].isin(POSITIVE | NEGATIVE)]
    found, short = [], []
    by_company = sorted(strong.groupby("company"), key=lambda kv: kv[0])
    groups = [("overall", None, strong), *((c, c, g) for c, g in by_company)]
    for subject, company, g in groups:
        if len(g) >= cfg.min_n:
            found.append(_mismatch(subject, company, g, cfg, strong_rubric))
        elif company is None:  # a small company is simply left out; only overall is reported
            short.append(("threshold: rounds read as strong", len(g), ids(g), None))
    return found, short

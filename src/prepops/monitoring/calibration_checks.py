"""Calibration checks: is the confidence you gave before a round borne out by its outcome?"""

from __future__ import annotations

import pandas as pd

from prepops.evaluation.calibration import labelled
from prepops.monitoring import stats
from prepops.monitoring.findings import Candidate, Short, ids
from prepops.monitoring.intervals import gap_interval
from prepops.runtime.settings import Monitor

LARGE_GAP = 0.25  # a quarter of a round per round mispredicted: enough to misjudge a loop


def _candidate(subject: str, company: str | None, g: pd.DataFrame) -> Candidate:
    p = g["confidence"].astype(float).to_numpy()
    y = g["y"].to_numpy()
    pval, _low, _high = stats.poisson_binomial_pvalue(p, int(y.sum()))
    gap = float(p.mean() - y.mean())
    return Candidate(
        "overconfidence" if gap > 0 else "underconfidence",
        subject,
        f"{subject}: mean confidence {p.mean():.2f} vs advanced {y.sum()}/{len(y)} "
        f"({y.mean():.2f}); gap {gap:+.2f}",
        len(g),
        {
            "gap": round(gap, 4),
            "expected_advances": round(float(p.sum()), 2),
            "advanced": int(y.sum()),
            "test": "exact Poisson-binomial; interval by inverting it",
        },
        pval,
        ids(g),
        large=abs(gap) >= LARGE_GAP,
        company=company,
        interval=gap_interval(p, int(y.sum())),
        expected=f"{p.sum():.1f} of {len(y)} to advance at the confidence written down, "
        f"{int(y.sum())} did",
        unit="rounds with a known outcome",
    )


def calibration(rounds: pd.DataFrame, cfg: Monitor) -> tuple[list[Candidate], list[Short]]:
    """Over- or underconfidence overall and per company (exact Poisson-binomial test)."""
    known = labelled(rounds)
    groups = [("overall", None, known)] + [
        (c, c, g) for c, g in sorted(known.groupby("company"), key=lambda kv: kv[0])
    ]
    found, short = [], []
    for subject, company, g in groups:
        if len(g) < cfg.min_n:
            short.append((f"calibration: {subject}", len(g), ids(g), company))
        else:
            found.append(_candidate(subject, company, g))
    return found, short

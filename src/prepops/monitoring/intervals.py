"""Intervals that cover at n=8: the confidence gap from inverting the exact test.

Model: the true chance of advancing is your confidence shifted by a constant delta (clipped
to [0, 1]), so the gap is mean(confidence) - mean(true chance). The 95% interval holds every
delta the exact Poisson-binomial test does not reject in either tail (as Clopper-Pearson does
for one rate): its coverage is at least 95% under the model, at any n.
"""

from __future__ import annotations

import numpy as np

from prepops.monitoring.stats import poisson_binomial_pvalue

STEPS = 20  # bisection steps on delta in [-1, 1]: resolution 2e-6, below the rounding


def _tails(p: np.ndarray, observed: int, delta: float) -> tuple[float, float]:
    """P(S <= observed), P(S >= observed) when the true chances are p - delta."""
    _, low, high = poisson_binomial_pvalue(np.clip(p - delta, 0.0, 1.0), observed)
    return low, high


def _gap(p: np.ndarray, delta: float) -> float:
    return float(p.mean() - np.clip(p - delta, 0.0, 1.0).mean())


def _bisect(inside, lo: float, hi: float) -> float:
    """The boundary of a monotone predicate that holds at `lo` and not at `hi`."""
    for _ in range(STEPS):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if inside(mid) else (lo, mid)
    return (lo + hi) / 2


def gap_interval(p: np.ndarray, observed: int, level: float = 0.95) -> list[float]:
    """Interval of the confidence gap: the deltas neither tail of the exact test rejects."""
    half = (1 - level) / 2
    # P(S <= observed) rises with delta, P(S >= observed) falls: each tail gives one end
    if _tails(p, observed, -1.0)[0] > half:
        low = -1.0
    else:
        low = _bisect(lambda d: _tails(p, observed, d)[0] <= half, -1.0, 1.0)
    if _tails(p, observed, 1.0)[1] > half:
        high = 1.0
    else:
        high = _bisect(lambda d: _tails(p, observed, d)[1] > half, -1.0, 1.0)
    return [round(_gap(p, low), 4), round(_gap(p, high), 4)]

"""Tails of a sum of independent Bernoullis (Poisson-binomial) beyond the exact recursion's
reach: the Lugannani-Rice saddlepoint approximation with Daniels' continuity correction.

The normal approximation is too liberal when confidences sit near 0 or 1 (the sum is
skewed); the saddlepoint one follows the skew and keeps its relative error small far into
the tail, at O(n) per evaluation.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy import stats as sps

SMALL_T = 1e-4  # |saddlepoint| below this: the tail is near one half; skewed normal is exact enough


def _cgf(t: float, p: np.ndarray) -> tuple[float, float, float]:
    """K(t), K'(t), K''(t) of the sum, computed in log space (no overflow at large |t|)."""
    log_num = np.log(p) + t
    log_den = np.logaddexp(np.log1p(-p), log_num)
    q = np.exp(log_num - log_den)  # each Bernoulli's tilted success chance
    return float(log_den.sum()), float(q.sum()), float((q * (1 - q)).sum())


def _saddlepoint(p: np.ndarray, target: float) -> float:
    """The t with K'(t) = target: Newton from the normal's guess (K' is increasing), with
    bisection as the fallback when a step leaves the bracket."""
    lo, hi = -60.0, 60.0
    var = float((p * (1 - p)).sum())
    t = min(max((target - float(p.sum())) / max(var, 1e-12), lo), hi)
    for _ in range(60):
        _, k1, k2 = _cgf(t, p)
        if abs(k1 - target) < 1e-10 * max(1.0, abs(target)):
            return t
        lo, hi = (t, hi) if k1 < target else (lo, t)
        step = t - (k1 - target) / k2 if k2 > 1e-300 else (lo + hi) / 2
        t = step if lo < step < hi else (lo + hi) / 2
    return optimize.brentq(lambda x: _cgf(x, p)[1] - target, lo, hi, xtol=1e-12)


def _upper(p: np.ndarray, s: int) -> float:
    """P(S >= s) for success chances strictly inside (0, 1)."""
    n = len(p)
    if s <= 0:
        return 1.0
    if s > n:
        return 0.0
    target = s - 0.5  # the continuity-corrected point of a lattice distribution
    t = _saddlepoint(p, target)
    k, _, k2 = _cgf(t, p)
    if abs(t) < SMALL_T:
        mean, var = float(p.sum()), float((p * (1 - p)).sum())
        skew = float((p * (1 - p) * (1 - 2 * p)).sum()) / var**1.5
        z = (target - mean) / np.sqrt(var)
        return float(sps.norm.sf(z) + skew / 6 * (z * z - 1) * sps.norm.pdf(z))
    w = np.sign(t) * np.sqrt(max(2 * (t * target - k), 0.0))
    u = 2 * np.sinh(t / 2) * np.sqrt(k2)
    tail = sps.norm.sf(w) - sps.norm.pdf(w) * (1 / w - 1 / u)
    return float(min(max(tail, 0.0), 1.0))


def tails(p: np.ndarray, observed: int) -> tuple[float, float]:
    """(P(S <= observed), P(S >= observed)) by the saddlepoint approximation."""
    p = np.asarray(p, dtype=float)
    sure = int((p >= 1.0).sum())  # certain successes shift the count; certain failures drop
    inner = p[(p > 0.0) & (p < 1.0)]
    s = observed - sure
    high = _upper(inner, s)
    low = _upper(1.0 - inner, len(inner) - s)  # S <= s  <=>  failures >= n - s
    return low, high

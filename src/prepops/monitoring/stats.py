"""Small-sample statistics for the monitor: exact and permutation tests, effect sizes with
bootstrap intervals, and Holm's correction. Every test returns its n; none assumes a large
sample (a candidate has 10-60 rounds). Category mixes (shift_test) live in mixes.py."""

from __future__ import annotations

import numpy as np
from scipy import stats

from prepops.monitoring import saddlepoint
from prepops.monitoring.mixes import CHUNK, PERMUTATIONS, js_distance, shift_pvalue, shift_test

__all__ = ["js_distance", "shift_pvalue", "shift_test"]  # re-exported: one import for checks

EXACT_MAX_ROUNDS = 2000  # above this, the Poisson-binomial tails come from the saddlepoint


def poisson_binomial_pvalue(p: np.ndarray, observed: int) -> tuple[float, float, float]:
    """Exact two-sided test that outcomes y_i ~ Bernoulli(p_i) (own confidence calibrated).

    Returns (p_value, P(S <= observed), P(S >= observed)) for S = sum of the outcomes.
    """
    if len(p) > EXACT_MAX_ROUNDS:  # O(n), and unlike the normal it follows the skew
        low, high = saddlepoint.tails(p, observed)
        return min(1.0, 2 * min(low, high)), low, high
    pmf = np.zeros(len(p) + 1)
    pmf[0] = 1.0
    for q in p:  # exact distribution of a sum of independent Bernoullis
        pmf[1:] = pmf[1:] * (1 - q) + pmf[:-1] * q
        pmf[0] *= 1 - q
    low = float(pmf[: observed + 1].sum())
    high = float(pmf[observed:].sum())
    return min(1.0, 2 * min(low, high)), low, high


def resamples_for(tests: int, alpha_high: float) -> int:
    """Permutations enough that the smallest p, Holm-multiplied by `tests`, is a quarter of
    alpha_high (so a decisive permutation test can reach high), at least 1999."""
    return max(1999, int(np.ceil(4 * tests / alpha_high)) - 1)


def trend(x: np.ndarray, y: np.ndarray, worse: str) -> dict:
    """Kendall's tau of y against time x; one-sided in the direction that means worse
    ("up" or "down"); exact p-value where scipy can give one."""
    alternative = "greater" if worse == "up" else "less"
    res = stats.kendalltau(x, y, alternative=alternative)
    tau = 0.0 if np.isnan(res.statistic) else float(res.statistic)
    p = 1.0 if np.isnan(res.pvalue) else float(res.pvalue)
    return {"tau": round(tau, 4), "p_value": p, "n": len(x)}


def _gap(a: np.ndarray, b: np.ndarray, axis: int) -> np.ndarray:
    return np.mean(a, axis=axis) - np.mean(b, axis=axis)


def greater_mean_pvalue(
    worse: np.ndarray, other: np.ndarray, seed: int, resamples: int = PERMUTATIONS
) -> float:
    """One-sided permutation p-value that `worse` has the higher mean."""
    res = stats.permutation_test(
        (worse, other),
        _gap,
        n_resamples=resamples,
        alternative="greater",
        vectorized=True,
        random_state=seed,
        batch=CHUNK,
    )
    return float(res.pvalue)


def mean_difference_test(worse: np.ndarray, other: np.ndarray, seed: int) -> dict:
    """One-sided permutation test that `worse` has the higher mean; difference with a
    bootstrap interval. The values must be the units (interference passes days); above
    EXACT_MAX_ROUNDS of them, Welch's t."""
    if len(worse) + len(other) > EXACT_MAX_ROUNDS:
        welch = stats.ttest_ind(worse, other, equal_var=False, alternative="greater")
        diff = float(np.mean(worse) - np.mean(other))
        se = float(np.sqrt(np.var(worse, ddof=1) / len(worse) + np.var(other, ddof=1) / len(other)))
        return {
            "difference": round(diff, 4),
            "p_value": float(welch.pvalue),
            "interval": [round(diff - 1.96 * se, 4), round(diff + 1.96 * se, 4)],
        }
    samples = (worse, other)
    boot = stats.bootstrap(
        samples, _gap, n_resamples=1000, method="percentile", vectorized=True, random_state=seed
    )
    ci = boot.confidence_interval
    return {
        "difference": round(float(np.mean(worse) - np.mean(other)), 4),
        "p_value": greater_mean_pvalue(worse, other, seed),
        "interval": [round(float(ci.low), 4), round(float(ci.high), 4)],
    }


def binomial_greater(k: int, n: int, p0: float) -> dict:
    """One-sided binomial test that the rate k/n exceeds p0; the rate with a Wilson interval."""
    from prepops.evaluation.calibration import wilson

    res = stats.binomtest(k, n, p0, alternative="greater")
    return {"rate": round(k / n, 4), "p_value": float(res.pvalue), "interval": wilson(k, n)}


def holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (family-wise error control, any dependence)."""
    m = len(p_values)
    order = np.argsort(p_values)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return [float(a) for a in adjusted]

"""Small-sample statistics for the monitor: exact and permutation tests, effect sizes with
bootstrap intervals, and Holm's correction. Every test returns its n; none assumes a large
sample (a candidate has 10-60 rounds)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def poisson_binomial_pvalue(p: np.ndarray, observed: int) -> tuple[float, float, float]:
    """Exact two-sided test that outcomes y_i ~ Bernoulli(p_i) (own confidence calibrated).

    Returns (p_value, P(S <= observed), P(S >= observed)) for S = sum of the outcomes.
    """
    if len(p) > EXACT_MAX_ROUNDS:  # Lyapunov CLT with continuity correction; O(n) not O(n^2)
        mean, sd = float(p.sum()), float(np.sqrt((p * (1 - p)).sum())) or 1e-12
        low = float(stats.norm.cdf((observed + 0.5 - mean) / sd))
        high = float(stats.norm.sf((observed - 0.5 - mean) / sd))
        return min(1.0, 2 * min(low, high)), low, high
    pmf = np.zeros(len(p) + 1)
    pmf[0] = 1.0
    for q in p:  # exact distribution of a sum of independent Bernoullis
        pmf[1:] = pmf[1:] * (1 - q) + pmf[:-1] * q
        pmf[0] *= 1 - q
    low = float(pmf[: observed + 1].sum())
    high = float(pmf[observed:].sum())
    return min(1.0, 2 * min(low, high)), low, high


def js_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Jensen-Shannon distance (base 2, in [0, 1]) between count vectors."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = a / a.sum(axis=1, keepdims=True)
        q = b / b.sum(axis=1, keepdims=True)
        m = (p + q) / 2
        kl_p = np.where(p > 0, p * np.log2(p / m), 0.0).sum(axis=1)
        kl_q = np.where(q > 0, q * np.log2(q / m), 0.0).sum(axis=1)
    return np.sqrt(np.clip((kl_p + kl_q) / 2, 0, 1))


def _chi2(group: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Pearson chi-square of 2 x K tables given the group's counts (R x K) and the totals."""
    rest = total - group
    table = np.stack([group, rest], axis=-2)  # R x 2 x K
    n = table.sum(axis=(-2, -1), keepdims=True)
    expected = table.sum(axis=-1, keepdims=True) * table.sum(axis=-2, keepdims=True) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (table - expected) ** 2 / expected, 0.0)
    return terms.sum(axis=(-2, -1))


EXACT_MAX_ROUNDS = 2000  # above this, large-sample references are accurate and affordable


def resamples_for(tests: int, alpha_high: float) -> int:
    """Permutations enough that the smallest p, Holm-multiplied by `tests`, is a quarter of
    alpha_high (so a decisive permutation test can reach high), at least 1999."""
    return max(1999, int(np.ceil(4 * tests / alpha_high)) - 1)


PERMUTATIONS = 999  # first pass; a p below alpha is redrawn with resamples_for(tests)
CHUNK = 2000  # permutations drawn at a time, which keeps memory flat


def _permutation_p(
    counts: np.ndarray, in_group: np.ndarray, observed: float, rng, resamples: int
) -> float:
    """p-value of the chi-square statistic with the group label permuted over rounds."""
    exceed, total, left = 0, counts.sum(axis=0), resamples
    while left > 0:
        perms = rng.permuted(np.tile(in_group, (min(left, CHUNK), 1)), axis=1)
        exceed += int((_chi2(perms.astype(float) @ counts, total) >= observed - 1e-12).sum())
        left -= CHUNK
    return (1 + exceed) / (resamples + 1)


def shift_pvalue(counts: np.ndarray, in_group: np.ndarray, seed: int, resamples: int) -> float:
    """The permutation p-value of shift_test alone (to redraw it with more permutations)."""
    counts = counts[:, counts.sum(axis=0) > 0]
    observed = float(_chi2(counts[in_group].sum(axis=0)[None, :], counts.sum(axis=0))[0])
    return _permutation_p(counts, in_group, observed, np.random.default_rng(seed), resamples)


def _resampled_mixes(
    group: np.ndarray, rest: np.ndarray, rng, exact: bool
) -> tuple[np.ndarray, np.ndarray]:
    """500 bootstrap category totals of each side: rounds resampled, or (thousands of
    rounds) multinomial draws from the pooled mix, which keeps memory flat."""
    if exact:
        g = group[rng.integers(0, len(group), (500, len(group)))].sum(axis=1)
        r = rest[rng.integers(0, len(rest), (500, len(rest)))].sum(axis=1)
    else:
        g = rng.multinomial(int(group.sum()), group.sum(axis=0) / group.sum(), size=500)
        r = rng.multinomial(int(rest.sum()), rest.sum(axis=0) / rest.sum(), size=500)
    return g, r


def _js_interval(g: np.ndarray, r: np.ndarray) -> list[float] | None:
    """95% percentile interval of the Jensen-Shannon distance over the bootstrap totals."""
    boots = js_distance(g.astype(float), r.astype(float))
    boots = boots[~np.isnan(boots)]
    if not len(boots):
        return None
    return [round(float(v), 4) for v in np.percentile(boots, [2.5, 97.5])]


def shift_test(
    counts: np.ndarray,
    in_group: np.ndarray,
    seed: int,
    resamples: int = PERMUTATIONS,
    exact_max_rounds: int = EXACT_MAX_ROUNDS,
) -> dict:
    """Does one company's category mix differ from the others'? Rounds are the units.

    counts: rounds x categories (e.g. a round's questions per wanted mode); in_group: which
    rounds are the company's. The p-value permutes the company label over rounds (so a
    round's several questions move together); effect sizes: Cramer's V and the
    Jensen-Shannon distance between the two mixes, with a bootstrap interval.
    """
    counts = counts[:, counts.sum(axis=0) > 0]
    n_units = int(counts.sum())
    if counts.shape[1] < 2 or in_group.all() or not in_group.any():
        return {
            "p_value": 1.0,
            "cramers_v": 0.0,
            "js_distance": 0.0,
            "interval": None,
            "n": n_units,
        }
    observed = float(_chi2(counts[in_group].sum(axis=0)[None, :], counts.sum(axis=0))[0])
    rng = np.random.default_rng(seed)
    group, rest = counts[in_group], counts[~in_group]
    exact = len(counts) <= exact_max_rounds
    if exact:
        p_value = _permutation_p(counts, in_group, observed, rng, resamples)
    else:  # thousands of rounds: the chi-square reference distribution is accurate here
        p_value = float(stats.chi2.sf(observed, counts.shape[1] - 1))
    g, r = _resampled_mixes(group, rest, rng, exact)  # after the permutations: same stream
    js = float(js_distance(group.sum(axis=0)[None, :], rest.sum(axis=0)[None, :])[0])
    return {
        "p_value": p_value,
        "cramers_v": round(float(np.sqrt(observed / n_units)), 4),
        "js_distance": round(0.0 if np.isnan(js) else js, 4),
        "interval": _js_interval(g, r),
        "n": n_units,
    }


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
    bootstrap interval."""
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

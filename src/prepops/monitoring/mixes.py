"""One company's mix of categories (stages, wanted modes, follow-ups, rubric dimensions)
against the other companies': the permutation test and its effect sizes, rounds the unit.

Rounds are the unit at every size, with no switch to a large-sample reference: rounds with
the same count vector are interchangeable, so permuting the company label over rounds is
drawing the company's rounds from the distinct count patterns without replacement
(multivariate hypergeometric), and resampling rounds is a multinomial draw over the
patterns. Both cost O(patterns), not O(rounds), per draw.

Effect sizes are biased upward at small n (a mix of 24 questions differs from another by
chance), so each is reported with a bias-corrected estimate and interval:

- the plug-in Jensen-Shannon distance and Cramer's V (what the heatmap shows);
- `js_null_mean`: the mean distance when the company label is permuted (what chance alone
  gives at this n) and `js_excess`, the plug-in minus that;
- intervals for the population distance and V: the jackknife (leave one round out)
  removes the bias on the squared scale (JS divergence, V squared); each half-width is the
  wider of the expanded-percentile bootstrap over rounds (Hesterberg 2015: percentiles
  widened so a side of n rounds gets the t quantile with n - 1 degrees of freedom) and that
  t quantile times the bootstrap's standard deviation; and the lower end
  is 0 whenever the permutation test does not reject at alpha (an interval that agrees
  with the test: under no shift it holds 0 at least 1 - alpha of the time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

PERMUTATIONS = 999  # first pass; a p below alpha is redrawn with stats.resamples_for(tests)
CHUNK = 2000  # permutations drawn at a time, which keeps memory flat
BOOTSTRAPS = 2000  # enough for the expanded percentiles (0.6% and 99.4% at n = 8)


def js_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Jensen-Shannon distance (base 2, in [0, 1]) between count vectors."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = a / a.sum(axis=1, keepdims=True)
        q = b / b.sum(axis=1, keepdims=True)
        m = (p + q) / 2
        kl_p = np.where(p > 0, p * np.log2(p / m), 0.0).sum(axis=1)
        kl_q = np.where(q > 0, q * np.log2(q / m), 0.0).sum(axis=1)
    return np.sqrt(np.clip((kl_p + kl_q) / 2, 0, 1))


def chi2(group: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Pearson chi-square of 2 x K tables given the group's counts (R x K) and the totals
    (K, or R x K)."""
    rest = total - group
    table = np.stack([group, np.broadcast_to(rest, group.shape)], axis=-2)  # R x 2 x K
    n = table.sum(axis=(-2, -1), keepdims=True)
    expected = table.sum(axis=-1, keepdims=True) * table.sum(axis=-2, keepdims=True) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (table - expected) ** 2 / expected, 0.0)
    return terms.sum(axis=(-2, -1))


@dataclass(frozen=True)
class Patterns:
    """The distinct count vectors of the rounds and how many rounds of each, per side."""

    rows: np.ndarray  # P x K
    group: np.ndarray  # P: the company's rounds with each pattern
    rest: np.ndarray  # P: the other rounds with each pattern

    @classmethod
    def of(cls, counts: np.ndarray, in_group: np.ndarray) -> Patterns:
        """The patterns of a rounds x categories count matrix and a company mask."""
        rows, inverse = np.unique(counts, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        group = np.bincount(inverse[in_group], minlength=len(rows))
        rest = np.bincount(inverse[~in_group], minlength=len(rows))
        return cls(rows, group, rest)

    @property
    def total(self) -> np.ndarray:
        """Category totals over every round."""
        return (self.group + self.rest) @ self.rows


def _null_group_totals(pat: Patterns, size: int, rng) -> np.ndarray:
    """The company's category totals when its label goes to `size` random sets of rounds."""
    drawn = rng.multivariate_hypergeometric(pat.group + pat.rest, int(pat.group.sum()), size)
    return drawn @ pat.rows


def _permutation(pat: Patterns, rng, resamples: int) -> tuple[float, float]:
    """(permutation p of the chi-square, mean JS distance over the permutations)."""
    total = pat.total
    observed = float(chi2((pat.group @ pat.rows)[None, :], total)[0])
    exceed, js_sum, left = 0, 0.0, resamples
    while left > 0:
        g = _null_group_totals(pat, min(left, CHUNK), rng).astype(float)
        exceed += int((chi2(g, total) >= observed - 1e-9).sum())
        js_sum += float(np.nan_to_num(js_distance(g, total - g)).sum())
        left -= CHUNK
    return (1 + exceed) / (resamples + 1), js_sum / resamples


def shift_pvalue(counts: np.ndarray, in_group: np.ndarray, seed: int, resamples: int) -> float:
    """The permutation p-value of shift_test alone (to redraw it with more permutations)."""
    counts = counts[:, counts.sum(axis=0) > 0]
    pat = Patterns.of(counts, in_group)
    return _permutation(pat, np.random.default_rng(seed), resamples)[0]


def _squared(g: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """JS divergence (distance squared) and V squared (chi-square / n) of row-wise mixes."""
    g, r = np.atleast_2d(g).astype(float), np.atleast_2d(r).astype(float)
    jsd = np.nan_to_num(js_distance(g, r)) ** 2
    v2 = np.nan_to_num(chi2(g, g + r) / (g + r).sum(axis=1))
    return jsd, v2


def _jackknife_bias(pat: Patterns) -> np.ndarray:
    """Jackknife bias of (JS divergence, V squared), leaving out one round at a time from
    either side; rounds sharing a pattern share their leave-one-out value."""
    g_tot, r_tot = pat.group @ pat.rows, pat.rest @ pat.rows
    hat = np.array(_squared(g_tot, r_tot))[:, 0]
    bias = np.zeros(2)
    for side, weights in ((0, pat.group), (1, pat.rest)):
        n, keep = int(weights.sum()), weights > 0
        if n < 2:
            continue
        left = (g_tot if side == 0 else r_tot) - pat.rows[keep]
        other = np.broadcast_to(r_tot if side == 0 else g_tot, left.shape)
        loo = np.array(_squared(left, other) if side == 0 else _squared(other, left))
        bias += (n - 1) * ((loo * weights[keep]).sum(axis=1) / n - hat)
    return bias


def _expanded_level(n: int, level: float) -> float:
    """Hesterberg's expanded percentile: the tail share a sample of n needs."""
    t = sps.t.isf((1 - level) / 2, max(n - 1, 1))
    return float(sps.norm.sf(np.sqrt(n / max(n - 1, 1)) * t))


def effect_intervals(pat: Patterns, rng, rejected: bool, level: float = 0.95) -> dict:
    """Bias-corrected JS distance and Cramer's V with their intervals (module docstring)."""
    n_g, n_r = int(pat.group.sum()), int(pat.rest.sum())
    g = rng.multinomial(n_g, pat.group / n_g, BOOTSTRAPS) @ pat.rows
    r = rng.multinomial(n_r, pat.rest / n_r, BOOTSTRAPS) @ pat.rows
    boots = np.array(_squared(g, r))  # 2 x B
    hat = np.array(_squared(pat.group @ pat.rows, pat.rest @ pat.rows))[:, 0]
    centre, n_min = hat - _jackknife_bias(pat), min(n_g, n_r)
    tail = 100 * _expanded_level(n_min, level)
    low, high = np.percentile(boots, [tail, 100 - tail], axis=1)
    t_sd = (
        sps.t.isf((1 - level) / 2, max(n_min - 1, 1))
        * np.sqrt(n_min / max(n_min - 1, 1))
        * boots.std(axis=1)
    )
    # the wider of the expanded percentile and t x the bootstrap's sd: a skewed bootstrap's
    # short side alone fell short at n = 8
    spread_low = np.maximum(boots.mean(axis=1) - low, t_sd)
    spread_high = np.maximum(high - boots.mean(axis=1), t_sd)
    ends = np.sqrt(np.clip([centre - spread_low, centre + spread_high], 0, 1))
    if not rejected:
        ends[0] = 0.0  # the test does not tell this mix from chance: 0 stays inside
    point = np.sqrt(np.clip(centre, 0, 1))

    def r4(values):
        return [round(float(v), 4) for v in values]

    return {
        "js_corrected": round(float(point[0]), 4),
        "interval": r4(ends[:, 0]),
        "cramers_v_corrected": round(float(point[1]), 4),
        "cramers_v_interval": r4(ends[:, 1]),
    }


def shift_test(
    counts: np.ndarray,
    in_group: np.ndarray,
    seed: int,
    resamples: int = PERMUTATIONS,
    alpha: float = 0.05,
) -> dict:
    """Does one company's category mix differ from the others'? Rounds are the units.

    counts: rounds x categories (e.g. a round's questions per wanted mode); in_group: which
    rounds are the company's. The p-value permutes the company label over rounds (a round's
    several questions move together); effect sizes and intervals: module docstring.
    """
    counts = counts[:, counts.sum(axis=0) > 0]
    n_units = int(counts.sum())
    if counts.shape[1] < 2 or in_group.all() or not in_group.any():
        return {"p_value": 1.0, "cramers_v": 0.0, "js_distance": 0.0, "interval": None,
                "cramers_v_interval": None, "n": n_units}  # fmt: skip
    pat = Patterns.of(counts, in_group)
    rng = np.random.default_rng(seed)
    p_value, null_mean = _permutation(pat, rng, resamples)
    g_tot, r_tot = pat.group @ pat.rows, pat.rest @ pat.rows
    js = float(np.nan_to_num(js_distance(g_tot[None, :], r_tot[None, :]))[0])
    v = float(np.sqrt(chi2(g_tot[None, :].astype(float), pat.total)[0] / n_units))
    return {
        "p_value": p_value,
        "cramers_v": round(v, 4),
        "js_distance": round(js, 4),
        "js_null_mean": round(null_mean, 4),
        "js_excess": round(js - null_mean, 4),
        **effect_intervals(pat, rng, p_value < alpha),
        "n": n_units,
        "rounds": int(in_group.sum()),
    }

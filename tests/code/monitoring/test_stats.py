"""The monitor's small-sample statistics against brute force and known values."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from prepops.monitoring import stats


def test_poisson_binomial_matches_enumeration() -> None:
    p = np.array([0.9, 0.8, 0.6, 0.3])
    probs = {}
    for ys in itertools.product([0, 1], repeat=len(p)):
        probs[sum(ys)] = probs.get(sum(ys), 0) + np.prod(
            [q if y else 1 - q for q, y in zip(p, ys, strict=False)]
        )
    for s in range(len(p) + 1):
        _, low, high = stats.poisson_binomial_pvalue(p, s)
        assert low == pytest.approx(sum(v for k, v in probs.items() if k <= s))
        assert high == pytest.approx(sum(v for k, v in probs.items() if k >= s))


def test_holm_known_values() -> None:
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([0.5]) == [0.5]


def test_js_distance_matches_scipy() -> None:
    a = np.array([[3, 0, 1, 5], [1, 1, 1, 1]], dtype=float)
    b = np.array([[1, 2, 2, 0], [1, 1, 1, 1]], dtype=float)
    ours = stats.js_distance(a, b)
    for i in range(2):
        assert ours[i] == pytest.approx(jensenshannon(a[i], b[i], base=2), abs=1e-9)


def test_shift_test_separates_a_planted_mix_from_the_same_mix() -> None:
    rng = np.random.default_rng(1)
    same = rng.multinomial(3, [0.25] * 4, size=32).astype(float)
    group = np.arange(32) < 8
    null = stats.shift_test(same, group, seed=0)
    shifted = same.copy()
    shifted[group] = rng.multinomial(3, [0.85, 0.05, 0.05, 0.05], size=8)
    planted = stats.shift_test(shifted, group, seed=0)
    assert planted["p_value"] < 0.01 < null["p_value"]
    assert planted["js_distance"] > null["js_distance"]
    lo, hi = planted["interval"]
    assert 0 <= lo <= hi <= 1 and lo > null["js_distance"]  # clear of the null's distance
    assert planted["n"] == int(shifted.sum())


def test_trend_direction() -> None:
    x = np.arange(10, dtype=float)
    assert stats.trend(x, -x, worse="down")["p_value"] < 0.01
    assert stats.trend(x, -x, worse="up")["p_value"] > 0.9


def test_large_sample_references_agree_with_the_exact_ones() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.2, 0.9, 3000)
    s = int(p.sum() - 40)
    approx = stats.poisson_binomial_pvalue(p, s)[0]  # n > EXACT_MAX_ROUNDS: normal
    pmf = np.zeros(len(p) + 1)
    pmf[0] = 1.0
    for q in p:
        pmf[1:] = pmf[1:] * (1 - q) + pmf[:-1] * q
        pmf[0] *= 1 - q
    exact = min(1.0, 2 * min(pmf[: s + 1].sum(), pmf[s:].sum()))
    assert approx == pytest.approx(exact, rel=0.15)
    counts = rng.multinomial(3, [0.3, 0.3, 0.2, 0.2], size=1500).astype(float)
    group = np.arange(1500) < 300
    counts[group] = rng.multinomial(3, [0.4, 0.25, 0.2, 0.15], size=300)
    perm = stats.shift_test(counts, group, 0)["p_value"]
    asym = stats.shift_test(counts, group, 0, exact_max_rounds=0)["p_value"]
    floor = 1 / (stats.PERMUTATIONS + 1)  # the permutation p's resolution
    assert abs(np.log10(max(perm, floor)) - np.log10(max(asym, floor))) < 1

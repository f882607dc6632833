"""The monitor's small-sample statistics against brute force and known values."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import norm

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
    assert 0 < lo <= planted["js_corrected"] <= hi <= 1
    assert null["interval"][0] == 0.0 < null["js_distance"]  # chance distance, interval from 0
    assert planted["js_excess"] > null["js_excess"]
    assert planted["n"] == int(shifted.sum())


def test_trend_direction() -> None:
    x = np.arange(10, dtype=float)
    assert stats.trend(x, -x, worse="down")["p_value"] < 0.01
    assert stats.trend(x, -x, worse="up")["p_value"] > 0.9


def exact_pmf(p: np.ndarray) -> np.ndarray:
    pmf = np.zeros(len(p) + 1)
    pmf[0] = 1.0
    for q in p:
        pmf[1:] = pmf[1:] * (1 - q) + pmf[:-1] * q
        pmf[0] *= 1 - q
    return pmf


@pytest.mark.parametrize("tail", [0.05, 5e-3, 5e-4, 1e-6])
def test_large_n_poisson_binomial_is_accurate_with_confidences_near_095(tail: float) -> None:
    rng = np.random.default_rng(0)
    p = np.clip(rng.beta(40, 2, 2500), 0.5, 0.99)  # n > EXACT_MAX_ROUNDS: saddlepoint
    assert len(p) > stats.EXACT_MAX_ROUNDS
    pmf = exact_pmf(p)
    cdf, sf = np.cumsum(pmf), np.cumsum(pmf[::-1])[::-1]
    low_at = int(np.searchsorted(cdf, tail))  # a count whose lower tail is about `tail`
    high_at = int(np.where(sf >= tail)[0].max())
    _, low, _ = stats.poisson_binomial_pvalue(p, low_at)
    _, _, high = stats.poisson_binomial_pvalue(p, high_at)
    assert low / cdf[low_at] == pytest.approx(1, abs=0.02)
    assert high / sf[high_at] == pytest.approx(1, abs=0.02)
    mean, sd = p.sum(), np.sqrt((p * (1 - p)).sum())  # the normal it replaced: too liberal
    normal = norm.cdf((low_at + 0.5 - mean) / sd) / cdf[low_at]
    assert tail > 0.01 or normal < 0.9


def clustered(rng, rounds: int) -> np.ndarray:
    """Rounds of 1-6 questions that all want the round's one mode (the round is the unit)."""
    size = rng.integers(1, 7, rounds)
    counts = np.zeros((rounds, 4))
    counts[np.arange(rounds), rng.choice(4, rounds, p=[0.4, 0.3, 0.2, 0.1])] = size
    return counts


def test_above_2000_rounds_the_shift_test_keeps_the_round_as_unit() -> None:
    rng = np.random.default_rng(5)
    group = np.arange(3000) < 300
    ps = [stats.shift_test(clustered(rng, 3000), group, s, resamples=199)["p_value"]
          for s in range(200)]  # fmt: skip
    assert np.mean(np.array(ps) < 0.05) <= 0.08  # counting questions: about 0.7
    counts = clustered(rng, 2001)
    at = [stats.shift_test(counts[:n], np.arange(n) < 200, 0)["p_value"] for n in (2000, 2001)]
    assert abs(np.log10(at[0]) - np.log10(at[1])) < 0.5  # one more round: no jump

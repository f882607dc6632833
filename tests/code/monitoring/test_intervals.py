"""The confidence-gap interval covers: at least 93% of simulated true gaps at nominal 95%,
at n=8 and n=30, calibrated or not, with confidences spread or near 0.9."""

from __future__ import annotations

import numpy as np
import pytest

from prepops.monitoring.intervals import gap_interval

RUNS = 300
CASES = {  # name -> (confidence draw, true gap delta)
    "calibrated": (lambda rng, n: rng.beta(4, 3, n), 0.0),
    "overconfident": (lambda rng, n: rng.beta(4, 3, n), 0.3),
    "underconfident": (lambda rng, n: rng.beta(4, 3, n), -0.15),
    "sure, calibrated": (lambda rng, n: rng.beta(18, 2, n), 0.0),
    "sure, gap 0.55": (lambda rng, n: rng.beta(18, 2, n), 0.55),
}


@pytest.mark.parametrize("n", [8, 30])
@pytest.mark.parametrize("case", sorted(CASES))
def test_gap_interval_covers_the_true_gap(case: str, n: int) -> None:
    draw, delta = CASES[case]
    rng = np.random.default_rng(n)
    covered = 0
    for _ in range(RUNS):
        p = np.clip(draw(rng, n), 0.05, 0.98)
        truth = np.clip(p - delta, 0, 1)
        low, high = gap_interval(p, int((rng.random(n) < truth).sum()))
        covered += low - 1e-4 <= p.mean() - truth.mean() <= high + 1e-4  # rounded ends
    assert covered / RUNS >= 0.93, f"{case}, n={n}: covered {covered} of {RUNS}"


def test_gap_interval_is_clear_of_zero_for_a_large_gap_and_holds_the_point_estimate() -> None:
    p = np.full(8, 0.9)
    low, high = gap_interval(p, 1)  # said 0.9, advanced 1 of 8
    assert 0 < low <= 0.9 - 1 / 8 <= high <= 0.9
    low, high = gap_interval(p, 8)  # advanced 8 of 8: at most 0.1 under, a little over
    assert low == pytest.approx(-0.1) and 0 < high < 0.3

"""Calibration: Brier, ECE with quantile bins (its interval covers by simulation at n = 8 and
30, its calibrated-null reference, a debiased version), the confusion matrix, small-n
honesty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prepops.evaluation.calibration import calibrate, confusion, reliability, summarize


def rounds(conf: list[float], outcomes: list[str], company: str = "A") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(len(conf))],
            "company": company,
            "date": pd.Timestamp("2026-10-01"),
            "confidence": conf,
            "outcome": outcomes,
        }
    )


def test_brier_and_gap_on_a_known_case() -> None:
    frame = rounds(
        [0.9, 0.8, 0.7, 0.6, 0.2, 0.1],
        ["advanced", "rejected", "offer", "rejected", "rejected", "advanced"],
    )
    out = calibrate(frame, threshold=0.5, min_n=5, seed=0)["overall"]
    expected = np.mean([(0.9 - 1) ** 2, 0.8**2, 0.3**2, 0.6**2, 0.2**2, 0.9**2])
    assert out["brier"] == pytest.approx(expected, abs=1e-4)
    assert out["gap"] == pytest.approx(np.mean([0.9, 0.8, 0.7, 0.6, 0.2, 0.1]) - 0.5, abs=1e-4)
    assert out["brier_ci"][0] <= out["brier"] <= out["brier_ci"][1]
    assert out["success_rate_ci"][0] <= 0.5 <= out["success_rate_ci"][1]


def test_pending_and_withdrawn_are_left_out() -> None:
    frame = rounds([0.5] * 4, ["pending", "withdrawn", "advanced", "rejected"])
    out = calibrate(frame, 0.5, 2, 0)
    assert out["overall"]["n"] == 2
    assert out["left_out"]["pending_or_withdrawn"] == 2


def test_ece_uses_about_cube_root_of_n_quantile_bins() -> None:
    p = np.linspace(0.05, 0.95, 27)
    y = (p > 0.5).astype(int)
    ece, bins = reliability(p, y)
    assert len(bins) == 3
    assert [b["n"] for b in bins] == [9, 9, 9]
    assert 0 <= ece <= 1


def test_perfect_calibration_has_zero_ece() -> None:
    p = np.array([0.0] * 8 + [1.0] * 8)
    y = np.array([0] * 8 + [1] * 8)
    assert reliability(p, y)[0] == 0.0


def test_confusion_matrix_of_the_essay() -> None:
    p = np.array([0.9, 0.8, 0.2, 0.1])
    y = np.array([1, 0, 1, 0])
    assert confusion(p, y, 0.5) == {
        "good": 1,
        "overconfident": 1,
        "underconfident": 1,
        "good_caution": 1,
    }


def test_small_groups_say_insufficient_data() -> None:
    frame = pd.concat(
        [rounds([0.9] * 6, ["rejected"] * 6, "Big"), rounds([0.9] * 2, ["rejected"] * 2, "Tiny")]
    )
    out = calibrate(frame, 0.5, 5, 0)
    assert out["per_company"]["Tiny"]["status"] == "insufficient data"
    assert "brier" not in out["per_company"]["Tiny"]
    assert out["per_company"]["Tiny"]["n"] == 2
    assert out["per_company"]["Big"]["status"] == "ok"
    assert out["per_company"]["Big"]["gap"] == pytest.approx(0.9)


def test_summary_flags_overconfidence_in_demo(demo_ws) -> None:
    from prepops.data.workspace import load
    from prepops.evaluation.calibration import labelled

    frame = labelled(load(demo_ws).tables["rounds"])
    helix = summarize(frame[frame["company"] == "Helix Robotics"], 0.5, 5, 0)
    assert helix["gap"] > 0.4
    assert helix["confusion"]["overconfident"] >= 4


ECE_RUNS = 300
ECE_CASES = {  # name -> (confidence draw, true chance of advancing given the confidence)
    "calibrated": (lambda rng, n: rng.beta(4, 3, n), lambda p: p),
    "overconfident": (lambda rng, n: rng.beta(4, 3, n), lambda p: np.clip(p - 0.2, 0, 1)),
    "underconfident": (lambda rng, n: rng.beta(4, 3, n), lambda p: np.clip(p + 0.15, 0, 1)),
    "too sure": (lambda rng, n: rng.beta(18, 2, n), lambda p: np.clip(p - 0.55, 0, 1)),
    "flat": (lambda rng, n: rng.beta(4, 3, n), lambda p: 0.5 + 0.5 * (p - 0.5)),
}


def binned_ece(p: np.ndarray, truth: np.ndarray) -> float:
    """The ECE the candidate really has over reliability's bins: |confidence - true chance|."""
    order = np.argsort(p, kind="stable")
    parts = [i for i in np.array_split(order, max(1, round(len(p) ** (1 / 3)))) if len(i)]
    return sum(len(i) / len(p) * abs(p[i].mean() - truth[i].mean()) for i in parts)


@pytest.mark.parametrize("n", [8, 30])
@pytest.mark.parametrize("case", sorted(ECE_CASES))
def test_ece_interval_covers_the_true_binned_ece(case: str, n: int) -> None:
    from prepops.evaluation.calibration import ece_interval

    draw, chance = ECE_CASES[case]
    rng = np.random.default_rng(n)
    covered = 0
    for _ in range(ECE_RUNS):
        p = np.clip(draw(rng, n), 0.05, 0.98)
        truth = chance(p)
        low, high = ece_interval(p, (rng.random(n) < truth).astype(int))
        covered += low - 1e-4 <= binned_ece(p, truth) <= high + 1e-4
    assert covered / ECE_RUNS >= 0.93, f"{case}, n={n}: covered {covered} of {ECE_RUNS}"


@pytest.mark.parametrize("n", [10, 30])
def test_calibrated_candidates_ece_is_chance_and_the_debiased_one_is_near_zero(n: int) -> None:
    from prepops.evaluation.calibration import ece_debiased, ece_null

    rng = np.random.default_rng(n)
    plug_in, debiased, within = [], [], 0
    for seed in range(200):
        p = np.clip(rng.beta(4, 3, n), 0.05, 0.95)
        y = (rng.random(n) < p).astype(int)
        plug_in.append(reliability(p, y)[0])
        debiased.append(ece_debiased(p, y))
        within += plug_in[-1] <= ece_null(p, seed)["p95"]
    assert np.mean(plug_in) > 0.05  # the plug-in's bias: a calibrated candidate shows ECE
    assert np.mean(debiased) < 0.6 * np.mean(plug_in)
    assert within / 200 >= 0.92  # the calibrated reference is what chance gives


def test_debiased_ece_recovers_a_constant_gap() -> None:
    from prepops.evaluation.calibration import ece_debiased

    rng = np.random.default_rng(3)
    values = []
    for _ in range(200):
        p = np.clip(rng.beta(4, 3, 30), 0.3, 0.95)
        values.append(ece_debiased(p, (rng.random(30) < p - 0.25).astype(int)))
    assert abs(np.mean(values) - 0.25) < 0.05, np.mean(values)


def test_summary_reports_ece_with_interval_and_reference() -> None:
    frame = rounds([0.9, 0.8, 0.7, 0.6, 0.2, 0.1] * 2, ["advanced", "rejected"] * 6)
    out = calibrate(frame, 0.5, 5, 0)["overall"]
    low, high = out["ece_interval"]
    assert low <= out["ece"] <= high
    assert 0 <= out["ece_null"]["mean"] <= out["ece_null"]["p95"] <= 1
    assert out["ece_debiased"] <= out["ece"] + 1e-9

"""Calibration: Brier, ECE with quantile bins, the confusion matrix, small-n honesty."""

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

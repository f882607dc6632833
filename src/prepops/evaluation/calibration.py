"""Calibration of the candidate's own confidence against outcomes.

advanced/offer = 1, rejected/downleveled = 0; pending and withdrawn rounds are left out.
Every figure carries its n; below `min_n` a group reports "insufficient data" instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

POSITIVE = {"advanced", "offer"}
NEGATIVE = {"rejected", "downleveled"}


def labelled(rounds: pd.DataFrame) -> pd.DataFrame:
    """Rounds with a known outcome, with y = 1 for advanced or offer."""
    known = rounds[rounds["outcome"].isin(POSITIVE | NEGATIVE)]
    return known.assign(y=known["outcome"].isin(POSITIVE).astype(int))[
        ["id", "company", "date", "confidence", "y"]
    ]


def wilson(successes: int, n: int) -> list[float] | None:
    """95 % Wilson interval of a proportion (None without data)."""
    if n == 0:
        return None
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=0.95, method="wilson")
    return [round(ci.low, 4), round(ci.high, 4)]


LARGE_N = 2000  # above this, the bootstrap costs seconds and adds nothing


def brier(p: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of the stated confidences."""
    return float(np.mean((p - y) ** 2))


def brier_interval(p: np.ndarray, y: np.ndarray, seed: int) -> list[float] | None:
    """95 % interval of the Brier score: bootstrap, or normal for large n."""
    if len(p) > LARGE_N:  # a mean of squared errors: its normal interval is exact enough
        errors = (p - y) ** 2
        half = 1.96 * float(errors.std(ddof=1)) / np.sqrt(len(errors))
        return [round(float(errors.mean()) - half, 4), round(float(errors.mean()) + half, 4)]
    if len(set(zip(p, y, strict=True))) < 2:
        return None  # every resample is the same round: no spread to report
    res = stats.bootstrap(
        (p, y),
        lambda a, b: np.mean((a - b) ** 2),
        paired=True,
        vectorized=False,
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return [
        round(float(res.confidence_interval.low), 4),
        round(float(res.confidence_interval.high), 4),
    ]


def reliability(p: np.ndarray, y: np.ndarray) -> tuple[float, list[dict]]:
    """ECE over quantile bins (about n^(1/3) of them, equal counts) and the curve's points."""
    n = len(p)
    k = max(1, round(n ** (1 / 3)))
    order = np.argsort(p, kind="stable")
    bins = []
    ece = 0.0
    for idx in np.array_split(order, k):
        if len(idx) == 0:
            continue
        conf, rate = float(p[idx].mean()), float(y[idx].mean())
        ece += len(idx) / n * abs(conf - rate)
        bins.append(
            {
                "confidence": round(conf, 4),
                "observed": round(rate, 4),
                "n": len(idx),
                "observed_ci": wilson(int(y[idx].sum()), len(idx)),
            }
        )
    return round(ece, 4), bins


def confusion(p: np.ndarray, y: np.ndarray, threshold: float) -> dict[str, int]:
    """The essay's matrix: high/low confidence x advanced/rejected."""
    high = p >= threshold
    return {
        "good": int(np.sum(high & (y == 1))),
        "overconfident": int(np.sum(high & (y == 0))),
        "underconfident": int(np.sum(~high & (y == 1))),
        "good_caution": int(np.sum(~high & (y == 0))),
    }


def summarize(frame: pd.DataFrame, threshold: float, min_n: int, seed: int) -> dict:
    """One group's calibration figures, or "insufficient data" below min_n."""
    p = frame["confidence"].to_numpy(dtype=float)
    y = frame["y"].to_numpy(dtype=int)
    n = len(frame)
    out: dict = {"n": n, "confusion": confusion(p, y, threshold), "round_ids": list(frame["id"])}
    if n < min_n:
        return {**out, "status": "insufficient data", "min_n": min_n}
    ece, bins = reliability(p, y)
    rate = float(y.mean())
    return {
        **out,
        "status": "ok",
        "brier": round(brier(p, y), 4),
        "brier_ci": brier_interval(p, y, seed),
        "ece": ece,
        "reliability": bins,
        "mean_confidence": round(float(p.mean()), 4),
        "success_rate": round(rate, 4),
        "success_rate_ci": wilson(int(y.sum()), n),
        "gap": round(float(p.mean()) - rate, 4),  # > 0: overconfident on average
    }


def calibrate(rounds: pd.DataFrame, threshold: float, min_n: int, seed: int) -> dict:
    """Calibration overall and per company; how many rounds were left out."""
    frame = labelled(rounds)
    return {
        "threshold": threshold,
        "overall": summarize(frame, threshold, min_n, seed),
        "per_company": {
            company: summarize(group, threshold, min_n, seed)
            for company, group in frame.groupby("company", sort=True)
        },
        "left_out": {"pending_or_withdrawn": int(len(rounds) - len(frame))},
    }


def curve_rows(result: dict) -> pd.DataFrame:
    """Reliability points for DVC plots (overall and each company with enough data)."""
    rows = []
    groups = {"overall": result["overall"], **result["per_company"]}
    for name, group in groups.items():
        for b in group.get("reliability", []):
            rows.append(
                {
                    "group": name,
                    "confidence": b["confidence"],
                    "observed": b["observed"],
                    "n": b["n"],
                }
            )
    return pd.DataFrame(rows, columns=["group", "confidence", "observed", "n"])


def confusion_rows(rounds: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """One row per round with a known outcome, for DVC's confusion-matrix plot."""
    known = labelled(rounds)
    return pd.DataFrame(
        {
            "id": known["id"],
            "predicted": np.where(known["confidence"] >= threshold, "confident", "not confident"),
            "actual": np.where(known["y"] == 1, "advanced", "not advanced"),
        }
    )

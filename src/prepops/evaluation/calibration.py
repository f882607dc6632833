"""Calibration of the candidate's own confidence against outcomes.

advanced/offer = 1, rejected/downleveled = 0; pending and withdrawn rounds are left out.
Every figure carries its n; below `min_n` a group reports "insufficient data" instead.
ECE (plug-in) is biased upward at small n, so it comes with what a calibrated candidate
would show by chance (`ece_null`), a bias-corrected root-mean-square version
(`ece_debiased`) and an interval that covers the binned ECE (`ece_interval`).
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
    bins = []
    ece = 0.0
    for idx in _quantile_bins(p):
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


def _quantile_bins(p: np.ndarray) -> list[np.ndarray]:
    """Indices of about n^(1/3) equal-count bins of the confidences (as reliability uses)."""
    order = np.argsort(p, kind="stable")
    return [idx for idx in np.array_split(order, max(1, round(len(p) ** (1 / 3)))) if len(idx)]


def _bin_gap_range(conf: float, k: int, n: int, level: float) -> tuple[float, float]:
    """Smallest and largest |confidence - true rate| a Clopper-Pearson interval allows.

    Clopper-Pearson for a binomial is conservative for a sum of Bernoullis with different
    chances (Hoeffding 1956: the same mean, less spread), so it holds for a bin's rounds."""
    tail = (1 - level) / 2
    low = float(stats.beta.ppf(tail, k, n - k + 1)) if k > 0 else 0.0
    high = float(stats.beta.ppf(1 - tail, k + 1, n - k)) if k < n else 1.0
    near = 0.0 if low <= conf <= high else min(abs(conf - low), abs(conf - high))
    return near, max(abs(conf - low), abs(conf - high))


def ece_interval(p: np.ndarray, y: np.ndarray, level: float = 0.95) -> list[float]:
    """Interval of the binned ECE (the true rate behind each bin): every bin's rate at level
    1 - (1 - level) / bins (Bonferroni), so all hold together at least `level` of the time."""
    bins = _quantile_bins(p)
    per_bin = 1 - (1 - level) / len(bins)
    ends = np.array(
        [_bin_gap_range(float(p[i].mean()), int(y[i].sum()), len(i), per_bin) for i in bins]
    )
    weights = np.array([len(i) for i in bins]) / len(p)
    return [round(float(weights @ ends[:, 0]), 4), round(float(weights @ ends[:, 1]), 4)]


def ece_debiased(p: np.ndarray, y: np.ndarray) -> float:
    """Root-mean-square calibration error over the same bins, its sampling noise removed
    (Kumar et al. 2019): each bin's squared gap less the variance of its observed rate."""
    total = 0.0
    for idx in _quantile_bins(p):
        conf, rate, n_b = float(p[idx].mean()), float(y[idx].mean()), len(idx)
        noise = rate * (1 - rate) / (n_b - 1) if n_b > 1 else 0.0
        total += n_b / len(p) * ((conf - rate) ** 2 - noise)
    return round(float(np.sqrt(max(total, 0.0))), 4)


def ece_null(p: np.ndarray, seed: int) -> dict:
    """ECE a perfectly calibrated candidate with these confidences shows by chance: outcomes
    redrawn as Bernoulli(confidence) (consistency resampling, Brocker and Smith 2007)."""
    draws = int(min(2000, max(200, 2_000_000 // max(len(p), 1))))  # time and memory flat
    rng = np.random.default_rng(seed)
    bins = _quantile_bins(p)
    weights = np.array([len(i) for i in bins]) / len(p)
    conf = np.array([p[i].mean() for i in bins])
    y = rng.random((draws, len(p))) < p
    rates = np.stack([y[:, i].mean(axis=1) for i in bins], axis=1)
    eces = np.abs(rates - conf) @ weights
    return {
        "mean": round(float(eces.mean()), 4),
        "p95": round(float(np.percentile(eces, 95)), 4),
        "draws": draws,
    }


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
        "ece": ece,  # plug-in: biased upward at small n; compare ece_null
        "ece_interval": ece_interval(p, y),
        "ece_debiased": ece_debiased(p, y),
        "ece_null": ece_null(p, seed),
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

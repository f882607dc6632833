"""Next week's prep hours across company loops: Beta-Bernoulli Thompson sampling.

Each active loop's chance of advancing a round is a Beta(1 + advanced, 1 + rejected)
posterior. Thompson sampling draws from every posterior, weighs each draw by the card's
value, and gives the loop that wins the draw the next slice of the budget; the share of
slices a loop wins is its allocation (probability matching). Loops that are closed,
paused or already an offer get none. Reproducible from a seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepops.evaluation.calibration import NEGATIVE, POSITIVE


def value_weight(card: dict) -> float:
    """The card's value signals on one scale: mean of excitement, role clarity and process
    speed (1..5, default 3) times compensation relative to 200k (default 1)."""
    scores = [card.get(f"value.{k}") for k in ("excitement", "role_clarity", "process_speed")]
    scores = [float(s) for s in scores if s is not None and not pd.isna(s)]
    mean = sum(scores) / len(scores) if scores else 3.0
    comp = card.get("value.comp_k")
    comp_factor = float(comp) / 200 if comp is not None and not pd.isna(comp) else 1.0
    return mean / 5 * comp_factor


def allocate(
    rounds: pd.DataFrame,
    companies: pd.DataFrame,
    hours: float,
    seed: int,
    draws: int = 10_000,
    step: float = 0.5,
) -> dict:
    """Split `hours` over the active loops in `step`s by value-weighted Thompson sampling."""
    _check_budget(hours, step)
    loops = _loops(rounds, companies[companies["status"] == "active"])
    others = sorted(set(companies["company"]) - {lp["company"] for lp in loops})
    result = {
        "hours_budget": hours,
        "seed": seed,
        "draws": draws,
        "method": "Beta-Bernoulli Thompson sampling, value-weighted, probability matching",
        "loops": [],
        "no_hours": {c: str(companies.set_index("company").loc[c, "status"]) for c in others},
    }
    if not loops:
        return result
    alpha = np.array([1 + lp["advanced"] for lp in loops], dtype=float)
    beta = np.array([1 + lp["rejected"] for lp in loops], dtype=float)
    weight = np.array([lp["weight"] for lp in loops])
    wins = _win_shares(alpha, beta, weight, seed, draws)
    alloc = _whole_steps(wins * hours, hours, step)
    for lp, a, b, share, h in zip(loops, alpha, beta, wins, alloc, strict=True):
        result["loops"].append(
            lp
            | {
                "posterior_mean": round(float(a / (a + b)), 4),
                "n": lp["advanced"] + lp["rejected"],
                "share": round(float(share), 4),
                "hours": float(h),
            }
        )
    result["loops"].sort(key=lambda lp: -lp["hours"])
    return result


def _check_budget(hours: float, step: float) -> None:
    """The budget must be a whole number of steps, or the hours could not add up to it."""
    # params.yaml's plan.hours is checked when settings load (Plan.hours); this guards
    # direct callers. Multiples of 0.5 are exact in binary, so the sums below are exact.
    if not (hours >= 0 and (hours / step).is_integer()):
        raise ValueError(f"hours must be a whole number of {step} h steps, >= 0; got {hours}")


def _loops(rounds: pd.DataFrame, active: pd.DataFrame) -> list[dict]:
    """Each active loop's rounds advanced and rejected, and its card's value weight."""
    loops = []
    for card in active.to_dict("records"):  # "value.comp_k" is no attribute name
        mine = rounds[rounds["company"] == card["company"]]
        loops.append(
            {
                "company": card["company"],
                "advanced": int(mine["outcome"].isin(POSITIVE).sum()),
                "rejected": int(mine["outcome"].isin(NEGATIVE).sum()),
                "weight": round(value_weight(card), 4),
            }
        )
    return loops


def _win_shares(
    alpha: np.ndarray, beta: np.ndarray, weight: np.ndarray, seed: int, draws: int
) -> np.ndarray:
    """How often each loop's value-weighted posterior draw is the largest."""
    rng = np.random.default_rng(seed)
    theta = rng.beta(alpha, beta, size=(draws, len(alpha)))
    return np.bincount((theta * weight).argmax(axis=1), minlength=len(alpha)) / draws


def _whole_steps(raw: np.ndarray, hours: float, step: float) -> np.ndarray:
    """Hours in whole steps; the steps left over go to the largest remainders."""
    # they add up to `hours` exactly because it is a whole number of steps (_check_budget)
    alloc = np.floor(raw / step) * step
    left = round((hours - alloc.sum()) / step)
    for i in np.argsort(-(raw - alloc))[: max(left, 0)]:
        alloc[i] += step
    return alloc


def allocation_rows(allocation: dict) -> pd.DataFrame:
    """Hours per loop for DVC plots (company, hours, share)."""
    return pd.DataFrame(
        [
            {"company": lp["company"], "hours": lp["hours"], "share": lp["share"]}
            for lp in allocation["loops"]
        ],
        columns=["company", "hours", "share"],
    )

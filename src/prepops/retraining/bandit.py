"""Next week's prep hours across company loops: Beta-Bernoulli Thompson sampling.

Each active loop's chance of advancing a round is a Beta(1 + advanced, 1 + rejected)
posterior. Thompson sampling draws from every posterior, weighs each draw by the card's
value, and gives the loop that wins the draw the next slice of the budget; the share of
slices a loop wins is its allocation (probability matching). Loops that are closed,
paused or already an offer get none. Reproducible from a seed.

With few outcomes a loop's posterior is mostly its prior, and its draws are noise (2 of 2
advanced against 1 of 1 is no evidence). So the split rests on what is known until the
outcomes accumulate: each loop's share is outcome_weight x its Thompson share + (1 -
outcome_weight) x its share by what is known (the card's value, how soon its next_round
is, its open patches), with outcome_weight = known outcomes / FULL_OUTCOMES (at most 1).
Each loop says which basis its hours rest on.
"""

from __future__ import annotations

import datetime as dt

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


FULL_OUTCOMES = 10  # known outcomes of a loop from which Thompson sampling alone decides
SOON_DAYS = (7, 14)  # a next round within a week counts double, within two weeks 1.5x


def allocate(
    rounds: pd.DataFrame,
    companies: pd.DataFrame,
    hours: float,
    seed: int,
    draws: int = 10_000,
    step: float = 0.5,
    as_of: dt.date | None = None,
    patches: list[dict] | None = None,
) -> dict:
    """Split `hours` over the active loops in `step`s: value-weighted Thompson sampling,
    blended with what is known while a loop's outcomes are thin (module docstring).

    as_of: the plan's day (default: the latest round's date, so a rerun agrees);
    patches: the plan's patches (a loop's open patches raise its known need)."""
    _check_budget(hours, step)
    as_of = as_of if as_of is not None else _latest(rounds)
    active = companies[companies["status"] == "active"]
    loops = _loops(rounds, active)
    _known_needs(loops, active, as_of, patches or [])
    others = sorted(set(companies["company"]) - {lp["company"] for lp in loops})
    result = {
        "hours_budget": hours,
        "seed": seed,
        "draws": draws,
        "method": "Beta-Bernoulli Thompson sampling, value-weighted, probability matching; "
        f"blended with value, next round and open patches below {FULL_OUTCOMES} known "
        "outcomes per loop",
        "as_of": as_of.isoformat() if as_of else None,
        "loops": [],
        "no_hours": {c: str(companies.set_index("company").loc[c, "status"]) for c in others},
    }
    if not loops:
        return result
    blended = _blend(loops, seed, draws)
    shares = np.array([b["share"] for b in blended])
    alloc = _whole_steps(shares * hours, hours, step)
    for lp, b, h in zip(loops, blended, alloc, strict=True):
        result["loops"].append(lp | b | {"share": round(b["share"], 4), "hours": float(h)})
    result["loops"].sort(key=lambda lp: -lp["hours"])
    return result


def _blend(loops: list[dict], seed: int, draws: int) -> list[dict]:
    """Each loop's posterior, Thompson share, known share, outcome weight, blended share
    and basis (the need by what is known is taken out of the loop's record)."""
    alpha = np.array([1 + lp["advanced"] for lp in loops], dtype=float)
    beta = np.array([1 + lp["rejected"] for lp in loops], dtype=float)
    wins = _win_shares(alpha, beta, np.array([lp["weight"] for lp in loops]), seed, draws)
    known = np.array([lp.pop("need") for lp in loops])
    known = known / known.sum()
    trust = np.minimum(1.0, (alpha + beta - 2) / FULL_OUTCOMES)
    shares = trust * wins + (1 - trust) * known
    shares = shares / shares.sum()
    return [
        {
            "posterior_mean": round(float(a / (a + b)), 4),
            "n": int(a + b - 2),
            "share": float(share),
            "thompson_share": round(float(w), 4),
            "known_share": round(float(k), 4),
            "outcome_weight": round(float(t), 4),
            "basis": _basis(lp, float(t)),
        }
        for lp, a, b, share, w, t, k in zip(
            loops, alpha, beta, shares, wins, trust, known, strict=True
        )
    ]


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


def _latest(rounds: pd.DataFrame) -> dt.date | None:
    """The latest round's date: the workspace's own today, when the plan gives none."""
    if "date" not in rounds or rounds["date"].dropna().empty:
        return None
    return pd.Timestamp(rounds["date"].dropna().max()).date()


def _known_needs(
    loops: list[dict], cards: pd.DataFrame, as_of: dt.date | None, patches: list[dict]
) -> None:
    """Each loop's need by what is known, in place: value x how soon x open patches."""
    upcoming = dict(
        zip(cards["company"], cards.get("next_round", [None] * len(cards)), strict=True)
    )
    for lp in loops:
        day = upcoming.get(lp["company"])
        day = None if day is None or pd.isna(day) else pd.Timestamp(day).date()
        days_to = (day - as_of).days if day and as_of else None
        soon = (
            2.0
            if days_to is not None and 0 <= days_to <= SOON_DAYS[0]
            else (1.5 if days_to is not None and 0 <= days_to <= SOON_DAYS[1] else 1.0)
        )
        open_patches = sum(1 for p in patches if p.get("company") == lp["company"])
        lp["next_round"] = day.isoformat() if day else None
        lp["open_patches"] = open_patches
        lp["need"] = max(lp["weight"], 1e-6) * soon * min(2.0, 1 + 0.25 * open_patches)


def _basis(lp: dict, trust: float) -> str:
    """In words: what this loop's hours rest on."""
    known = f"value {lp['weight']}" + (
        f", next round {lp['next_round']}" if lp["next_round"] else ""
    )
    known += f", {lp['open_patches']} open patch(es)" if lp["open_patches"] else ""
    n = lp["advanced"] + lp["rejected"]
    if trust >= 1:
        return f"outcomes: {lp['advanced']} of {n} advanced (Thompson sampling)"
    if n == 0:
        return f"no outcomes yet: what is known ({known})"
    return (
        f"thin outcomes ({lp['advanced']} of {n} advanced, weight {trust:.0%}); "
        f"the rest on what is known ({known})"
    )


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

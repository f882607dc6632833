"""Trends over time: forgetting (a company's rounds worsen as rehearsal moves away from
its style) and temporal drift (rehearsal and round metrics trending worse)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepops.evaluation.scorecard import performance
from prepops.monitoring import stats
from prepops.monitoring.findings import Candidate, Short, ids
from prepops.runtime.settings import Monitor

# rehearsal metric -> the direction that means worse
REHEARSAL_TRENDS = {"coverage": "down", "filler_rate": "up", "snr": "down"}
WINDOW_DAYS = 21  # rehearsals this many days before a round count towards its preparation
LARGE_TAU = 0.5  # three pairs in four ordered the worse way: a slide, not a wobble
LARGE_FORGETTING_TAU = -0.6  # stricter: the cause (rehearsal moved away) is only inferred


def _day(series: pd.Series) -> np.ndarray:
    return pd.to_datetime(series).map(pd.Timestamp.toordinal).to_numpy(float)


def _aimed_share(aimed: np.ndarray, reh_day: np.ndarray, days: np.ndarray) -> np.ndarray:
    """For each round day, the share of the window's rehearsals that were `aimed` (NaN if
    none); cumulative counts over the sorted rehearsal days do every round at once."""
    order = np.argsort(reh_day, kind="stable")
    sorted_days, cum_aimed = reh_day[order], np.concatenate([[0], np.cumsum(aimed[order])])
    hi = np.searchsorted(sorted_days, days, side="left")
    lo = np.searchsorted(sorted_days, days - WINDOW_DAYS, side="left")
    total = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (cum_aimed[hi] - cum_aimed[lo]) / total, np.nan)


def _forgetting(
    company: str, g: pd.DataFrame, aimed: np.ndarray, reh_day: np.ndarray, cfg: Monitor
) -> Candidate | None:
    """One company's candidate (`aimed`: which rehearsals target its style), or None when
    too few rounds have rehearsals before them or preparation did not move away."""
    g = g.sort_values("date")
    days = _day(g["date"])
    share = _aimed_share(aimed, reh_day, days)
    ok = ~np.isnan(share)
    if ok.sum() < cfg.min_n:
        return None
    prep = stats.trend(days[ok], share[ok], worse="down")
    if prep["tau"] >= 0:
        return None  # preparation did not move away: nothing to attribute
    perf = stats.trend(days, g["perf"].to_numpy(float), worse="down")
    return Candidate(
        "forgetting",
        company,
        f"{company}: rubric trend tau {perf['tau']:+.2f} over {len(g)} rounds while the "
        f"share of rehearsal aimed at its style fell (tau {prep['tau']:+.2f})",
        len(g),
        {"tau": perf["tau"], "prep_share_tau": prep["tau"], "test": "Kendall tau (one-sided)"},
        perf["p_value"],
        ids(g),
        large=perf["tau"] <= LARGE_FORGETTING_TAU,
        company=company,
        expected=f"no trend in its rubric over {len(g)} rounds (tau 0), tau was {perf['tau']:+.2f}",
        unit="rounds",
    )


def forgetting(
    tables: dict, records: list[dict], cfg: Monitor
) -> tuple[list[Candidate], list[Short]]:
    """A company's rounds getting worse while rehearsals moved to other companies' modes."""
    rounds, cards = tables["rounds"], tables["companies"]
    primary = dict(zip(cards["company"], cards["primary_mode"], strict=True))
    reh = pd.DataFrame(records)
    if reh.empty:
        return [], [("forgetting: no rehearsals", 0, [], None)]
    reh_day = _day(reh["date"])
    frame = rounds.assign(perf=performance(rounds)).dropna(subset=["perf"])
    found = []
    for company, g in sorted(frame.groupby("company"), key=lambda kv: kv[0]):
        if len(g) < cfg.min_n:
            continue
        aimed = ((reh["company"] == company) | (reh["mode"] == primary.get(company))).to_numpy()
        candidate = _forgetting(company, g, aimed, reh_day, cfg)
        found += [candidate] if candidate else []
    return found, []


def _rehearsal_trends(reh: pd.DataFrame, cfg: Monitor) -> list[Candidate]:
    """Each rehearsal metric trending in its worse direction (Kendall tau)."""
    found = []
    days = _day(reh["date"])
    for metric, worse in REHEARSAL_TRENDS.items():
        values = reh["scores"].map(lambda s, m=metric: s.get(m)).astype(float).to_numpy()
        ok = ~np.isnan(values)
        if ok.sum() < cfg.min_n:
            continue
        res = stats.trend(days[ok], values[ok], worse)
        found.append(
            Candidate(
                "temporal_drift",
                f"rehearsals: {metric}",
                f"rehearsal {metric} trending {'down' if worse == 'down' else 'up'} (worse) "
                f"over {ok.sum()} rehearsals (tau {res['tau']:+.2f})",
                int(ok.sum()),
                {"tau": res["tau"], "metric": metric, "test": "Kendall tau (one-sided)"},
                res["p_value"],
                [],
                large=abs(res["tau"]) >= LARGE_TAU,
                extra={"modes": sorted(set(reh["mode"]))},
                expected=f"no trend (tau 0), tau was {res['tau']:+.2f}",
                unit="rehearsals",
            )
        )
    return found


def _round_trends(rounds: pd.DataFrame, loss: pd.Series, cfg: Monitor) -> list[Candidate]:
    """Round rubric mean trending down and lost signals trending up (Kendall tau)."""
    found = []
    frame = rounds.assign(perf=performance(rounds), loss=loss)
    for metric, worse in (("perf", "down"), ("loss", "up")):
        g = frame.dropna(subset=[metric])
        if len(g) < cfg.min_n:
            continue
        res = stats.trend(_day(g["date"]), g[metric].to_numpy(float), worse)
        label = "rubric mean" if metric == "perf" else "lost signals"
        found.append(
            Candidate(
                "temporal_drift",
                f"rounds: {label}",
                f"round {label} trending worse over {len(g)} rounds (tau {res['tau']:+.2f})",
                len(g),
                {"tau": res["tau"], "metric": label, "test": "Kendall tau (one-sided)"},
                res["p_value"],
                [],
                large=abs(res["tau"]) >= LARGE_TAU,
                expected=f"no trend (tau 0), tau was {res['tau']:+.2f}",
                unit="rounds",
            )
        )
    return found


def temporal_drift(
    rounds: pd.DataFrame, loss: pd.Series, records: list[dict], cfg: Monitor
) -> tuple[list[Candidate], list[Short]]:
    """Rehearsal and round metrics trending worse over time."""
    reh = pd.DataFrame(records)
    if len(reh) >= cfg.min_n:
        found, short = _rehearsal_trends(reh, cfg), []
    else:
        found, short = [], [("temporal drift: rehearsals", len(reh), [], None)]
    return found + _round_trends(rounds, loss, cfg), short

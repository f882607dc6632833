"""Monitoring: what drifted, what is real signal and what is local noise.

Each check below yields candidate findings with a p-value from a small-sample test
(prepops.monitoring.stats). All p-values of one run are Holm-corrected together, then:
high = adjusted p < alpha_high and a large effect; medium = adjusted p < alpha; low = the
raw p < alpha only (not surviving the correction; shown, never acted on). A group below
`min_n` is never tested: it becomes an `insufficient_data` finding. Rule-based kinds
(consensus feedback, local noise) carry no p-value and are capped at medium.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from prepops.data.contract import FOLLOW_UP_KINDS, MODES, RUBRIC_DIMENSIONS, STAGES
from prepops.evaluation.calibration import NEGATIVE, POSITIVE, labelled
from prepops.evaluation.scorecard import performance, round_loss
from prepops.monitoring import stats

HEAVY_STAGES = {"technical_screen", "coding", "system_design", "incident", "research", "final"}
# rehearsal metric -> the direction that means worse
REHEARSAL_TRENDS = {"coverage": "down", "filler_rate": "up", "snr": "down"}


@dataclass(frozen=True)
class MonitorSettings:
    min_n: int = 5
    alpha: float = 0.05
    alpha_high: float = 0.01
    consensus_companies: int = 3
    misroute_ok: float = 0.10  # a misroute rate above this is worth a patch
    strong_reject_ok: float = 0.25  # rounds read as strong, rejected more often than this
    strong_rubric: float = 4.0
    seed: int = 0


@dataclass
class Candidate:
    kind: str
    subject: str
    summary: str
    n: int
    statistic: dict[str, Any]
    p_value: float | None
    round_ids: list[str]
    large: bool = False  # effect large enough to be high severity
    company: str | None = None
    interval: list[float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _ids(frame: pd.DataFrame) -> list[str]:
    return sorted(str(i) for i in frame["id"])


# --- calibration ---------------------------------------------------------------------------
def calibration(rounds: pd.DataFrame, cfg: MonitorSettings) -> tuple[list[Candidate], list]:
    known = labelled(rounds)
    groups = [("overall", None, known)] + [
        (c, c, g) for c, g in sorted(known.groupby("company"), key=lambda kv: kv[0])
    ]
    found, short = [], []
    for subject, company, g in groups:
        if len(g) < cfg.min_n:
            short.append((f"calibration: {subject}", len(g), _ids(g), company))
            continue
        p = g["confidence"].astype(float).to_numpy()
        y = g["y"].to_numpy()
        pval, _low, _high = stats.poisson_binomial_pvalue(p, int(y.sum()))
        gap = float(p.mean() - y.mean())
        kind = "overconfidence" if gap > 0 else "underconfidence"
        found.append(
            Candidate(
                kind,
                subject,
                f"{subject}: mean confidence {p.mean():.2f} vs advanced {y.sum()}/{len(y)} "
                f"({y.mean():.2f}); gap {gap:+.2f}",
                len(g),
                {
                    "gap": round(gap, 4),
                    "expected_advances": round(float(p.sum()), 2),
                    "advanced": int(y.sum()),
                    "test": "exact Poisson-binomial",
                },
                pval,
                _ids(g),
                large=abs(gap) >= 0.25,
                company=company,
                interval=stats.bootstrap_mean_gap(p, y, cfg.seed),
            )
        )
    return found, short


# --- distribution shift --------------------------------------------------------------------
def _count_matrix(
    rounds: pd.DataFrame, rows: pd.DataFrame, column: str, cats: tuple[str, ...]
) -> np.ndarray:
    index = {rid: i for i, rid in enumerate(rounds["id"])}
    out = np.zeros((len(rounds), len(cats)))
    for rid, value in zip(rows["round_id"], rows[column], strict=True):
        if rid in index and value in cats:
            out[index[rid], cats.index(value)] += 1
    return out


def shift_features(tables: dict[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    rounds, q, f = tables["rounds"], tables["questions"], tables["follow_ups"]
    wanted = q.assign(mode=q["mode_wanted"].where(q["mode_wanted"].notna(), q["mode_used"]))
    dims = [c for c in rounds.columns if c.startswith("rubric.")]
    rubric = np.zeros((len(rounds), len(RUBRIC_DIMENSIONS)))
    for j, dim in enumerate(RUBRIC_DIMENSIONS):
        if f"rubric.{dim}" in dims:
            rubric[:, j] = rounds[f"rubric.{dim}"].notna().to_numpy()
    stage = np.array([[s == k for k in STAGES] for s in rounds["stage"]], dtype=float)
    return {  # rounds x categories; category names in CATEGORIES
        "stage mix": stage.reshape(len(rounds), len(STAGES)),
        "wanted-mode mix": _count_matrix(rounds, wanted, "mode", MODES),
        "follow-up kinds": _count_matrix(rounds, f, "kind", FOLLOW_UP_KINDS),
        "rubric emphasis": rubric,
    }


CATEGORIES = {
    "stage mix": STAGES,
    "wanted-mode mix": MODES,
    "follow-up kinds": FOLLOW_UP_KINDS,
    "rubric emphasis": RUBRIC_DIMENSIONS,
}


def distribution_shift(
    tables: dict[str, pd.DataFrame], cfg: MonitorSettings
) -> tuple[list[Candidate], list, dict]:
    rounds = tables["rounds"].reset_index(drop=True)
    features = shift_features(tables)
    companies = sorted(rounds["company"].unique())
    found, short, heatmap = [], [], {c: {} for c in companies}
    if len(companies) < 2:
        return found, short, heatmap
    for company in companies:
        in_group = (rounds["company"] == company).to_numpy()
        for name, counts in features.items():
            units = int(counts[in_group].sum())
            if in_group.sum() < cfg.min_n or units < cfg.min_n:
                heatmap[company][name] = {"js_distance": None, "n": units}
                continue
            seed = cfg.seed + len(found) + 1
            res = stats.shift_test(counts, in_group, seed)
            heatmap[company][name] = {
                "js_distance": res["js_distance"],
                "n": res["n"],
                "p_value": round(res["p_value"], 4),
            }
            found.append(
                Candidate(
                    "distribution_shift",
                    f"{company}: {name}",
                    f"{company}'s {name} differs from the other companies' (Jensen-Shannon "
                    f"distance {res['js_distance']:.2f}, Cramer's V {res['cramers_v']:.2f})",
                    res["n"],
                    {
                        "js_distance": res["js_distance"],
                        "cramers_v": res["cramers_v"],
                        "test": "permutation of company over rounds (chi-square)",
                        "feature": name,
                    },
                    res["p_value"],
                    _ids(rounds[in_group]),
                    large=res["js_distance"] >= 0.3,
                    company=company,
                    interval=res["interval"],
                    extra={
                        "top": _top(counts[in_group].sum(axis=0), CATEGORIES[name]),
                        "others_top": _top(counts[~in_group].sum(axis=0), CATEGORIES[name]),
                    },
                )
            )
        if in_group.sum() < cfg.min_n:
            short.append(
                (
                    f"distribution shift: {company}",
                    int(in_group.sum()),
                    _ids(rounds[in_group]),
                    company,
                )
            )
    return found, short, heatmap


def _top(totals: np.ndarray, names: tuple[str, ...], k: int = 2) -> list[str]:
    order = np.argsort(-totals, kind="stable")
    return [names[i] for i in order[:k] if totals[i] > 0]


# --- feedback: consensus vs local noise ----------------------------------------------------
def feedback(rounds: pd.DataFrame, cfg: MonitorSettings) -> list[dict]:
    seen: dict[str, dict[str, list[str]]] = {}
    for rid, company, tags in zip(rounds["id"], rounds["company"], rounds["feedback"], strict=True):
        if isinstance(tags, (list, np.ndarray)):
            for tag in tags:
                seen.setdefault(str(tag), {}).setdefault(company, []).append(str(rid))
    out = []
    n_companies = rounds["company"].nunique()
    for tag, by_company in sorted(seen.items()):
        ids = sorted(i for v in by_company.values() for i in v)
        k = len(by_company)
        if k >= cfg.consensus_companies:
            kind, severity = "consensus_feedback", "medium"
            summary = f"'{tag}' heard at {k} of {n_companies} companies: likely real"
        elif k == 1:
            kind, severity = "local_noise", "info"
            company = next(iter(by_company))
            summary = f"'{tag}' only at {company} ({len(ids)} round(s)): likely local noise"
        else:
            continue
        out.append(
            {
                "kind": kind,
                "severity": severity,
                "subject": tag,
                "summary": summary,
                "company": next(iter(by_company)) if k == 1 else None,
                "evidence": {
                    "n": len(ids),
                    "statistic": {"companies": k, "of_companies": n_companies},
                    "p_value": None,
                    "interval": None,
                    "round_ids": ids,
                },
            }
        )
    return out


# --- misrouting, thresholds ----------------------------------------------------------------
def misrouting(tables: dict[str, pd.DataFrame], cfg: MonitorSettings) -> tuple[list, list]:
    q = tables["questions"].dropna(subset=["mode_wanted"])
    if len(q) < cfg.min_n:
        return [], [("misrouting", len(q), sorted(set(q["round_id"])), None)]
    wrong = q[q["mode_used"] != q["mode_wanted"]]
    res = stats.binomial_greater(len(wrong), len(q), cfg.misroute_ok)
    pairs = wrong.groupby(["mode_used", "mode_wanted"]).size().sort_values(ascending=False)
    top = ", ".join(f"{u}->{w} x{c}" for (u, w), c in pairs.head(3).items())
    return [
        Candidate(
            "misrouting",
            "overall",
            f"{len(wrong)} of {len(q)} questions answered in the wrong mode ({res['rate']:.0%}); "
            f"most: {top or 'none'}",
            len(q),
            {
                "rate": res["rate"],
                "acceptable": cfg.misroute_ok,
                "test": "binomial",
                "pairs": {f"{u}->{w}": int(c) for (u, w), c in pairs.items()},
            },
            res["p_value"],
            sorted(set(wrong["round_id"])),
            large=res["rate"] >= 0.3,
            interval=res["interval"],
            extra={"wanted_modes": sorted(set(wrong["mode_wanted"]))},
        )
    ], []


def threshold_mismatch(rounds: pd.DataFrame, cfg: MonitorSettings) -> tuple[list, list]:
    frame = rounds.assign(perf=performance(rounds))
    strong = frame[
        (frame["perf"] >= cfg.strong_rubric) & frame["outcome"].isin(POSITIVE | NEGATIVE)
    ]
    found, short = [], []
    by_company = sorted(strong.groupby("company"), key=lambda kv: kv[0])
    groups = [("overall", None, strong), *((c, c, g) for c, g in by_company)]
    for subject, company, g in groups:
        if len(g) < cfg.min_n:
            if company is None:
                short.append(("threshold: rounds read as strong", len(g), _ids(g), None))
            continue
        rejected = g[g["outcome"].isin(NEGATIVE)]
        res = stats.binomial_greater(len(rejected), len(g), cfg.strong_reject_ok)
        found.append(
            Candidate(
                "threshold_mismatch",
                subject,
                f"{subject}: {len(rejected)} of {len(g)} rounds you read as strong (rubric >= "
                f"{cfg.strong_rubric}) were rejected",
                len(g),
                {
                    "rejected_rate": res["rate"],
                    "acceptable": cfg.strong_reject_ok,
                    "test": "binomial",
                },
                res["p_value"],
                _ids(rejected),
                large=res["rate"] >= 0.6,
                company=company,
                interval=res["interval"],
            )
        )
    return found, short


# --- interference, forgetting, temporal drift ----------------------------------------------
def interference(rounds: pd.DataFrame, loss: pd.Series, cfg: MonitorSettings) -> tuple[list, list]:
    heavy = rounds[rounds["stage"].isin(HEAVY_STAGES) | (rounds["duration_min"] >= 60)]
    heavy = heavy.assign(loss=loss.loc[heavy.index]).dropna(subset=["loss"])
    per_day = heavy.groupby("date")["id"].transform("size")
    stacked, alone = heavy[per_day >= 2], heavy[per_day == 1]
    if len(stacked) < 2 or len(alone) < 2 or len(heavy) < cfg.min_n:
        return [], [
            ("interference: heavy rounds on the same day", len(stacked), _ids(stacked), None)
        ]
    res = stats.mean_difference_test(
        stacked["loss"].to_numpy(float), alone["loss"].to_numpy(float), cfg.seed
    )
    days = sorted({d.strftime("%Y-%m-%d") for d in stacked["date"]})
    return [
        Candidate(
            "interference",
            "heavy rounds on one day",
            f"heavy rounds sharing a day ({', '.join(days[:4])}) lost "
            f"{res['difference']:+.2f} more signals each (clarifications, rescues, shifts, "
            "corrections) than heavy rounds alone "
            "(dates have no time of day, so all rounds of a stacked day are compared)",
            len(heavy),
            {
                "difference": res["difference"],
                "stacked": len(stacked),
                "alone": len(alone),
                "test": "permutation (one-sided)",
            },
            res["p_value"],
            _ids(stacked),
            large=res["difference"] >= 2,
            interval=res["interval"],
            extra={"companies": sorted(set(stacked["company"]))},
        )
    ], []


def _day(series: pd.Series) -> np.ndarray:
    return pd.to_datetime(series).map(pd.Timestamp.toordinal).to_numpy(float)


def forgetting(tables: dict, records: list[dict], cfg: MonitorSettings) -> tuple[list, list]:
    """A company's rounds getting worse while rehearsals moved to other companies' modes."""
    rounds, cards = tables["rounds"], tables["companies"]
    primary = dict(zip(cards["company"], cards["primary_mode"], strict=True))
    reh = pd.DataFrame(records)
    found, short = [], []
    if reh.empty:
        return found, [("forgetting: no rehearsals", 0, [], None)]
    reh_day = _day(reh["date"])
    frame = rounds.assign(perf=performance(rounds)).dropna(subset=["perf"])
    for company, g in sorted(frame.groupby("company"), key=lambda kv: kv[0]):
        if len(g) < cfg.min_n:
            continue
        g = g.sort_values("date")
        days = _day(g["date"])
        # share of the 21 days' rehearsals aimed at this company's style, for every round
        # at once: cumulative counts over the sorted rehearsal days
        aimed = ((reh["company"] == company) | (reh["mode"] == primary.get(company))).to_numpy()
        order = np.argsort(reh_day, kind="stable")
        sorted_days, cum_aimed = reh_day[order], np.concatenate([[0], np.cumsum(aimed[order])])
        hi = np.searchsorted(sorted_days, days, side="left")
        lo = np.searchsorted(sorted_days, days - 21, side="left")
        total = hi - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, (cum_aimed[hi] - cum_aimed[lo]) / total, np.nan)
        ok = ~np.isnan(share)
        if ok.sum() < cfg.min_n:
            continue
        prep = stats.trend(days[ok], share[ok], worse="down")
        if prep["tau"] >= 0:
            continue  # preparation did not move away: nothing to attribute
        perf = stats.trend(days, g["perf"].to_numpy(float), worse="down")
        found.append(
            Candidate(
                "forgetting",
                company,
                f"{company}: rubric trend tau {perf['tau']:+.2f} over {len(g)} rounds while the "
                f"share of rehearsal aimed at its style fell (tau {prep['tau']:+.2f})",
                len(g),
                {
                    "tau": perf["tau"],
                    "prep_share_tau": prep["tau"],
                    "test": "Kendall tau (one-sided)",
                },
                perf["p_value"],
                _ids(g),
                large=perf["tau"] <= -0.6,
                company=company,
            )
        )
    return found, short


def temporal_drift(
    rounds: pd.DataFrame, loss: pd.Series, records: list[dict], cfg: MonitorSettings
) -> tuple[list, list]:
    found, short = [], []
    reh = pd.DataFrame(records)
    if len(reh) >= cfg.min_n:
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
                    large=abs(res["tau"]) >= 0.5,
                    extra={"modes": sorted(set(reh["mode"]))},
                )
            )
    else:
        short.append(("temporal drift: rehearsals", len(reh), [], None))
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
                large=abs(res["tau"]) >= 0.5,
            )
        )
    return found, short


# --- putting it together -------------------------------------------------------------------
def _family(kind: str) -> str:
    return "calibration" if kind in ("overconfidence", "underconfidence") else kind


def _severity(
    overall: float, family: float, raw: float, large: bool, cfg: MonitorSettings
) -> str | None:
    """high: survives Holm over every test of the run at alpha_high, with a large effect;
    medium: survives Holm within its family (one kind of check) at alpha; low: raw only."""
    if overall < cfg.alpha_high and large:
        return "high"
    if family < cfg.alpha:
        return "medium"
    if raw < cfg.alpha:
        return "low"
    return None


def monitor(tables: dict[str, pd.DataFrame], records: list[dict], cfg: MonitorSettings) -> dict:
    rounds = tables["rounds"].reset_index(drop=True)
    tables = {**tables, "rounds": rounds}
    loss = round_loss(rounds, tables["follow_ups"])
    candidates, short = [], []
    for found, missing in (
        calibration(rounds, cfg),
        misrouting(tables, cfg),
        threshold_mismatch(rounds, cfg),
        interference(rounds, loss, cfg),
        forgetting(tables, records, cfg),
        temporal_drift(rounds, loss, records, cfg),
    ):
        candidates += found
        short += missing
    shifts, missing, heatmap = distribution_shift(tables, cfg)
    candidates += shifts
    short += missing
    overall = stats.holm([c.p_value for c in candidates]) if candidates else []
    within = [0.0] * len(candidates)
    for name in {_family(c.kind) for c in candidates}:
        family = [i for i, c in enumerate(candidates) if _family(c.kind) == name]
        for i, adj in zip(family, stats.holm([candidates[i].p_value for i in family]), strict=True):
            within[i] = adj
    findings = []
    for c, adj, fam in zip(candidates, overall, within, strict=True):
        severity = _severity(adj, fam, c.p_value, c.large, cfg)
        if severity is None:
            continue
        findings.append(
            {
                "kind": c.kind,
                "severity": severity,
                "subject": c.subject,
                "summary": c.summary,
                "company": c.company,
                "evidence": {
                    "n": c.n,
                    "statistic": c.statistic,
                    "p_value": round(c.p_value, 5),
                    "p_adjusted": round(adj, 5),
                    "interval": c.interval,
                    "round_ids": c.round_ids,
                },
                **({"context": c.extra} if c.extra else {}),
            }
        )
    findings += feedback(rounds, cfg)
    for subject, n, ids, company in short:
        findings.append(
            {
                "kind": "insufficient_data",
                "severity": "info",
                "subject": subject,
                "summary": f"{subject}: n={n}, below the minimum of {cfg.min_n}; not tested",
                "company": company,
                "evidence": {
                    "n": n,
                    "statistic": None,
                    "p_value": None,
                    "interval": None,
                    "round_ids": ids,
                },
            }
        )
    order = {"high": 0, "medium": 1, "low": 2, "info": 3}
    findings.sort(key=lambda f: (order[f["severity"]], f["kind"], f["subject"]))
    seen: dict[str, int] = {}
    for f in findings:
        base = f"{f['kind']}-{slug(f['subject'])}"
        seen[base] = seen.get(base, 0) + 1
        f["id"] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return {
        "tests_run": len(candidates),
        "correction": "Holm within each kind of check (medium); Holm over all tests (high)",
        "thresholds": {"alpha": cfg.alpha, "alpha_high": cfg.alpha_high, "min_n": cfg.min_n},
        "findings": [{"id": f.pop("id"), **f} for f in findings],
        "drift": heatmap,
    }

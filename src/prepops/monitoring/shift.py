"""Distribution shift: does one company's mix of stages, modes, follow-ups or rubric
emphasis differ from the other companies'? Also the company x feature drift table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from prepops.data.contract import FOLLOW_UP_KINDS, MODES, RUBRIC_DIMENSIONS, STAGES
from prepops.monitoring import stats
from prepops.monitoring.findings import Candidate, Short, ids
from prepops.runtime.settings import Monitor

CATEGORIES = {
    "stage mix": STAGES,
    "wanted-mode mix": MODES,
    "follow-up kinds": FOLLOW_UP_KINDS,
    "rubric emphasis": RUBRIC_DIMENSIONS,
}
DRIFT_COLUMNS = ["company", "feature", "js_distance", "n"]
UNITS = {  # what a feature's n counts
    "stage mix": "rounds",
    "wanted-mode mix": "questions",
    "follow-up kinds": "follow-ups",
    "rubric emphasis": "rubric scores",
}
# about the distance between a uniform mix and one with a clear favourite; decided on the
# bias-corrected distance, since the plug-in exceeds it by chance at small n
LARGE_JS = 0.3


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
    """Per feature, a rounds x categories count matrix (category names in CATEGORIES)."""
    rounds, q, f = tables["rounds"], tables["questions"], tables["follow_ups"]
    wanted = q.assign(mode=q["mode_wanted"].where(q["mode_wanted"].notna(), q["mode_used"]))
    dims = [c for c in rounds.columns if c.startswith("rubric.")]
    rubric = np.zeros((len(rounds), len(RUBRIC_DIMENSIONS)))
    for j, dim in enumerate(RUBRIC_DIMENSIONS):
        if f"rubric.{dim}" in dims:
            rubric[:, j] = rounds[f"rubric.{dim}"].notna().to_numpy()
    stage = np.array([[s == k for k in STAGES] for s in rounds["stage"]], dtype=float)
    return {
        "stage mix": stage.reshape(len(rounds), len(STAGES)),
        "wanted-mode mix": _count_matrix(rounds, wanted, "mode", MODES),
        "follow-up kinds": _count_matrix(rounds, f, "kind", FOLLOW_UP_KINDS),
        "rubric emphasis": rubric,
    }


def _top(totals: np.ndarray, names: tuple[str, ...], k: int = 2) -> list[str]:
    order = np.argsort(-totals, kind="stable")
    return [names[i] for i in order[:k] if totals[i] > 0]


def _candidate(
    company: str, name: str, counts: np.ndarray, in_group: np.ndarray, ids_: list, res: dict
) -> Candidate:
    seed = res["seed"] + 100_000  # the redraw is a fresh set of permutations
    top = _top(counts[in_group].sum(axis=0), CATEGORIES[name])
    others = _top(counts[~in_group].sum(axis=0), CATEGORIES[name])
    return Candidate(
        "distribution_shift",
        f"{company}: {name}",
        f"{company}'s {name} differs from the other companies' (Jensen-Shannon "
        f"distance {res['js_distance']:.2f}, {res['js_null_mean']:.2f} by chance at this n, "
        f"bias-corrected {res['js_corrected']:.2f}; Cramer's V {res['cramers_v']:.2f})",
        res["n"],
        {
            "js_distance": res["js_distance"],
            "js_null_mean": res["js_null_mean"],
            "js_excess": res["js_excess"],
            "js_corrected": res["js_corrected"],
            "cramers_v": res["cramers_v"],
            "cramers_v_corrected": res["cramers_v_corrected"],
            "cramers_v_interval": res["cramers_v_interval"],
            "rounds": res["rounds"],
            "test": "permutation of company over rounds (chi-square); intervals: "
            "jackknife bias-corrected, bootstrap over rounds",
            "feature": name,
        },
        res["p_value"],
        ids_,
        large=res["js_corrected"] >= LARGE_JS,
        company=company,
        interval=res["interval"],
        extra={"top": top, "others_top": others},
        expected=f"the other companies' mix (mostly {', '.join(others) or 'none'}), here "
        f"mostly {', '.join(top) or 'none'}",
        unit=f"{UNITS[name]} at {company}",
        redraw=lambda b: stats.shift_pvalue(counts, in_group, seed, b),
    )


def _company_shifts(
    rounds: pd.DataFrame, features: dict, company: str, found: list[Candidate], cfg: Monitor
) -> dict:
    """Test every feature of one company, appending to `found`; returns its heatmap row."""
    in_group = (rounds["company"] == company).to_numpy()
    row = {}
    for name, counts in features.items():
        units = int(counts[in_group].sum())
        if in_group.sum() < cfg.min_n or units < cfg.min_n:
            row[name] = {"js_distance": None, "n": units}
            continue
        # a distinct seed per test: one more than the shift tests run so far
        seed = cfg.seed + len(found) + 1
        res = {**stats.shift_test(counts, in_group, seed, alpha=cfg.alpha), "seed": seed}
        row[name] = {
            "js_distance": res["js_distance"],
            "n": res["n"],
            "p_value": round(res["p_value"], 4),
        }
        found.append(_candidate(company, name, counts, in_group, ids(rounds[in_group]), res))
    return row


def distribution_shift(
    tables: dict[str, pd.DataFrame], cfg: Monitor
) -> tuple[list[Candidate], list[Short], dict]:
    """Each company against the others, per feature; returns candidates, short, heatmap."""
    rounds = tables["rounds"].reset_index(drop=True)
    companies = sorted(rounds["company"].unique())
    features = shift_features(tables)
    found, short, heatmap = [], [], {c: {} for c in companies}
    if len(companies) < 2:
        return found, short, heatmap
    for company in companies:
        heatmap[company] = _company_shifts(rounds, features, company, found, cfg)
        in_group = (rounds["company"] == company).to_numpy()
        if in_group.sum() < cfg.min_n:
            subject = f"distribution shift: {company}"
            short.append((subject, int(in_group.sum()), ids(rounds[in_group]), company))
    return found, short, heatmap


def drift_table(drift: dict[str, dict[str, dict]]) -> pd.DataFrame:
    """The drift heatmap as rows of company, feature, js_distance, n (for drift.csv)."""
    rows = [
        {"company": company, "feature": feature, "js_distance": cell["js_distance"], "n": cell["n"]}
        for company, features in drift.items()
        for feature, cell in features.items()
    ]
    return pd.DataFrame(rows, columns=DRIFT_COLUMNS)

"""The candidate's scorecard from the rounds: every figure with the n it rests on."""

from __future__ import annotations

import pandas as pd

from prepops.evaluation.calibration import NEGATIVE, POSITIVE, wilson

SIGNALS = ["signals.clarifications", "signals.rescues", "signals.topic_shifts"]


def _rubric(rounds: pd.DataFrame) -> pd.DataFrame:
    return rounds[[c for c in rounds.columns if c.startswith("rubric.")]].astype("Float64")


def performance(rounds: pd.DataFrame) -> pd.Series:
    """A round's performance: the mean of its rubric scores (NaN without a rubric)."""
    return _rubric(rounds).mean(axis=1, skipna=True)


def _stat(series: pd.Series) -> dict:
    s = series.dropna().astype(float)
    if s.empty:
        return {"n": 0, "mean": None}
    return {
        "n": len(s),
        "mean": round(float(s.mean()), 4),
        "median": round(float(s.median()), 4),
        "std": round(float(s.std(ddof=1)), 4) if len(s) > 1 else None,
    }


def round_loss(rounds: pd.DataFrame, follow_ups: pd.DataFrame) -> pd.Series:
    """Per round: clarifications + rescues + topic shifts + corrective follow-ups (NaN for a
    round without signals)."""
    corrective = follow_ups[follow_ups["kind"] == "corrective"].groupby("round_id").size()
    has_signals = rounds[SIGNALS].notna().any(axis=1)
    base = rounds[SIGNALS].astype("Float64").fillna(0).sum(axis=1).astype(float)
    return (base + rounds["id"].map(corrective).fillna(0).astype(float)).where(has_signals)


def loss_proxy(rounds: pd.DataFrame, follow_ups: pd.DataFrame) -> dict:
    """The loss proxy overall and per company."""
    frame = rounds.assign(loss=round_loss(rounds, follow_ups))
    return {
        "overall": _stat(frame["loss"]),
        "per_company": {c: _stat(g["loss"]) for c, g in frame.groupby("company")},
    }


def robustness(questions: pd.DataFrame, follow_ups: pd.DataFrame) -> dict:
    """Follow-up kinds, and how often an adversarial follow-up needed a rescue."""
    kinds = follow_ups["kind"].value_counts()
    n = len(follow_ups)
    adversarial = follow_ups[follow_ups["kind"] == "adversarial"][
        ["round_id", "q_index"]
    ].drop_duplicates()
    hit = questions.merge(adversarial, on=["round_id", "q_index"]).dropna(subset=["rescued"])
    rescued = int(hit["rescued"].astype(bool).sum())
    return {
        "follow_ups": {
            "n": n,
            **{
                k: int(kinds.get(k, 0))
                for k in ("exploratory", "corrective", "clarifying", "adversarial")
            },
        },
        "exploratory_share": round(kinds.get("exploratory", 0) / n, 4) if n else None,
        "corrective_share": round(kinds.get("corrective", 0) / n, 4) if n else None,
        "rescue_rate_after_adversarial": {
            "n": len(hit),
            "rescued": rescued,
            "rate": round(rescued / len(hit), 4) if len(hit) else None,
            "ci": wilson(rescued, len(hit)),
        },
    }


def rubric_coverage(rounds: pd.DataFrame) -> dict:
    """Per rubric dimension: how often it is scored, and its scores."""
    rubric = _rubric(rounds)
    return {
        col.split(".", 1)[1]: {
            "scored_share": round(float(rubric[col].notna().mean()), 4) if len(rubric) else None,
            **_stat(rubric[col]),
        }
        for col in rubric.columns
    } | {"n_rounds": len(rounds)}


def latency(questions: pd.DataFrame) -> dict:
    """Seconds to a coherent first answer, overall and per wanted mode."""
    s = questions["first_answer_s"].dropna().astype(float)
    by_mode = questions.assign(mode=questions["mode_wanted"].fillna(questions["mode_used"]))
    return {
        "first_answer_s": {
            **_stat(s),
            "q25": round(float(s.quantile(0.25)), 2) if len(s) else None,
            "q75": round(float(s.quantile(0.75)), 2) if len(s) else None,
        },
        "per_mode": {m: _stat(g["first_answer_s"]) for m, g in by_mode.groupby("mode")},
    }


def variance_across_days(rounds: pd.DataFrame) -> dict:
    """How much the daily mean performance varies."""
    daily = (
        rounds.assign(perf=performance(rounds))
        .dropna(subset=["perf"])
        .groupby("date")["perf"]
        .mean()
    )
    return {
        "n_days": len(daily),
        "std_of_daily_performance": round(float(daily.std(ddof=1)), 4) if len(daily) > 1 else None,
        "range": [round(float(daily.min()), 4), round(float(daily.max()), 4)]
        if len(daily)
        else None,
    }


def inter_rater(rounds: pd.DataFrame) -> dict:
    """Per rubric dimension: how far apart the interviewers' mean scores are."""
    rubric = _rubric(rounds).assign(rater=rounds["interviewer_id"])
    out = {}
    for col in [c for c in rubric.columns if c.startswith("rubric.")]:
        means = rubric.dropna(subset=[col, "rater"]).groupby("rater")[col].mean()
        out[col.split(".", 1)[1]] = {
            "n_raters": len(means),
            "n_ratings": int(rubric[col].notna().sum()),
            "spread": round(float(means.max() - means.min()), 4) if len(means) > 1 else None,
            "std": round(float(means.std(ddof=1)), 4) if len(means) > 1 else None,
        }
    return out


def generalization(rounds: pd.DataFrame) -> dict:
    """Same stage, different companies: how far apart the company means are."""
    frame = rounds.assign(perf=performance(rounds)).dropna(subset=["perf"])
    out = {}
    for stage, group in frame.groupby("stage"):
        means = group.groupby("company")["perf"].mean()
        if len(means) > 1:
            out[stage] = {
                "n_rounds": len(group),
                "n_companies": len(means),
                "spread": round(float(means.max() - means.min()), 4),
                "company_means": {k: round(float(v), 4) for k, v in means.items()},
            }
    return out


def decision_threshold(rounds: pd.DataFrame, strong: float) -> dict:
    """Rounds scored strong (mean rubric >= strong) that were rejected anyway."""
    frame = rounds.assign(perf=performance(rounds))
    strong_rounds = frame[(frame["perf"] >= strong) & frame["outcome"].isin(POSITIVE | NEGATIVE)]
    rejected = strong_rounds[strong_rounds["outcome"].isin(NEGATIVE)]
    return {
        "strong_rubric": strong,
        "n_strong": len(strong_rounds),
        "rejected_anyway": len(rejected),
        "round_ids": sorted(rejected["id"]),
    }


def funnel(rounds: pd.DataFrame) -> dict:
    """Per company, stage by stage in date order: rounds, known outcomes, advanced."""
    out = {}
    for company, group in rounds.sort_values("date").groupby("company"):
        steps = []
        for stage, g in group.groupby("stage", sort=False):
            known = g[g["outcome"].isin(POSITIVE | NEGATIVE)]
            advanced = int(known["outcome"].isin(POSITIVE).sum())
            steps.append(
                {
                    "stage": stage,
                    "n": len(g),
                    "known": len(known),
                    "advanced": advanced,
                    "conversion": round(advanced / len(known), 4) if len(known) else None,
                }
            )
        out[company] = steps
    return out


def build(tables: dict[str, pd.DataFrame], strong: float) -> dict:
    """The whole scorecard."""
    rounds, questions, follow_ups = tables["rounds"], tables["questions"], tables["follow_ups"]
    return {
        "n_rounds": len(rounds),
        "loss_proxy": loss_proxy(rounds, follow_ups),
        "robustness": robustness(questions, follow_ups),
        "rubric_coverage": rubric_coverage(rounds),
        "latency": latency(questions),
        "variance_across_days": variance_across_days(rounds),
        "inter_rater": inter_rater(rounds),
        "generalization": generalization(rounds),
        "decision_threshold": decision_threshold(rounds, strong),
        "funnel": funnel(rounds),
    }
